import { readPackageFile } from "../util/package-file.js";
import { loadCascade, type Cascade } from "./cascade.js";

// The shipped default: OpenCV's haarcascade_frontalface_default.xml (Rainer Lienhart's 24×24 stump cascade),
// in models/haarcascades/ of the package with its license. Read with fs in Node, once per process.
// Browsers have no fs: fetch defaultCascadeUrl() (bundlers resolve it) and pass the text as `cascade`.

export const DEFAULT_CASCADE_FILE = "haarcascade_frontalface_default.xml";

/** Where the default cascade lies, relative to this module (src/detect/ and dist/detect/ alike). */
export function defaultCascadeUrl(): URL {
  return new URL(`../../models/haarcascades/${DEFAULT_CASCADE_FILE}`, import.meta.url);
}

let cached: Cascade | undefined;

export function defaultCascade(): Cascade {
  if (!cached) {
    const bytes = readPackageFile({
      url: defaultCascadeUrl(), file: DEFAULT_CASCADE_FILE, what: "the default cascade", kind: "cascade",
      instead: `fetch ${DEFAULT_CASCADE_FILE} and pass its text as the cascade option`,
    });
    const text = new TextDecoder().decode(bytes);
    cached = loadCascade(text, DEFAULT_CASCADE_FILE);
  }
  return cached;
}

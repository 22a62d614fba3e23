import { ResezapError } from "../errors.js";
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
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const fs = proc?.getBuiltinModule?.("node:fs") as typeof import("node:fs") | undefined;
    if (!fs) {
      throw new ResezapError(
        `the default cascade is read from the package with node:fs, which this runtime lacks: fetch ${DEFAULT_CASCADE_FILE} and pass its text as the cascade option`,
      );
    }
    let text: string;
    try {
      text = fs.readFileSync(defaultCascadeUrl(), "utf8");
    } catch (e) {
      throw new ResezapError(`${DEFAULT_CASCADE_FILE}: cannot read the shipped cascade: ${(e as Error).message}`);
    }
    cached = loadCascade(text, DEFAULT_CASCADE_FILE);
  }
  return cached;
}

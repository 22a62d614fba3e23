import { ResezapError } from "../errors.js";

// Files shipped in the package (the default cascade, YuNet), read synchronously with node:fs where the runtime has
// it (Node's process.getBuiltinModule, so that bundles for browsers carry no import of node:fs). Browsers fetch the
// file themselves: the error says how.

export interface PackageFile {
  url: URL;
  /** the file's name, for the message */
  file: string;
  /** "the default cascade", "YuNet" */
  what: string;
  /** "cascade", "model" */
  kind: string;
  /** what to do where there is no node:fs */
  instead: string;
}

export function readPackageFile({ url, file, what, kind, instead }: PackageFile): Uint8Array {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.("node:fs") as typeof import("node:fs") | undefined;
  if (!fs) throw new ResezapError(`${what} is read from the package with node:fs, which this runtime lacks: ${instead}`);
  try {
    return new Uint8Array(fs.readFileSync(url));
  } catch (e) {
    throw new ResezapError(`${file}: cannot read the shipped ${kind}: ${(e as Error).message}`);
  }
}

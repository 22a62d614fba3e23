import { readFile } from "node:fs/promises";
import { ImageError } from "../errors.js";
import { decodeImage } from "../image/decode.js";

/** Reads and decodes a PNG or JPEG file for the CLI; a missing or unreadable file is an ImageError naming it. */
export async function readImage(file: string) {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new ImageError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeImage(bytes, file);
}

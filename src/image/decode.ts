import { ImageError } from "../errors.js";
import { decodeJpeg } from "./jpeg.js";
import { decodePng } from "./png.js";
import type { ImageLike } from "./types.js";

/** PNG or JPEG bytes → RGBA, told apart by their signatures (not by the file name). */
export function decodeImage(bytes: Uint8Array, file = "image"): ImageLike {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return decodePng(bytes, file);
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return decodeJpeg(bytes, file);
  throw new ImageError(`${file}: not a PNG or JPEG file (unknown signature ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ")})`);
}

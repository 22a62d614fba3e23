import { PNG } from "pngjs";
import { ImageError, LimitError } from "../errors.js";
import { LIMITS } from "../limits.js";
import type { ImageLike } from "./types.js";

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/** Reads width and height from a PNG's IHDR without decoding, and refuses images over LIMITS. */
export function pngSize(bytes: Uint8Array, file = "PNG"): { width: number; height: number } {
  if (bytes.length < 24 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new ImageError(`${file}: not a PNG file (expected the 8-byte PNG signature)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]);
  if (type !== "IHDR") throw new ImageError(`${file}: first PNG chunk is ${JSON.stringify(type)}, expected "IHDR"`);
  const width = dv.getUint32(16), height = dv.getUint32(20);
  if (width === 0 || height === 0) throw new ImageError(`${file}: PNG size ${width}×${height}, expected a positive width and height`);
  if (width > LIMITS.maxImageSide || height > LIMITS.maxImageSide || width * height > LIMITS.maxImagePixels) {
    throw new LimitError(
      `${file}: PNG is ${width}×${height}, over the limit of ${LIMITS.maxImageSide} px a side and ${LIMITS.maxImagePixels} pixels`,
    );
  }
  return { width, height };
}

// Bits a pixel by colour type (grey, -, RGB, palette, grey+alpha, -, RGBA), times the bit depth.
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
// deflate codes at most 258 bytes in about 2 bits, so no stream inflates more than 1032-fold
const MAX_INFLATE_RATIO = 1032;

/**
 * Refuses a PNG whose image data (all IDAT chunks) is too short to inflate to the rows its header declares.
 * pngjs decodes such a file anyway, zero-filling: scripts/fuzz.mjs found 647 bytes that decoded to
 * 8192×8192 (256 MB, seconds of work). Checked before pngjs allocates anything.
 */
function checkPngData(bytes: Uint8Array, width: number, height: number, file: string): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let idat = 0;
  for (let i = 8; i + 8 <= bytes.length; ) {
    const len = dv.getUint32(i);
    if (bytes[i + 4] === 0x49 && bytes[i + 5] === 0x44 && bytes[i + 6] === 0x41 && bytes[i + 7] === 0x54) idat += Math.min(len, bytes.length - i - 8);
    i += 12 + len;
  }
  const bits = (CHANNELS[bytes[25]] ?? 1) * (bytes[24] || 1);
  const rows = height * (1 + Math.ceil((width * bits) / 8));
  if (idat * MAX_INFLATE_RATIO < rows) {
    throw new ImageError(`${file}: PNG header says ${width}×${height}, but its ${idat} bytes of image data cannot inflate to that (truncated or corrupt)`);
  }
}

/** Decodes a PNG (any colour type and bit depth) to RGBA 8-bit. */
export function decodePng(bytes: Uint8Array, file = "PNG"): ImageLike {
  const { width, height } = pngSize(bytes, file);
  checkPngData(bytes, width, height, file);
  let png: { width: number; height: number; data: Uint8Array };
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new ImageError(`${file}: PNG does not decode: ${(e as Error).message}`);
  }
  if (png.data.length !== png.width * png.height * 4) {
    throw new ImageError(`${file}: PNG decoded to ${png.data.length} bytes, expected ${png.width * png.height * 4}`);
  }
  return { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), width: png.width, height: png.height, channels: 4 };
}

/** Encodes RGBA 8-bit to PNG bytes. */
export function encodePng(img: { data: Uint8Array | Uint8ClampedArray; width: number; height: number }): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length);
  return PNG.sync.write(png);
}

import jpeg from "jpeg-js";
import { ImageError, LimitError } from "../errors.js";
import { LIMITS } from "../limits.js";
import type { ImageLike } from "./types.js";

// JPEG via jpeg-js: pure JavaScript (no native build, so it installs anywhere npm does and runs in browsers),
// baseline and progressive, 116 KB unpacked and no dependencies — smaller than pngjs. We read the frame
// header ourselves first, so an oversized image is refused before jpeg-js allocates anything.

/** Width and height from the first SOF marker, without decoding. */
export function jpegSize(bytes: Uint8Array, file = "JPEG"): { width: number; height: number } {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new ImageError(`${file}: not a JPEG file (expected the FFD8 start marker)`);
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) throw new ImageError(`${file}: JPEG marker expected at byte ${i}, found 0x${bytes[i].toString(16)}`);
    const m = bytes[i + 1];
    if (m === 0xff) {
      i++;
      continue;
    }
    const len = (bytes[i + 2] << 8) | bytes[i + 3];
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC)
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (i + 9 > bytes.length) break;
      const height = (bytes[i + 5] << 8) | bytes[i + 6], width = (bytes[i + 7] << 8) | bytes[i + 8];
      if (width === 0 || height === 0) throw new ImageError(`${file}: JPEG size ${width}×${height}, expected a positive width and height`);
      if (width > LIMITS.maxImageSide || height > LIMITS.maxImageSide || width * height > LIMITS.maxImagePixels) {
        throw new LimitError(`${file}: JPEG is ${width}×${height}, over the limit of ${LIMITS.maxImageSide} px a side and ${LIMITS.maxImagePixels} pixels`);
      }
      return { width, height };
    }
    if (len < 2) throw new ImageError(`${file}: JPEG segment at byte ${i} has length ${len}`);
    i += 2 + len;
  }
  throw new ImageError(`${file}: JPEG has no frame header (truncated?)`);
}

export function decodeJpeg(bytes: Uint8Array, file = "JPEG"): ImageLike {
  const { width, height } = jpegSize(bytes, file);
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: LIMITS.maxImagePixels / 1e6,
      maxMemoryUsageInMB: Math.ceil((width * height * 8) / 2 ** 20) + 64,
    });
  } catch (e) {
    throw new ImageError(`${file}: JPEG does not decode: ${(e as Error).message ?? e}`);
  }
  if (img.width !== width || img.height !== height || img.data.length !== width * height * 4) {
    throw new ImageError(`${file}: JPEG decoded to ${img.width}×${img.height}, header says ${width}×${height}`);
  }
  return { data: img.data, width, height, channels: 4 };
}

import jpeg from "jpeg-js";
import { ImageError, LimitError } from "../errors.js";
import { LIMITS } from "../limits.js";
import type { ImageLike } from "./types.js";

// JPEG via jpeg-js: pure JavaScript (no native build, so it installs anywhere npm does and runs in browsers),
// baseline and progressive, 116 KB unpacked and no dependencies — smaller than pngjs. We read the frame
// header ourselves first, so an oversized image is refused before jpeg-js allocates anything.

/** Width and height from the first SOF marker, without decoding. */
export function jpegSize(bytes: Uint8Array, file = "JPEG"): { width: number; height: number; components: number } {
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
      // Huffman coding spends at least one bit on every 8×8 block (its DC code), two in a sequential JPEG (DC
      // and end-of-block), so a file with fewer bytes than pixels/512 (pixels/256) is cut short; jpeg-js would
      // still allocate and decode the whole frame (found by scripts/fuzz.mjs: 617 bytes claiming 7936×8191
      // took 12 s and 1.3 GB before failing).
      const progressive = m === 0xc2 || m === 0xc6 || m === 0xca || m === 0xce;
      if (width * height > bytes.length * (progressive ? 512 : 256)) {
        throw new ImageError(`${file}: JPEG header says ${width}×${height}, but ${bytes.length} bytes cannot hold that many pixels (truncated or corrupt)`);
      }
      const components = i + 9 < bytes.length ? bytes[i + 9] : 0;
      return { width, height, components };
    }
    if (len < 2) throw new ImageError(`${file}: JPEG segment at byte ${i} has length ${len}`);
    i += 2 + len;
  }
  throw new ImageError(`${file}: JPEG has no frame header (truncated?)`);
}

export function decodeJpeg(bytes: Uint8Array, file = "JPEG"): ImageLike {
  const { width, height, components } = jpegSize(bytes, file);
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: LIMITS.maxImagePixels / 1e6,
      // what jpeg-js accounts per pixel: for each component 256 bytes a block (4 a pixel) and 2 more, then 4 for
      // the RGBA output. The 8 a pixel used before refused any colour JPEG over about 5 MP (a 3000×2000
      // photo failed with "maxMemoryUsageInMB limit exceeded").
      maxMemoryUsageInMB: Math.ceil((width * height * (6 * Math.min(Math.max(components, 1), 4) + 4)) / 2 ** 20) + 64,
    });
  } catch (e) {
    throw new ImageError(`${file}: JPEG does not decode: ${(e as Error).message ?? e}`);
  }
  if (img.width !== width || img.height !== height || img.data.length !== width * height * 4) {
    throw new ImageError(`${file}: JPEG decoded to ${img.width}×${img.height}, header says ${width}×${height}`);
  }
  return { data: img.data, width, height, channels: 4 };
}

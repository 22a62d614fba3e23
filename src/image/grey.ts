import { ImageError } from "../errors.js";
import type { GreyImage, ImageLike } from "./types.js";

// Grey as OpenCV 4.6's cvtColor(RGB2GRAY) computes it for 8-bit images: fixed point with 15 fractional bits,
// Y = (9798·R + 19235·G + 3735·B + 2^14) >> 15, i.e. 0.299 R + 0.587 G + 0.114 B rounded. The same rule as
// the face detector's WASM (assembly/haar/grey.ts), so a face is classified from the grey it was found in.
// Alpha is ignored.
const R_W = 9798, G_W = 19235, B_W = 3735;

export function channelsOf(img: ImageLike, what = "image"): 1 | 3 | 4 {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ImageError(`${what}: width and height must be positive integers, found ${width}×${height}`);
  }
  const n = width * height;
  const ch = img.channels ?? (data.length === n * 4 ? 4 : data.length === n * 3 ? 3 : data.length === n ? 1 : 0);
  if (ch === 0 || data.length !== n * ch) {
    throw new ImageError(
      `${what}: data has ${data.length} bytes, expected ${n} (grey), ${n * 3} (RGB) or ${n * 4} (RGBA) for ${width}×${height}`,
    );
  }
  return ch as 1 | 3 | 4;
}

export function toGrey(img: ImageLike, what = "image"): GreyImage {
  const ch = channelsOf(img, what);
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  const d = img.data;
  if (ch === 1) {
    out.set(d);
  } else {
    for (let i = 0, j = 0; i < n; i++, j += ch) {
      out[i] = (R_W * d[j] + G_W * d[j + 1] + B_W * d[j + 2] + 16384) >> 15;
    }
  }
  return { data: out, width: img.width, height: img.height };
}

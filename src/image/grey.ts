import { ImageError } from "../errors.js";
import type { Rect } from "./resize.js";
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

/** The grey of `img`, or of the region `rect` of it (inside the image) when given. */
export function toGrey(img: ImageLike, what = "image", rect?: Rect): GreyImage {
  const ch = channelsOf(img, what);
  const { x, y, w, h } = rect ?? { x: 0, y: 0, w: img.width, h: img.height };
  if (!([x, y, w, h].every(Number.isInteger) && w > 0 && h > 0 && x >= 0 && y >= 0 && x + w <= img.width && y + h <= img.height)) {
    throw new ImageError(`${what}: region ${w}×${h} at (${x}, ${y}) is not inside the ${img.width}×${img.height} image`);
  }
  const out = new Uint8Array(w * h);
  const d = img.data;
  for (let r = 0; r < h; r++) {
    const row = (y + r) * img.width + x;
    if (ch === 1) {
      out.set(d.subarray(row, row + w), r * w);
      continue;
    }
    for (let i = r * w, j = row * ch, end = i + w; i < end; i++, j += ch) {
      out[i] = (R_W * d[j] + G_W * d[j + 1] + B_W * d[j + 2] + 16384) >> 15;
    }
  }
  return { data: out, width: w, height: h };
}

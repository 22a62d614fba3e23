import { ArgumentError } from "../errors.js";
import { channelsOf } from "./grey.js";
import type { ImageLike } from "./types.js";

// Aligned face crops: a similarity transform (rotation, uniform scale, shift) that puts the eyes level, their
// midpoint at EYE_CENTRE of the output and their distance at EYE_DISTANCE of its width, applied in one resampling.
// Each output pixel averages an n×n grid of bilinear samples over the source area it covers (n the shrink factor,
// rounded up), so a large face shrunk to 48×48 does not alias, as area averaging does for the box crops.

/** Where the eyes go in the output, as fractions of its width and height: about where they sit in a detector's box. */
export const EYE_CENTRE: readonly [number, number] = [0.5, 0.38];
export const EYE_DISTANCE = 0.42;

/** Landmarks as YuNet gives them: right eye, left eye (of the person: the right eye is on the image's left), nose, mouth corners. */
export type Landmarks = readonly (readonly [number, number])[];

/** The map from output pixel centres to source coordinates: src = A·(x, y) + t. */
export interface Similarity {
  a: number; // cos·s
  b: number; // sin·s
  tx: number;
  ty: number;
}

/** The transform that aligns `landmarks` in an output of width × height (source = this map of output). */
export function alignmentOf(landmarks: Landmarks, width: number, height: number): Similarity {
  if (!Array.isArray(landmarks) || landmarks.length < 2 || !landmarks.slice(0, 2).every((p) => Array.isArray(p) && p.length === 2 && p.every(Number.isFinite))) {
    throw new ArgumentError(`landmarks: expected at least the two eyes as [x, y] pairs, found ${JSON.stringify(landmarks)?.slice(0, 80)}`);
  }
  const [[rx, ry], [lx, ly]] = landmarks;
  const dx = lx - rx, dy = ly - ry, d = Math.hypot(dx, dy);
  if (!(d > 0)) throw new ArgumentError("landmarks: the two eyes are at the same point");
  // output → source: rotate by the eyes' angle and scale by (source eye distance / output eye distance)
  const s = d / (EYE_DISTANCE * width);
  const a = (dx / d) * s, b = (dy / d) * s;
  const ox = EYE_CENTRE[0] * width, oy = EYE_CENTRE[1] * height; // output eye centre
  const cx = (rx + lx) / 2, cy = (ry + ly) / 2; // source eye centre
  return { a, b, tx: cx - (a * ox - b * oy), ty: cy - (b * ox + a * oy) };
}

/** Source coordinates of an output point. */
export function mapPoint(m: Similarity, x: number, y: number): [number, number] {
  return [m.a * x - m.b * y + m.tx, m.b * x + m.a * y + m.ty];
}

/**
 * The aligned crop of `image` as floats of 0–255, [height, width, channels] with channels 1 (grey by the same
 * weights as toGrey) or 3 (R, G, B); pixels outside the image repeat its nearest edge.
 */
export function alignedCrop(image: ImageLike, landmarks: Landmarks, width: number, height: number, channels: 1 | 3, out: Float32Array = new Float32Array(width * height * channels)): Float32Array {
  const m = alignmentOf(landmarks, width, height);
  const ch = channelsOf(image, "image");
  const W = image.width, H = image.height, d = image.data;
  const scale = Math.hypot(m.a, m.b); // source pixels per output pixel
  const n = Math.max(1, Math.ceil(scale));
  const px = new Float64Array(3);
  const sample = (sx: number, sy: number) => {
    // bilinear, edges repeated; px[] += the RGB (or grey) value
    const x = Math.min(Math.max(sx - 0.5, 0), W - 1), y = Math.min(Math.max(sy - 0.5, 0), H - 1);
    const x0 = Math.floor(x), y0 = Math.floor(y), x1 = Math.min(x0 + 1, W - 1), y1 = Math.min(y0 + 1, H - 1);
    const fx = x - x0, fy = y - y0;
    for (let c = 0; c < 3; c++) {
      const k = ch >= 3 ? c : 0;
      const v00 = d[(y0 * W + x0) * ch + k], v01 = d[(y0 * W + x1) * ch + k], v10 = d[(y1 * W + x0) * ch + k], v11 = d[(y1 * W + x1) * ch + k];
      px[c] += (v00 * (1 - fx) + v01 * fx) * (1 - fy) + (v10 * (1 - fx) + v11 * fx) * fy;
    }
  };
  for (let oy = 0; oy < height; oy++) {
    for (let ox = 0; ox < width; ox++) {
      px.fill(0);
      for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
        const [sx, sy] = mapPoint(m, ox + (i + 0.5) / n, oy + (j + 0.5) / n);
        sample(sx, sy);
      }
      const o = (oy * width + ox) * channels, k = 1 / (n * n);
      if (channels === 3) for (let c = 0; c < 3; c++) out[o + c] = px[c] * k;
      else out[o] = ch >= 3 ? (0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2]) * k : px[0] * k;
    }
  }
  return out;
}

// Data augmentation as Keras's ImageDataGenerator does it, on 48×48 grey faces, in plain TypeScript:
// one random affine map per image (rotation, shift, zoom with separate x and y factors, about the image
// centre), bilinear sampling with the border extended (fill_mode "nearest"), then a horizontal flip and a
// brightness factor (clipped to [0, 1], as PIL's enhancer clips at 255), and optionally random erasing (Zhong et
// al. 2017: a rectangle of 2–33 % of the face, aspect 0.3–3.3, filled with uniform noise). Cheap next to the network
// (about 2 k samples a face), so it runs on the main thread, in a fixed order, from a seeded Random:
// a run's augmentation is the same whatever the number of workers.

import type { Random } from "../util/random.js";

export interface AugmentOptions {
  /** degrees, uniform in ±rotation (reference recipe: 10) */
  rotation: number;
  /** fraction of the side, uniform in ±shift (0.1) */
  shift: number;
  /** zoom factors uniform in [1 - zoom, 1 + zoom], x and y independently (0.1) */
  zoom: number;
  /** probability of a horizontal flip (0.5) */
  flip: number;
  /** brightness factor uniform in [1 - brightness, 1 + brightness] (0.2) */
  brightness: number;
  /**
   * probability of random erasing (absent: 0, as in the reference recipe). At 0 no random number is drawn for
   * it, so runs without it keep their augmentation to the bit.
   */
  erase?: number;
}

/** Random erasing's rectangle: area fraction uniform in this range, aspect ratio (height / width) log-uniform in ERASE_ASPECT. */
export const ERASE_AREA = [0.02, 0.33] as const;
export const ERASE_ASPECT = [0.3, 1 / 0.3] as const;

export const REFERENCE_AUGMENT: AugmentOptions = { rotation: 10, shift: 0.1, zoom: 0.1, flip: 0.5, brightness: 0.2 };
export const NO_AUGMENT: AugmentOptions = { rotation: 0, shift: 0, zoom: 0, flip: 0, brightness: 0 };

// src: one face, side×side grey 0–255; out: side×side floats in [0, 1] at outOffset
function augmentOne(src: Uint8Array, srcOffset: number, side: number, rng: Random, o: AugmentOptions, out: Float32Array, outOffset: number): void {
  const theta = (rng.uniform(-o.rotation, o.rotation) * Math.PI) / 180;
  const ty = rng.uniform(-o.shift, o.shift) * side; // rows
  const tx = rng.uniform(-o.shift, o.shift) * side; // columns
  const zy = rng.uniform(1 - o.zoom, 1 + o.zoom), zx = rng.uniform(1 - o.zoom, 1 + o.zoom);
  const flip = rng.next() < o.flip;
  const bright = rng.uniform(1 - o.brightness, 1 + o.brightness);
  const c = side / 2 - 0.5, last = side - 1;
  const cos = Math.cos(theta), sin = Math.sin(theta);
  // Keras: input = c + R·(Z·(p - c) + t), p = (row, col) of the output pixel
  for (let r = 0; r < side; r++) {
    for (let q = 0; q < side; q++) {
      const ar = zy * (r - c) + ty, aq = zx * (q - c) + tx;
      let sr = c + cos * ar - sin * aq, sq = c + sin * ar + cos * aq;
      sr = sr < 0 ? 0 : sr > last ? last : sr;
      sq = sq < 0 ? 0 : sq > last ? last : sq;
      const r0 = Math.floor(sr), q0 = Math.floor(sq);
      const r1 = r0 < last ? r0 + 1 : last, q1 = q0 < last ? q0 + 1 : last;
      const fr = sr - r0, fq = sq - q0;
      const b = srcOffset;
      const top = src[b + r0 * side + q0] * (1 - fq) + src[b + r0 * side + q1] * fq;
      const bot = src[b + r1 * side + q0] * (1 - fq) + src[b + r1 * side + q1] * fq;
      const v = ((top * (1 - fr) + bot * fr) / 255) * bright;
      out[outOffset + r * side + (flip ? last - q : q)] = v > 1 ? 1 : v;
    }
  }
  if (o.erase && rng.next() < o.erase) eraseRectangle(out, outOffset, side, rng);
}

/** Fills one random rectangle of the face [side, side] at offset with uniform noise in [0, 1) (random erasing). */
function eraseRectangle(out: Float32Array, offset: number, side: number, rng: Random): void {
  const area = rng.uniform(ERASE_AREA[0], ERASE_AREA[1]) * side * side;
  const aspect = Math.exp(rng.uniform(Math.log(ERASE_ASPECT[0]), Math.log(ERASE_ASPECT[1])));
  const h = Math.min(side, Math.max(1, Math.round(Math.sqrt(area * aspect))));
  const w = Math.min(side, Math.max(1, Math.round(Math.sqrt(area / aspect))));
  const r0 = rng.int(0, side - h), q0 = rng.int(0, side - w);
  for (let r = r0; r < r0 + h; r++) for (let q = q0; q < q0 + w; q++) out[offset + r * side + q] = rng.next();
}

/** A batch [idx.length, side, side] of augmented faces from pixels [n, side, side] (0–255). */
export function augmentBatch(pixels: Uint8Array, idx: ArrayLike<number>, side: number, rng: Random, o: AugmentOptions, out?: Float32Array): Float32Array {
  const per = side * side;
  const x = out ?? new Float32Array(idx.length * per);
  for (let i = 0; i < idx.length; i++) augmentOne(pixels, idx[i] * per, side, rng, o, x, i * per);
  return x;
}

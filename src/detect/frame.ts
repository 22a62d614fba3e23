import { ImageError, LimitError } from "../errors.js";
import type { HaarExports } from "../generated/exports.js";
import { LIMITS } from "../limits.js";
import type { Arena } from "../engine/wasm.js";
import type { ImageLike } from "../image/types.js";
import type { Cascade } from "./cascade.js";
import { packCascade, packedSize } from "./pack.js";

// A frame in the haar instance's memory: the checks it must pass, the buffers one frame size needs (laid out
// once and kept while frames keep that size), and its grey written into them.

/** Byte addresses of one frame size's buffers in the haar instance's memory. */
export interface Layout {
  width: number;
  height: number;
  stride: number;
  input: number;
  grey: number;
  resized: number;
  sum: number;
  scratch: number;
  out: number;
  cascade: number;
  /** the first-stage scan's per-group results and variance factors */
  res: number;
  /** windows that passed the compiled stages (assembly/haar/queue.ts) */
  queue: number;
}

/** A 0×0 (or 0×N) image with no data: no faces, where OpenCV would assert. */
export function isEmpty(img: ImageLike): boolean {
  return (img.width === 0 || img.height === 0) && Number.isInteger(img.width) && Number.isInteger(img.height) && img.data?.length === 0;
}

export function checkSize(img: ImageLike): void {
  const { width, height } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ImageError(`image: width and height must be positive integers, found ${width}×${height}`);
  }
  if (width > LIMITS.maxImageSide || height > LIMITS.maxImageSide || width * height > LIMITS.maxImagePixels) {
    throw new LimitError(`image: ${width}×${height}, over the limit of ${LIMITS.maxImageSide} px a side and ${LIMITS.maxImagePixels} pixels`);
  }
}

/** The buffers of a W×H frame, from the arena's start, with the cascade packed for their integral stride. */
export function layOut(arena: Arena, wasm: HaarExports, c: Cascade, W: number, H: number): Layout {
  const a = arena;
  a.reset();
  const stride = (W + 1 + 3) & ~3;
  const plane = stride * (H + 1) * 4;
  const input = a.alloc(W * H * 4);
  const grey = a.alloc(W * H);
  const resized = a.alloc(W * H);
  const sum = a.alloc(plane * (c.hasTilted ? 3 : 2));
  // resizeLinearExact: 28 bytes a column; tiltedIntegral: 4·(W + 1) + 8·(W + H + 1)
  const scratch = a.alloc(Math.max(28 * (W + 1), 4 * (W + 1) + 8 * (W + H + 1)));
  // At most one hit per window position of a scale: (W/2 + 1)·(H/2 + 1) for step 2 at scale < 2, and
  // (W/s + 1)·(H/s + 1) ≤ the same for step 1 at scale ≥ 2.
  const out = a.alloc(((W >> 1) + 2) * ((H >> 1) + 2) * 8);
  // The first-stage scan's results: 32 bytes per group of four windows, ⌈ww/(4·step)⌉ groups a row and
  // ⌈wh/step⌉ rows, ww < W/step and wh < H/step for both steps (step 1 only at scale ≥ 2).
  const res = a.alloc(32 * ((W >> 3) + 2) * ((H >> 1) + 2));
  // one 8-byte entry per window at most: as `out`
  const queue = a.alloc(((W >> 1) + 2) * ((H >> 1) + 2) * 8);
  const cascade = a.alloc(packedSize(c));
  packCascade(c, { stride, sqofsBytes: plane, tofsBytes: 2 * plane }, wasm.memory.buffer, cascade);
  return { width: W, height: H, stride, input, grey, resized, sum, scratch, out, cascade, res, queue };
}

/**
 * The frame's grey into L.grey: copied when it is grey already, else converted by assembly/haar/grey.ts, the
 * same 15-bit fixed point as src/image/grey.ts's toGrey (OpenCV 4.6's cvtColor RGB2GRAY), in SIMD.
 */
export function writeGrey(arena: Arena, wasm: HaarExports, image: ImageLike, ch: number, L: Layout): void {
  if (ch === 1) {
    arena.u8.set(image.data, L.grey);
    return;
  }
  arena.u8.set(image.data, L.input);
  wasm.toGrey(L.input, L.width * L.height, ch, L.grey);
}

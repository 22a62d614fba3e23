// An integer op of a quantized program cut in two halves that write disjoint parts of its output, for two
// threads on one memory (threads.ts). The kernels need no change: a pointwise or an add takes its first
// pixels or values and the rest by offset pointers; a depthwise or a pool takes its first output rows, and
// the rest with the output pointer moved down and padT lowered by the rows skipped times the stride (a
// negative padT is only a starting row further into the image: the kernels test every row against 0..H).
// A mixed program's SeparableA16 takes its output rows as arguments and each half a scratch of its own. Its
// f32 pools and its f32 first layer (valid padding) are cut by rows too, though short: run whole on one
// thread, each must fetch half its input from the other core's cache and hand half its output back, which
// cost the pair about 90 µs of a 0.4 ms face (benchmarks/threads-profile.mjs, docs/int8.md). The ops that
// are not cut (quantize, dequantize, the other f32 ops) run whole on one thread.
import { Op } from "../abi/nn.js";

/** An op as its words: [code, ...args] (OP_WORDS long or shorter). */
export type OpWords = number[];

/** 2 bytes an activation: the a16 kernels' u16 tensors. */
const E = 2;

/**
 * The two halves of op `w`, or null when it is not cut (too small to share, or not an op it cuts). Cuts fall
 * on multiples of 4 pixels (a pointwise tile) and 8 values (an add's vector), and on row boundaries. alloc
 * gives the second half of an f32 Separable its scratch (without it that op is not cut).
 */
export function splitOp(w: OpWords, alloc?: (bytes: number) => number): [OpWords, OpWords] | null {
  const a = w.slice(1);
  switch (w[0]) {
    case Op.Separable: {
      // a mixed program's f32 first layer (its 1-channel input is no SeparableA16), valid padding only: in, H, W,
      // C, dw, pw, pb, out, F, pad, res, relu, scratch, rows; the second half takes its input rows from r0 on and
      // a scratch alloc gives it, so that each thread writes the rows its next half reads
      const [, H, W, C, , , , , F, pad, res, , , rows] = a;
      const r0 = (H - 2) >> 1;
      if (pad !== 0 || r0 < 1 || !alloc) return null;
      const h1 = a.slice(), Wo = W - 2;
      h1[0] += r0 * W * C * 4;
      h1[1] = H - r0;
      h1[7] += r0 * Wo * F * 4;
      if (res) h1[10] = res + r0 * Wo * F * 4;
      h1[12] = alloc(4 * rows * Wo * C + 16);
      a[1] = r0 + 2;
      return [[w[0], ...a], [w[0], ...h1]];
    }
    case Op.QPointwise: {
      // x, P, C, w, q, out, F, qmin, qmax
      const [x, P, C, , , out, F] = a;
      const P0 = (P >> 3) << 2;
      if (P0 === 0) return null;
      const h1 = a.slice();
      h1[0] = x + P0 * C * E;
      h1[1] = P - P0;
      h1[5] = out + P0 * F * E;
      a[1] = P0;
      return [[w[0], ...a], [w[0], ...h1]];
    }
    case Op.QDepthwise:
      // x, H, W, C, zIn, w, q, out, Ho, Wo, stride, padT, padL, qmin, qmax
      return splitRows(w[0], a, { ho: 8, wo: 9, c: 3, pad: 11, out: 7, stride: a[10] });
    case Op.QPool:
      // x, H, W, C, zIn, padT, padL, Ho, Wo, m, zOut, qmax, out
      return splitRows(w[0], a, { ho: 7, wo: 8, c: 3, pad: 5, out: 12, stride: 2 });
    case Op.Pool:
      // a mixed program's f32 pools: in, H, W, C, kh, kw, sh, sw, padT, padL, Ho, Wo, out, mode
      return splitRows(w[0], a, { ho: 10, wo: 11, c: 3, pad: 8, out: 12, stride: a[6], bytes: 4 });
    case Op.QAdd: {
      // a, za, ma, b, zb, mb, n, out, zo, qmin, qmax
      const n = a[6], n0 = (n >> 4) << 3;
      if (n0 === 0) return null;
      const h1 = a.slice();
      h1[0] += n0 * E;
      h1[3] += n0 * E;
      h1[7] += n0 * E;
      h1[6] = n - n0;
      a[6] = n0;
      return [[w[0], ...a], [w[0], ...h1]];
    }
    case Op.SeparableA16: {
      // x, H, W, C, dw, w, q, out, F, pad, res, relu, scratch, rows, inv, zero, qmax, oy0, oy1: rows of the
      // output, the second half in the second of the two scratches the program allocated
      const [, , W, C, , , , , , pad, , , scratch, rows, , , , oy0, oy1] = a;
      const mid = oy0 + ((oy1 - oy0) >> 1);
      if (mid === oy0) return null;
      const h1 = a.slice();
      h1[12] = scratch + 4 * separableA16Scratch(rows, W - 2 + 2 * pad, C);
      h1[17] = mid;
      a[18] = mid;
      return [[w[0], ...a], [w[0], ...h1]];
    }
    default:
      return null;
  }
}

/** Floats of one SeparableA16 scratch: a band of rows·Wo·C f32 depthwise values, then as many u16, then 16 bytes. */
export function separableA16Scratch(rows: number, Wo: number, C: number): number {
  return rows * Wo * C + Math.ceil((rows * Wo * C) / 2) + 4;
}

function splitRows(code: number, a: number[], at: { ho: number; wo: number; c: number; pad: number; out: number; stride: number; bytes?: number }): [OpWords, OpWords] | null {
  const Ho = a[at.ho], r0 = Ho >> 1;
  if (r0 === 0) return null;
  const h1 = a.slice();
  h1[at.ho] = Ho - r0;
  h1[at.pad] = a[at.pad] - r0 * at.stride;
  h1[at.out] = a[at.out] + r0 * a[at.wo] * a[at.c] * (at.bytes ?? E);
  a[at.ho] = r0;
  return [[code, ...a], [code, ...h1]];
}

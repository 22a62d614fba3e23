// Weight packing for the integer kernels (assembly/nn/qpointwise.ts, qdepthwise.ts), done once at load
// (XNNPACK's approach): each layout is the order the kernel's inner loop reads, zero-padded so the kernel
// never branches on a channel tail. Zero weights also make the bytes a kernel reads past a pixel's last
// channel (the next pixel's, or up to 15 bytes past the tensor) contribute nothing.
import type { Requant } from "./params.js";

/** Output channels per block: two i32x4 accumulators. */
const QBLOCK = 8;

export function ceilTo(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/**
 * int8 pointwise kernel wq [C, F] (Keras's layout) → pointwise_i8's layout (the relaxed int8 dot): for each
 * block of 8 output channels, for each step of 4 input channels, two 16-byte vectors, one per 4 output
 * channels: byte 4·j + i of vector h is w[4·step + i, 8·block + 4·h + j]. So one
 * i32x4.relaxed_dot_i8x16_i7x16_add_s of a vector with 4 input bytes splatted as an i32 adds, in lane j,
 * output channel j's 4 products. Input channels zero-padded to a multiple of 4, outputs to 8.
 * Length ceil8(F)·ceil4(C) bytes.
 */
export function packPointwiseI8(wq: Int8Array, C: number, F: number): Int8Array {
  const blocks = Math.ceil(F / QBLOCK), steps = Math.ceil(C / 4);
  const out = new Int8Array(blocks * steps * 32);
  for (let fb = 0; fb < blocks; fb++)
    for (let s = 0; s < steps; s++)
      for (let h = 0; h < 2; h++)
        for (let j = 0; j < 4; j++)
          for (let i = 0; i < 4; i++) {
            const c = 4 * s + i, f = fb * QBLOCK + 4 * h + j;
            if (c < C && f < F) out[((fb * steps + s) * 2 + h) * 16 + 4 * j + i] = wq[c * F + f];
          }
  return out;
}

/**
 * int8 (or, for pointwise_a16, up to 12-bit) pointwise kernel wq [C, F] → pointwise_i16's layout
 * (i32x4.dot_i16x8_s, plain SIMD), widened to i16: for each block of 8 output channels, for each step of 2 input channels, two i16x8 vectors, one per 4
 * output channels: element 2·j + i of vector h is w[2·step + i, 8·block + 4·h + j]. The 2 input values go
 * in as an i16 pair splatted as an i32. Input channels zero-padded to a multiple of 2, outputs to 8.
 * Length ceil8(F)·ceil2(C) i16.
 */
export function packPointwiseI16(wq: Int8Array | Int16Array, C: number, F: number): Int16Array {
  const blocks = Math.ceil(F / QBLOCK), steps = Math.ceil(C / 2);
  const out = new Int16Array(blocks * steps * 16);
  for (let fb = 0; fb < blocks; fb++)
    for (let s = 0; s < steps; s++)
      for (let h = 0; h < 2; h++)
        for (let j = 0; j < 4; j++)
          for (let i = 0; i < 2; i++) {
            const c = 2 * s + i, f = fb * QBLOCK + 4 * h + j;
            if (c < C && f < F) out[((fb * steps + s) * 2 + h) * 8 + 2 * j + i] = wq[c * F + f];
          }
  return out;
}

/**
 * Depthwise 3×3 kernel wq [3, 3, C] (Keras's [3, 3, C, 1]), int8 or the wider ones of quantizeWeights16 →
 * depthwise3x3_i8's and depthwise3x3_a16's layout: per group of 8 channels, 5 tap pairs (0,1) (2,3) (4,5)
 * (6,7) (8, none), each as two vectors (channels 0–3, then 4–7) of i16 pairs (w[a, c], w[b, c]), the pairs
 * i32x4.dot_i16x8_s multiplies with two taps' values interleaved. 80 i16 a group; channels past C and the
 * ninth tap's partner are 0. Length 10·ceil8(C) i16.
 */
export function packDepthwiseI16(wq: Int8Array | Int16Array, C: number): Int16Array {
  const groups = Math.ceil(C / QBLOCK);
  const out = new Int16Array(80 * groups);
  for (let g = 0; g < groups; g++)
    for (let pair = 0; pair < 5; pair++)
      for (let j = 0; j < 8; j++) {
        const c = g * QBLOCK + j;
        if (c >= C) continue;
        const at = g * 80 + pair * 16 + (j >> 2) * 8 + (j & 3) * 2;
        out[at] = wq[2 * pair * C + c];
        if (pair < 4) out[at + 1] = wq[(2 * pair + 1) * C + c];
      }
  return out;
}

/**
 * A layer's requantization constants as its kernel reads them, each zero-padded to Fp = ceil8(F) channels:
 * [i32 bias32 × Fp][f32 mul × Fp][f32 add × Fp] (12·Fp bytes). Returned as bytes to copy into memory.
 */
export function packRequant(r: Requant, F: number): Uint8Array {
  const Fp = ceilTo(F, QBLOCK);
  const buf = new ArrayBuffer(12 * Fp);
  new Int32Array(buf, 0, Fp).set(r.bias.subarray(0, F));
  new Float32Array(buf, 4 * Fp, Fp).set(r.mul.subarray(0, F));
  new Float32Array(buf, 8 * Fp, Fp).set(r.add.subarray(0, F));
  return new Uint8Array(buf);
}

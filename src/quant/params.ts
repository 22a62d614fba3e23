// Quantization arithmetic for the integer kernels (assembly/nn/q*.ts): per-tensor activation parameters,
// per-output-channel int8 weights, and the per-channel constants a kernel's requantization reads.
//
// Activations are unsigned bytes with a per-tensor scale and zero point: real = scale·(q − zero), q in
// 0..qmax. qmax is the tensor's bit width: 127 (7-bit, required as the second operand of the relaxed int8
// dot product, which must lie in 0..127 for the same result on every CPU) or 255 (8-bit, fine for the i16
// path). A tensor after a ReLU has zero = 0. Weights are int8, symmetric, per output channel: real =
// scale[f]·q, q in −127..127 (−128 never occurs, so a pair of products never overflows an i16 sum).
//
// Requantization of an accumulator acc (an exact i32) to the next tensor, as every kernel does it and
// src/reference/quantized.ts checks it, each step rounded to f32:
//   y = fround(fround(fround(acc) · mul[f]) + add[f]);  q = clamp(roundHalfEven(y), qmin, qmax)
// with mul[f] = s_in·s_w[f]/s_out and add[f] = bias[f]/s_out + z_out (the output zero point folded in).
// The input zero point is folded into the i32 accumulator's start: acc = Σ w·q + bias32[f] with
// bias32[f] = −z_in·Σ_c w[c, f], so acc = Σ w·(q − z_in) exactly. For an f32 output (dequantized, for
// a head or a residual add in f32): out = fround(fround(fround(acc) · mul[f]) + add[f]) with mul[f] =
// s_in·s_w[f] and add[f] = bias[f].

import { F32_MIN_NORMAL } from "../engine/pack.js";

/** 7-bit activations (the relaxed int8 dot's second operand) and 8-bit ones (the i16 path). */
export const QMAX7 = 127;
export const QMAX8 = 255;
/**
 * 12-bit activations, stored as u16, for the *_a16 kernels (the i16 dot on activations as they are): ResEZAP's
 * tensors between its batch norms are signed and need them (docs/int8.md). Any 2^b − 1 up to 15 bits works
 * in those kernels while a pointwise layer's C·qmax·127 stays under 2^31.
 */
export const QMAX12 = 4095;
/** Largest int8 weight magnitude: weights lie in −127..127. */
export const WMAX = 127;

/** A tensor's quantization: real = scale·(q − zero), q in 0..qmax. */
export interface QuantParams {
  scale: number;
  zero: number;
  qmax: number;
}

/** Round to the nearest integer, ties to even (WASM's f32x4.nearest / f32.nearest on an f32 value). */
export function roundHalfEven(y: number): number {
  if (!Number.isFinite(y)) return y;
  const f = Math.floor(y), d = y - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** The bit width b of an activation range 0..qmax with qmax = 2^b − 1, 7 ≤ b ≤ 15; 0 for any other qmax. */
export function activationBits(qmax: number): number {
  const b = Math.log2(qmax + 1);
  return Number.isInteger(b) && b >= 7 && b <= 15 ? b : 0;
}

/**
 * The parameters of a tensor whose values lie in [min, max], spread over 0..qmax. The range is widened to
 * hold 0 (zero padding and a ReLU's floor must be exact), and the zero point is the integer nearest to
 * −min/scale, so real 0 is exactly q = zero. max = min = 0 gives scale 1.
 */
export function activationParams(min: number, max: number, qmax: number): QuantParams {
  if (!activationBits(qmax)) throw new RangeError(`activationParams: qmax ${qmax} is not 2^b − 1 with b in 7..15`);
  if (!(Number.isFinite(min) && Number.isFinite(max)) || min > max) throw new RangeError(`activationParams: range [${min}, ${max}] is not finite and ordered`);
  const lo = Math.min(min, 0), hi = Math.max(max, 0);
  if (hi === lo) return { scale: 1, zero: 0, qmax };
  const scale = Math.fround((hi - lo) / qmax);
  const zero = Math.min(qmax, Math.max(0, roundHalfEven(-lo / scale)));
  return { scale, zero, qmax };
}

/**
 * int8 weights, symmetric per output channel: w is any Keras kernel whose last axis is the F output
 * channels ([C, F] for a pointwise or dense layer, [3, 3, C, 1] read as [9, C] with F = C for a depthwise
 * one: there the "output channel" is the channel). scale[f] = max|w[·, f]| / 127 (1 for an all-zero
 * channel), q = clamp(roundHalfEven(w / scale), −127, 127).
 */
export function quantizeWeights(w: ArrayLike<number>, F: number): { q: Int8Array; scale: Float32Array } {
  return quantizeWeightsTo(w, F, WMAX, new Int8Array(w.length));
}

/**
 * The same with wider weights, −wmax..wmax (wmax ≤ 32767), for the depthwise kernels, which hold their
 * weights as i16 lanes anyway: 12-bit depthwise weights (DW_WMAX) cost nothing there (docs/int8.md).
 */
export function quantizeWeights16(w: ArrayLike<number>, F: number, wmax: number): { q: Int16Array; scale: Float32Array } {
  if (!Number.isInteger(wmax) || wmax < 1 || wmax > 32767) throw new RangeError(`quantizeWeights16: wmax ${wmax} is not in 1..32767`);
  return quantizeWeightsTo(w, F, wmax, new Int16Array(w.length));
}

/** 12-bit depthwise weights: −2047..2047. */
export const DW_WMAX = 2047;

function quantizeWeightsTo<T extends Int8Array | Int16Array>(w: ArrayLike<number>, F: number, wmax: number, q: T): { q: T; scale: Float32Array } {
  if (F <= 0 || w.length % F) throw new RangeError(`quantizeWeights: ${w.length} weights are not a multiple of ${F} channels`);
  const scale = new Float32Array(F);
  for (let i = 0; i < w.length; i++) scale[i % F] = Math.max(scale[i % F], Math.abs(w[i]));
  for (let f = 0; f < F; f++) scale[f] = scale[f] > 0 ? Math.fround(scale[f] / wmax) : 1;
  for (let i = 0; i < w.length; i++) q[i] = Math.min(wmax, Math.max(-wmax, roundHalfEven(w[i] / scale[i % F])));
  return { q, scale };
}

/**
 * q = clamp(roundHalfEven(fround(fround(x · fround(1/scale)) + zero)), 0, qmax): what quantize_u8 computes
 * (quantize_a16, and a Uint16Array, for qmax > 255).
 */
export function quantizeTensor(x: ArrayLike<number>, p: QuantParams): Uint8Array | Uint16Array {
  const inv = Math.fround(1 / p.scale);
  const out = p.qmax > 255 ? new Uint16Array(x.length) : new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const y = Math.fround(Math.fround(Math.fround(x[i]) * inv) + p.zero);
    out[i] = clampQ(roundHalfEven(y), 0, p.qmax);
  }
  return out;
}

/** real = fround(scale · (q − zero)): what dequantize_u8 (and dequantize_a16) computes. */
export function dequantizeTensor(q: ArrayLike<number>, p: QuantParams): Float32Array {
  const s = Math.fround(p.scale);
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = Math.fround(s * (q[i] - p.zero));
  return out;
}

/** A rounded value saturated as the kernels saturate (NaN → 0, then [lo, hi]). */
export function clampQ(r: number, lo: number, hi: number): number {
  if (Number.isNaN(r)) r = 0;
  return Math.min(hi, Math.max(lo, r));
}

/** The per-output-channel constants of a requantizing kernel (see the top of this file), F long each. */
export interface Requant {
  bias: Int32Array;
  mul: Float32Array;
  add: Float32Array;
}

/**
 * Constants of a pointwise (1×1 or dense) layer with int8 weights wq [C, F] of scales sw [F], real bias
 * [F] (or none), input parameters inp, and output parameters out (or null for an f32 output).
 */
export function pointwiseRequant(wq: Int8Array | Int16Array, C: number, F: number, sw: ArrayLike<number>, inp: QuantParams, bias: ArrayLike<number> | null, out: QuantParams | null): Requant {
  const r = requant(F, sw, inp, bias, out);
  for (let f = 0; f < F; f++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += wq[c * F + f];
    r.bias[f] = -inp.zero * s;
  }
  return r;
}

/**
 * Constants of a depthwise layer (per channel: F = C). bias32 is 0: the kernel handles the input zero
 * point itself, since a border pixel (padding) has fewer taps than an interior one, so no one constant
 * per channel fits all pixels (depthwise3x3_i8 folds −zIn·Σw for interior pixels from the weights it
 * holds, and subtracts zIn from each byte at the borders).
 */
export function depthwiseRequant(C: number, sw: ArrayLike<number>, inp: QuantParams, bias: ArrayLike<number> | null, out: QuantParams | null): Requant {
  return requant(C, sw, inp, bias, out);
}

function requant(F: number, sw: ArrayLike<number>, inp: QuantParams, bias: ArrayLike<number> | null, out: QuantParams | null): Requant {
  const r: Requant = { bias: new Int32Array(F), mul: new Float32Array(F), add: new Float32Array(F) };
  for (let f = 0; f < F; f++) {
    const b = bias ? bias[f] : 0;
    if (out) {
      r.mul[f] = (inp.scale * sw[f]) / out.scale;
      r.add[f] = b / out.scale + out.zero;
    } else {
      r.mul[f] = inp.scale * sw[f];
      r.add[f] = b;
    }
  }
  // A subnormal mul or add would cost every pixel of the channel a microcode assist (x86 runs subnormal f32
  // operands tens of times slower, and WebAssembly cannot turn on flush-to-zero): a dead channel's weights
  // decay toward 0 in training and give muls of 1e-44. |acc| ≥ 1 when not 0, so with mul 0 or normal the
  // product is never subnormal; the mul made 0 moved that channel's outputs by under 2^-126·|acc|, below f32's
  // resolution of the add it meets.
  for (let f = 0; f < F; f++) {
    if (Math.abs(r.mul[f]) < F32_MIN_NORMAL) r.mul[f] = 0;
    if (Math.abs(r.add[f]) < F32_MIN_NORMAL) r.add[f] = 0;
  }
  return r;
}

/**
 * The multiplier of the residual add and the average pool: a tensor of scale sIn read into one of scale
 * sOut (the pool's 1/4 included by the caller), as the f32 the kernels take.
 */
export function rescale(sIn: number, sOut: number): number {
  return Math.fround(sIn / sOut);
}

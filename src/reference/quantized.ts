// Plain TypeScript references of the integer kernels (assembly/nn/q*.ts): nested loops over Keras's
// layouts, exact integer sums, and the requantization written out step by step with Math.fround, so a
// kernel must equal them byte for byte (test/kernels-int8.test.ts). The arithmetic is defined in
// src/quant/params.ts. Tensors are channels-last for one image, u8 with a per-tensor zero point.
import { clampQ, roundHalfEven, type Requant } from "../quant/params.js";

const fr = Math.fround;

/** acc → u8: clamp(roundHalfEven(fround(fround(fround(acc)·mul) + add)), qmin, qmax). */
export function requantRef(acc: number, mul: number, add: number, qmin: number, qmax: number): number {
  return clampQ(roundHalfEven(fr(fr(fr(acc) * fr(mul)) + fr(add))), qmin, qmax);
}

/** acc → f32: fround(fround(fround(acc)·mul) + add). */
export function dequantAccRef(acc: number, mul: number, add: number): number {
  return fr(fr(fr(acc) * fr(mul)) + fr(add));
}

/** Pointwise / dense sums: acc[p, f] = bias32[f] + Σ_c w[c, f]·x[p, c] (exact integers). */
export function pointwiseAccRef(x: ArrayLike<number>, P: number, C: number, wq: ArrayLike<number>, F: number, bias32: ArrayLike<number>): Float64Array {
  const acc = new Float64Array(P * F);
  for (let p = 0; p < P; p++)
    for (let f = 0; f < F; f++) {
      let s = bias32[f];
      for (let c = 0; c < C; c++) s += wq[c * F + f] * x[p * C + c];
      acc[p * F + f] = s;
    }
  return acc;
}

/** u8 for 7- and 8-bit activations, u16 for the 16-bit ones of the *_a16 kernels (qmax above 255). */
function activations(n: number, qmax: number): Uint8Array | Uint16Array {
  return qmax > 255 ? new Uint16Array(n) : new Uint8Array(n);
}

/** Pointwise int8 → u8 [P, F] (what pointwise_i8 and pointwise_i16 write with outF32 = 0), or u16 (pointwise_a16, qmax > 255). */
export function pointwiseQRef(x: ArrayLike<number>, P: number, C: number, wq: ArrayLike<number>, F: number, r: Requant, qmin: number, qmax: number): Uint8Array | Uint16Array {
  const acc = pointwiseAccRef(x, P, C, wq, F, r.bias);
  const out = activations(P * F, qmax);
  for (let i = 0; i < P * F; i++) out[i] = requantRef(acc[i], r.mul[i % F], r.add[i % F], qmin, qmax);
  return out;
}

/** Pointwise int8 → f32 [P, F] (outF32 = 1). */
export function pointwiseQF32Ref(x: ArrayLike<number>, P: number, C: number, wq: ArrayLike<number>, F: number, r: Requant): Float32Array {
  const acc = pointwiseAccRef(x, P, C, wq, F, r.bias);
  const out = new Float32Array(P * F);
  for (let i = 0; i < P * F; i++) out[i] = dequantAccRef(acc[i], r.mul[i % F], r.add[i % F]);
  return out;
}

/**
 * pointwise_a16_f32 (a mixed program's pointwise half): pointwiseQF32Ref, then fround(y + res) when res is
 * given, then y < 0 ? 0 : y when relu (f32x4.pmax's rule: −0 and NaN stay).
 */
export function pointwiseQF32FusedRef(x: ArrayLike<number>, P: number, C: number, wq: ArrayLike<number>, F: number, r: Requant, res: ArrayLike<number> | null, relu: boolean): Float32Array {
  const out = pointwiseQF32Ref(x, P, C, wq, F, r);
  for (let i = 0; i < out.length; i++) {
    let y = out[i];
    if (res) y = fr(y + res[i]);
    out[i] = relu && y < 0 ? 0 : y;
  }
  return out;
}

/** Output size of a 3×3 window over n with stride s and the padding before it (padBefore + n + padAfter). */
export function windowOutSize(n: number, s: number, padTotal: number, k = 3): number {
  return Math.floor((n + padTotal - k) / s) + 1;
}

/**
 * Depthwise 3×3 int8 → u8 [Ho, Wo, C]: acc[oy, ox, c] = bias32[c] + Σ over the taps inside the image of
 * w[ky, kx, c]·(x[iy, ix, c] − zIn), with iy = oy·stride − padT + ky, ix = ox·stride − padL + kx. A tap
 * outside the image reads real 0 (zero padding), i.e. q = zIn, and adds nothing. u16 out for qmax > 255
 * (depthwise3x3_a16).
 */
export function depthwiseQRef(x: ArrayLike<number>, H: number, W: number, C: number, zIn: number, wq: ArrayLike<number>, r: Requant,
                              Ho: number, Wo: number, stride: number, padT: number, padL: number, qmin: number, qmax: number): Uint8Array | Uint16Array {
  const out = activations(Ho * Wo * C, qmax);
  for (let oy = 0; oy < Ho; oy++)
    for (let ox = 0; ox < Wo; ox++)
      for (let c = 0; c < C; c++) {
        let s = r.bias[c];
        for (let ky = 0; ky < 3; ky++)
          for (let kx = 0; kx < 3; kx++) {
            const iy = oy * stride - padT + ky, ix = ox * stride - padL + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            s += wq[(ky * 3 + kx) * C + c] * (x[(iy * W + ix) * C + c] - zIn);
          }
        out[(oy * Wo + ox) * C + c] = requantRef(s, r.mul[c], r.add[c], qmin, qmax);
      }
  return out;
}

/**
 * Residual add of two u8 tensors with their own parameters, into a third, with the ReLU as qmin = zOut:
 * q = clamp(roundHalfEven(fround(fround(fround((a − za)·ma) + fround((b − zb)·mb)) + zOut)), qmin, qmax),
 * ma = sa/sOut, mb = sb/sOut as f32. u16 out for qmax > 255 (add_a16).
 */
export function addQRef(a: ArrayLike<number>, za: number, ma: number, b: ArrayLike<number>, zb: number, mb: number, zOut: number, qmin: number, qmax: number): Uint8Array | Uint16Array {
  const out = activations(a.length, qmax);
  for (let i = 0; i < a.length; i++) {
    const y = fr(fr(fr((a[i] - za) * fr(ma)) + fr((b[i] - zb) * fr(mb))) + zOut);
    out[i] = clampQ(roundHalfEven(y), qmin, qmax);
  }
  return out;
}

/**
 * Average pool 2×2, stride 2, over the image zero-padded by padT rows above and padL columns left (Keras's
 * ZeroPadding2D then a valid AveragePooling2D, which divides by 4 whatever the padding): sum = Σ over the
 * window's taps inside the image of (x − zIn); q = clamp(roundHalfEven(fround(fround(sum·m) + zOut)), 0, qmax)
 * with m = sIn/(4·sOut) as f32. u16 out for qmax > 255 (avgPool2x2_a16).
 */
export function avgPool2x2QRef(x: ArrayLike<number>, H: number, W: number, C: number, zIn: number, padT: number, padL: number,
                               Ho: number, Wo: number, m: number, zOut: number, qmax: number): Uint8Array | Uint16Array {
  const out = activations(Ho * Wo * C, qmax);
  for (let oy = 0; oy < Ho; oy++)
    for (let ox = 0; ox < Wo; ox++)
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let ky = 0; ky < 2; ky++)
          for (let kx = 0; kx < 2; kx++) {
            const iy = 2 * oy - padT + ky, ix = 2 * ox - padL + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            s += x[(iy * W + ix) * C + c] - zIn;
          }
        out[(oy * Wo + ox) * C + c] = clampQ(roundHalfEven(fr(fr(s * fr(m)) + zOut)), 0, qmax);
      }
  return out;
}

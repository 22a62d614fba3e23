// Transcendental functions on f32x4, for the activations. All inline; the error bounds beside each were
// measured against float64 over dense sweeps, and inputs far out of range give the limit, not NaN.
import { madd } from "./simd";

// Loads the first n (1..3) floats at p into a vector, zeros elsewhere: the partial vector of a tail.
// @ts-ignore: decorator
@inline export function loadLanes(p: usize, n: i32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

// eˣ, relative error 1.2e-7 (Cephes expf). x is clamped to [ln 2⁻¹²⁶, 128·ln 2) so that 2ⁿ is a normal
// float and the bits never wrap into NaN; below the range the result is 0, above it +∞; NaN stays NaN.
// @ts-ignore: decorator
@inline export function expv(x: v128): v128 {
  const lo = f32x4.splat(-87.33654), hi = f32x4.splat(88.72283);
  const c = f32x4.max(f32x4.min(x, hi), lo);
  const n = f32x4.nearest(f32x4.mul(c, f32x4.splat(1.44269504089)));
  // r = c − n·ln2 in two parts; n·0.693359375 is exact
  let r = madd(n, f32x4.splat(-0.693359375), c);
  r = madd(n, f32x4.splat(2.12194440e-4), r);
  let p = madd(f32x4.splat(1.9875691500e-4), r, f32x4.splat(1.3981999507e-3));
  p = madd(p, r, f32x4.splat(8.3334519073e-3));
  p = madd(p, r, f32x4.splat(4.1665795894e-2));
  p = madd(p, r, f32x4.splat(1.6666665459e-1));
  p = madd(p, r, f32x4.splat(5.0000001201e-1));
  p = madd(f32x4.mul(p, r), r, f32x4.add(r, f32x4.splat(1)));
  const y = i32x4.add(p, i32x4.shl(i32x4.trunc_sat_f32x4_s(n), 23));
  return v128.bitselect(f32x4.splat(Infinity), v128.andnot(y, f32x4.lt(x, lo)), f32x4.gt(x, hi));
}

// ln x for x > 0 (Cephes logf: frexp, then a degree-9 polynomial in m − 1, m ∈ [√½, √2)); absolute error
// about 1e-7 near 1, relative about 1.5e-7 elsewhere. Only positive normal inputs are meant.
// @ts-ignore: decorator
@inline export function logv(x: v128): v128 {
  // x = m·2ᵉ with m ∈ [0.5, 1)
  let e = f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_u(x, 23), i32x4.splat(126)));
  let m = v128.or(v128.and(x, i32x4.splat(0x807fffff)), i32x4.splat(0x3f000000));
  // m < √½: use 2m and e − 1, so that m − 1 ∈ [√½ − 1, √2 − 1)
  const small = f32x4.lt(m, f32x4.splat(0.707106781186547524));
  e = f32x4.sub(e, v128.and(small, f32x4.splat(1)));
  m = f32x4.sub(f32x4.add(m, v128.and(small, m)), f32x4.splat(1));
  const z = f32x4.mul(m, m);
  let p = madd(f32x4.splat(7.0376836292e-2), m, f32x4.splat(-1.1514610310e-1));
  p = madd(p, m, f32x4.splat(1.1676998740e-1));
  p = madd(p, m, f32x4.splat(-1.2420140846e-1));
  p = madd(p, m, f32x4.splat(1.4249322787e-1));
  p = madd(p, m, f32x4.splat(-1.6668057665e-1));
  p = madd(p, m, f32x4.splat(2.0000714765e-1));
  p = madd(p, m, f32x4.splat(-2.4999993993e-1));
  p = madd(p, m, f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, m), z);
  y = madd(e, f32x4.splat(-2.12194440e-4), y);
  y = madd(z, f32x4.splat(-0.5), y);
  return madd(e, f32x4.splat(0.693359375), f32x4.add(m, y));
}

// ln(1 + u) for u ≥ 0, relative error 1.7e-7 even for tiny u: log(w)·u/(w − 1) with w = 1 + u corrects the
// rounding of w (and is u itself when w rounds to 1).
// @ts-ignore: decorator
@inline export function log1pv(u: v128): v128 {
  const w = f32x4.add(u, f32x4.splat(1));
  const d = f32x4.sub(w, f32x4.splat(1));
  const one = f32x4.eq(d, f32x4.splat(0));
  const q = f32x4.div(u, v128.bitselect(f32x4.splat(1), d, one));
  return v128.bitselect(u, f32x4.mul(logv(w), q), one);
}

// tanh x, absolute error 8e-8 (relative 1.4e-7): Cephes's odd polynomial for |x| < 0.625, else
// ±(1 − 2/(e^{2|x|} + 1)).
// @ts-ignore: decorator
@inline export function tanhv(x: v128): v128 {
  const a = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = madd(f32x4.splat(-5.70498872745e-3), z, f32x4.splat(2.06390887954e-2));
  p = madd(p, z, f32x4.splat(-5.37397155531e-2));
  p = madd(p, z, f32x4.splat(1.33314422036e-1));
  p = madd(p, z, f32x4.splat(-3.33332819422e-1));
  const near = madd(f32x4.mul(p, z), x, x);
  const e = expv(f32x4.add(a, a));
  const far = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  // copy the sign of x onto far
  const signed = v128.or(far, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(near, signed, f32x4.lt(a, f32x4.splat(0.625)));
}

// 1/(1 + e⁻ˣ): relative error about 2e-7, → 0 and → 1 without NaN.
// @ts-ignore: decorator
@inline export function sigmoidv(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expv(f32x4.neg(x))));
}

// erfc z for z ≥ 0 (Numerical Recipes' Chebyshev fit, fractional error < 1.2e-7 in exact arithmetic):
// t·exp(−z² + P(t)), t = 1/(1 + z/2). Relative error about 1.5e-7 for z < 2; beyond, the float32 rounding of
// z² adds up to z²·6e-8 (8e-6 at z = 9, where erfc is 4e-37), so it is absolute error that stays tiny.
// @ts-ignore: decorator
@inline export function erfcPosv(z: v128): v128 {
  const t = f32x4.div(f32x4.splat(1), madd(z, f32x4.splat(0.5), f32x4.splat(1)));
  let p = madd(f32x4.splat(0.17087277), t, f32x4.splat(-0.82215223));
  p = madd(p, t, f32x4.splat(1.48851587));
  p = madd(p, t, f32x4.splat(-1.13520398));
  p = madd(p, t, f32x4.splat(0.27886807));
  p = madd(p, t, f32x4.splat(-0.18628806));
  p = madd(p, t, f32x4.splat(0.09678418));
  p = madd(p, t, f32x4.splat(0.37409196));
  p = madd(p, t, f32x4.splat(1.00002368));
  p = madd(p, t, f32x4.splat(-1.26551223));
  return f32x4.mul(t, expv(f32x4.sub(p, f32x4.mul(z, z))));
}

// erf z / z for |z| ≤ 0.75: the Taylor series of erf to z¹⁷, truncation error below 1e-9.
// @ts-ignore: decorator
@inline function erfSmallOverZ(z2: v128): v128 {
  // 2/√π · (−1)ᵏ / (k! (2k + 1)), k = 8 down to 0
  let p = madd(f32x4.splat(1.6462114366e-6), z2, f32x4.splat(-1.4925650358e-5));
  p = madd(p, z2, f32x4.splat(1.2055332982e-4));
  p = madd(p, z2, f32x4.splat(-8.5483270235e-4));
  p = madd(p, z2, f32x4.splat(5.2239776254e-3));
  p = madd(p, z2, f32x4.splat(-2.6866170645e-2));
  p = madd(p, z2, f32x4.splat(1.1283791671e-1));
  p = madd(p, z2, f32x4.splat(-3.7612638903e-1));
  return madd(p, z2, f32x4.splat(1.1283791671));
}

// The threshold between erf's series and 1 − erfc.
const ERF_SPLIT: f32 = 0.75;

// erf x, absolute error 1.4e-7: the series below ERF_SPLIT, ±(1 − erfc|x|) above.
// @ts-ignore: decorator
@inline export function erfv(x: v128): v128 {
  const a = f32x4.abs(x);
  const near = f32x4.mul(x, erfSmallOverZ(f32x4.mul(x, x)));
  const far = f32x4.sub(f32x4.splat(1), erfcPosv(a));
  const signed = v128.or(far, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(near, signed, f32x4.lt(a, f32x4.splat(ERF_SPLIT)));
}

// Φ(x) = ½·erfc(−x/√2), the normal CDF: no cancellation in the left tail (relative error below 1e-6 down
// to x = −5.6), absolute error about 1e-7 for x > 0.
// @ts-ignore: decorator
@inline export function normalCdfv(x: v128): v128 {
  const z = f32x4.mul(x, f32x4.splat(0.70710678118654752));
  const a = f32x4.abs(z);
  const near = madd(f32x4.mul(z, erfSmallOverZ(f32x4.mul(z, z))), f32x4.splat(0.5), f32x4.splat(0.5));
  const q = f32x4.mul(erfcPosv(a), f32x4.splat(0.5));
  const far = v128.bitselect(q, f32x4.sub(f32x4.splat(1), q), f32x4.lt(x, f32x4.splat(0)));
  return v128.bitselect(near, far, f32x4.lt(a, f32x4.splat(ERF_SPLIT)));
}

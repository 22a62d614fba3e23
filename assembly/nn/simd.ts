// One place that decides how a multiply-add is emitted. The plain-SIMD build multiplies then adds
// (two roundings); the relaxed-SIMD build may fuse them (one rounding, and about 2x the throughput
// on x86 with FMA). Every kernel calls madd(), so the two builds differ only here.

// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

// Stores the first n (0..3) lanes of v at p: for channel tails that are not a multiple of 4.
// @ts-ignore: decorator
@inline export function storeLanes(p: usize, v: v128, n: i32): void {
  if (n > 0) store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

// Stores the first n (0..8) lanes of the pair (v0, v1) at p.
// @ts-ignore: decorator
@inline export function storeLanes8(p: usize, v0: v128, v1: v128, n: i32): void {
  if (n >= 8) {
    v128.store(p, v0);
    v128.store(p, v1, 16);
  } else if (n >= 4) {
    v128.store(p, v0);
    storeLanes(p + 16, v1, n - 4);
  } else {
    storeLanes(p, v0, n);
  }
}

// max(v, 0) and clamp(v, lo, hi) as one x86 maxps / minps each. WASM's f32x4.max and min must order ±0 and
// return a NaN from either operand, which V8 lowers to about eight instructions; pmax(v, lo) = v < lo ? lo : v
// and pmin(v, hi) = hi < v ? hi : v give the same result for every v, a NaN in v included (it is kept), except
// that −0 stays −0 (equal to +0 everywhere downstream).
// @ts-ignore: decorator
@inline export function relu4(v: v128): v128 {
  return f32x4.pmax(v, f32x4.splat(0));
}

// @ts-ignore: decorator
@inline export function clamp4(v: v128, lo: v128, hi: v128): v128 {
  return f32x4.pmin(f32x4.pmax(v, lo), hi);
}

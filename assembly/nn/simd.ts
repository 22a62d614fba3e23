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

// Shared pieces of the integer kernels (qpointwise.ts, qdepthwise.ts, qelementwise.ts). The arithmetic is
// defined in src/quant/params.ts and checked byte for byte against src/reference/quantized.ts, so both
// builds must compute the same: the requantization uses plain f32x4.mul and f32x4.add, never madd()
// (relaxed_madd may fuse, and the builds would then differ), and rounds with f32x4.nearest (ties to even).

// lane j: Σ_i w[4j + i]·x[4j + i] + acc[j], w signed bytes in −127..127, x bytes in 0..127 (7-bit
// activations). The plain build computes the same sums with the i16 dot product, so pointwise_i8 runs
// (more slowly) and is tested in both builds. A byte of x above 127 is allowed only against a zero weight
// (the padding), whose products are 0 whatever the lowering.
// The relaxed build does NOT use the one instruction made for this, i32x4.relaxed_dot_i8x16_i7x16_add_s:
// Node 20's V8 (11.3) gets it wrong in Liftoff, its baseline compiler, on x64: it returns twice the dot
// product and drops acc (measured: dot [10, −300, 100, 8] + acc [1000, −7, 3, 0] gave [20, −600, 200, 16]),
// while TurboFan, once the function tiers up, gives the right sums, so a kernel's result would change
// during a run. Its two-step form is right in both tiers and is the same three x86 instructions as
// TurboFan's lowering of the fused one (pmaddubsw, pmaddwd by ones, paddd): i16x8.relaxed_dot_i8x16_i7x16_s
// (pairs of products, at most 2·127·127 = 32258, so no i16 saturation on any CPU), then
// i32x4.extadd_pairwise_i16x8_s, then the add. An engine that lowers the fused instruction to one VNNI
// vpdpbusd would be faster with it: use it only behind a check of the engine, in both tiers.
// @ts-ignore: decorator
@inline export function dot4(w: v128, x: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return i32x4.add(acc, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(w, x)));
  } else {
    const lo = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(w), i16x8.extend_low_i8x16_u(x));
    const hi = i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(w), i16x8.extend_high_i8x16_u(x));
    return i32x4.add(acc, i32x4.add(i32x4.shuffle(lo, hi, 0, 2, 4, 6), i32x4.shuffle(lo, hi, 1, 3, 5, 7)));
  }
}

// round-to-nearest-even of fround(fround(f32(acc)·m) + b) as i32, held to ±2^22 (every caller then clamps to
// its 8- or 16-bit range, so the bound changes no result): one lane group of 4. Rounded by adding 1.5·2^23, where
// f32's spacing is 1, so the add itself rounds to an integer ties-to-even, which the low bits then hold:
// the same integers as f32x4.nearest and i32x4.trunc_sat_f32x4_s, in 4 instructions instead of about 9
// (V8 lowers the saturating truncation to a sequence).
// @ts-ignore: decorator
@inline export function requant4(acc: v128, m: v128, b: v128): v128 {
  const y = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc), m), b);
  const held = f32x4.pmin(f32x4.pmax(y, f32x4.splat(-4194304.0)), f32x4.splat(4194304.0));
  return i32x4.sub(f32x4.add(held, f32x4.splat(12582912.0)), i32x4.splat(0x4b400000));
}

// fround(fround(f32(acc)·m) + b): the f32 (dequantized) output.
// @ts-ignore: decorator
@inline export function dequant4(acc: v128, m: v128, b: v128): v128 {
  return f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc), m), b);
}

// Eight i32 lanes (y0: 0..3, y1: 4..7) saturated to u8 in the low 8 bytes, then clamped to [lo, hi]
// (splatted bytes). Bytes 8..15 repeat them.
// @ts-ignore: decorator
@inline export function narrow8(y0: v128, y1: v128, lo: v128, hi: v128): v128 {
  const h = i16x8.narrow_i32x4_s(y0, y1);
  return i8x16.min_u(i8x16.max_u(i8x16.narrow_i16x8_u(h, h), lo), hi);
}

// Sixteen i32 lanes to sixteen clamped bytes.
// @ts-ignore: decorator
@inline export function narrow16(y0: v128, y1: v128, y2: v128, y3: v128, lo: v128, hi: v128): v128 {
  return i8x16.min_u(i8x16.max_u(i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(y0, y1), i16x8.narrow_i32x4_s(y2, y3)), lo), hi);
}

// Stores the low n (0..8) bytes of v at p.
// @ts-ignore: decorator
@inline export function storeBytes8(p: usize, v: v128, n: i32): void {
  if (n >= 8) {
    v128.store64_lane(p, v, 0);
  } else {
    let x = i64x2.extract_lane(v, 0);
    for (let i = 0; i < n; i++) {
      store<u8>(p + <usize>i, <u8>x);
      x >>= 8;
    }
  }
}

// Eight i32 lanes (y0: 0..3, y1: 4..7) saturated to u16, then clamped to [lo, hi] (splatted u16): the
// 16-bit activations of the *_a16 kernels.
// @ts-ignore: decorator
@inline export function narrowU16x8(y0: v128, y1: v128, lo: v128, hi: v128): v128 {
  return i16x8.min_u(i16x8.max_u(i16x8.narrow_i32x4_u(y0, y1), lo), hi);
}

// Stores the low n (0..8) u16 lanes of v at p.
// @ts-ignore: decorator
@inline export function storeU16x8(p: usize, v: v128, n: i32): void {
  if (n >= 8) {
    v128.store(p, v);
  } else {
    let x = i64x2.extract_lane(v, 0);
    for (let i = 0; i < n; i++) {
      if (i == 4) x = i64x2.extract_lane(v, 1);
      store<u16>(p + (<usize>i << 1), <u16>x);
      x >>= 16;
    }
  }
}

// 8 activations as i16 lanes: widened bytes (T = u8) or u16 values as they are (≤ 32767).
// @ts-ignore: decorator
@inline export function loadLanes8<T>(p: usize): v128 {
  if (sizeof<T>() == 1) return v128.load8x8_u(p);
  return v128.load(p);
}

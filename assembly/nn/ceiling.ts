import { madd } from "./simd";

// The machine's ceiling for the network's arithmetic, for the benchmarks: n rounds of 12 independent f32x4
// multiply-add chains held in registers (no memory traffic, more chains than an FMA unit's latency ×
// throughput needs, so nothing but issue rate bounds it). 48 multiply-adds a round. The kernels' madd(): in
// the relaxed build one fused multiply-add a step, which bounds both builds; in the plain build a multiply
// then an add in the same chain, two latencies a step, so there it is slower than independent products
// (multiplyAddLoadCeiling's) and not a bound.
// The 12 sums go to out (16 bytes each) so the work cannot be optimised away.
export function multiplyAddCeiling(n: i32, out: usize): void {
  // k and m made from n (n >>> 31 is 0 for any n ≥ 0): V8 13 rebuilds a constant vector inside the loop
  const z = <f32>(n >>> 31), k = f32x4.splat(0.999 + z), m = f32x4.splat(0.001 + z);
  // chain j starts at j + 1 and tends to 1
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4);
  let a4 = f32x4.splat(5), a5 = f32x4.splat(6), a6 = f32x4.splat(7), a7 = f32x4.splat(8);
  let a8 = f32x4.splat(9), a9 = f32x4.splat(10), a10 = f32x4.splat(11), a11 = f32x4.splat(12);
  for (let i = 0; i < n; i++) {
    a0 = madd(a0, k, m); a1 = madd(a1, k, m); a2 = madd(a2, k, m); a3 = madd(a3, k, m);
    a4 = madd(a4, k, m); a5 = madd(a5, k, m); a6 = madd(a6, k, m); a7 = madd(a7, k, m);
    a8 = madd(a8, k, m); a9 = madd(a9, k, m); a10 = madd(a10, k, m); a11 = madd(a11, k, m);
  }
  v128.store(out, a0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
  v128.store(out, a4, 64); v128.store(out, a5, 80); v128.store(out, a6, 96); v128.store(out, a7, 112);
  v128.store(out, a8, 128); v128.store(out, a9, 144); v128.store(out, a10, 160); v128.store(out, a11, 176);
}

// The same ceiling with the pointwise kernel's loads: per step, two weight vectors and four broadcast inputs
// for 8 multiply-adds into 8 sums (pointwise_4x8's inner loop), over `steps` 32-byte records of buf read in
// order, `rounds` times (L1-resident at the benchmarks' 16 KB), no address arithmetic beyond one pointer.
// What it loses against multiplyAddCeiling is what feeding the arithmetic from memory costs on this machine,
// whatever the kernel around it. 32 multiply-adds a step; sums go to out (128 bytes). Each record: weights
// w0 = floats 0..3, w1 = 4..7, inputs = floats 1, 2, 3, 5 (any four would do).
export function multiplyAddLoadCeiling(buf: usize, steps: i32, rounds: i32, out: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  const end = buf + (<usize>steps << 5);
  for (let r = 0; r < rounds; r++) for (let p = buf; p < end; p += 32) {
    const w0 = v128.load(p), w1 = v128.load(p, 16);
    let s = v128.load32_splat(p, 4);
    a0 = madd(s, w0, a0); a1 = madd(s, w1, a1);
    s = v128.load32_splat(p, 8);
    a2 = madd(s, w0, a2); a3 = madd(s, w1, a3);
    s = v128.load32_splat(p, 12);
    a4 = madd(s, w0, a4); a5 = madd(s, w1, a5);
    s = v128.load32_splat(p, 20);
    a6 = madd(s, w0, a6); a7 = madd(s, w1, a7);
  }
  v128.store(out, a0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
  v128.store(out, a4, 64); v128.store(out, a5, 80); v128.store(out, a6, 96); v128.store(out, a7, 112);
}

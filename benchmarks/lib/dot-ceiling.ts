// Instruction ceilings of the multiply-adds the integer kernels could use, for benchmarks/dot-ceiling.mjs
// only (never shipped). Each function runs n rounds of 8 independent accumulator chains in registers, distinct
// operands made from n (V8 13 rebuilds a constant vector operand inside the loop, halving the fused dot's rate), no loads, and stores the 8 sums to out (128 bytes) so the work is kept. Multiply-adds a round:
// f32 madd 32, i16 dot 64, int8 dot 128.

// f32x4.relaxed_madd: what the f32 kernels' inner loop issues (relaxed build)
export function f32Madd(n: i32, out: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  const w0 = f32x4.splat(1e-9 * <f32>(n & 7)), w1 = f32x4.splat(1e-9 * <f32>(n & 5)), x0 = f32x4.splat(<f32>(n & 1) + 1), x1 = f32x4.splat(<f32>(n & 3) + 0.5);
  for (let i = 0; i < n; i++) {
    a0 = f32x4.relaxed_madd(w0, x0, a0); a1 = f32x4.relaxed_madd(w1, x0, a1);
    a2 = f32x4.relaxed_madd(w0, x1, a2); a3 = f32x4.relaxed_madd(w1, x1, a3);
    a4 = f32x4.relaxed_madd(x0, w0, a4); a5 = f32x4.relaxed_madd(x1, w0, a5);
    a6 = f32x4.relaxed_madd(x0, w1, a6); a7 = f32x4.relaxed_madd(x1, w1, a7);
  }
  store8(out, a0, a1, a2, a3, a4, a5, a6, a7);
}

// i32x4.dot_i16x8_s then i32x4.add: the a16 kernels' step (plain SIMD)
export function i16Dot(n: i32, out: usize): void {
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  const w0 = i16x8.splat(<i16>(n & 7)), w1 = i16x8.splat(<i16>(n & 5)), x0 = i16x8.splat(<i16>(n & 3)), x1 = i16x8.splat(<i16>(n & 1));
  for (let i = 0; i < n; i++) {
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(w0, x0)); a1 = i32x4.add(a1, i32x4.dot_i16x8_s(w1, x0));
    a2 = i32x4.add(a2, i32x4.dot_i16x8_s(w0, x1)); a3 = i32x4.add(a3, i32x4.dot_i16x8_s(w1, x1));
    a4 = i32x4.add(a4, i32x4.dot_i16x8_s(x0, w0)); a5 = i32x4.add(a5, i32x4.dot_i16x8_s(x1, w0));
    a6 = i32x4.add(a6, i32x4.dot_i16x8_s(x0, w1)); a7 = i32x4.add(a7, i32x4.dot_i16x8_s(x1, w1));
  }
  store8(out, a0, a1, a2, a3, a4, a5, a6, a7);
}

// the int8 kernels' two-step dot (assembly/nn/qsimd.ts dot4): relaxed i16 pair dot, pairwise add, add
export function i8DotTwoStep(n: i32, out: usize): void {
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  const w0 = i8x16.splat(<i8>(n & 7)), w1 = i8x16.splat(<i8>(n & 5)), x0 = i8x16.splat(<i8>(n & 3)), x1 = i8x16.splat(<i8>(n & 1));
  for (let i = 0; i < n; i++) {
    a0 = d2(w0, x0, a0); a1 = d2(w1, x0, a1); a2 = d2(w0, x1, a2); a3 = d2(w1, x1, a3);
    a4 = d2(x0, w0, a4); a5 = d2(x1, w0, a5); a6 = d2(x0, w1, a6); a7 = d2(x1, w1, a7);
  }
  store8(out, a0, a1, a2, a3, a4, a5, a6, a7);
}

// the one instruction made for it, i32x4.relaxed_dot_i8x16_i7x16_add_s (one vpdpbusd where V8 lowers it so)
export function i8DotFused(n: i32, out: usize): void {
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  const w0 = i8x16.splat(<i8>(n & 7)), w1 = i8x16.splat(<i8>(n & 5)), x0 = i8x16.splat(<i8>(n & 3)), x1 = i8x16.splat(<i8>(n & 1));
  for (let i = 0; i < n; i++) {
    a0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, x0, a0); a1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, x0, a1);
    a2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, x1, a2); a3 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, x1, a3);
    a4 = i32x4.relaxed_dot_i8x16_i7x16_add_s(x0, w0, a4); a5 = i32x4.relaxed_dot_i8x16_i7x16_add_s(x1, w0, a5);
    a6 = i32x4.relaxed_dot_i8x16_i7x16_add_s(x0, w1, a6); a7 = i32x4.relaxed_dot_i8x16_i7x16_add_s(x1, w1, a7);
  }
  store8(out, a0, a1, a2, a3, a4, a5, a6, a7);
}

// @ts-ignore: decorator
@inline function d2(w: v128, x: v128, acc: v128): v128 {
  return i32x4.add(acc, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(w, x)));
}

// @ts-ignore: decorator
@inline function store8(out: usize, a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128, a7: v128): void {
  v128.store(out, a0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
  v128.store(out, a4, 64); v128.store(out, a5, 80); v128.store(out, a6, 96); v128.store(out, a7, 112);
}

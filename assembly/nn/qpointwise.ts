import { dot4, requant4, dequant4, narrow8, storeBytes8, narrowU16x8, storeU16x8 } from "./qsimd";
import { storeLanes8, relu4 } from "./simd";

// Integer pointwise (1×1) convolution, also Dense over rows: u8 activations, int8 weights per output
// channel, i32 sums, requantized per output channel (src/quant/params.ts defines the arithmetic).
//   in:  [P, C] u8 (P pixels × C channels, dense rows of C bytes). The kernel reads up to 3 bytes past a
//        row (the next pixel's or, for the last pixel, up to 3 bytes past the tensor: leave 16 bytes after
//        it in memory); they meet zero weights.
//   w:   pointwise_i8: packPointwiseI8's layout (blocks of 8 outputs × steps of 4 inputs, 32 bytes a step);
//        pointwise_i16: packPointwiseI16's (blocks of 8 outputs × steps of 2 inputs, i16, 32 bytes a step).
//   q:   packRequant's block for Fp = ceil8(F): i32 bias32 [Fp], f32 mul [Fp], f32 add [Fp].
//   out: [P, F] u8, clamp(round(acc·mul + add), qmin, qmax) (qmin = the zero point fuses a ReLU), or with
//        outF32 = 1 [P, F] f32 = acc·mul + add (a dequantized output: a head, an f32 residual join).
// pointwise_i8 adds 4 products an instruction with i32x4.relaxed_dot_i8x16_i7x16_add_s, whose second
// operand (the activations) must be 7-bit (qmax 127 upstream) to give the same sums on every CPU; in the
// plain-SIMD build the same sums come from the i16 dot product (dot4 in qsimd.ts), slower, for tests.
// pointwise_i16 widens 2 activation bytes to an i16 pair and adds 2 products a lane with i32x4.dot_i16x8_s
// (plain SIMD): 8-bit activations are fine there.
// Register tile: 4 pixels × 8 output channels = 8 i32x4 accumulators, 2 weight vectors, 1 splat, as in
// pointwise_4x8 (f32), with the same loop order: blocks of 8 outputs outermost (a block's weights stay in
// L1 while the rows stream past), pixels outermost when C < 8 (the stores outweigh the sums).
export function pointwise_i8(inp: usize, P: i32, C: i32, w: usize, q: usize, out: usize, F: i32, qmin: i32, qmax: i32, outF32: i32): void {
  pointwise<i8>(inp, P, C, w, q, out, F, qmin, qmax, outF32, 0, 0);
}

export function pointwise_i16(inp: usize, P: i32, C: i32, w: usize, q: usize, out: usize, F: i32, qmin: i32, qmax: i32, outF32: i32): void {
  pointwise<i16>(inp, P, C, w, q, out, F, qmin, qmax, outF32, 0, 0);
}

// pointwise_a16: 16-bit activations (u16 in and, unless outF32, out; qmax ≤ 32767) against the same int8
// weights in packPointwiseI16's layout: the pixel's 2 values splatted as they are, i32x4.dot_i16x8_s. The
// i32 sums cannot overflow while C·qmax·127 < 2^31 (C < 4128 at 12 bits); docs/int8.md says why 12-bit
// activations.
export function pointwise_a16(inp: usize, P: i32, C: i32, w: usize, q: usize, out: usize, F: i32, qmin: i32, qmax: i32, outF32: i32): void {
  pointwise<u16>(inp, P, C, w, q, out, F, qmin, qmax, outF32, 0, 0);
}

// pointwise_a16_f32: pointwise_a16's f32 output for a mixed program (separable3x3_a16), with what the f32
// kernel fuses: out = acc·mul + add, then + res [P, F] (or res = 0 for none), then max(·, 0) when relu != 0.
export function pointwise_a16_f32(inp: usize, P: i32, C: i32, w: usize, q: usize, out: usize, F: i32, res: usize, relu: i32): void {
  pointwise<u16>(inp, P, C, w, q, out, F, 0, 0, 1, res, relu);
}

// K = i8: the relaxed int8 dot (4 inputs a step); K = i16: the i16 dot (2 inputs a step); K = u16: the
// i16 dot on 16-bit activations.
// @ts-ignore: decorator
@inline function pointwise<K>(inp: usize, P: i32, C: i32, w: usize, q: usize, out: usize, F: i32, qmin: i32, qmax: i32, outF32: i32, res: usize, relu: i32): void {
  if (C <= 0 || F <= 0) return;
  const blocks = (F + 7) >> 3;
  const P4 = P & ~3;
  if (C < 8) {
    for (let p = 0; p < P4; p += 4) for (let fb = 0; fb < blocks; fb++) tile4<K>(inp, p, C, w, q, out, F, qmin, qmax, outF32, res, relu, fb);
  } else {
    for (let fb = 0; fb < blocks; fb++) for (let p = 0; p < P4; p += 4) tile4<K>(inp, p, C, w, q, out, F, qmin, qmax, outF32, res, relu, fb);
  }
  for (let p = P4; p < P; p++) for (let fb = 0; fb < blocks; fb++) tile1<K>(inp, p, C, w, q, out, F, qmin, qmax, outF32, res, relu, fb);
}

// Input channels a step, and the activation bytes of one step as the dot product wants them.
// @ts-ignore: decorator
@inline function stepChannels<K>(): usize {
  return sizeof<K>() == 1 ? 4 : 2;
}

// Bytes of one activation: 2 for u16 (pointwise_a16), else 1.
// @ts-ignore: decorator
@inline function actBytes<K>(): usize {
  return sizeof<K>() == 2 && !isSigned<K>() ? 2 : 1;
}

// @ts-ignore: decorator
@inline function splat<K>(x: usize): v128 {
  if (sizeof<K>() == 1) return v128.load32_splat(x);
  if (actBytes<K>() == 2) return v128.load32_splat(x);
  return i16x8.extend_low_i8x16_u(v128.load16_splat(x));
}

// @ts-ignore: decorator
@inline function dot<K>(w: v128, x: v128, acc: v128): v128 {
  if (sizeof<K>() == 1) return dot4(w, x, acc);
  return i32x4.add(acc, i32x4.dot_i16x8_s(w, x));
}

// Pixels p..p+3, output channels 8·fb..8·fb+7 (fewer in a partial last block: only those are stored).
// @ts-ignore: decorator
@inline function tile4<K>(inp: usize, p: i32, C: i32, w: usize, q: usize, out: usize, F: i32, qmin: i32, qmax: i32, outF32: i32, res: usize, relu: i32, fb: i32): void {
  const S = stepChannels<K>();
  const steps = (<usize>C + S - 1) / S;
  const E = actBytes<K>();
  const x = inp + <usize>p * <usize>C * E;
  const xEnd = x + steps * S * E;
  const bias0 = v128.load(q + (<usize>fb << 5)), bias1 = v128.load(q + (<usize>fb << 5), 16);
  let a00 = bias0, a01 = bias1, a10 = bias0, a11 = bias1;
  let a20 = bias0, a21 = bias1, a30 = bias0, a31 = bias1;
  let wc = w + <usize>fb * (steps << 5);
  let x0 = x;
  const x1 = <usize>C * E, x2 = x1 << 1, x3 = x1 * 3;
  do {
    const w0 = v128.load(wc), w1 = v128.load(wc, 16);
    let s = splat<K>(x0);
    a00 = dot<K>(w0, s, a00); a01 = dot<K>(w1, s, a01);
    s = splat<K>(x0 + x1);
    a10 = dot<K>(w0, s, a10); a11 = dot<K>(w1, s, a11);
    s = splat<K>(x0 + x2);
    a20 = dot<K>(w0, s, a20); a21 = dot<K>(w1, s, a21);
    s = splat<K>(x0 + x3);
    a30 = dot<K>(w0, s, a30); a31 = dot<K>(w1, s, a31);
    wc += 32;
    x0 += S * E;
  } while (x0 < xEnd);
  const Fp = <usize>(F + 7) & ~7;
  const mq = q + (Fp << 2) + (<usize>fb << 5), bq = q + (Fp << 3) + (<usize>fb << 5);
  const m0 = v128.load(mq), m1 = v128.load(mq, 16), b0 = v128.load(bq), b1 = v128.load(bq, 16);
  const n = min(8, F - (fb << 3));
  const o = <usize>p * <usize>F + (<usize>fb << 3); // element index of the first output
  if (outF32) {
    const ofp = out + (o << 2), st = <usize>F << 2, r = res ? res + (o << 2) : 0;
    storeF32x8(ofp, dequant4(a00, m0, b0), dequant4(a01, m1, b1), n, r, relu);
    storeF32x8(ofp + st, dequant4(a10, m0, b0), dequant4(a11, m1, b1), n, r ? r + st : 0, relu);
    storeF32x8(ofp + 2 * st, dequant4(a20, m0, b0), dequant4(a21, m1, b1), n, r ? r + 2 * st : 0, relu);
    storeF32x8(ofp + 3 * st, dequant4(a30, m0, b0), dequant4(a31, m1, b1), n, r ? r + 3 * st : 0, relu);
  } else if (E == 2) {
    const lo = i16x8.splat(<i16>qmin), hi = i16x8.splat(<i16>qmax);
    const ob = out + (o << 1), st = <usize>F << 1;
    storeU16x8(ob, narrowU16x8(requant4(a00, m0, b0), requant4(a01, m1, b1), lo, hi), n);
    storeU16x8(ob + st, narrowU16x8(requant4(a10, m0, b0), requant4(a11, m1, b1), lo, hi), n);
    storeU16x8(ob + 2 * st, narrowU16x8(requant4(a20, m0, b0), requant4(a21, m1, b1), lo, hi), n);
    storeU16x8(ob + 3 * st, narrowU16x8(requant4(a30, m0, b0), requant4(a31, m1, b1), lo, hi), n);
  } else {
    const lo = i8x16.splat(<i8>qmin), hi = i8x16.splat(<i8>qmax);
    const ob = out + o, st = <usize>F;
    storeBytes8(ob, narrow8(requant4(a00, m0, b0), requant4(a01, m1, b1), lo, hi), n);
    storeBytes8(ob + st, narrow8(requant4(a10, m0, b0), requant4(a11, m1, b1), lo, hi), n);
    storeBytes8(ob + 2 * st, narrow8(requant4(a20, m0, b0), requant4(a21, m1, b1), lo, hi), n);
    storeBytes8(ob + 3 * st, narrow8(requant4(a30, m0, b0), requant4(a31, m1, b1), lo, hi), n);
  }
}

// One pixel p (the P mod 4 tail), output channels 8·fb..8·fb+7.
// @ts-ignore: decorator
@inline function tile1<K>(inp: usize, p: i32, C: i32, w: usize, q: usize, out: usize, F: i32, qmin: i32, qmax: i32, outF32: i32, res: usize, relu: i32, fb: i32): void {
  const S = stepChannels<K>();
  const steps = (<usize>C + S - 1) / S;
  const E = actBytes<K>();
  const x = inp + <usize>p * <usize>C * E;
  const xEnd = x + steps * S * E;
  let a0 = v128.load(q + (<usize>fb << 5)), a1 = v128.load(q + (<usize>fb << 5), 16);
  let wc = w + <usize>fb * (steps << 5);
  let x0 = x;
  do {
    const s = splat<K>(x0);
    a0 = dot<K>(v128.load(wc), s, a0);
    a1 = dot<K>(v128.load(wc, 16), s, a1);
    wc += 32;
    x0 += S * E;
  } while (x0 < xEnd);
  const Fp = <usize>(F + 7) & ~7;
  const mq = q + (Fp << 2) + (<usize>fb << 5), bq = q + (Fp << 3) + (<usize>fb << 5);
  const m0 = v128.load(mq), m1 = v128.load(mq, 16), b0 = v128.load(bq), b1 = v128.load(bq, 16);
  const n = min(8, F - (fb << 3));
  const o = <usize>p * <usize>F + (<usize>fb << 3);
  if (outF32) {
    storeF32x8(out + (o << 2), dequant4(a0, m0, b0), dequant4(a1, m1, b1), n, res ? res + (o << 2) : 0, relu);
  } else if (E == 2) {
    storeU16x8(out + (o << 1), narrowU16x8(requant4(a0, m0, b0), requant4(a1, m1, b1), i16x8.splat(<i16>qmin), i16x8.splat(<i16>qmax)), n);
  } else {
    storeBytes8(out + o, narrow8(requant4(a0, m0, b0), requant4(a1, m1, b1), i8x16.splat(<i8>qmin), i8x16.splat(<i8>qmax)), n);
  }
}

// Stores the first n (0..8) lanes of (v0, v1) at p, each plus the float at r (r = 0: none), then max(·, 0)
// when relu != 0. A partial group reads only its n floats of r.
// @ts-ignore: decorator
@inline function storeF32x8(p: usize, v0: v128, v1: v128, n: i32, r: usize, relu: i32): void {
  if (r) {
    if (n >= 8) {
      v0 = f32x4.add(v0, v128.load(r));
      v1 = f32x4.add(v1, v128.load(r, 16));
    } else {
      let r0 = f32x4.splat(0), r1 = f32x4.splat(0);
      if (n > 0) r0 = f32x4.replace_lane(r0, 0, load<f32>(r));
      if (n > 1) r0 = f32x4.replace_lane(r0, 1, load<f32>(r, 4));
      if (n > 2) r0 = f32x4.replace_lane(r0, 2, load<f32>(r, 8));
      if (n > 3) r0 = f32x4.replace_lane(r0, 3, load<f32>(r, 12));
      if (n > 4) r1 = f32x4.replace_lane(r1, 0, load<f32>(r, 16));
      if (n > 5) r1 = f32x4.replace_lane(r1, 1, load<f32>(r, 20));
      if (n > 6) r1 = f32x4.replace_lane(r1, 2, load<f32>(r, 24));
      v0 = f32x4.add(v0, r0);
      v1 = f32x4.add(v1, r1);
    }
  }
  if (relu) {
    v0 = relu4(v0);
    v1 = relu4(v1);
  }
  storeLanes8(p, v0, v1, n);
}

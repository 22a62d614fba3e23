import { madd, storeLanes8, relu4 } from "./simd";

// Pointwise (1×1) convolution, also Dense when the "pixels" are rows of a batch.
//   in:  [P, C]  f32, pixels × input channels (NHWC flattened)
//   w:   packed: for each block of 8 output channels fb, [C][8] (zero-padded past F); see src/engine/pack.ts
//   b:   [ceil8(F)] bias, zero-padded
//   out: [P, F]
//   res: [P, F] added after the bias (the residual join of ResEZAP), or 0 for none; relu != 0 clamps at 0 last.
//        res may be out itself when F is a multiple of 8 (each element is read before it is written).
// Register tile: 4 pixels × 8 output channels = 8 f32x4 accumulators, 2 weight vectors, 1 broadcast.
// Loop order: blocks of 8 output channels outermost, so one block of weights (C·8 floats, 3 KB at most in
// ResEZAP) stays in L1 while the input rows stream past it (a separable op's input is a few rows, ≤ 12 KB):
// ×0.99–1.06 on ResEZAP's separable ops against pixel tiles outermost, where every tile streamed all the
// weights (36 KB, more than L1, in block 3). With fewer than 8 input channels (the first layer's 1) the stores
// outweigh the multiply-adds, and pixel tiles go outermost so each pixel's outputs are written in one pass.
// The channel loop is a do-while on the input pointer (C ≥ 1), one step a channel: unrolling it lets V8 hoist
// the loads of every step above the multiply-adds and spill accumulators (measured ×0.6–0.8). A full block's
// residual and ReLU are applied to its accumulators before they are stored; a partial last block (F not a
// multiple of 8) gets them after, from memory.
export function pointwise_4x8(inp: usize, P: i32, C: i32, w: usize, b: usize, out: usize, F: i32, res: usize, relu: i32): void {
  if (C <= 0) return;
  const blocks = (F + 7) >> 3;
  const P4 = P & ~3;
  if (C < 8) {
    for (let p = 0; p < P4; p += 4) for (let fb = 0; fb < blocks; fb++) tile4x8(inp, p, C, w, b, out, F, res, relu, fb);
  } else {
    for (let fb = 0; fb < blocks; fb++) for (let p = 0; p < P4; p += 4) tile4x8(inp, p, C, w, b, out, F, res, relu, fb);
  }
  const inStride = <usize>C << 2;
  const outStride = <usize>F << 2;
  const blockBytes = <usize>C << 5;
  for (let p = P4; p < P; p++) {
    const x = inp + <usize>p * inStride;
    const oRow = out + <usize>p * outStride;
    const rRow = res ? res + <usize>p * outStride : 0;
    for (let fb = 0; fb < blocks; fb++) {
      let a0 = v128.load(b + (<usize>fb << 5));
      let a1 = v128.load(b + (<usize>fb << 5), 16);
      let wc = w + <usize>fb * blockBytes;
      let x0 = x;
      for (let c = 0; c < C; c++) {
        const s = v128.load32_splat(x0);
        a0 = madd(s, v128.load(wc), a0);
        a1 = madd(s, v128.load(wc, 16), a1);
        wc += 32;
        x0 += 4;
      }
      const n = min(8, F - (fb << 3));
      if (n == 8) {
        if (res) {
          a0 = f32x4.add(a0, v128.load(rRow + (<usize>fb << 5)));
          a1 = f32x4.add(a1, v128.load(rRow + (<usize>fb << 5), 16));
        }
        if (relu) {
          a0 = relu4(a0);
          a1 = relu4(a1);
        }
      }
      storeLanes8(oRow + (<usize>fb << 5), a0, a1, n);
    }
    if ((res | relu) && (F & 7)) {
      const c0 = <usize>(F & ~7) << 2;
      epilogue(oRow + c0, res ? rRow + c0 : 0, F & 7, relu);
    }
  }
}

// Pixels p..p+3, output channels 8·fb..8·fb+7 (fewer in a partial last block, which then gets its residual
// and ReLU from memory, after its store).
// @ts-ignore: decorator
@inline function tile4x8(inp: usize, p: i32, C: i32, w: usize, b: usize, out: usize, F: i32, res: usize, relu: i32, fb: i32): void {
  const inStride = <usize>C << 2;
  const outStride = <usize>F << 2;
  const x = inp + <usize>p * inStride;
  const xEnd = x + inStride;
  const oRow = out + <usize>p * outStride;
  const rRow = res ? res + <usize>p * outStride : 0;
  const bias0 = v128.load(b + (<usize>fb << 5));
  const bias1 = v128.load(b + (<usize>fb << 5), 16);
  let a00 = bias0, a01 = bias1, a10 = bias0, a11 = bias1;
  let a20 = bias0, a21 = bias1, a30 = bias0, a31 = bias1;
  let wc = w + <usize>fb * (<usize>C << 5);
  let x0 = x;
  const x1 = inStride, x2 = inStride << 1, x3 = inStride * 3;
  do {
    const w0 = v128.load(wc);
    const w1 = v128.load(wc, 16);
    let s = v128.load32_splat(x0);
    a00 = madd(s, w0, a00); a01 = madd(s, w1, a01);
    s = v128.load32_splat(x0 + x1);
    a10 = madd(s, w0, a10); a11 = madd(s, w1, a11);
    s = v128.load32_splat(x0 + x2);
    a20 = madd(s, w0, a20); a21 = madd(s, w1, a21);
    s = v128.load32_splat(x0 + x3);
    a30 = madd(s, w0, a30); a31 = madd(s, w1, a31);
    wc += 32;
    x0 += 4;
  } while (x0 < xEnd);
  const n = min(8, F - (fb << 3));
  if (n == 8 && (res | relu)) {
    if (res) {
      const r = rRow + (<usize>fb << 5);
      a00 = f32x4.add(a00, v128.load(r)); a01 = f32x4.add(a01, v128.load(r, 16));
      a10 = f32x4.add(a10, v128.load(r + outStride)); a11 = f32x4.add(a11, v128.load(r + outStride, 16));
      a20 = f32x4.add(a20, v128.load(r + 2 * outStride)); a21 = f32x4.add(a21, v128.load(r + 2 * outStride, 16));
      a30 = f32x4.add(a30, v128.load(r + 3 * outStride)); a31 = f32x4.add(a31, v128.load(r + 3 * outStride, 16));
    }
    if (relu) {
      a00 = relu4(a00); a01 = relu4(a01); a10 = relu4(a10); a11 = relu4(a11);
      a20 = relu4(a20); a21 = relu4(a21); a30 = relu4(a30); a31 = relu4(a31);
    }
  }
  const o = oRow + (<usize>fb << 5);
  storeLanes8(o, a00, a01, n);
  storeLanes8(o + outStride, a10, a11, n);
  storeLanes8(o + 2 * outStride, a20, a21, n);
  storeLanes8(o + 3 * outStride, a30, a31, n);
  if (n < 8 && (res | relu)) {
    // the partial last block's channels of each of the 4 pixels
    const c0 = <usize>(F & ~7) << 2;
    for (let k: usize = 0; k < 4; k++) epilogue(oRow + k * outStride + c0, res ? rRow + k * outStride + c0 : 0, F & 7, relu);
  }
}

// o[i] = relu?(o[i] + res[i]) over n floats just written (still in L1).
// @ts-ignore: decorator
@inline function epilogue(o: usize, res: usize, n: i32, relu: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const k = <usize>i << 2;
    let v = v128.load(o + k);
    if (res) v = f32x4.add(v, v128.load(res + k));
    if (relu) v = relu4(v);
    v128.store(o + k, v);
  }
  for (; i < n; i++) {
    const k = <usize>i << 2;
    let v = load<f32>(o + k);
    if (res) v += load<f32>(res + k);
    if (relu) v = max<f32>(v, 0);
    store<f32>(o + k, v);
  }
}

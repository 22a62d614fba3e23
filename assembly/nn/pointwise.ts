import { madd, storeLanes8 } from "./simd";

// Pointwise (1×1) convolution, also Dense when the "pixels" are rows of a batch.
//   in:  [P, C]  f32, pixels × input channels (NHWC flattened)
//   w:   packed: for each block of 8 output channels fb, [C][8] (zero-padded past F); see packPointwise()
//   b:   [ceil8(F)] bias, zero-padded
//   out: [P, F]
// Register tile: 4 pixels × 8 output channels = 8 f32x4 accumulators, 2 weight vectors, 1 broadcast.
export function pointwise_4x8(inp: usize, P: i32, C: i32, w: usize, b: usize, out: usize, F: i32): void {
  const blocks = (F + 7) >> 3;
  const inStride = <usize>C << 2;
  const outStride = <usize>F << 2;
  for (let fb = 0; fb < blocks; fb++) {
    const wb = w + ((<usize>fb * <usize>C) << 5);
    const bias0 = v128.load(b + (<usize>fb << 5));
    const bias1 = v128.load(b + (<usize>fb << 5), 16);
    const n = min(8, F - (fb << 3));
    let o = out + (<usize>fb << 5);
    let x = inp;
    let p = 0;
    for (; p + 4 <= P; p += 4) {
      let a00 = bias0, a01 = bias1, a10 = bias0, a11 = bias1;
      let a20 = bias0, a21 = bias1, a30 = bias0, a31 = bias1;
      let wc = wb;
      let x0 = x;
      const x1 = inStride, x2 = inStride << 1, x3 = inStride * 3;
      for (let c = 0; c < C; c++) {
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
      }
      storeLanes8(o, a00, a01, n);
      storeLanes8(o + outStride, a10, a11, n);
      storeLanes8(o + 2 * outStride, a20, a21, n);
      storeLanes8(o + 3 * outStride, a30, a31, n);
      o += outStride << 2;
      x += inStride << 2;
    }
    for (; p < P; p++) {
      let a0 = bias0, a1 = bias1;
      let wc = wb;
      let x0 = x;
      for (let c = 0; c < C; c++) {
        const s = v128.load32_splat(x0);
        a0 = madd(s, v128.load(wc), a0);
        a1 = madd(s, v128.load(wc, 16), a1);
        wc += 32;
        x0 += 4;
      }
      storeLanes8(o, a0, a1, n);
      o += outStride;
      x += inStride;
    }
  }
}

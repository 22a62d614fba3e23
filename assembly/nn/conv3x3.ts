import { madd, storeLanes8 } from "./simd";

// Normal 3×3 convolution, stride 1, padding valid (a "same" conv is ZeroPadding2D(1) then this).
//   in:  [H, W, C]
//   w:   packed: for each block of 8 output channels fb, [9 taps][C][8] (zero-padded past F); see packConv3x3()
//   b:   [ceil8(F)] bias, zero-padded
//   out: [H-2, W-2, F]
// Register tile: 4 neighbouring output pixels of a row × 8 output channels.
export function conv3x3_4x8(inp: usize, H: i32, W: i32, C: i32, w: usize, b: usize, out: usize, F: i32): void {
  const Ho = H - 2, Wo = W - 2;
  if (Ho <= 0 || Wo <= 0) return;
  const blocks = (F + 7) >> 3;
  const px = <usize>C << 2;            // bytes per input pixel
  const row = <usize>W * px;           // bytes per input row
  const outPx = <usize>F << 2;
  const tapBytes = <usize>C << 5;      // one tap of one block: C × 8 floats
  for (let fb = 0; fb < blocks; fb++) {
    const wb = w + <usize>fb * 9 * tapBytes;
    const bias0 = v128.load(b + (<usize>fb << 5));
    const bias1 = v128.load(b + (<usize>fb << 5), 16);
    const n = min(8, F - (fb << 3));
    for (let oy = 0; oy < Ho; oy++) {
      const inRow = inp + <usize>oy * row;
      let o = out + (<usize>oy * <usize>Wo * <usize>F << 2) + (<usize>fb << 5);
      let ox = 0;
      for (; ox + 4 <= Wo; ox += 4) {
        let a00 = bias0, a01 = bias1, a10 = bias0, a11 = bias1;
        let a20 = bias0, a21 = bias1, a30 = bias0, a31 = bias1;
        let wc = wb;
        for (let ky = 0; ky < 3; ky++) {
          for (let kx = 0; kx < 3; kx++) {
            let x0 = inRow + <usize>ky * row + <usize>(ox + kx) * px;
            for (let c = 0; c < C; c++) {
              const w0 = v128.load(wc);
              const w1 = v128.load(wc, 16);
              let s = v128.load32_splat(x0);
              a00 = madd(s, w0, a00); a01 = madd(s, w1, a01);
              s = v128.load32_splat(x0 + px);
              a10 = madd(s, w0, a10); a11 = madd(s, w1, a11);
              s = v128.load32_splat(x0 + 2 * px);
              a20 = madd(s, w0, a20); a21 = madd(s, w1, a21);
              s = v128.load32_splat(x0 + 3 * px);
              a30 = madd(s, w0, a30); a31 = madd(s, w1, a31);
              wc += 32;
              x0 += 4;
            }
          }
        }
        storeLanes8(o, a00, a01, n);
        storeLanes8(o + outPx, a10, a11, n);
        storeLanes8(o + 2 * outPx, a20, a21, n);
        storeLanes8(o + 3 * outPx, a30, a31, n);
        o += outPx << 2;
      }
      for (; ox < Wo; ox++) {
        let a0 = bias0, a1 = bias1;
        let wc = wb;
        for (let ky = 0; ky < 3; ky++) {
          for (let kx = 0; kx < 3; kx++) {
            let x0 = inRow + <usize>ky * row + <usize>(ox + kx) * px;
            for (let c = 0; c < C; c++) {
              const s = v128.load32_splat(x0);
              a0 = madd(s, v128.load(wc), a0);
              a1 = madd(s, v128.load(wc, 16), a1);
              wc += 32;
              x0 += 4;
            }
          }
        }
        storeLanes8(o, a0, a1, n);
        o += outPx;
      }
    }
  }
}

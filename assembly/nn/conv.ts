import { madd, storeLanes8, clamp4 } from "./simd";

// General convolution (TensorFlow semantics): any kernel, stride, dilation and asymmetric zero padding.
//   in:  [H, W, C]
//   w:   packed: for each block of 8 output channels fb, [kh][kw][C][8] (zero-padded past F); see packConv()
//   b:   [ceil8(F)] bias, zero-padded
//   out: [Ho, Wo, F]; out[oy, ox] reads input rows oy·sh − padT + ky·dh and columns ox·sw − padL + kx·dw,
//        taps outside the input count as zeros (the bottom and right padding are implied by Ho, Wo)
//   clamp: 0, or a pointer to f32 [lo, hi] applied last (ReLU [0, inf], ReLU6 [0, 6])
// Register tile: 4 output pixels of a row (inputs sw·C floats apart) × 8 output channels, for the pixels whose
// taps are all inside the input along x; kernel rows outside the input are clipped once per output row, so
// the tile also covers the top and bottom borders. The left and right borders go one pixel at a time with
// their taps clipped. With dilation 1 along x, a kernel row's kw·C inputs and weights are both contiguous
// and run as one loop (what keeps C = 1 and 3 first layers from being all loop overhead).
export function conv2d_4x8(inp: usize, H: i32, W: i32, C: i32, w: usize, b: usize, out: usize, Ho: i32, Wo: i32, F: i32,
                           kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padT: i32, padL: i32, clamp: usize): void {
  if (Ho <= 0 || Wo <= 0 || F <= 0 || C <= 0) return;
  const blocks = (F + 7) >> 3;
  const px = <usize>C << 2;            // bytes per input pixel
  const row = <usize>W * px;           // bytes per input row
  const outPx = <usize>F << 2;
  const outRow = <usize>Wo * outPx;
  const tap = <usize>C << 5;           // one tap of one block: C × 8 floats
  const wRow = <usize>kw * tap;        // one kernel row of one block
  const blockBytes = <usize>kh * wRow;
  const xStep = <usize>dw * px;        // between taps kx, kx+1
  const yStep = <usize>dh * row;       // between taps ky, ky+1
  const ps = <usize>sw * px;           // between neighbouring output pixels' inputs
  // dw 1: a kernel row is one run of kw·C steps; else kw runs of C
  const runs = dw == 1 ? 1 : kw;
  const runBytes = dw == 1 ? <usize>kw * px : px;
  let lo = f32x4.splat(-Infinity), hi = f32x4.splat(Infinity);
  if (clamp) {
    lo = v128.load32_splat(clamp);
    hi = v128.load32_splat(clamp, 4);
  }
  // output columns whose taps are all inside the input: ox·sw − padL ≥ 0 and ox·sw − padL + (kw−1)·dw ≤ W−1
  let oxLo = padL > 0 ? (padL + sw - 1) / sw : 0;
  const t = W - 1 + padL - (kw - 1) * dw;
  let oxHi = t < 0 ? 0 : t / sw + 1;
  oxLo = min(oxLo, Wo);
  oxHi = max(min(oxHi, Wo), oxLo);
  const tilesEnd = oxHi - oxLo >= 4 ? oxHi : oxLo;
  // output rows outside, channel blocks inside: a row's input window stays in cache for all its blocks (the
  // other order streamed a 640×480 image from memory once a block)
  for (let oy = 0; oy < Ho; oy++) {
    const iy0 = oy * sh - padT;
    // kernel rows inside the input: ky0..ky1-1
    const ky0 = iy0 < 0 ? (dh - 1 - iy0) / dh : 0;
    const ky1 = iy0 > H - 1 ? 0 : min(kh, (H - 1 - iy0) / dh + 1);
    const nky = max(0, ky1 - ky0);
    const xr = nky > 0 ? inp + <usize>(iy0 + ky0 * dh) * row : inp; // input row of kernel row ky0
    for (let fb = 0; fb < blocks; fb++) {
      const wb = w + <usize>fb * blockBytes;
      const bias0 = v128.load(b + (<usize>fb << 5));
      const bias1 = v128.load(b + (<usize>fb << 5), 16);
      const n = min(8, F - (fb << 3));
      const wr = wb + <usize>ky0 * wRow;
      let o = out + <usize>oy * outRow + (<usize>fb << 5);
      let ox = 0;
      for (; ox < oxLo; ox++) {
        pixel(xr, wr, W, px, tap, wRow, xStep, yStep, nky, ox * sw - padL, kw, dw, bias0, bias1, clamp, lo, hi, o, n);
        o += outPx;
      }
      for (; ox < tilesEnd; ox += 4) {
        if (ox + 4 > tilesEnd) { // the last tile overlaps the one before, recomputing 1–3 pixels
          o -= <usize>(ox + 4 - tilesEnd) * outPx;
          ox = tilesEnd - 4;
        }
        let a00 = bias0, a01 = bias1, a10 = bias0, a11 = bias1;
        let a20 = bias0, a21 = bias1, a30 = bias0, a31 = bias1;
        let xk = xr + <usize>(ox * sw - padL) * px;
        let wk = wr;
        for (let ky = 0; ky < nky; ky++) {
          let xq = xk, wq = wk;
          for (let r = 0; r < runs; r++) {
            let x0 = xq, wc = wq;
            const xEnd = xq + runBytes;
            do {
              const w0 = v128.load(wc);
              const w1 = v128.load(wc, 16);
              let s = v128.load32_splat(x0);
              a00 = madd(s, w0, a00); a01 = madd(s, w1, a01);
              s = v128.load32_splat(x0 + ps);
              a10 = madd(s, w0, a10); a11 = madd(s, w1, a11);
              s = v128.load32_splat(x0 + 2 * ps);
              a20 = madd(s, w0, a20); a21 = madd(s, w1, a21);
              s = v128.load32_splat(x0 + 3 * ps);
              a30 = madd(s, w0, a30); a31 = madd(s, w1, a31);
              wc += 32;
              x0 += 4;
            } while (x0 < xEnd);
            xq += xStep;
            wq += tap;
          }
          xk += yStep;
          wk += wRow;
        }
        if (clamp) { // (WASM's min and max cost several x86 instructions each: not when unclamped)
          a00 = clamp4(a00, lo, hi); a01 = clamp4(a01, lo, hi);
          a10 = clamp4(a10, lo, hi); a11 = clamp4(a11, lo, hi);
          a20 = clamp4(a20, lo, hi); a21 = clamp4(a21, lo, hi);
          a30 = clamp4(a30, lo, hi); a31 = clamp4(a31, lo, hi);
        }
        storeLanes8(o, a00, a01, n);
        storeLanes8(o + outPx, a10, a11, n);
        storeLanes8(o + 2 * outPx, a20, a21, n);
        storeLanes8(o + 3 * outPx, a30, a31, n);
        o += outPx << 2;
      }
      for (; ox < Wo; ox++) {
        pixel(xr, wr, W, px, tap, wRow, xStep, yStep, nky, ox * sw - padL, kw, dw, bias0, bias1, clamp, lo, hi, o, n);
        o += outPx;
      }
    }
  }
}

// One output pixel × 8 output channels, taps outside the input along x skipped (kernel rows already clipped).
//   xr: input row of the first kernel row inside, wr: its weights; ix0: the input column of tap kx = 0.
function pixel(xr: usize, wr: usize, W: i32, px: usize, tap: usize, wRow: usize, xStep: usize, yStep: usize, nky: i32,
               ix0: i32, kw: i32, dw: i32, bias0: v128, bias1: v128, clamp: usize, lo: v128, hi: v128, o: usize, n: i32): void {
  let a0 = bias0, a1 = bias1;
  const kx0 = ix0 < 0 ? (dw - 1 - ix0) / dw : 0;
  const kx1 = ix0 > W - 1 ? 0 : min(kw, (W - 1 - ix0) / dw + 1);
  if (kx1 > kx0) {
    const runs = dw == 1 ? 1 : kx1 - kx0;
    const runBytes = dw == 1 ? <usize>(kx1 - kx0) * px : px;
    let xk = xr + <usize>(ix0 + kx0 * dw) * px;
    let wk = wr + <usize>kx0 * tap;
    for (let ky = 0; ky < nky; ky++) {
      let xq = xk, wq = wk;
      for (let r = 0; r < runs; r++) {
        let x0 = xq, wc = wq;
        const xEnd = xq + runBytes;
        do {
          const s = v128.load32_splat(x0);
          a0 = madd(s, v128.load(wc), a0);
          a1 = madd(s, v128.load(wc, 16), a1);
          wc += 32;
          x0 += 4;
        } while (x0 < xEnd);
        xq += xStep;
        wq += tap;
      }
      xk += yStep;
      wk += wRow;
    }
  }
  if (clamp) {
    a0 = clamp4(a0, lo, hi);
    a1 = clamp4(a1, lo, hi);
  }
  storeLanes8(o, a0, a1, n);
}

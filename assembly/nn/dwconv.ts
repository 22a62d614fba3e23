import { madd, clamp4 } from "./simd";

// General depthwise convolution (depth_multiplier 1, TensorFlow semantics): any kernel, stride, dilation and
// asymmetric zero padding.
//   in:  [H, W, C]
//   w:   [kh, kw, C] (Keras's [kh, kw, C, 1] as stored: tap-major, channel-minor)
//   b:   [C] bias
//   out: [Ho, Wo, C]; out[oy, ox] reads input rows oy·sh − padT + ky·dh and columns ox·sw − padL + kx·dw,
//        taps outside the input count as zeros
//   clamp: 0, or a pointer to f32 [lo, hi] applied last
// Channels go 8 at a time in two vectors (then one group of 4, the last C mod 4 scalar). Kernel rows outside the
// input are clipped once per output row; the pixels whose taps are all inside along x go 3 at a time (inputs
// sw·C floats apart), each weight vector loaded once for the 3; the left and right borders go one at a time with
// their taps clipped. Tile: 3 pixels × 8 channels, 6 independent sums: ×1.2–1.35 the speed of 4 × 4 (4 sums,
// each waiting on its last multiply-add) at 24×24×64 and 96×96×64; 4 × 8 and 8 × 4 spill (V8 loads every input
// of a step before the first multiply-add), 6 × 4 and a sliding-window 4 × 4 came in between.
export function depthwise_conv(inp: usize, H: i32, W: i32, C: i32, w: usize, b: usize, out: usize, Ho: i32, Wo: i32,
                               kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padT: i32, padL: i32, clamp: usize): void {
  if (Ho <= 0 || Wo <= 0 || C <= 0) return;
  const px = <usize>C << 2;            // bytes per pixel, and between one tap's weights and the next's
  const row = <usize>W * px;
  const outRow = <usize>Wo * px;
  const wRow = <usize>kw * px;         // one kernel row of weights
  const xStep = <usize>dw * px;
  const yStep = <usize>dh * row;
  const ps = <usize>sw * px;
  const C4 = C & ~3;
  let lo: f32 = -Infinity, hi: f32 = Infinity;
  if (clamp) {
    lo = load<f32>(clamp);
    hi = load<f32>(clamp, 4);
  }
  const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
  // output columns whose taps are all inside the input along x
  let oxLo = padL > 0 ? (padL + sw - 1) / sw : 0;
  const t = W - 1 + padL - (kw - 1) * dw;
  let oxHi = t < 0 ? 0 : t / sw + 1;
  oxLo = min(oxLo, Wo);
  oxHi = max(min(oxHi, Wo), oxLo);
  const tilesEnd = oxHi - oxLo >= 3 ? oxHi : oxLo;
  for (let oy = 0; oy < Ho; oy++) {
    const iy0 = oy * sh - padT;
    const ky0 = iy0 < 0 ? (dh - 1 - iy0) / dh : 0;
    const ky1 = iy0 > H - 1 ? 0 : min(kh, (H - 1 - iy0) / dh + 1);
    const nky = max(0, ky1 - ky0);
    const xr = nky > 0 ? inp + <usize>(iy0 + ky0 * dh) * row : inp; // input row of kernel row ky0
    const wr = w + <usize>ky0 * wRow;
    let o = out + <usize>oy * outRow;
    let ox = 0;
    for (; ox < oxLo; ox++) {
      pixel(xr, wr, b, W, C, C4, px, wRow, xStep, yStep, nky, ox * sw - padL, kw, dw, clamp, vlo, vhi, lo, hi, o);
      o += px;
    }
    for (; ox < tilesEnd; ox += 3) {
      if (ox + 3 > tilesEnd) { // the last tile overlaps the one before, recomputing 1–2 pixels
        o -= <usize>(ox + 3 - tilesEnd) * px;
        ox = tilesEnd - 3;
      }
      const x = xr + <usize>(ox * sw - padL) * px;
      let c = 0;
      for (; c + 8 <= C; c += 8) {
        const cb = <usize>c << 2;
        const bias0 = v128.load(b + cb), bias1 = v128.load(b + cb, 16);
        let a00 = bias0, a01 = bias1, a10 = bias0, a11 = bias1, a20 = bias0, a21 = bias1;
        let xk = x + cb, wk = wr + cb;
        for (let ky = 0; ky < nky; ky++) {
          let xq = xk, wq = wk;
          const wEnd = wk + wRow;
          do {
            const k0 = v128.load(wq), k1 = v128.load(wq, 16);
            a00 = madd(v128.load(xq), k0, a00); a01 = madd(v128.load(xq, 16), k1, a01);
            const x1 = xq + ps;
            a10 = madd(v128.load(x1), k0, a10); a11 = madd(v128.load(x1, 16), k1, a11);
            const x2 = x1 + ps;
            a20 = madd(v128.load(x2), k0, a20); a21 = madd(v128.load(x2, 16), k1, a21);
            xq += xStep;
            wq += px;
          } while (wq < wEnd);
          xk += yStep;
          wk += wRow;
        }
        if (clamp) { // (WASM's min and max cost several x86 instructions each: not when unclamped)
          a00 = clamp4(a00, vlo, vhi); a01 = clamp4(a01, vlo, vhi);
          a10 = clamp4(a10, vlo, vhi); a11 = clamp4(a11, vlo, vhi);
          a20 = clamp4(a20, vlo, vhi); a21 = clamp4(a21, vlo, vhi);
        }
        const q = o + cb;
        v128.store(q, a00); v128.store(q, a01, 16);
        v128.store(q + px, a10); v128.store(q + px, a11, 16);
        v128.store(q + 2 * px, a20); v128.store(q + 2 * px, a21, 16);
      }
      if (c < C4) { // one group of 4 left
        const cb = <usize>c << 2;
        const bias = v128.load(b + cb);
        let a0 = bias, a1 = bias, a2 = bias;
        let xk = x + cb, wk = wr + cb;
        for (let ky = 0; ky < nky; ky++) {
          let xq = xk, wq = wk;
          const wEnd = wk + wRow;
          do {
            const k = v128.load(wq);
            a0 = madd(v128.load(xq), k, a0);
            a1 = madd(v128.load(xq + ps), k, a1);
            a2 = madd(v128.load(xq + 2 * ps), k, a2);
            xq += xStep;
            wq += px;
          } while (wq < wEnd);
          xk += yStep;
          wk += wRow;
        }
        if (clamp) {
          a0 = clamp4(a0, vlo, vhi); a1 = clamp4(a1, vlo, vhi); a2 = clamp4(a2, vlo, vhi);
        }
        v128.store(o + cb, a0);
        v128.store(o + px + cb, a1);
        v128.store(o + 2 * px + cb, a2);
        c += 4;
      }
      for (; c < C; c++) {
        const cb = <usize>c << 2;
        const bias = load<f32>(b + cb);
        let a0 = bias, a1 = bias, a2 = bias;
        let xk = x + cb, wk = wr + cb;
        for (let ky = 0; ky < nky; ky++) {
          let xq = xk, wq = wk;
          const wEnd = wk + wRow;
          do {
            const k = load<f32>(wq);
            a0 += load<f32>(xq) * k;
            a1 += load<f32>(xq + ps) * k;
            a2 += load<f32>(xq + 2 * ps) * k;
            xq += xStep;
            wq += px;
          } while (wq < wEnd);
          xk += yStep;
          wk += wRow;
        }
        store<f32>(o + cb, min(max(a0, lo), hi));
        store<f32>(o + px + cb, min(max(a1, lo), hi));
        store<f32>(o + 2 * px + cb, min(max(a2, lo), hi));
      }
      o += 3 * px;
    }
    for (; ox < Wo; ox++) {
      pixel(xr, wr, b, W, C, C4, px, wRow, xStep, yStep, nky, ox * sw - padL, kw, dw, clamp, vlo, vhi, lo, hi, o);
      o += px;
    }
  }
}

// One output pixel, all channels, taps outside the input along x skipped (kernel rows already clipped).
//   xr: input row of the first kernel row inside, wr: its weights; ix0: the input column of tap kx = 0.
function pixel(xr: usize, wr: usize, b: usize, W: i32, C: i32, C4: i32, px: usize, wRow: usize, xStep: usize, yStep: usize,
               nky: i32, ix0: i32, kw: i32, dw: i32, clamp: usize, vlo: v128, vhi: v128, lo: f32, hi: f32, o: usize): void {
  const kx0 = ix0 < 0 ? (dw - 1 - ix0) / dw : 0;
  const kx1 = ix0 > W - 1 ? 0 : min(kw, (W - 1 - ix0) / dw + 1);
  const ny = kx1 > kx0 ? nky : 0;
  const x = ny > 0 ? xr + <usize>(ix0 + kx0 * dw) * px : xr;
  const wx = wr + <usize>kx0 * px;
  const wLen = <usize>(kx1 - kx0) * px;
  let c = 0;
  for (; c + 8 <= C; c += 8) {
    const cb = <usize>c << 2;
    let a0 = v128.load(b + cb), a1 = v128.load(b + cb, 16);
    let xk = x + cb, wk = wx + cb;
    for (let ky = 0; ky < ny; ky++) {
      let xq = xk, wq = wk;
      const wEnd = wk + wLen;
      do {
        a0 = madd(v128.load(xq), v128.load(wq), a0);
        a1 = madd(v128.load(xq, 16), v128.load(wq, 16), a1);
        xq += xStep;
        wq += px;
      } while (wq < wEnd);
      xk += yStep;
      wk += wRow;
    }
    if (clamp) {
      a0 = clamp4(a0, vlo, vhi);
      a1 = clamp4(a1, vlo, vhi);
    }
    v128.store(o + cb, a0);
    v128.store(o + cb, a1, 16);
  }
  if (c < C4) {
    const cb = <usize>c << 2;
    let a = v128.load(b + cb);
    let xk = x + cb, wk = wx + cb;
    for (let ky = 0; ky < ny; ky++) {
      let xq = xk, wq = wk;
      const wEnd = wk + wLen;
      do {
        a = madd(v128.load(xq), v128.load(wq), a);
        xq += xStep;
        wq += px;
      } while (wq < wEnd);
      xk += yStep;
      wk += wRow;
    }
    if (clamp) a = clamp4(a, vlo, vhi);
    v128.store(o + cb, a);
    c += 4;
  }
  for (; c < C; c++) {
    const cb = <usize>c << 2;
    let a = load<f32>(b + cb);
    let xk = x + cb, wk = wx + cb;
    for (let ky = 0; ky < ny; ky++) {
      let xq = xk, wq = wk;
      const wEnd = wk + wLen;
      do {
        a += load<f32>(xq) * load<f32>(wq);
        xq += xStep;
        wq += px;
      } while (wq < wEnd);
      xk += yStep;
      wk += wRow;
    }
    store<f32>(o + cb, min(max(a, lo), hi));
  }
}

import { madd } from "../nn/simd";
import { depthwise3x3, depthwise3x3_rows, depthwise3x3_rows_add } from "../nn/depthwise";
import { SCRATCH, SCRATCH_BYTES } from "./scratch";
import { colSum, dot } from "./gemm";

// Depthwise 3×3 convolution, stride 1, depth multiplier 1, for a whole batch, and its two backward passes.
// Shapes (pad 0 = "valid", 1 = "same"; Ho = H - 2 + 2·pad, Wo = W - 2 + 2·pad):
//   x, dx: [N, H, W, C]     y, dy: [N, Ho, Wo, C]     w, dw: [3, 3, C] (Keras [3,3,C,1])     b, db: [C]
// Forward: y[n,oy,ox,c] = b[c] + Σ_{ky,kx} w[ky,kx,c] · x[n, oy-pad+ky, ox-pad+kx, c]  (taps outside x are 0).
// When Ho ≤ 0 or Wo ≤ 0 (valid padding on an image under 3 pixels) y is empty and every gradient is zero.

// y = depthwise(x) for each of the N images: the inference kernel of assembly/nn, image by image.
export function depthwise3x3Forward(x: usize, N: i32, H: i32, W: i32, C: i32, w: usize, b: usize, y: usize, pad: i32): void {
  const Ho = H - 2 + 2 * pad, Wo = W - 2 + 2 * pad;
  if (Ho <= 0 || Wo <= 0) return;
  const inBytes = (<usize>H * <usize>W * <usize>C) << 2;
  const outBytes = (<usize>Ho * <usize>Wo * <usize>C) << 2;
  for (let n = 0; n < N; n++) {
    depthwise3x3(x + <usize>n * inBytes, H, W, C, w, b, y + <usize>n * outBytes, pad);
  }
}

// dx[n,iy,ix,c] = Σ_{ky,kx} w[ky,kx,c] · dy[n, iy+pad-ky, ix+pad-kx, c] over the taps whose output pixel
// exists (+ dx when accumulate != 0). Gathered per input pixel (a "full" correlation with the flipped
// filter) rather than scattered per output pixel, so each dx value is written once and needs no zeroing.
// Row by row: on a row's interior run (all 9 taps inside dy) each group of 4 channels keeps its 9 weight
// vectors in registers for the whole run (9 dy loads and 9 multiply-adds a pixel); rows outermost and channel
// groups inside, so the 3 dy rows a row reads stay in L1. Border pixels clip the taps that fall outside dy.
// With padding "same" (every depthwise layer of ResEZAP but the first, whose input needs no gradient) this is
// the forward convolution of dy, padded "same" too, with the kernel flipped (w'[ky,kx] = w[2-ky, 2-kx]): the
// inference kernel then does the work, borders included, with the flipped kernel in the module's scratch.
export function depthwise3x3BackwardInput(dy: usize, N: i32, H: i32, W: i32, C: i32, w: usize, pad: i32, dx: usize, accumulate: i32): void {
  if (pad == 1 && 36 * C <= SCRATCH_BYTES) {
    const px = <usize>C << 2;
    for (let t = 0; t < 9; t++) memory.copy(SCRATCH + <usize>t * px, w + <usize>(8 - t) * px, px);
    const bytes = <usize>H * <usize>W * px;
    for (let n = 0; n < N; n++) {
      const dyN = dy + <usize>n * bytes, dxN = dx + <usize>n * bytes;
      if (accumulate) depthwise3x3_rows_add(dyN, H, W, C, SCRATCH, dxN, 1, 0, H);
      else depthwise3x3_rows(dyN, H, W, C, SCRATCH, 0, dxN, 1, 0, H);
    }
    return;
  }
  const Ho = H - 2 + 2 * pad, Wo = W - 2 + 2 * pad;
  const px = <usize>C << 2;
  const row = <usize>W * px;
  const inBytes = <usize>H * row;
  if (Ho <= 0 || Wo <= 0) {
    if (!accumulate) memory.fill(dx, 0, <usize>N * inBytes);
    return;
  }
  const rowO = <usize>Wo * px;
  const outBytes = <usize>Ho * rowO;
  const C4 = C & ~3;
  // interior: output rows iy + pad - ky ∈ [0, Ho) for ky = 0..2, i.e. iy ∈ [2 - pad, Ho - pad); columns alike
  const iyA = 2 - pad, iyB = Ho - pad, ixA = 2 - pad, ixB = Wo - pad;
  for (let n = 0; n < N; n++) {
    const dyN = dy + <usize>n * outBytes, dxN = dx + <usize>n * inBytes;
    for (let iy = 0; iy < H; iy++) {
      let ix0 = 0, ix1 = 0; // the interior run [ix0, ix1)
      if (iy >= iyA && iy < iyB && ixB > ixA && C4) {
        ix0 = ixA;
        ix1 = ixB;
        const cnt = ix1 - ix0;
        // dy address of tap (0, 0) for the run's first pixel: output pixel (iy + pad, ix0 + pad)
        const p0 = dyN + <usize>((iy + pad) * Wo + ix0 + pad) * px;
        const o0 = dxN + <usize>iy * row + <usize>ix0 * px;
        for (let c = 0; c < C4; c += 4) {
          const cb = <usize>c << 2;
          const q = w + cb;
          const w0 = v128.load(q), w1 = v128.load(q + px), w2 = v128.load(q + 2 * px);
          const w3 = v128.load(q + 3 * px), w4 = v128.load(q + 4 * px), w5 = v128.load(q + 5 * px);
          const w6 = v128.load(q + 6 * px), w7 = v128.load(q + 7 * px), w8 = v128.load(q + 8 * px);
          let p = p0 + cb, o = o0 + cb;
          for (let i = 0; i < cnt; i++) {
            let acc = accumulate ? v128.load(o) : f32x4.splat(0);
            acc = madd(v128.load(p), w0, acc);
            acc = madd(v128.load(p - px), w1, acc);
            acc = madd(v128.load(p - 2 * px), w2, acc);
            const p1 = p - rowO;
            acc = madd(v128.load(p1), w3, acc);
            acc = madd(v128.load(p1 - px), w4, acc);
            acc = madd(v128.load(p1 - 2 * px), w5, acc);
            const p2 = p1 - rowO;
            acc = madd(v128.load(p2), w6, acc);
            acc = madd(v128.load(p2 - px), w7, acc);
            acc = madd(v128.load(p2 - 2 * px), w8, acc);
            v128.store(o, acc);
            p += px;
            o += px;
          }
        }
      }
      for (let ix = 0; ix < W; ix++) {
        // interior pixels have their SIMD groups done; only a channel tail (C mod 4) is left
        const cFrom = ix >= ix0 && ix < ix1 ? C4 : 0;
        if (cFrom < C) pixelInput(dyN, iy, ix, Ho, Wo, pad, px, rowO, C, cFrom, w, dxN + <usize>iy * row + <usize>ix * px, accumulate);
      }
    }
  }
}

// dx of one input pixel (iy, ix) for channels cFrom..C-1 (SIMD groups while 4 remain, then scalar), taps
// clipped to the output pixels that exist.
// @ts-ignore: decorator
@inline function pixelInput(dyN: usize, iy: i32, ix: i32, Ho: i32, Wo: i32, pad: i32, px: usize, rowO: usize,
                            C: i32, cFrom: i32, w: usize, o: usize, accumulate: i32): void {
  // tap ky reads output row iy + pad - ky, which must lie in [0, Ho)
  const ky0 = max(0, iy + pad - Ho + 1), ky1 = min(3, iy + pad + 1);
  const kx0 = max(0, ix + pad - Wo + 1), kx1 = min(3, ix + pad + 1);
  // dy address of tap (0, 0), i.e. output pixel (iy+pad, ix+pad); tap (ky, kx) is ky rows and kx
  // pixels before it. It may lie past dy's image; only the taps kept by the clipping are read.
  const base = dyN + <usize>((iy + pad) * Wo + ix + pad) * px;
  let c = cFrom;
  for (; c + 4 <= C; c += 4) {
    const cb = <usize>c << 2;
    let acc = accumulate ? v128.load(o + cb) : f32x4.splat(0);
    for (let ky = ky0; ky < ky1; ky++) {
      for (let kx = kx0; kx < kx1; kx++) {
        acc = madd(v128.load(base - <usize>ky * rowO - <usize>kx * px + cb), v128.load(w + <usize>(ky * 3 + kx) * px + cb), acc);
      }
    }
    v128.store(o + cb, acc);
  }
  for (; c < C; c++) {
    const cb = <usize>c << 2;
    let acc: f32 = accumulate ? load<f32>(o + cb) : 0;
    for (let ky = ky0; ky < ky1; ky++) {
      for (let kx = kx0; kx < kx1; kx++) {
        acc += load<f32>(base - <usize>ky * rowO - <usize>kx * px + cb) * load<f32>(w + <usize>(ky * 3 + kx) * px + cb);
      }
    }
    store<f32>(o + cb, acc);
  }
}

// dw[ky,kx,c] = Σ_{n,oy,ox} dy[n,oy,ox,c] · x[n, oy-pad+ky, ox-pad+kx, c] and db[c] = Σ dy[n,oy,ox,c]
// (db skipped when db = 0), summed over the whole batch; with accumulate != 0 added to dw, db.
// Row by row: for one output row and group of 4 channels, the 9 taps' sums stay in 9 registers over the
// row's interior pixels (one dy load, 9 x loads, 9 multiply-adds each), loaded from dw before the row and
// stored after it. Rows outermost, channel groups inside, so the 3 input rows and the dy row a row needs
// (≤ 24 KiB at ResEZAP's widest, 46 pixels × 32 channels) stay in L1 across the channel groups; the
// earlier channel-group-outermost order streamed the whole image from L2 once per group and ran at a
// quarter of the speed. Border pixels (padding "same") and rows whose taps leave x add their clipped taps
// straight into dw.
export function depthwise3x3BackwardWeights(x: usize, dy: usize, N: i32, H: i32, W: i32, C: i32, pad: i32,
                                            dw: usize, db: usize, accumulate: i32): void {
  const px = <usize>C << 2;
  if (!accumulate) {
    memory.fill(dw, 0, 9 * px);
    if (db) memory.fill(db, 0, px);
  }
  const Ho = H - 2 + 2 * pad, Wo = W - 2 + 2 * pad;
  if (Ho <= 0 || Wo <= 0) return;
  if (db) colSum(dy, N * Ho * Wo, C, db, 1);
  const row = <usize>W * px, rowO = <usize>Wo * px;
  const inBytes = <usize>H * row, outBytes = <usize>Ho * rowO;
  const C4 = C & ~3;
  // interior columns, all 3 taps inside x: ix = ox - pad ≥ 0 and ix + 3 ≤ W
  const oxA = pad, oxB = min(Wo, W - 2 + pad);
  for (let n = 0; n < N; n++) {
    const xN = x + <usize>n * inBytes, dyN = dy + <usize>n * outBytes;
    if (C4 && pad == 1 && H >= 2 && W >= 2) {
      // padding "same": whole rows, borders included, by weightsRow (the kernel rows inside x as constants)
      for (let oy = 0; oy < Ho; oy++) {
        const iy = oy - 1, xr = xN + <usize>iy * row, gRow = dyN + <usize>oy * rowO;
        if (iy < 0) weightsRow(xr, gRow, row, px, C4, dw, Wo, 1, 3);
        else if (iy + 3 > H) weightsRow(xr, gRow, row, px, C4, dw, Wo, 0, 2);
        else weightsRow(xr, gRow, row, px, C4, dw, Wo, 0, 3);
      }
    } else if (C4) {
      for (let oy = 0; oy < Ho; oy++) {
        const iy = oy - pad; // input row of tap ky = 0
        const gRow = dyN + <usize>oy * rowO;
        let ox0 = 0, ox1 = 0; // the interior run [ox0, ox1); every other pixel of the row is clipped
        if (iy >= 0 && iy + 3 <= H && oxB > oxA) {
          ox0 = oxA;
          ox1 = oxB;
          const xRow = xN + <usize>iy * row + <usize>(ox0 - pad) * px, gRun = gRow + <usize>ox0 * px;
          const cnt = ox1 - ox0;
          for (let c = 0; c < C4; c += 4) {
            const cb = <usize>c << 2;
            const q = dw + cb;
            let a0 = v128.load(q), a1 = v128.load(q + px), a2 = v128.load(q + 2 * px);
            let a3 = v128.load(q + 3 * px), a4 = v128.load(q + 4 * px), a5 = v128.load(q + 5 * px);
            let a6 = v128.load(q + 6 * px), a7 = v128.load(q + 7 * px), a8 = v128.load(q + 8 * px);
            let p = xRow + cb, g = gRun + cb;
            for (let i = 0; i < cnt; i++) {
              const d = v128.load(g);
              a0 = madd(d, v128.load(p), a0);
              a1 = madd(d, v128.load(p + px), a1);
              a2 = madd(d, v128.load(p + 2 * px), a2);
              a3 = madd(d, v128.load(p + row), a3);
              a4 = madd(d, v128.load(p + row + px), a4);
              a5 = madd(d, v128.load(p + row + 2 * px), a5);
              a6 = madd(d, v128.load(p + 2 * row), a6);
              a7 = madd(d, v128.load(p + 2 * row + px), a7);
              a8 = madd(d, v128.load(p + 2 * row + 2 * px), a8);
              p += px;
              g += px;
            }
            v128.store(q, a0); v128.store(q + px, a1); v128.store(q + 2 * px, a2);
            v128.store(q + 3 * px, a3); v128.store(q + 4 * px, a4); v128.store(q + 5 * px, a5);
            v128.store(q + 6 * px, a6); v128.store(q + 7 * px, a7); v128.store(q + 8 * px, a8);
          }
        }
        for (let ox = 0; ox < Wo; ox++) {
          if (ox == ox0 && ox1 > ox0) ox = ox1;
          if (ox >= Wo) break;
          clippedPixelWeights(xN, gRow + <usize>ox * px, iy, ox - pad, H, W, px, C4, dw);
        }
      }
    }
    // channel tail, tap by tap over the rectangle of output pixels whose tap lies inside x
    if (C == 1) {
      // one channel: rows are contiguous, so each tap's sum is a SIMD dot product per row
      for (let ky = 0; ky < 3; ky++) {
        const oy0 = max(0, pad - ky), oy1 = min(Ho, H + pad - ky);
        for (let kx = 0; kx < 3; kx++) {
          const ox0 = max(0, pad - kx), ox1 = min(Wo, W + pad - kx);
          if (ox1 <= ox0) continue;
          let acc: f32 = 0;
          for (let oy = oy0; oy < oy1; oy++) {
            acc += dot(dyN + (<usize>(oy * Wo + ox0) << 2), xN + (<usize>((oy - pad + ky) * W + ox0 - pad + kx) << 2), ox1 - ox0);
          }
          const q = dw + (<usize>(ky * 3 + kx) << 2);
          store<f32>(q, load<f32>(q) + acc);
        }
      }
      continue;
    }
    for (let c = C4; c < C; c++) {
      const cb = <usize>c << 2;
      for (let ky = 0; ky < 3; ky++) {
        const oy0 = max(0, pad - ky), oy1 = min(Ho, H + pad - ky);
        for (let kx = 0; kx < 3; kx++) {
          const ox0 = max(0, pad - kx), ox1 = min(Wo, W + pad - kx);
          let acc: f32 = 0;
          for (let oy = oy0; oy < oy1; oy++) {
            for (let ox = ox0; ox < ox1; ox++) {
              acc += load<f32>(dyN + <usize>(oy * Wo + ox) * px + cb) * load<f32>(xN + <usize>((oy - pad + ky) * W + ox - pad + kx) * px + cb);
            }
          }
          const q = dw + <usize>(ky * 3 + kx) * px + cb;
          store<f32>(q, load<f32>(q) + acc);
        }
      }
    }
  }
}

// One output pixel's share of dw for the SIMD channel groups, taps clipped to x: the pixel's dy at g,
// its tap (0, 0) at input row iy, column ix (either may lie outside x).
// @ts-ignore: decorator
@inline function clippedPixelWeights(xN: usize, g: usize, iy: i32, ix: i32, H: i32, W: i32, px: usize, C4: i32, dw: usize): void {
  const ky0 = max(0, -iy), ky1 = min(3, H - iy);
  const kx0 = max(0, -ix), kx1 = min(3, W - ix);
  for (let c = 0; c < C4; c += 4) {
    const cb = <usize>c << 2;
    const d = v128.load(g + cb);
    for (let ky = ky0; ky < ky1; ky++) {
      for (let kx = kx0; kx < kx1; kx++) {
        const q = dw + <usize>(ky * 3 + kx) * px + cb;
        v128.store(q, madd(d, v128.load(xN + <usize>((iy + ky) * W + ix + kx) * px + cb), v128.load(q)));
      }
    }
  }
}

// One output row's share of dw with padding "same", channel groups 0..C4-1: the 9 tap sums of a group in
// registers over the whole row — the first pixel (input columns 0, 1 under taps kx = 1, 2), the interior, the
// last pixel (columns W-2, W-1 under kx = 0, 1) — for kernel rows ky0..ky1-1 only (the rows inside x).
//   xr: input row iy = oy - 1 (one row above x when ky0 = 1: never read then), g0: the row of dy.
// @ts-ignore: decorator
@inline function weightsRow(xr: usize, g0: usize, row: usize, px: usize, C4: i32, dw: usize, Wo: i32, ky0: i32, ky1: i32): void {
  for (let c = 0; c < C4; c += 4) {
    const cb = <usize>c << 2;
    const q = dw + cb;
    let a0 = v128.load(q), a1 = v128.load(q + px), a2 = v128.load(q + 2 * px);
    let a3 = v128.load(q + 3 * px), a4 = v128.load(q + 4 * px), a5 = v128.load(q + 5 * px);
    let a6 = v128.load(q + 6 * px), a7 = v128.load(q + 7 * px), a8 = v128.load(q + 8 * px);
    const r0 = xr + cb, r1 = r0 + row, r2 = r1 + row;
    let g = g0 + cb;
    {
      const d = v128.load(g);
      if (ky0 == 0) { a1 = madd(d, v128.load(r0), a1); a2 = madd(d, v128.load(r0 + px), a2); }
      a4 = madd(d, v128.load(r1), a4); a5 = madd(d, v128.load(r1 + px), a5);
      if (ky1 == 3) { a7 = madd(d, v128.load(r2), a7); a8 = madd(d, v128.load(r2 + px), a8); }
      g += px;
    }
    let p = r0; // input column of tap kx = 0 for output column 1
    for (let ox = 1; ox < Wo - 1; ox++) {
      const d = v128.load(g);
      if (ky0 == 0) { a0 = madd(d, v128.load(p), a0); a1 = madd(d, v128.load(p + px), a1); a2 = madd(d, v128.load(p + 2 * px), a2); }
      const p1 = p + row;
      a3 = madd(d, v128.load(p1), a3); a4 = madd(d, v128.load(p1 + px), a4); a5 = madd(d, v128.load(p1 + 2 * px), a5);
      if (ky1 == 3) { const p2 = p1 + row; a6 = madd(d, v128.load(p2), a6); a7 = madd(d, v128.load(p2 + px), a7); a8 = madd(d, v128.load(p2 + 2 * px), a8); }
      p += px;
      g += px;
    }
    {
      const d = v128.load(g);
      if (ky0 == 0) { a0 = madd(d, v128.load(p), a0); a1 = madd(d, v128.load(p + px), a1); }
      a3 = madd(d, v128.load(p + row), a3); a4 = madd(d, v128.load(p + row + px), a4);
      if (ky1 == 3) { a6 = madd(d, v128.load(p + 2 * row), a6); a7 = madd(d, v128.load(p + 2 * row + px), a7); }
    }
    v128.store(q, a0); v128.store(q + px, a1); v128.store(q + 2 * px, a2);
    v128.store(q + 3 * px, a3); v128.store(q + 4 * px, a4); v128.store(q + 5 * px, a5);
    v128.store(q + 6 * px, a6); v128.store(q + 7 * px, a7); v128.store(q + 8 * px, a8);
  }
}

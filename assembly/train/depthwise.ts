import { madd } from "../nn/simd";
import { depthwise3x3 } from "../nn/depthwise";
import { colSum } from "./gemm";

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
// Interior pixels take an unrolled 9-tap path; border pixels clip the taps that fall outside dy.
export function depthwise3x3BackwardInput(dy: usize, N: i32, H: i32, W: i32, C: i32, w: usize, pad: i32, dx: usize, accumulate: i32): void {
  const Ho = H - 2 + 2 * pad, Wo = W - 2 + 2 * pad;
  const px = <usize>C << 2;
  const inBytes = <usize>H * <usize>W * px;
  if (Ho <= 0 || Wo <= 0) {
    if (!accumulate) memory.fill(dx, 0, <usize>N * inBytes);
    return;
  }
  const rowO = <usize>Wo * px;
  const outBytes = <usize>Ho * rowO;
  const C4 = C & ~3;
  for (let n = 0; n < N; n++) {
    const dyN = dy + <usize>n * outBytes;
    let o = dx + <usize>n * inBytes;
    for (let iy = 0; iy < H; iy++) {
      // tap ky reads output row iy + pad - ky, which must lie in [0, Ho)
      const ky0 = max(0, iy + pad - Ho + 1), ky1 = min(3, iy + pad + 1);
      for (let ix = 0; ix < W; ix++) {
        const kx0 = max(0, ix + pad - Wo + 1), kx1 = min(3, ix + pad + 1);
        // dy address of tap (0, 0), i.e. output pixel (iy+pad, ix+pad); tap (ky, kx) is ky rows and kx
        // pixels before it. It may lie past dy's image; only the taps kept by the clipping are read.
        const base = dyN + <usize>((iy + pad) * Wo + ix + pad) * px;
        if (ky0 == 0 && ky1 == 3 && kx0 == 0 && kx1 == 3) {
          for (let c = 0; c < C4; c += 4) {
            const cb = <usize>c << 2;
            let acc = accumulate ? v128.load(o + cb) : f32x4.splat(0);
            const p = base + cb, q = w + cb;
            acc = madd(v128.load(p), v128.load(q), acc);
            acc = madd(v128.load(p - px), v128.load(q + px), acc);
            acc = madd(v128.load(p - 2 * px), v128.load(q + 2 * px), acc);
            acc = madd(v128.load(p - rowO), v128.load(q + 3 * px), acc);
            acc = madd(v128.load(p - rowO - px), v128.load(q + 4 * px), acc);
            acc = madd(v128.load(p - rowO - 2 * px), v128.load(q + 5 * px), acc);
            acc = madd(v128.load(p - 2 * rowO), v128.load(q + 6 * px), acc);
            acc = madd(v128.load(p - 2 * rowO - px), v128.load(q + 7 * px), acc);
            acc = madd(v128.load(p - 2 * rowO - 2 * px), v128.load(q + 8 * px), acc);
            v128.store(o + cb, acc);
          }
        } else {
          for (let c = 0; c < C4; c += 4) {
            const cb = <usize>c << 2;
            let acc = accumulate ? v128.load(o + cb) : f32x4.splat(0);
            for (let ky = ky0; ky < ky1; ky++) {
              for (let kx = kx0; kx < kx1; kx++) {
                acc = madd(v128.load(base - <usize>ky * rowO - <usize>kx * px + cb), v128.load(w + <usize>(ky * 3 + kx) * px + cb), acc);
              }
            }
            v128.store(o + cb, acc);
          }
        }
        // channel tail (C not a multiple of 4), scalar
        for (let c = C4; c < C; c++) {
          const cb = <usize>c << 2;
          let acc: f32 = accumulate ? load<f32>(o + cb) : 0;
          for (let ky = ky0; ky < ky1; ky++) {
            for (let kx = kx0; kx < kx1; kx++) {
              acc += load<f32>(base - <usize>ky * rowO - <usize>kx * px + cb) * load<f32>(w + <usize>(ky * 3 + kx) * px + cb);
            }
          }
          store<f32>(o + cb, acc);
        }
        o += px;
      }
    }
  }
}

// dw[ky,kx,c] = Σ_{n,oy,ox} dy[n,oy,ox,c] · x[n, oy-pad+ky, ox-pad+kx, c] and db[c] = Σ dy[n,oy,ox,c]
// (db skipped when db = 0), summed over the whole batch; with accumulate != 0 added to dw, db.
// Per image and group of 4 channels, the 9 taps' sums stay in 9 registers over the interior output pixels
// (one dy load, 9 x loads, 9 multiply-adds each); border pixels (padding "same" only) add their clipped
// taps straight into dw. The registers are added to dw once per image, so each sum is a sum of per-image
// partial sums (less rounding than one running sum over the batch).
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
  const row = <usize>W * px;
  const inBytes = <usize>H * row, outBytes = <usize>Ho * <usize>Wo * px;
  const C4 = C & ~3;
  for (let n = 0; n < N; n++) {
    const xN = x + <usize>n * inBytes, dyN = dy + <usize>n * outBytes;
    for (let c = 0; c < C4; c += 4) {
      const cb = <usize>c << 2;
      const z = f32x4.splat(0);
      let a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z, a8 = z;
      let g0 = dyN + cb;
      for (let oy = 0; oy < Ho; oy++) {
        const iy = oy - pad; // input row of tap ky = 0
        const rowInside = iy >= 0 && iy + 3 <= H;
        for (let ox = 0; ox < Wo; ox++) {
          const ix = ox - pad;
          const g = v128.load(g0);
          if (rowInside && ix >= 0 && ix + 3 <= W) {
            const p = xN + <usize>(iy * W + ix) * px + cb;
            a0 = madd(g, v128.load(p), a0);
            a1 = madd(g, v128.load(p + px), a1);
            a2 = madd(g, v128.load(p + 2 * px), a2);
            a3 = madd(g, v128.load(p + row), a3);
            a4 = madd(g, v128.load(p + row + px), a4);
            a5 = madd(g, v128.load(p + row + 2 * px), a5);
            a6 = madd(g, v128.load(p + 2 * row), a6);
            a7 = madd(g, v128.load(p + 2 * row + px), a7);
            a8 = madd(g, v128.load(p + 2 * row + 2 * px), a8);
          } else {
            const ky0 = max(0, -iy), ky1 = min(3, H - iy);
            const kx0 = max(0, -ix), kx1 = min(3, W - ix);
            for (let ky = ky0; ky < ky1; ky++) {
              for (let kx = kx0; kx < kx1; kx++) {
                const q = dw + <usize>(ky * 3 + kx) * px + cb;
                v128.store(q, madd(g, v128.load(xN + <usize>((iy + ky) * W + ix + kx) * px + cb), v128.load(q)));
              }
            }
          }
          g0 += px;
        }
      }
      const q = dw + cb;
      v128.store(q, f32x4.add(v128.load(q), a0));
      v128.store(q + px, f32x4.add(v128.load(q + px), a1));
      v128.store(q + 2 * px, f32x4.add(v128.load(q + 2 * px), a2));
      v128.store(q + 3 * px, f32x4.add(v128.load(q + 3 * px), a3));
      v128.store(q + 4 * px, f32x4.add(v128.load(q + 4 * px), a4));
      v128.store(q + 5 * px, f32x4.add(v128.load(q + 5 * px), a5));
      v128.store(q + 6 * px, f32x4.add(v128.load(q + 6 * px), a6));
      v128.store(q + 7 * px, f32x4.add(v128.load(q + 7 * px), a7));
      v128.store(q + 8 * px, f32x4.add(v128.load(q + 8 * px), a8));
    }
    // channel tail, scalar: tap by tap over the rectangle of output pixels whose tap lies inside x
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

import { madd, storeLanes } from "./simd";

// Depthwise 3×3 convolution, stride 1, one filter per channel (depth_multiplier 1).
//   in:  [H, W, C]
//   w:   [3, 3, C] (Keras's [3,3,C,1] as stored: tap-major, channel-minor)
//   b:   [C] bias, or 0 for none (SeparableConv2D puts its bias after the pointwise)
//   out: [Ho, Wo, C] with Ho = H - 2 + 2·pad (pad 0 = valid, 1 = same)
// Channels go 4 at a time in f32x4; a tail of 1–3 channels goes scalar. Interior pixels take an unrolled
// 9-tap path with no bounds checks; border pixels clip the taps that fall outside the image.
export function depthwise3x3(inp: usize, H: i32, W: i32, C: i32, w: usize, b: usize, out: usize, pad: i32): void {
  const Ho = H - 2 + 2 * pad, Wo = W - 2 + 2 * pad;
  if (Ho <= 0 || Wo <= 0) return;
  const px = <usize>C << 2;
  const row = <usize>W * px;
  const C4 = C & ~3;
  let o = out;
  for (let oy = 0; oy < Ho; oy++) {
    const iy = oy - pad;
    const ky0 = max(0, -iy), ky1 = min(3, H - iy);
    for (let ox = 0; ox < Wo; ox++) {
      const ix = ox - pad;
      const kx0 = max(0, -ix), kx1 = min(3, W - ix);
      // top-left tap's input address; may point outside the image when clipped taps are skipped
      const base = inp + <usize>(iy * W + ix) * px;
      if (ky0 == 0 && ky1 == 3 && kx0 == 0 && kx1 == 3) {
        for (let c = 0; c < C4; c += 4) {
          const cb = <usize>c << 2;
          let acc = b ? v128.load(b + cb) : f32x4.splat(0);
          const p = base + cb, q = w + cb;
          acc = madd(v128.load(p), v128.load(q), acc);
          acc = madd(v128.load(p + px), v128.load(q + px), acc);
          acc = madd(v128.load(p + 2 * px), v128.load(q + 2 * px), acc);
          acc = madd(v128.load(p + row), v128.load(q + 3 * px), acc);
          acc = madd(v128.load(p + row + px), v128.load(q + 4 * px), acc);
          acc = madd(v128.load(p + row + 2 * px), v128.load(q + 5 * px), acc);
          acc = madd(v128.load(p + 2 * row), v128.load(q + 6 * px), acc);
          acc = madd(v128.load(p + 2 * row + px), v128.load(q + 7 * px), acc);
          acc = madd(v128.load(p + 2 * row + 2 * px), v128.load(q + 8 * px), acc);
          v128.store(o + cb, acc);
        }
      } else {
        for (let c = 0; c < C4; c += 4) {
          const cb = <usize>c << 2;
          let acc = b ? v128.load(b + cb) : f32x4.splat(0);
          for (let ky = ky0; ky < ky1; ky++) {
            for (let kx = kx0; kx < kx1; kx++) {
              const t = ky * 3 + kx;
              acc = madd(v128.load(base + <usize>ky * row + <usize>kx * px + cb), v128.load(w + <usize>t * px + cb), acc);
            }
          }
          v128.store(o + cb, acc);
        }
      }
      // channel tail (C not a multiple of 4), scalar
      for (let c = C4; c < C; c++) {
        const cb = <usize>c << 2;
        let acc: f32 = b ? load<f32>(b + cb) : 0;
        for (let ky = ky0; ky < ky1; ky++) {
          for (let kx = kx0; kx < kx1; kx++) {
            acc += load<f32>(base + <usize>ky * row + <usize>kx * px + cb) * load<f32>(w + <usize>(ky * 3 + kx) * px + cb);
          }
        }
        store<f32>(o + cb, acc);
      }
      o += px;
    }
  }
}

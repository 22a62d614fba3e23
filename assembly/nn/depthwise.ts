import { madd } from "./simd";

// Depthwise 3×3 convolution, stride 1, one filter per channel (depth_multiplier 1).
//   in:  [H, W, C]
//   w:   [3, 3, C] (Keras's [3,3,C,1] as stored: tap-major, channel-minor)
//   b:   [C] bias, or 0 for none (SeparableConv2D puts its bias after the pointwise)
//   out: [Ho, Wo, C] with Ho = H - 2 + 2·pad (pad 0 = valid, 1 = same)
export function depthwise3x3(inp: usize, H: i32, W: i32, C: i32, w: usize, b: usize, out: usize, pad: i32): void {
  depthwise3x3_rows(inp, H, W, C, w, b, out, pad, 0, H - 2 + 2 * pad);
}

// Output rows oy0..oy1-1 only, written from `out` on (out is row oy0): lets a separable convolution run its
// depthwise and pointwise halves a few rows at a time, in cache.
// Kernel choice: one channel (the network's first layer) vectorises along x; otherwise channels go 4 at a
// time with the row's 9 weight vectors held in registers across the row, and a 1–3 channel tail and the
// border pixels (padding "same") take a clipped scalar path.
export function depthwise3x3_rows(inp: usize, H: i32, W: i32, C: i32, w: usize, b: usize, out: usize, pad: i32, oy0: i32, oy1: i32): void {
  const Wo = W - 2 + 2 * pad;
  if (Wo <= 0 || oy1 <= oy0) return;
  const px = <usize>C << 2;
  const outRow = <usize>Wo * px;
  for (let oy = oy0; oy < oy1; oy++) {
    const o = out + <usize>(oy - oy0) * outRow;
    const iy = oy - pad;
    if (iy < 0 || iy + 3 > H) {
      clippedPixels(inp, H, W, C, w, b, o, pad, oy, 0, Wo, 0);
      continue;
    }
    // full rows: columns whose 3 taps are all inside are [pad, Wo - pad)
    const x0 = pad, x1 = Wo - pad;
    if (pad) {
      clippedPixels(inp, H, W, C, w, b, o, pad, oy, 0, 1, 0);
      clippedPixels(inp, H, W, C, w, b, o, pad, oy, Wo - 1, Wo, 0);
    }
    if (C == 1) interiorRowC1(inp + <usize>(iy * W) * 4, W, w, b, o, x0, x1, pad);
    else {
      interiorRow(inp + <usize>(iy * W) * px, W, C, w, b, o, x0, x1, pad);
      if (C & 3) clippedPixels(inp, H, W, C, w, b, o, pad, oy, x0, x1, C & ~3);
    }
  }
}

// Interior of one output row, channels in groups of 4: 9 weight vectors + bias in registers, two output
// pixels a step so each input vector loaded serves both (12 loads for 18 multiply-adds instead of 18).
// r: first input row of the window (at x = 0). Output columns x0..x1-1 read input columns x-pad .. x-pad+2.
// @ts-ignore: decorator
@inline function interiorRow(r: usize, W: i32, C: i32, w: usize, b: usize, o: usize, x0: i32, x1: i32, pad: i32): void {
  const px = <usize>C << 2;
  const row = <usize>W * px;
  const C4 = C & ~3;
  for (let c = 0; c < C4; c += 4) {
    const cb = <usize>c << 2;
    const k0 = v128.load(w + cb), k1 = v128.load(w + px + cb), k2 = v128.load(w + 2 * px + cb);
    const k3 = v128.load(w + 3 * px + cb), k4 = v128.load(w + 4 * px + cb), k5 = v128.load(w + 5 * px + cb);
    const k6 = v128.load(w + 6 * px + cb), k7 = v128.load(w + 7 * px + cb), k8 = v128.load(w + 8 * px + cb);
    const bias = b ? v128.load(b + cb) : f32x4.splat(0);
    let p = r + <usize>(x0 - pad) * px + cb;
    let q = o + <usize>x0 * px + cb;
    let x = x0;
    for (; x + 2 <= x1; x += 2) {
      let i0 = v128.load(p), i1 = v128.load(p + px), i2 = v128.load(p + 2 * px), i3 = v128.load(p + 3 * px);
      let a0 = madd(i0, k0, bias), a1 = madd(i1, k0, bias);
      a0 = madd(i1, k1, a0); a1 = madd(i2, k1, a1);
      a0 = madd(i2, k2, a0); a1 = madd(i3, k2, a1);
      const p1 = p + row;
      i0 = v128.load(p1); i1 = v128.load(p1 + px); i2 = v128.load(p1 + 2 * px); i3 = v128.load(p1 + 3 * px);
      a0 = madd(i0, k3, a0); a1 = madd(i1, k3, a1);
      a0 = madd(i1, k4, a0); a1 = madd(i2, k4, a1);
      a0 = madd(i2, k5, a0); a1 = madd(i3, k5, a1);
      const p2 = p1 + row;
      i0 = v128.load(p2); i1 = v128.load(p2 + px); i2 = v128.load(p2 + 2 * px); i3 = v128.load(p2 + 3 * px);
      a0 = madd(i0, k6, a0); a1 = madd(i1, k6, a1);
      a0 = madd(i1, k7, a0); a1 = madd(i2, k7, a1);
      a0 = madd(i2, k8, a0); a1 = madd(i3, k8, a1);
      v128.store(q, a0);
      v128.store(q + px, a1);
      p += 2 * px;
      q += 2 * px;
    }
    if (x < x1) {
      let acc = madd(v128.load(p), k0, bias);
      acc = madd(v128.load(p + px), k1, acc);
      acc = madd(v128.load(p + 2 * px), k2, acc);
      acc = madd(v128.load(p + row), k3, acc);
      acc = madd(v128.load(p + row + px), k4, acc);
      acc = madd(v128.load(p + row + 2 * px), k5, acc);
      acc = madd(v128.load(p + 2 * row), k6, acc);
      acc = madd(v128.load(p + 2 * row + px), k7, acc);
      acc = madd(v128.load(p + 2 * row + 2 * px), k8, acc);
      v128.store(q, acc);
    }
  }
}

// One channel: 4 neighbouring output pixels per vector, weights broadcast.
// @ts-ignore: decorator
@inline function interiorRowC1(r: usize, W: i32, w: usize, b: usize, o: usize, x0: i32, x1: i32, pad: i32): void {
  const row = <usize>W << 2;
  const k0 = v128.load32_splat(w), k1 = v128.load32_splat(w + 4), k2 = v128.load32_splat(w + 8);
  const k3 = v128.load32_splat(w + 12), k4 = v128.load32_splat(w + 16), k5 = v128.load32_splat(w + 20);
  const k6 = v128.load32_splat(w + 24), k7 = v128.load32_splat(w + 28), k8 = v128.load32_splat(w + 32);
  const bias = b ? v128.load32_splat(b) : f32x4.splat(0);
  let x = x0;
  for (; x + 4 <= x1; x += 4) {
    const p = r + (<usize>(x - pad) << 2);
    let acc = madd(v128.load(p), k0, bias);
    acc = madd(v128.load(p, 4), k1, acc);
    acc = madd(v128.load(p, 8), k2, acc);
    acc = madd(v128.load(p + row), k3, acc);
    acc = madd(v128.load(p + row, 4), k4, acc);
    acc = madd(v128.load(p + row, 8), k5, acc);
    acc = madd(v128.load(p + 2 * row), k6, acc);
    acc = madd(v128.load(p + 2 * row, 4), k7, acc);
    acc = madd(v128.load(p + 2 * row, 8), k8, acc);
    v128.store(o + (<usize>x << 2), acc);
  }
  for (; x < x1; x++) {
    const p = r + (<usize>(x - pad) << 2);
    let acc: f32 = b ? load<f32>(b) : 0;
    for (let ky = 0; ky < 3; ky++)
      for (let kx = 0; kx < 3; kx++) acc += load<f32>(p + <usize>ky * row + (<usize>kx << 2)) * load<f32>(w + (<usize>(ky * 3 + kx) << 2));
    store<f32>(o + (<usize>x << 2), acc);
  }
}

// Output pixels ox0..ox1-1 of row oy, channels c0..C-1, taps outside the image skipped: the border pixels
// (padding "same") and channel tails. Channels still go 4 at a time where c0..C allows, since with padding
// the border is a large share of a small image (2 of every 13 rows and columns at 13×13).
function clippedPixels(inp: usize, H: i32, W: i32, C: i32, w: usize, b: usize, o: usize, pad: i32, oy: i32, ox0: i32, ox1: i32, c0: i32): void {
  const px = <usize>C << 2;
  const iy = oy - pad;
  const ky0 = max(0, -iy), ky1 = min(3, H - iy);
  const C4 = c0 + ((C - c0) & ~3);
  for (let ox = ox0; ox < ox1; ox++) {
    const ix = ox - pad;
    const kx0 = max(0, -ix), kx1 = min(3, W - ix);
    let c = c0;
    for (; c < C4; c += 4) {
      const cb = <usize>c << 2;
      let acc = b ? v128.load(b + cb) : f32x4.splat(0);
      for (let ky = ky0; ky < ky1; ky++) {
        for (let kx = kx0; kx < kx1; kx++) {
          acc = madd(v128.load(inp + <usize>((iy + ky) * W + ix + kx) * px + cb), v128.load(w + <usize>(ky * 3 + kx) * px + cb), acc);
        }
      }
      v128.store(o + <usize>ox * px + cb, acc);
    }
    for (; c < C; c++) {
      const cb = <usize>c << 2;
      let acc: f32 = b ? load<f32>(b + cb) : 0;
      for (let ky = ky0; ky < ky1; ky++) {
        for (let kx = kx0; kx < kx1; kx++) {
          acc += load<f32>(inp + <usize>((iy + ky) * W + ix + kx) * px + cb) * load<f32>(w + <usize>(ky * 3 + kx) * px + cb);
        }
      }
      store<f32>(o + <usize>ox * px + cb, acc);
    }
  }
}

import { madd, relu4 } from "./simd";

// Depthwise 3×3 convolution, stride 1, one filter per channel (depth_multiplier 1).
//   in:  [H, W, C]
//   w:   [3, 3, C] (Keras's [3,3,C,1] as stored: tap-major, channel-minor)
//   b:   [C] bias, or 0 for none (SeparableConv2D puts its bias after the pointwise)
//   out: [Ho, Wo, C] with Ho = H - 2 + 2·pad (pad 0 = valid, 1 = same)
export function depthwise3x3(inp: usize, H: i32, W: i32, C: i32, w: usize, b: usize, out: usize, pad: i32): void {
  depthwise3x3_rows(inp, H, W, C, w, b, out, pad, 0, H - 2 + 2 * pad);
}

// The same, then max(·, 0) on each output row while it is still in cache (a layer followed by a ReLU, as in
// MobileNet-style and YuNet blocks): a pass over the whole tensor afterwards would go to memory for it again.
export function depthwise3x3_relu(inp: usize, H: i32, W: i32, C: i32, w: usize, b: usize, out: usize, pad: i32): void {
  rows(inp, H, W, C, w, b, out, pad, 0, H - 2 + 2 * pad, false, true);
}

// Output rows oy0..oy1-1 only, written from `out` on (out is row oy0): lets a separable convolution run its
// depthwise and pointwise halves a few rows at a time, in cache.
// Kernel choice: one channel (the network's first layer) vectorises along x; otherwise channels go 4 at a
// time (groupRow) with the 9 weight vectors held in registers across the row, the border rows and columns of
// padding "same" included (they are a large share of a small image: 2 of every 13 rows and columns at 13×13);
// a 1–3 channel tail and images under 2×2 take the clipped per-pixel path.
export function depthwise3x3_rows(inp: usize, H: i32, W: i32, C: i32, w: usize, b: usize, out: usize, pad: i32, oy0: i32, oy1: i32): void {
  rows(inp, H, W, C, w, b, out, pad, oy0, oy1, false, false);
}

// out += depthwise(in) over output rows oy0..oy1-1 (no bias): the training module's input gradient of a
// "same" depthwise layer, which is this convolution of the output gradient with the kernel flipped, added
// to a gradient that other layers have already written there.
export function depthwise3x3_rows_add(inp: usize, H: i32, W: i32, C: i32, w: usize, out: usize, pad: i32, oy0: i32, oy1: i32): void {
  rows(inp, H, W, C, w, 0, out, pad, oy0, oy1, true, false);
}

// add: start every sum from what out holds instead of the bias; relu: max(·, 0) on each finished row (both
// constants at every call site).
// @ts-ignore: decorator
@inline function rows(inp: usize, H: i32, W: i32, C: i32, w: usize, b: usize, out: usize, pad: i32, oy0: i32, oy1: i32, add: bool, relu: bool): void {
  const Wo = W - 2 + 2 * pad;
  if (Wo <= 0 || oy1 <= oy0) return;
  const px = <usize>C << 2;
  const outRow = <usize>Wo * px;
  const row = <usize>W * px;
  const C4 = C > 1 && H >= 2 && W >= 2 ? C & ~3 : 0;
  for (let oy = oy0; oy < oy1; oy++) {
    const o = out + <usize>(oy - oy0) * outRow;
    oneRow(inp, H, W, C, w, b, o, pad, oy, Wo, C4, px, row, add, relu);
    // the 4-channel groups apply the ReLU before they store; one channel and channel tails get it here
    if (relu && C4 < C) reluInPlace(o, Wo * C);
  }
}

// @ts-ignore: decorator
@inline function reluInPlace(o: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(o + (<usize>i << 2), relu4(v128.load(o + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(o + (<usize>i << 2), max<f32>(load<f32>(o + (<usize>i << 2)), 0));
}

// One output row oy at o.
// @ts-ignore: decorator
@inline function oneRow(inp: usize, H: i32, W: i32, C: i32, w: usize, b: usize, o: usize, pad: i32, oy: i32, Wo: i32, C4: i32, px: usize, row: usize, add: bool, relu: bool): void {
  const iy = oy - pad;
  const r = inp + <usize>iy * row; // input row iy; one row above the image when iy = -1 (never read then)
  if (C == 1) {
    if (iy < 0 || iy + 3 > H) {
      clippedPixels(inp, H, W, C, w, b, o, pad, oy, 0, Wo, 0, add);
      return;
    }
    if (pad) {
      clippedPixels(inp, H, W, C, w, b, o, pad, oy, 0, 1, 0, add);
      if (Wo > 1) clippedPixels(inp, H, W, C, w, b, o, pad, oy, Wo - 1, Wo, 0, add); // (once: add must not see a pixel twice)
    }
    interiorRowC1(r, W, w, b, o, pad, Wo - pad, pad, add);
    return;
  }
  // kernel rows inside the image: all three, or (padding "same") all but the first or the last
  if (iy < 0) groupRow(r, W, C4, px, w, b, o, pad, Wo, 1, 3, add, relu);
  else if (iy + 3 > H) groupRow(r, W, C4, px, w, b, o, pad, Wo, 0, 2, add, relu);
  else groupRow(r, W, C4, px, w, b, o, pad, Wo, 0, 3, add, relu);
  if (C4 < C) clippedPixels(inp, H, W, C, w, b, o, pad, oy, 0, Wo, C4, add);
}

// One output row, channels 0..C4-1 four at a time, kernel rows ky0..ky1-1 (constants where it is inlined, so
// each case compiles to straight-line code), the ReLU applied before the store when asked. Pixel-major: for
// each block of 8 output pixels every channel group is done before moving on, so the block's 3×10 input pixels
// stay in L1 however many channels there are. Each input vector is loaded once for the outputs it serves (30
// loads and 9 weight loads for 72 multiply-adds); V8 hoists those loads and spills two registers, yet a tap
// loop that fits the registers (9 loads for 8 multiply-adds) measured ×0.9 inside YuNet, its inputs coming
// from L3. With padding "same" the first and last pixels take taps kx 1..2 and 0..1.
//   r: input row iy (the window's first row), o: the output row, px: bytes per pixel (C·4).
// @ts-ignore: decorator
@inline function groupRow(r: usize, W: i32, C4: i32, px: usize, w: usize, b: usize, o: usize, pad: i32, Wo: i32, ky0: i32, ky1: i32, add: bool, relu: bool): void {
  const row = <usize>W * px;
  let x = 0;
  if (pad) { // left border: input columns 0, 1 under taps kx = 1, 2
    for (let c = 0; c < C4; c += 4) {
      const cb = <usize>c << 2, q = o + cb, r0 = r + cb, r1 = r0 + row, r2 = r1 + row, wc = w + cb;
      let a = add ? v128.load(q) : b ? v128.load(b + cb) : f32x4.splat(0);
      if (ky0 == 0) { a = madd(v128.load(r0), v128.load(wc + px), a); a = madd(v128.load(r0 + px), v128.load(wc + 2 * px), a); }
      a = madd(v128.load(r1), v128.load(wc + 4 * px), a); a = madd(v128.load(r1 + px), v128.load(wc + 5 * px), a);
      if (ky1 == 3) { a = madd(v128.load(r2), v128.load(wc + 7 * px), a); a = madd(v128.load(r2 + px), v128.load(wc + 8 * px), a); }
      v128.store(q, relu ? relu4(a) : a);
    }
    x = 1;
  }
  const x1 = Wo - pad;
  for (; x + 8 <= x1; x += 8) {
    const p0 = r + <usize>(x - pad) * px, q0 = o + <usize>x * px; // input column of tap kx = 0, kernel row 0
    for (let c = 0; c < C4; c += 4) {
      const cb = <usize>c << 2, p = p0 + cb, q = q0 + cb, wc = w + cb;
      const bias = b ? v128.load(b + cb) : f32x4.splat(0);
      let a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
      if (add) {
        a0 = v128.load(q); a1 = v128.load(q + px); a2 = v128.load(q + 2 * px); a3 = v128.load(q + 3 * px);
        a4 = v128.load(q + 4 * px); a5 = v128.load(q + 5 * px); a6 = v128.load(q + 6 * px); a7 = v128.load(q + 7 * px);
      }
      if (ky0 == 0) {
        const k0 = v128.load(wc), k1 = v128.load(wc + px), k2 = v128.load(wc + 2 * px);
        { const i = v128.load(p); a0 = madd(i, k0, a0); }
        { const i = v128.load(p + px); a0 = madd(i, k1, a0); a1 = madd(i, k0, a1); }
        { const i = v128.load(p + 2 * px); a0 = madd(i, k2, a0); a1 = madd(i, k1, a1); a2 = madd(i, k0, a2); }
        { const i = v128.load(p + 3 * px); a1 = madd(i, k2, a1); a2 = madd(i, k1, a2); a3 = madd(i, k0, a3); }
        { const i = v128.load(p + 4 * px); a2 = madd(i, k2, a2); a3 = madd(i, k1, a3); a4 = madd(i, k0, a4); }
        { const i = v128.load(p + 5 * px); a3 = madd(i, k2, a3); a4 = madd(i, k1, a4); a5 = madd(i, k0, a5); }
        { const i = v128.load(p + 6 * px); a4 = madd(i, k2, a4); a5 = madd(i, k1, a5); a6 = madd(i, k0, a6); }
        { const i = v128.load(p + 7 * px); a5 = madd(i, k2, a5); a6 = madd(i, k1, a6); a7 = madd(i, k0, a7); }
        { const i = v128.load(p + 8 * px); a6 = madd(i, k2, a6); a7 = madd(i, k1, a7); }
        { const i = v128.load(p + 9 * px); a7 = madd(i, k2, a7); }
      }
      {
        const p1 = p + row;
        const k3 = v128.load(wc + 3 * px), k4 = v128.load(wc + 4 * px), k5 = v128.load(wc + 5 * px);
        { const i = v128.load(p1); a0 = madd(i, k3, a0); }
        { const i = v128.load(p1 + px); a0 = madd(i, k4, a0); a1 = madd(i, k3, a1); }
        { const i = v128.load(p1 + 2 * px); a0 = madd(i, k5, a0); a1 = madd(i, k4, a1); a2 = madd(i, k3, a2); }
        { const i = v128.load(p1 + 3 * px); a1 = madd(i, k5, a1); a2 = madd(i, k4, a2); a3 = madd(i, k3, a3); }
        { const i = v128.load(p1 + 4 * px); a2 = madd(i, k5, a2); a3 = madd(i, k4, a3); a4 = madd(i, k3, a4); }
        { const i = v128.load(p1 + 5 * px); a3 = madd(i, k5, a3); a4 = madd(i, k4, a4); a5 = madd(i, k3, a5); }
        { const i = v128.load(p1 + 6 * px); a4 = madd(i, k5, a4); a5 = madd(i, k4, a5); a6 = madd(i, k3, a6); }
        { const i = v128.load(p1 + 7 * px); a5 = madd(i, k5, a5); a6 = madd(i, k4, a6); a7 = madd(i, k3, a7); }
        { const i = v128.load(p1 + 8 * px); a6 = madd(i, k5, a6); a7 = madd(i, k4, a7); }
        { const i = v128.load(p1 + 9 * px); a7 = madd(i, k5, a7); }
      }
      if (ky1 == 3) {
        const p2 = p + 2 * row;
        const k6 = v128.load(wc + 6 * px), k7 = v128.load(wc + 7 * px), k8 = v128.load(wc + 8 * px);
        { const i = v128.load(p2); a0 = madd(i, k6, a0); }
        { const i = v128.load(p2 + px); a0 = madd(i, k7, a0); a1 = madd(i, k6, a1); }
        { const i = v128.load(p2 + 2 * px); a0 = madd(i, k8, a0); a1 = madd(i, k7, a1); a2 = madd(i, k6, a2); }
        { const i = v128.load(p2 + 3 * px); a1 = madd(i, k8, a1); a2 = madd(i, k7, a2); a3 = madd(i, k6, a3); }
        { const i = v128.load(p2 + 4 * px); a2 = madd(i, k8, a2); a3 = madd(i, k7, a3); a4 = madd(i, k6, a4); }
        { const i = v128.load(p2 + 5 * px); a3 = madd(i, k8, a3); a4 = madd(i, k7, a4); a5 = madd(i, k6, a5); }
        { const i = v128.load(p2 + 6 * px); a4 = madd(i, k8, a4); a5 = madd(i, k7, a5); a6 = madd(i, k6, a6); }
        { const i = v128.load(p2 + 7 * px); a5 = madd(i, k8, a5); a6 = madd(i, k7, a6); a7 = madd(i, k6, a7); }
        { const i = v128.load(p2 + 8 * px); a6 = madd(i, k8, a6); a7 = madd(i, k7, a7); }
        { const i = v128.load(p2 + 9 * px); a7 = madd(i, k8, a7); }
      }
      v128.store(q, relu ? relu4(a0) : a0); v128.store(q + px, relu ? relu4(a1) : a1); v128.store(q + 2 * px, relu ? relu4(a2) : a2); v128.store(q + 3 * px, relu ? relu4(a3) : a3);
      v128.store(q + 4 * px, relu ? relu4(a4) : a4); v128.store(q + 5 * px, relu ? relu4(a5) : a5); v128.store(q + 6 * px, relu ? relu4(a6) : a6); v128.store(q + 7 * px, relu ? relu4(a7) : a7);
    }
  }
  for (; x + 4 <= x1; x += 4) {
    const p0 = r + <usize>(x - pad) * px, q0 = o + <usize>x * px; // input column of tap kx = 0, kernel row 0
    for (let c = 0; c < C4; c += 4) {
      const cb = <usize>c << 2, p = p0 + cb, q = q0 + cb, wc = w + cb;
      const bias = b ? v128.load(b + cb) : f32x4.splat(0);
      let a0 = bias, a1 = bias, a2 = bias, a3 = bias;
      if (add) { a0 = v128.load(q); a1 = v128.load(q + px); a2 = v128.load(q + 2 * px); a3 = v128.load(q + 3 * px); }
      if (ky0 == 0) {
        const k0 = v128.load(wc), k1 = v128.load(wc + px), k2 = v128.load(wc + 2 * px);
        const i0 = v128.load(p), i1 = v128.load(p + px), i2 = v128.load(p + 2 * px);
        a0 = madd(i0, k0, a0); a1 = madd(i1, k0, a1); a2 = madd(i2, k0, a2);
        a0 = madd(i1, k1, a0); a1 = madd(i2, k1, a1);
        a0 = madd(i2, k2, a0);
        const i3 = v128.load(p + 3 * px);
        a3 = madd(i3, k0, a3); a2 = madd(i3, k1, a2); a1 = madd(i3, k2, a1);
        const i4 = v128.load(p + 4 * px);
        a3 = madd(i4, k1, a3); a2 = madd(i4, k2, a2);
        a3 = madd(v128.load(p + 5 * px), k2, a3);
      }
      {
        const p1 = p + row;
        const k3 = v128.load(wc + 3 * px), k4 = v128.load(wc + 4 * px), k5 = v128.load(wc + 5 * px);
        const i0 = v128.load(p1), i1 = v128.load(p1 + px), i2 = v128.load(p1 + 2 * px);
        a0 = madd(i0, k3, a0); a1 = madd(i1, k3, a1); a2 = madd(i2, k3, a2);
        a0 = madd(i1, k4, a0); a1 = madd(i2, k4, a1);
        a0 = madd(i2, k5, a0);
        const i3 = v128.load(p1 + 3 * px);
        a3 = madd(i3, k3, a3); a2 = madd(i3, k4, a2); a1 = madd(i3, k5, a1);
        const i4 = v128.load(p1 + 4 * px);
        a3 = madd(i4, k4, a3); a2 = madd(i4, k5, a2);
        a3 = madd(v128.load(p1 + 5 * px), k5, a3);
      }
      if (ky1 == 3) {
        const p2 = p + 2 * row;
        const k6 = v128.load(wc + 6 * px), k7 = v128.load(wc + 7 * px), k8 = v128.load(wc + 8 * px);
        const i0 = v128.load(p2), i1 = v128.load(p2 + px), i2 = v128.load(p2 + 2 * px);
        a0 = madd(i0, k6, a0); a1 = madd(i1, k6, a1); a2 = madd(i2, k6, a2);
        a0 = madd(i1, k7, a0); a1 = madd(i2, k7, a1);
        a0 = madd(i2, k8, a0);
        const i3 = v128.load(p2 + 3 * px);
        a3 = madd(i3, k6, a3); a2 = madd(i3, k7, a2); a1 = madd(i3, k8, a1);
        const i4 = v128.load(p2 + 4 * px);
        a3 = madd(i4, k7, a3); a2 = madd(i4, k8, a2);
        a3 = madd(v128.load(p2 + 5 * px), k8, a3);
      }
      v128.store(q, relu ? relu4(a0) : a0);
      v128.store(q + px, relu ? relu4(a1) : a1);
      v128.store(q + 2 * px, relu ? relu4(a2) : a2);
      v128.store(q + 3 * px, relu ? relu4(a3) : a3);
    }
  }
  for (; x < x1; x++) {
    const p0 = r + <usize>(x - pad) * px, q0 = o + <usize>x * px;
    for (let c = 0; c < C4; c += 4) {
      const cb = <usize>c << 2, p = p0 + cb, q = q0 + cb, wc = w + cb;
      let a = add ? v128.load(q) : b ? v128.load(b + cb) : f32x4.splat(0);
      if (ky0 == 0) { a = madd(v128.load(p), v128.load(wc), a); a = madd(v128.load(p + px), v128.load(wc + px), a); a = madd(v128.load(p + 2 * px), v128.load(wc + 2 * px), a); }
      a = madd(v128.load(p + row), v128.load(wc + 3 * px), a); a = madd(v128.load(p + row + px), v128.load(wc + 4 * px), a); a = madd(v128.load(p + row + 2 * px), v128.load(wc + 5 * px), a);
      if (ky1 == 3) { a = madd(v128.load(p + 2 * row), v128.load(wc + 6 * px), a); a = madd(v128.load(p + 2 * row + px), v128.load(wc + 7 * px), a); a = madd(v128.load(p + 2 * row + 2 * px), v128.load(wc + 8 * px), a); }
      v128.store(q, relu ? relu4(a) : a);
    }
  }
  if (pad) { // right border: input columns W-2, W-1 under taps kx = 0, 1
    const p0 = r + <usize>(W - 2) * px, q0 = o + <usize>(Wo - 1) * px;
    for (let c = 0; c < C4; c += 4) {
      const cb = <usize>c << 2, p = p0 + cb, q = q0 + cb, wc = w + cb;
      let a = add ? v128.load(q) : b ? v128.load(b + cb) : f32x4.splat(0);
      if (ky0 == 0) { a = madd(v128.load(p), v128.load(wc), a); a = madd(v128.load(p + px), v128.load(wc + px), a); }
      a = madd(v128.load(p + row), v128.load(wc + 3 * px), a); a = madd(v128.load(p + row + px), v128.load(wc + 4 * px), a);
      if (ky1 == 3) { a = madd(v128.load(p + 2 * row), v128.load(wc + 6 * px), a); a = madd(v128.load(p + 2 * row + px), v128.load(wc + 7 * px), a); }
      v128.store(q, relu ? relu4(a) : a);
    }
  }
}

// One channel: 4 neighbouring output pixels per vector, weights broadcast.
// @ts-ignore: decorator
@inline function interiorRowC1(r: usize, W: i32, w: usize, b: usize, o: usize, x0: i32, x1: i32, pad: i32, add: bool): void {
  const row = <usize>W << 2;
  const k0 = v128.load32_splat(w), k1 = v128.load32_splat(w + 4), k2 = v128.load32_splat(w + 8);
  const k3 = v128.load32_splat(w + 12), k4 = v128.load32_splat(w + 16), k5 = v128.load32_splat(w + 20);
  const k6 = v128.load32_splat(w + 24), k7 = v128.load32_splat(w + 28), k8 = v128.load32_splat(w + 32);
  const bias = b ? v128.load32_splat(b) : f32x4.splat(0);
  let x = x0;
  for (; x + 4 <= x1; x += 4) {
    const p = r + (<usize>(x - pad) << 2);
    let acc = madd(v128.load(p), k0, add ? v128.load(o + (<usize>x << 2)) : bias);
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
    let acc: f32 = add ? load<f32>(o + (<usize>x << 2)) : b ? load<f32>(b) : 0;
    for (let ky = 0; ky < 3; ky++)
      for (let kx = 0; kx < 3; kx++) acc += load<f32>(p + <usize>ky * row + (<usize>kx << 2)) * load<f32>(w + (<usize>(ky * 3 + kx) << 2));
    store<f32>(o + (<usize>x << 2), acc);
  }
}

// Output pixels ox0..ox1-1 of row oy, channels c0..C-1, taps outside the image skipped: the border pixels
// (padding "same") and channel tails. Channels still go 4 at a time where c0..C allows, since with padding
// the border is a large share of a small image (2 of every 13 rows and columns at 13×13).
function clippedPixels(inp: usize, H: i32, W: i32, C: i32, w: usize, b: usize, o: usize, pad: i32, oy: i32, ox0: i32, ox1: i32, c0: i32, add: bool): void {
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
      let acc = add ? v128.load(o + <usize>ox * px + cb) : b ? v128.load(b + cb) : f32x4.splat(0);
      for (let ky = ky0; ky < ky1; ky++) {
        for (let kx = kx0; kx < kx1; kx++) {
          acc = madd(v128.load(inp + <usize>((iy + ky) * W + ix + kx) * px + cb), v128.load(w + <usize>(ky * 3 + kx) * px + cb), acc);
        }
      }
      v128.store(o + <usize>ox * px + cb, acc);
    }
    for (; c < C; c++) {
      const cb = <usize>c << 2;
      let acc: f32 = add ? load<f32>(o + <usize>ox * px + cb) : b ? load<f32>(b + cb) : 0;
      for (let ky = ky0; ky < ky1; ky++) {
        for (let kx = kx0; kx < kx1; kx++) {
          acc += load<f32>(inp + <usize>((iy + ky) * W + ix + kx) * px + cb) * load<f32>(w + <usize>(ky * 3 + kx) * px + cb);
        }
      }
      store<f32>(o + <usize>ox * px + cb, acc);
    }
  }
}

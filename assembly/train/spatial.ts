import { zeroPad } from "../nn/pool";

// Spatial kernels for a batch: zero padding, average pooling 2×2 stride 2 (valid), global max pooling,
// each forward and backward. All tensors [N, H, W, C], f32.

// y [N, H+top+bottom, W+left+right, C] = x [N, H, W, C] framed by zeros: the inference kernel, image by image.
export function zeroPadForward(x: usize, N: i32, H: i32, W: i32, C: i32, top: i32, bottom: i32, left: i32, right: i32, y: usize): void {
  const inBytes = (<usize>H * <usize>W * <usize>C) << 2;
  const outBytes = (<usize>(H + top + bottom) * <usize>(W + left + right) * <usize>C) << 2;
  for (let n = 0; n < N; n++) {
    zeroPad(x + <usize>n * inBytes, H, W, C, top, bottom, left, right, y + <usize>n * outBytes);
  }
}

// Backward of zero padding: the padded frame carries no input, so dx is dy cropped.
//   dy [N, H+top+bottom, W+left+right, C] → dx [N, H, W, C]  (H, W: the unpadded size)
export function zeroPadBackward(dy: usize, N: i32, H: i32, W: i32, C: i32, top: i32, bottom: i32, left: i32, right: i32, dx: usize): void {
  const px = <usize>C << 2;
  const inRow = <usize>W * px, outRow = <usize>(W + left + right) * px;
  const outBytes = <usize>(H + top + bottom) * outRow;
  let d = dx;
  for (let n = 0; n < N; n++) {
    let s = dy + <usize>n * outBytes + <usize>top * outRow + <usize>left * px;
    for (let y = 0; y < H; y++) {
      memory.copy(d, s, inRow);
      d += inRow;
      s += outRow;
    }
  }
}

// Zero padding then average pooling 2×2 stride 2 (valid), fused: what ResEZAP does after each block, with
// no padded intermediate written and read back; with no padding, plain 2×2 average pooling (an odd last row or
// column dropped, as Keras does). x [N, H, W, C] → y [N, Hp/2, Wp/2, C], Hp = H + top +
// bottom, Wp = W + left + right. Each window sums its 4 taps in the unfused order with zeros for the taps
// in the padding (x + 0 is exact), so y is bit for bit what zeroPadForward then the same kernel unpadded give.
export function avgPool2x2PaddedForward(x: usize, N: i32, H: i32, W: i32, C: i32, top: i32, bottom: i32, left: i32, right: i32, y: usize): void {
  const Ho = (H + top + bottom) >> 1, Wo = (W + left + right) >> 1;
  const px = <usize>C << 2;
  const row = <usize>W * px;
  const C4 = C & ~3;
  const quarter = f32x4.splat(0.25), zero = f32x4.splat(0);
  let o = y;
  for (let n = 0; n < N; n++) {
    const xN = x + <usize>n * <usize>H * row;
    for (let oy = 0; oy < Ho; oy++) {
      const iy = 2 * oy - top;
      const r0 = iy >= 0 && iy < H, r1 = iy + 1 >= 0 && iy + 1 < H;
      for (let ox = 0; ox < Wo; ox++) {
        const ix = 2 * ox - left;
        const c0 = ix >= 0 && ix < W, c1 = ix + 1 >= 0 && ix + 1 < W;
        const t00 = r0 && c0, t01 = r0 && c1, t10 = r1 && c0, t11 = r1 && c1;
        // address of tap (0, 0); wraps when it lies in the padding, and is then never dereferenced
        const p = xN + <usize>(iy * W + ix) * px;
        let c = 0;
        for (; c < C4; c += 4) {
          const q = p + (<usize>c << 2);
          const a = t00 ? v128.load(q) : zero, b = t01 ? v128.load(q + px) : zero;
          const d = t10 ? v128.load(q + row) : zero, e = t11 ? v128.load(q + row + px) : zero;
          v128.store(o + (<usize>c << 2), f32x4.mul(f32x4.add(f32x4.add(f32x4.add(a, b), d), e), quarter));
        }
        for (; c < C; c++) {
          const q = p + (<usize>c << 2);
          const a: f32 = t00 ? load<f32>(q) : 0, b: f32 = t01 ? load<f32>(q + px) : 0;
          const d: f32 = t10 ? load<f32>(q + row) : 0, e: f32 = t11 ? load<f32>(q + row + px) : 0;
          store<f32>(o + (<usize>c << 2), (a + b + d + e) * 0.25);
        }
        o += px;
      }
    }
  }
}

// Backward of the fused padding and pooling: input pixel (iy, ix) lies at (iy + top, ix + left) in the
// padded map and gets a quarter of that window's gradient, or 0 where the pooling dropped its odd last
// row or column.   dy [N, Hp/2, Wp/2, C] → dx [N, H, W, C]
export function avgPool2x2PaddedBackward(dy: usize, N: i32, H: i32, W: i32, C: i32, top: i32, bottom: i32, left: i32, right: i32, dx: usize): void {
  const Ho = (H + top + bottom) >> 1, Wo = (W + left + right) >> 1;
  const px = <usize>C << 2;
  const row = <usize>W * px, rowO = <usize>Wo * px;
  const C4 = C & ~3;
  const quarter = f32x4.splat(0.25);
  let d = dx;
  for (let n = 0; n < N; n++) {
    const dyN = dy + <usize>n * <usize>Ho * rowO;
    for (let iy = 0; iy < H; iy++) {
      const oy = (iy + top) >> 1;
      if (oy >= Ho) {
        memory.fill(d, 0, row);
        d += row;
        continue;
      }
      const g = dyN + <usize>oy * rowO;
      for (let ix = 0; ix < W; ix++) {
        const ox = (ix + left) >> 1;
        if (ox >= Wo) {
          memory.fill(d, 0, px);
        } else {
          const s = g + <usize>ox * px;
          let c = 0;
          for (; c < C4; c += 4) {
            const cb = <usize>c << 2;
            v128.store(d + cb, f32x4.mul(v128.load(s + cb), quarter));
          }
          for (; c < C; c++) {
            const cb = <usize>c << 2;
            store<f32>(d + cb, load<f32>(s + cb) * 0.25);
          }
        }
        d += px;
      }
    }
  }
}

// Global max pooling over the P = H·W pixels of each image: x [N, P, C] → y [N, C], and argmax [N, C] (i32):
// the pixel index p (0..P-1, within its image) of the maximum, the first one where several tie (as
// PyTorch's max pooling and tf.nn.max_pool_with_argmax route it; TensorFlow's reduce_max gradient would
// split among ties instead). P ≥ 1.
export function globalMaxPoolForward(x: usize, N: i32, P: i32, C: i32, y: usize, argmax: usize): void {
  const px = <usize>C << 2;
  const C4 = C & ~3;
  for (let n = 0; n < N; n++) {
    const xN = x + <usize>n * <usize>P * px, yN = y + <usize>n * px, aN = argmax + <usize>n * px;
    let c = 0;
    for (; c < C4; c += 4) {
      const cb = <usize>c << 2;
      let best = v128.load(xN + cb);
      let idx = i32x4.splat(0);
      for (let p = 1; p < P; p++) {
        const v = v128.load(xN + <usize>p * px + cb);
        const gt = f32x4.gt(v, best); // strictly greater: the first maximum stays
        best = v128.bitselect(v, best, gt);
        idx = v128.bitselect(i32x4.splat(p), idx, gt);
      }
      v128.store(yN + cb, best);
      v128.store(aN + cb, idx);
    }
    for (; c < C; c++) {
      const cb = <usize>c << 2;
      let best = load<f32>(xN + cb);
      let idx = 0;
      for (let p = 1; p < P; p++) {
        const v = load<f32>(xN + <usize>p * px + cb);
        if (v > best) { best = v; idx = p; }
      }
      store<f32>(yN + cb, best);
      store<i32>(aN + cb, idx);
    }
  }
}

// Backward: dx [N, P, C] is zero except dx[n, argmax[n,c], c] = dy[n, c].   dy, argmax: [N, C]
export function globalMaxPoolBackward(dy: usize, argmax: usize, N: i32, P: i32, C: i32, dx: usize): void {
  const px = <usize>C << 2;
  memory.fill(dx, 0, <usize>N * <usize>P * px);
  for (let n = 0; n < N; n++) {
    const dxN = dx + <usize>n * <usize>P * px;
    for (let c = 0; c < C; c++) {
      const k = <usize>(n * C + c) << 2;
      store<f32>(dxN + <usize>load<i32>(argmax + k) * px + (<usize>c << 2), load<f32>(dy + k));
    }
  }
}

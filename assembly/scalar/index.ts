// Scalar builds of the two convolution kernels, compiled without SIMD, for the benchmarks only: the same
// layouts and loop order as assembly/nn (pixels outer, then input channels, then 8-wide output blocks),
// one float at a time. They show what the f32x4 code buys over plain WASM.

// in [P, C], w packed as pointwise_4x8's ([F/8][C][8]), b [ceil8(F)] → out [P, F]
export function pointwise_scalar(inp: usize, P: i32, C: i32, w: usize, b: usize, out: usize, F: i32): void {
  const blocks = (F + 7) >> 3;
  for (let p = 0; p < P; p++) {
    const x = inp + (<usize>(p * C) << 2);
    const o = out + (<usize>(p * F) << 2);
    for (let fb = 0; fb < blocks; fb++) {
      let a0 = load<f32>(b + (<usize>(fb * 8) << 2)), a1 = load<f32>(b + (<usize>(fb * 8 + 1) << 2));
      let a2 = load<f32>(b + (<usize>(fb * 8 + 2) << 2)), a3 = load<f32>(b + (<usize>(fb * 8 + 3) << 2));
      let a4 = load<f32>(b + (<usize>(fb * 8 + 4) << 2)), a5 = load<f32>(b + (<usize>(fb * 8 + 5) << 2));
      let a6 = load<f32>(b + (<usize>(fb * 8 + 6) << 2)), a7 = load<f32>(b + (<usize>(fb * 8 + 7) << 2));
      let wc = w + (<usize>(fb * C) << 5);
      for (let c = 0; c < C; c++) {
        const s = load<f32>(x + (<usize>c << 2));
        a0 += s * load<f32>(wc); a1 += s * load<f32>(wc, 4); a2 += s * load<f32>(wc, 8); a3 += s * load<f32>(wc, 12);
        a4 += s * load<f32>(wc, 16); a5 += s * load<f32>(wc, 20); a6 += s * load<f32>(wc, 24); a7 += s * load<f32>(wc, 28);
        wc += 32;
      }
      const n = min(8, F - fb * 8);
      const q = o + (<usize>(fb * 8) << 2);
      store<f32>(q, a0);
      if (n > 1) store<f32>(q, a1, 4);
      if (n > 2) store<f32>(q, a2, 8);
      if (n > 3) store<f32>(q, a3, 12);
      if (n > 4) store<f32>(q, a4, 16);
      if (n > 5) store<f32>(q, a5, 20);
      if (n > 6) store<f32>(q, a6, 24);
      if (n > 7) store<f32>(q, a7, 28);
    }
  }
}

// in [H, W, C], w [3, 3, C] → out [Ho, Wo, C], pad 0 valid / 1 same
export function depthwise_scalar(inp: usize, H: i32, W: i32, C: i32, w: usize, out: usize, pad: i32): void {
  const Ho = H - 2 + 2 * pad, Wo = W - 2 + 2 * pad;
  for (let oy = 0; oy < Ho; oy++) {
    const iy = oy - pad;
    const ky0 = max(0, -iy), ky1 = min(3, H - iy);
    for (let ox = 0; ox < Wo; ox++) {
      const ix = ox - pad;
      const kx0 = max(0, -ix), kx1 = min(3, W - ix);
      const o = out + (<usize>((oy * Wo + ox) * C) << 2);
      for (let c = 0; c < C; c++) {
        let acc: f32 = 0;
        for (let ky = ky0; ky < ky1; ky++)
          for (let kx = kx0; kx < kx1; kx++)
            acc += load<f32>(inp + (<usize>(((iy + ky) * W + ix + kx) * C + c) << 2)) * load<f32>(w + (<usize>((ky * 3 + kx) * C + c) << 2));
        store<f32>(o + (<usize>c << 2), acc);
      }
    }
  }
}

export function heapBase(): usize {
  return __heap_base;
}

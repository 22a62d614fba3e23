// Plain references for the general convolutions (assembly/nn/conv.ts, dwconv.ts): nested loops, float64
// accumulation, TensorFlow semantics. NHWC for one image, flattened row-major.

/**
 * TensorFlow's output size and padding along one axis. Effective kernel e = (k−1)·d + 1; valid: out =
 * floor((n − e)/s) + 1, no padding; same: out = ceil(n/s), total padding max((out−1)·s + e − n, 0), the odd
 * one after. out ≤ 0 is returned as is, for the caller to refuse.
 */
export function convGeometry(n: number, k: number, stride: number, dilation: number, padding: "valid" | "same"): { out: number; padBefore: number; padAfter: number } {
  const e = (k - 1) * dilation + 1;
  if (padding === "valid") return { out: Math.floor((n - e) / stride) + 1, padBefore: 0, padAfter: 0 };
  const out = Math.ceil(n / stride);
  const total = Math.max((out - 1) * stride + e - n, 0);
  const padBefore = Math.floor(total / 2);
  return { out, padBefore, padAfter: total - padBefore };
}

/** Convolution. x [H,W,C], w [kh,kw,C,F], b [F] or null → [Ho,Wo,F]; taps outside the input are zeros. */
export function convRef(x: ArrayLike<number>, H: number, W: number, C: number, w: ArrayLike<number>, b: ArrayLike<number> | null, F: number,
                        Ho: number, Wo: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number,
                        padT: number, padL: number): Float32Array {
  const out = new Float32Array(Math.max(0, Ho * Wo * F));
  for (let oy = 0; oy < Ho; oy++)
    for (let ox = 0; ox < Wo; ox++)
      for (let f = 0; f < F; f++) {
        let s = b ? b[f] : 0;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * sh - padT + ky * dh, ix = ox * sw - padL + kx * dw;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            for (let c = 0; c < C; c++) s += x[(iy * W + ix) * C + c] * w[((ky * kw + kx) * C + c) * F + f];
          }
        out[(oy * Wo + ox) * F + f] = s;
      }
  return out;
}

/** Depthwise convolution (depth_multiplier 1). x [H,W,C], w [kh,kw,C], b [C] or null → [Ho,Wo,C]. */
export function depthwiseConvRef(x: ArrayLike<number>, H: number, W: number, C: number, w: ArrayLike<number>, b: ArrayLike<number> | null,
                                 Ho: number, Wo: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number,
                                 padT: number, padL: number): Float32Array {
  const out = new Float32Array(Math.max(0, Ho * Wo * C));
  for (let oy = 0; oy < Ho; oy++)
    for (let ox = 0; ox < Wo; ox++)
      for (let c = 0; c < C; c++) {
        let s = b ? b[c] : 0;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * sh - padT + ky * dh, ix = ox * sw - padL + kx * dw;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            s += x[(iy * W + ix) * C + c] * w[(ky * kw + kx) * C + c];
          }
        out[(oy * Wo + ox) * C + c] = s;
      }
  return out;
}

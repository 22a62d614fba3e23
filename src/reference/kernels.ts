// Plain, obvious TypeScript references for every inference kernel: nested loops, no tiling, no packing,
// float64 accumulation. The WASM kernels are tested against these, and the benchmarks use them as the
// naive JavaScript convolution. All tensors NHWC for one image, flattened row-major.

/** Output size of a 3×3 stride-1 conv: valid (pad 0) or same (pad 1). */
export function conv3x3OutSize(n: number, pad: number): number {
  return n - 2 + 2 * pad;
}

/** An output array: Float32Array by default; the training references (src/train/reference.ts) pass Float64Array. */
type Out = { [i: number]: number; readonly length: number };

/**
 * Depthwise 3×3. x [H,W,C], w [3,3,C], b [C] or null → [Ho,Wo,C]. For a batch, the training references call it
 * image by image with offsets into x (xOff) and into their float64 output (outOff).
 */
export function depthwiseRef<T extends Out = Float32Array>(x: ArrayLike<number>, H: number, W: number, C: number, w: ArrayLike<number>, b: ArrayLike<number> | null,
                                                          pad: number, out?: T, xOff = 0, outOff = 0): T {
  const Ho = conv3x3OutSize(H, pad), Wo = conv3x3OutSize(W, pad);
  const y = out ?? (new Float32Array(Math.max(0, Ho * Wo * C)) as unknown as T);
  for (let oy = 0; oy < Ho; oy++)
    for (let ox = 0; ox < Wo; ox++)
      for (let c = 0; c < C; c++) {
        let s = b ? b[c] : 0;
        for (let ky = 0; ky < 3; ky++)
          for (let kx = 0; kx < 3; kx++) {
            const iy = oy - pad + ky, ix = ox - pad + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            s += x[xOff + (iy * W + ix) * C + c] * w[(ky * 3 + kx) * C + c];
          }
        y[outOff + (oy * Wo + ox) * C + c] = s;
      }
  return y;
}

/** Pointwise 1×1 / dense. x [P,C], w [C,F], b [F] or null → [P,F] (into out when given). */
export function pointwiseRef<T extends Out = Float32Array>(x: ArrayLike<number>, P: number, C: number, w: ArrayLike<number>, b: ArrayLike<number> | null, F: number, out?: T): T {
  const y = out ?? (new Float32Array(P * F) as unknown as T);
  for (let p = 0; p < P; p++)
    for (let f = 0; f < F; f++) {
      let s = b ? b[f] : 0;
      for (let c = 0; c < C; c++) s += x[p * C + c] * w[c * F + f];
      y[p * F + f] = s;
    }
  return y;
}

/** Normal 3×3 convolution. x [H,W,C], w [3,3,C,F], b [F] or null → [Ho,Wo,F]. */
export function conv3x3Ref(x: Float32Array, H: number, W: number, C: number, w: Float32Array, b: Float32Array | null, F: number, pad: number): Float32Array {
  const Ho = conv3x3OutSize(H, pad), Wo = conv3x3OutSize(W, pad);
  const out = new Float32Array(Math.max(0, Ho * Wo * F));
  for (let oy = 0; oy < Ho; oy++)
    for (let ox = 0; ox < Wo; ox++)
      for (let f = 0; f < F; f++) {
        let s = b ? b[f] : 0;
        for (let ky = 0; ky < 3; ky++)
          for (let kx = 0; kx < 3; kx++) {
            const iy = oy - pad + ky, ix = ox - pad + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            for (let c = 0; c < C; c++) s += x[(iy * W + ix) * C + c] * w[((ky * 3 + kx) * C + c) * F + f];
          }
        out[(oy * Wo + ox) * F + f] = s;
      }
  return out;
}

/** Inference batch norm. x [P,C] → [P,C]. */
export function batchNormRef(x: Float32Array, C: number, gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array, eps: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % C;
    out[i] = ((x[i] - mean[c]) / Math.sqrt(variance[c] + eps)) * gamma[c] + beta[c];
  }
  return out;
}

export function reluRef(x: Float32Array): Float32Array {
  return x.map((v) => (v > 0 ? v : 0));
}

export function addRef(a: Float32Array, b: Float32Array): Float32Array {
  return a.map((v, i) => v + b[i]);
}

/** Softmax over each row of N. */
export function softmaxRef(x: Float32Array, N: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / N; r++) {
    let m = -Infinity;
    for (let i = 0; i < N; i++) m = Math.max(m, x[r * N + i]);
    let s = 0;
    for (let i = 0; i < N; i++) s += Math.exp(x[r * N + i] - m);
    for (let i = 0; i < N; i++) out[r * N + i] = Math.exp(x[r * N + i] - m) / s;
  }
  return out;
}

/** x [H,W,C] → [H+t+b, W+l+r, C] framed by zeros. */
export function zeroPadRef(x: Float32Array, H: number, W: number, C: number, t: number, b: number, l: number, r: number): Float32Array {
  const Ho = H + t + b, Wo = W + l + r;
  const out = new Float32Array(Ho * Wo * C);
  for (let y = 0; y < H; y++)
    for (let xx = 0; xx < W; xx++)
      for (let c = 0; c < C; c++) out[((y + t) * Wo + xx + l) * C + c] = x[(y * W + xx) * C + c];
  return out;
}

/** Keras pooling output size and leading pad, for padding "valid" or "same". */
export function poolGeometry(n: number, k: number, s: number, padding: "valid" | "same"): { out: number; padBefore: number } {
  if (padding === "valid") return { out: Math.floor((n - k) / s) + 1, padBefore: 0 };
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + k - n, 0);
  return { out, padBefore: Math.floor(total / 2) };
}

/** Average or max pooling, Keras semantics (same-padding averages over the taps inside the image). */
export function poolRef(x: Float32Array, H: number, W: number, C: number, kh: number, kw: number, sh: number, sw: number,
                        padding: "valid" | "same", mode: "avg" | "max"): Float32Array {
  const gy = poolGeometry(H, kh, sh, padding), gx = poolGeometry(W, kw, sw, padding);
  const out = new Float32Array(Math.max(0, gy.out * gx.out * C));
  for (let oy = 0; oy < gy.out; oy++)
    for (let ox = 0; ox < gx.out; ox++)
      for (let c = 0; c < C; c++) {
        let acc = mode === "max" ? -Infinity : 0, n = 0;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const y = oy * sh - gy.padBefore + ky, xx = ox * sw - gx.padBefore + kx;
            if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
            const v = x[(y * W + xx) * C + c];
            acc = mode === "max" ? Math.max(acc, v) : acc + v;
            n++;
          }
        out[(oy * gx.out + ox) * C + c] = mode === "max" ? acc : acc / n;
      }
  return out;
}

/** Global pooling: x [P,C] → [C]. */
export function globalPoolRef(x: Float32Array, P: number, C: number, mode: "avg" | "max"): Float32Array {
  const out = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    let acc = mode === "max" ? -Infinity : 0;
    for (let p = 0; p < P; p++) acc = mode === "max" ? Math.max(acc, x[p * C + c]) : acc + x[p * C + c];
    out[c] = mode === "max" ? acc : acc / P;
  }
  return out;
}

// Plain TypeScript references for the training kernels of assembly/train: nested loops over the
// definitions, in float64, with no tiling and no tricks, so that each is obviously correct and the WASM
// kernels can be tested against them (and they against finite differences). Slow: tests only.
// Layouts are the kernels' (src/train/kernels.ts): row-major, batch-major NHWC [N, H, W, C]; inputs are
// any array-like of numbers (Float32Array included), outputs new Float64Arrays.

import { depthwiseRef, pointwiseRef } from "../reference/kernels.js";

export type Vec = ArrayLike<number>;

/** Output size of a 3×3 stride-1 convolution: valid (pad 0) H - 2, same (pad 1) H; never negative. */
export function conv3x3OutSize(H: number, pad: 0 | 1): number {
  return Math.max(0, H - 2 + 2 * pad);
}

// ---- depthwise 3×3, stride 1 ----

/**
 * y[n,oy,ox,c] = b[c] + Σ_{ky,kx} w[ky,kx,c]·x[n, oy-pad+ky, ox-pad+kx, c]; x [N,H,W,C], w [3,3,C], b [C] or null.
 * The inference reference's loops (src/reference/kernels.ts), image by image, into a float64 output.
 */
export function depthwise3x3Forward(x: Vec, N: number, H: number, W: number, C: number, w: Vec, b: Vec | null, pad: 0 | 1): Float64Array {
  const Ho = conv3x3OutSize(H, pad), Wo = conv3x3OutSize(W, pad);
  const y = new Float64Array(N * Ho * Wo * C);
  for (let n = 0; n < N; n++) depthwiseRef(x, H, W, C, w, b, pad, y, n * H * W * C, n * Ho * Wo * C);
  return y;
}

/** dx [N,H,W,C] of depthwise3x3Forward given dy [N,Ho,Wo,C]: each output scatters dy·w back to its taps. */
export function depthwise3x3BackwardInput(dy: Vec, N: number, H: number, W: number, C: number, w: Vec, pad: 0 | 1): Float64Array {
  const Ho = conv3x3OutSize(H, pad), Wo = conv3x3OutSize(W, pad);
  const dx = new Float64Array(N * H * W * C);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++)
        for (let c = 0; c < C; c++) {
          const g = dy[((n * Ho + oy) * Wo + ox) * C + c];
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const iy = oy - pad + ky, ix = ox - pad + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              dx[((n * H + iy) * W + ix) * C + c] += g * w[(ky * 3 + kx) * C + c];
            }
        }
  return dx;
}

/** dw [3,3,C] and db [C] of depthwise3x3Forward, summed over the batch. */
export function depthwise3x3BackwardWeights(x: Vec, dy: Vec, N: number, H: number, W: number, C: number, pad: 0 | 1): { dw: Float64Array; db: Float64Array } {
  const Ho = conv3x3OutSize(H, pad), Wo = conv3x3OutSize(W, pad);
  const dw = new Float64Array(9 * C), db = new Float64Array(C);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++)
        for (let c = 0; c < C; c++) {
          const g = dy[((n * Ho + oy) * Wo + ox) * C + c];
          db[c] += g;
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const iy = oy - pad + ky, ix = ox - pad + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              dw[(ky * 3 + kx) * C + c] += g * x[((n * H + iy) * W + ix) * C + c];
            }
        }
  return { dw, db };
}

// ---- pointwise 1×1 / dense ----

/** y [P,F] = x [P,C] · w [C,F] + b [F] (b may be null): the inference reference's loops, into a float64 output. */
export function pointwiseForward(x: Vec, P: number, C: number, w: Vec, F: number, b: Vec | null): Float64Array {
  return pointwiseRef(x, P, C, w, b, F, new Float64Array(P * F));
}

/** dx = dy·wᵀ [P,C], dw = xᵀ·dy [C,F], db = Σ_p dy [F]. */
export function pointwiseBackward(x: Vec, dy: Vec, P: number, C: number, F: number, w: Vec): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dx = new Float64Array(P * C), dw = new Float64Array(C * F), db = new Float64Array(F);
  for (let p = 0; p < P; p++)
    for (let f = 0; f < F; f++) {
      const g = dy[p * F + f];
      db[f] += g;
      for (let c = 0; c < C; c++) {
        dx[p * C + c] += g * w[c * F + f];
        dw[c * F + f] += g * x[p * C + c];
      }
    }
  return { dx, dw, db };
}

// ---- batch norm over M = N·H·W pixels per channel ----

export interface BatchNormTrainResult {
  y: Float64Array;
  mean: Float64Array;
  /** Biased batch variance (divided by M). */
  variance: Float64Array;
  invStd: Float64Array;
  movingMean: Float64Array;
  movingVar: Float64Array;
}

/**
 * Training-mode forward: batch mean and biased variance; y = gamma·(x - mean)/sqrt(var + eps) + beta.
 * Moving statistics: moving·momentum + batch·(1 - momentum) (Keras), with the biased variance, or the
 * unbiased var·M/(M-1) when `unbiased` (PyTorch).
 */
export function batchNormForwardTrain(x: Vec, M: number, C: number, gamma: Vec, beta: Vec, eps: number,
                                      movingMean: Vec, movingVar: Vec, momentum: number, unbiased: boolean): BatchNormTrainResult {
  const mean = new Float64Array(C), variance = new Float64Array(C), invStd = new Float64Array(C);
  const mm = new Float64Array(C), mv = new Float64Array(C), y = new Float64Array(M * C);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let p = 0; p < M; p++) s += x[p * C + c];
    mean[c] = s / M;
    let v = 0;
    for (let p = 0; p < M; p++) v += (x[p * C + c] - mean[c]) ** 2;
    variance[c] = v / M;
    invStd[c] = 1 / Math.sqrt(variance[c] + eps);
    for (let p = 0; p < M; p++) y[p * C + c] = gamma[c] * (x[p * C + c] - mean[c]) * invStd[c] + beta[c];
    const vForMoving = unbiased && M > 1 ? (variance[c] * M) / (M - 1) : variance[c];
    mm[c] = movingMean[c] * momentum + mean[c] * (1 - momentum);
    mv[c] = movingVar[c] * momentum + vForMoving * (1 - momentum);
  }
  return { y, mean, variance, invStd, movingMean: mm, movingVar: mv };
}

/** Backward of the training-mode forward, from its input x and saved mean, invStd. */
export function batchNormBackward(x: Vec, dy: Vec, M: number, C: number, gamma: Vec, mean: Vec, invStd: Vec): { dx: Float64Array; dGamma: Float64Array; dBeta: Float64Array } {
  const dx = new Float64Array(M * C), dGamma = new Float64Array(C), dBeta = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    for (let p = 0; p < M; p++) {
      const xhat = (x[p * C + c] - mean[c]) * invStd[c];
      dBeta[c] += dy[p * C + c];
      dGamma[c] += dy[p * C + c] * xhat;
    }
    for (let p = 0; p < M; p++) {
      const xhat = (x[p * C + c] - mean[c]) * invStd[c];
      dx[p * C + c] = ((gamma[c] * invStd[c]) / M) * (M * dy[p * C + c] - dBeta[c] - xhat * dGamma[c]);
    }
  }
  return { dx, dGamma, dBeta };
}

/** Inference mode: y = gamma·(x - movingMean)/sqrt(movingVar + eps) + beta. */
export function batchNormInference(x: Vec, M: number, C: number, gamma: Vec, beta: Vec, movingMean: Vec, movingVar: Vec, eps: number): Float64Array {
  const y = new Float64Array(M * C);
  for (let p = 0; p < M; p++)
    for (let c = 0; c < C; c++) y[p * C + c] = (gamma[c] * (x[p * C + c] - movingMean[c])) / Math.sqrt(movingVar[c] + eps) + beta[c];
  return y;
}

// ---- element-wise ----

export function relu(x: Vec): Float64Array {
  return Float64Array.from(x, (v) => Math.max(v, 0));
}

/** dx = dy where y > 0 (y: the forward's output or input), else 0. */
export function reluBackward(y: Vec, dy: Vec): Float64Array {
  const dx = new Float64Array(dy.length);
  for (let i = 0; i < dy.length; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
  return dx;
}

// ---- spatial ----

/** y [N, H+top+bottom, W+left+right, C] = x [N,H,W,C] framed by zeros. */
export function zeroPadForward(x: Vec, N: number, H: number, W: number, C: number, top: number, bottom: number, left: number, right: number): Float64Array {
  const Hp = H + top + bottom, Wp = W + left + right;
  const y = new Float64Array(N * Hp * Wp * C);
  for (let n = 0; n < N; n++)
    for (let iy = 0; iy < H; iy++)
      for (let ix = 0; ix < W; ix++)
        for (let c = 0; c < C; c++) y[((n * Hp + iy + top) * Wp + ix + left) * C + c] = x[((n * H + iy) * W + ix) * C + c];
  return y;
}

/** dx [N,H,W,C] = dy [N, H+top+bottom, W+left+right, C] cropped. */
export function zeroPadBackward(dy: Vec, N: number, H: number, W: number, C: number, top: number, bottom: number, left: number, right: number): Float64Array {
  const Hp = H + top + bottom, Wp = W + left + right;
  const dx = new Float64Array(N * H * W * C);
  for (let n = 0; n < N; n++)
    for (let iy = 0; iy < H; iy++)
      for (let ix = 0; ix < W; ix++)
        for (let c = 0; c < C; c++) dx[((n * H + iy) * W + ix) * C + c] = dy[((n * Hp + iy + top) * Wp + ix + left) * C + c];
  return dx;
}

/** Average pooling 2×2 stride 2, valid: y [N, ⌊H/2⌋, ⌊W/2⌋, C]. */
export function avgPool2x2Forward(x: Vec, N: number, H: number, W: number, C: number): Float64Array {
  const Ho = H >> 1, Wo = W >> 1;
  const y = new Float64Array(N * Ho * Wo * C);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++)
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) s += x[((n * H + 2 * oy + dy) * W + 2 * ox + dx) * C + c];
          y[((n * Ho + oy) * Wo + ox) * C + c] = s / 4;
        }
  return y;
}

/** dx [N,H,W,C] of avgPool2x2Forward: a quarter of each output's gradient to each of its 4 inputs. */
export function avgPool2x2Backward(dy: Vec, N: number, H: number, W: number, C: number): Float64Array {
  const Ho = H >> 1, Wo = W >> 1;
  const dx = new Float64Array(N * H * W * C);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++)
        for (let c = 0; c < C; c++)
          for (let a = 0; a < 2; a++)
            for (let b = 0; b < 2; b++) dx[((n * H + 2 * oy + a) * W + 2 * ox + b) * C + c] += dy[((n * Ho + oy) * Wo + ox) * C + c] / 4;
  return dx;
}

/** Global max pooling over P pixels: y [N,C] and argmax [N,C] (the first pixel index holding the maximum). */
export function globalMaxPoolForward(x: Vec, N: number, P: number, C: number): { y: Float64Array; argmax: Int32Array } {
  const y = new Float64Array(N * C), argmax = new Int32Array(N * C);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      let best = -Infinity, at = 0;
      for (let p = 0; p < P; p++) {
        const v = x[(n * P + p) * C + c];
        if (v > best) { best = v; at = p; }
      }
      y[n * C + c] = best;
      argmax[n * C + c] = at;
    }
  return { y, argmax };
}

/** dx [N,P,C]: dy [N,C] routed to the argmax pixel, zero elsewhere. */
export function globalMaxPoolBackward(dy: Vec, argmax: ArrayLike<number>, N: number, P: number, C: number): Float64Array {
  const dx = new Float64Array(N * P * C);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) dx[(n * P + argmax[n * C + c]) * C + c] = dy[n * C + c];
  return dx;
}

// ---- loss ----

/**
 * Mean softmax cross-entropy over N rows of K logits, targets (1-w)·((1-ε)·onehot(label) + ε/K) + w·soft (soft [N,K]
 * optional; a row of zeros has w = 0), and d(mean loss)/d(logits). With a temperature T ≠ 1 a soft row's loss is
 * (1-w)·CE(smoothed one-hot, softmax(z)) + w·T²·CE(soft, softmax(z/T)) (Hinton et al.'s distillation). Written as
 * -Σ t·log p, the gradient from p - t, independently of the kernel's closed form.
 */
export function softmaxCrossEntropy(logits: Vec, labels: ArrayLike<number>, N: number, K: number, smoothing: number, soft?: Vec, softWeight = 0, temperature = 1): { loss: number; dLogits: Float64Array } {
  const dLogits = new Float64Array(N * K);
  let loss = 0;
  const logSoftmax = (n: number, T: number): number[] => {
    const z = Array.from({ length: K }, (_, k) => logits[n * K + k] / T);
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((a, x) => a + Math.exp(x - m), 0));
    return z.map((x) => x - lse);
  };
  for (let n = 0; n < N; n++) {
    let qsum = 0;
    if (soft) for (let k = 0; k < K; k++) qsum += soft[n * K + k];
    const w = qsum > 0 ? softWeight : 0;
    const logp = logSoftmax(n, 1);
    const hard = (k: number) => (k === labels[n] ? 1 - smoothing : 0) + smoothing / K;
    if (w && temperature !== 1) {
      const T = temperature, logpT = logSoftmax(n, T);
      for (let k = 0; k < K; k++) {
        const q = soft![n * K + k];
        loss -= (1 - w) * hard(k) * logp[k] + w * T * T * q * logpT[k];
        // d/dz of -h·log softmax(z) is p - h (Σh = 1), of -T²·q·log softmax(z/T) is T·(p^T - q) (Σq = 1)
        dLogits[n * K + k] = ((1 - w) * (Math.exp(logp[k]) - hard(k)) + w * T * (Math.exp(logpT[k]) - q)) / N;
      }
      continue;
    }
    for (let k = 0; k < K; k++) {
      const t = (1 - w) * hard(k) + (w ? w * soft![n * K + k] : 0);
      loss -= t * logp[k];
      dLogits[n * K + k] = (Math.exp(logp[k]) - t) / N;
    }
  }
  return { loss: loss / N, dLogits };
}

// ---- optimisers: return the new parameters and state, inputs untouched ----

export interface AdamRefOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step count t. */
  step: number;
  /** true: AdamW (p ← p·(1 - lr·wd)); false: L2 (g ← g + wd·p). */
  decoupled: boolean;
}

export function adamStep(p: Vec, g: Vec, m: Vec, v: Vec, o: AdamRefOptions): { p: Float64Array; m: Float64Array; v: Float64Array } {
  const n = p.length;
  const P = new Float64Array(n), Mo = new Float64Array(n), V = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let param = p[i];
    let grad = g[i];
    if (o.decoupled) param *= 1 - o.lr * o.weightDecay;
    else grad += o.weightDecay * p[i];
    Mo[i] = o.beta1 * m[i] + (1 - o.beta1) * grad;
    V[i] = o.beta2 * v[i] + (1 - o.beta2) * grad * grad;
    const mHat = Mo[i] / (1 - o.beta1 ** o.step);
    const vHat = V[i] / (1 - o.beta2 ** o.step);
    P[i] = param - (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
  }
  return { p: P, m: Mo, v: V };
}

export interface SgdRefOptions {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

export function sgdStep(p: Vec, g: Vec, buf: Vec, o: SgdRefOptions): { p: Float64Array; buf: Float64Array } {
  const n = p.length;
  const P = new Float64Array(n), B = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = g[i] + o.weightDecay * p[i];
    B[i] = o.momentum * buf[i] + d;
    const step = o.momentum === 0 ? d : o.nesterov ? d + o.momentum * B[i] : B[i];
    P[i] = p[i] - o.lr * step;
  }
  return { p: P, buf: B };
}

// A thin typed wrapper over the training WASM module (assembly/train): one instance with its own memory,
// an Arena to lay tensors out in it, and one method per kernel that checks its arguments and calls the
// export. Tensors live in WASM memory between calls (a training step never copies activations out);
// `Ptr` is a byte address in that memory, from alloc()/upload().
//
// Layouts (all f32, row-major, batch-major):
//   activations      [N, H, W, C] (NHWC); a "pixel" count P or M is N·H·W
//   depthwise        w, dw [3, 3, C] (Keras [3,3,C,1] as stored), b, db [C]
//   pointwise/dense  w, dw [C, F] (Keras [1,1,C,F] / dense [in,out] as stored, NOT the inference module's
//                    packed layout), b, db [F]
//   batch norm       gamma, beta, movingMean, movingVar, saved mean / invStd, dGamma, dBeta [C]
//   labels           [N] i32;  argmax of global max pooling [N, C] i32
// Gradient conventions: backward kernels overwrite their outputs, except where they take `accumulate`
// (true: add into the output): weight/bias gradients (micro-batch accumulation) and the dx of depthwise and
// pointwise (a tensor that feeds two layers, like ResEZAP's residual, gets the sum of both branches).
// The residual add's backward is routing only: d(a) = d(r) = d(out); see addInto().

import { Arena, defaultNNVariant, instantiateSync, type ModuleName, type NNVariant } from "../engine/wasm.js";
import type { TrainExports as GeneratedTrainExports } from "../generated/exports.js";
import { ArgumentError } from "../errors.js";

/** The largest distillation temperature the loss takes (a teacher file may state, `soft-targets --temperature` accepts). */
export const MAX_TEMPERATURE = 100;

export type Ptr = number;
/** "valid": no padding, output H - 2; "same": 1 pixel of zeros each side, output H. */
export type Padding = "valid" | "same";

/** A batch of feature maps [N, H, W, C]. */
export interface NHWC {
  N: number;
  H: number;
  W: number;
  C: number;
}

export interface PadSizes {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export const NO_PAD: PadSizes = { top: 0, bottom: 0, left: 0, right: 0 };

/** Trainable and moving parameters of one batch-norm layer, each [C]. */
export interface BatchNormParams {
  gamma: Ptr;
  beta: Ptr;
  movingMean: Ptr;
  movingVar: Ptr;
}

/** What the training-mode forward saves for the backward, each [C]. */
export interface BatchNormSaved {
  mean: Ptr;
  /** 1 / sqrt(biased batch variance + eps). */
  invStd: Ptr;
}

export interface BatchNormOptions {
  /** Keras default 1e-3 (ResEZAP's). */
  eps: number;
  /** Keras convention: moving = moving·momentum + batch·(1 - momentum). Keras default 0.99 (PyTorch momentum 0.1 is 0.9 here). */
  momentum: number;
  /** Moving variance from the unbiased batch variance var·M/(M-1), as PyTorch; default false: the biased one, as Keras. */
  unbiasedMovingVar?: boolean;
  /** Default true; false leaves the moving statistics alone (they may then be 0 pointers). */
  updateMoving?: boolean;
}

export interface AdamOptions {
  lr: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Added to sqrt(v̂). Default 1e-7 (Keras's; PyTorch's is 1e-8). */
  eps?: number;
  /** Default 0. */
  weightDecay?: number;
  /** true: AdamW, p ← p·(1 - lr·wd) before the step; false (default): L2, g ← g + wd·p (PyTorch Adam's weight_decay). */
  decoupled?: boolean;
  /** 1-based count of steps taken with these moments, including this one (bias correction 1 - β^step). */
  step: number;
}

export interface SgdOptions {
  lr: number;
  /** Default 0 (plain SGD; the buffer is then not touched and may be 0). */
  momentum?: number;
  /** L2 into the gradient. Default 0. */
  weightDecay?: number;
  /** Default false. */
  nesterov?: boolean;
}

/** The raw exports (byte addresses, i32 sizes, flags as 0/1), typed from asc's bindings; documented at each kernel in assembly/train/. */
export type TrainExports = GeneratedTrainExports;

/** Output side of a 3×3 stride-1 convolution: H - 2 (valid) or H (same), never negative. */
export function conv3x3OutSize(H: number, padding: Padding): number {
  return Math.max(0, padding === "same" ? H : H - 2);
}

function padOf(padding: Padding): 0 | 1 {
  if (padding === "same") return 1;
  if (padding === "valid") return 0;
  throw new ArgumentError(`padding: expected "valid" or "same", got ${String(padding)}`);
}

function checkInt(name: string, v: number, min = 0): void {
  if (!Number.isInteger(v) || v < min || v > 0x7fffffff) throw new ArgumentError(`${name}: expected an integer ≥ ${min}, got ${v}`);
}

function checkShape(s: NHWC): void {
  checkInt("N", s.N);
  checkInt("H", s.H);
  checkInt("W", s.W);
  checkInt("C", s.C);
}

/** The training module of a build: "trainRelaxed" or "train" (plain SIMD). */
export function trainModuleName(variant: NNVariant = defaultNNVariant()): ModuleName {
  return variant === "relaxed" ? "trainRelaxed" : "train";
}

export class TrainKernels {
  readonly exports: TrainExports;
  readonly arena: Arena;
  /** Size of the module's static scratch; limits pointwise C·F ≤ scratchBytes/4 and batch-norm C ≤ scratchBytes/28. */
  readonly scratchBytes: number;

  /**
   * A new instance of the training module (its own memory), or a wrapper over one made elsewhere. The build
   * follows the network's: relaxed SIMD (fused multiply-add, about 2× on the pointwise products) where it
   * validates, plain SIMD otherwise or with RESEZAP_SIMD=plain. Every worker of a run makes the same choice
   * (V8 flags are per process), so data-parallel runs stay bit-identical for any number of workers.
   */
  constructor(instance: WebAssembly.Instance = instantiateSync(trainModuleName())) {
    this.exports = instance.exports as unknown as TrainExports;
    this.arena = new Arena(this.exports);
    this.scratchBytes = this.exports.scratchBytes();
  }

  // ---- memory ----

  /** n floats (or i32s), 64-byte aligned, not zeroed when the arena was reset. */
  alloc(n: number): Ptr {
    checkInt("n", n);
    return this.arena.alloc(n * 4);
  }

  /** n zeroed floats (or i32s). */
  allocZeroed(n: number): Ptr {
    const p = this.alloc(n);
    this.arena.f32.fill(0, p >> 2, (p >> 2) + n);
    return p;
  }

  /** Allocates and copies values in as f32. */
  upload(values: ArrayLike<number>): Ptr {
    const p = this.alloc(values.length);
    this.arena.writeF32(p, values);
    return p;
  }

  /** Allocates and copies values in as i32 (class labels). */
  uploadI32(values: ArrayLike<number>): Ptr {
    const p = this.alloc(values.length);
    new Int32Array(this.arena.memory.buffer, p, values.length).set(values);
    return p;
  }

  write(p: Ptr, values: ArrayLike<number>): void {
    this.arena.writeF32(p, values);
  }

  /** A copy of n floats at p. */
  read(p: Ptr, n: number): Float32Array {
    return this.arena.readF32(p, n);
  }

  readI32(p: Ptr, n: number): Int32Array {
    return new Int32Array(this.arena.memory.buffer, p, n).slice();
  }

  // ---- depthwise 3×3, stride 1 ----

  /** y [N,Ho,Wo,C] = depthwise(x [N,H,W,C]) with w [3,3,C] and b [C] (0 for none). */
  depthwise3x3Forward(x: Ptr, s: NHWC, w: Ptr, b: Ptr, y: Ptr, padding: Padding): void {
    checkShape(s);
    this.exports.depthwise3x3Forward(x, s.N, s.H, s.W, s.C, w, b, y, padOf(padding));
  }

  /** dx [N,H,W,C] from dy [N,Ho,Wo,C]; s is the forward's input shape. */
  depthwise3x3BackwardInput(dy: Ptr, s: NHWC, w: Ptr, padding: Padding, dx: Ptr, accumulate = false): void {
    checkShape(s);
    this.exports.depthwise3x3BackwardInput(dy, s.N, s.H, s.W, s.C, w, padOf(padding), dx, +accumulate);
  }

  /** dw [3,3,C] and db [C] (0 to skip) summed over the batch, from the forward's input x and dy. */
  depthwise3x3BackwardWeights(x: Ptr, dy: Ptr, s: NHWC, padding: Padding, dw: Ptr, db: Ptr, accumulate = false): void {
    checkShape(s);
    this.exports.depthwise3x3BackwardWeights(x, dy, s.N, s.H, s.W, s.C, padOf(padding), dw, db, +accumulate);
  }

  // ---- pointwise 1×1 and dense (P = N·H·W, or N for dense) ----

  /** y [P,F] = x [P,C]·w [C,F] + b [F] (b 0 for none). */
  pointwiseForward(x: Ptr, P: number, C: number, w: Ptr, F: number, b: Ptr, y: Ptr): void {
    checkInt("P", P);
    checkInt("C", C);
    checkInt("F", F);
    this.exports.pointwiseForward_4x8(x, P, C, w, F, b, y);
  }

  /** dx [P,C] = dy [P,F]·wᵀ. C·F ≤ scratchBytes/4. */
  pointwiseBackwardInput(dy: Ptr, P: number, F: number, w: Ptr, C: number, dx: Ptr, accumulate = false): void {
    checkInt("P", P);
    checkInt("C", C);
    checkInt("F", F);
    if (C * F * 4 > this.scratchBytes) throw new ArgumentError(`pointwise backward: C·F = ${C * F} over the limit of ${this.scratchBytes / 4}`);
    this.exports.pointwiseBackwardInput_4x8(dy, P, F, w, C, dx, +accumulate);
  }

  /** dw [C,F] = xᵀ·dy and db [F] = Σ_p dy (0 to skip), from the forward's input x [P,C]. */
  pointwiseBackwardWeights(x: Ptr, dy: Ptr, P: number, C: number, F: number, dw: Ptr, db: Ptr, accumulate = false): void {
    checkInt("P", P);
    checkInt("C", C);
    checkInt("F", F);
    this.exports.pointwiseBackwardWeights_4x8(x, dy, P, C, F, dw, db, +accumulate);
  }

  /** out [M,N] = a [M,K]·b [K,N] (+ bias [N] unless 0) (+ out when accumulate). */
  gemm(a: Ptr, M: number, K: number, b: Ptr, N: number, bias: Ptr, out: Ptr, accumulate = false): void {
    checkInt("M", M);
    checkInt("K", K);
    checkInt("N", N);
    this.exports.gemm_4x8(a, M, K, b, N, bias, out, +accumulate);
  }

  /** out [C,R] = a [R,C]ᵀ (plain loops: for weight matrices). */
  transpose(a: Ptr, R: number, C: number, out: Ptr): void {
    checkInt("R", R);
    checkInt("C", C);
    this.exports.transpose(a, R, C, out);
  }

  /** out [K,N] = a [P,K]ᵀ·b [P,N] (+ out when accumulate). */
  gemmAtB(a: Ptr, P: number, K: number, b: Ptr, N: number, out: Ptr, accumulate = false): void {
    checkInt("P", P);
    checkInt("K", K);
    checkInt("N", N);
    this.exports.gemmAtB_4x8(a, P, K, b, N, out, +accumulate);
  }

  // ---- batch norm over M = N·H·W pixels ----

  /**
   * Training-mode forward: y [M,C] from the batch's mean and biased variance; saves mean and invStd for
   * the backward; updates the moving statistics in place (unless updateMoving is false).
   */
  batchNormForwardTrain(x: Ptr, M: number, C: number, p: BatchNormParams, y: Ptr, saved: BatchNormSaved, o: BatchNormOptions): void {
    checkInt("M", M, 1);
    this.checkBnChannels(C);
    const update = o.updateMoving ?? true;
    this.exports.batchNormForwardTrain(x, M, C, p.gamma, p.beta, o.eps, y, saved.mean, saved.invStd,
      update ? p.movingMean : 0, update ? p.movingVar : 0, o.momentum, +(o.unbiasedMovingVar ?? false));
  }

  /** dx [M,C] (overwritten), dGamma and dBeta [C] (added to when accumulate), from the forward's x, dy and saved. */
  batchNormBackward(x: Ptr, dy: Ptr, M: number, C: number, gamma: Ptr, saved: BatchNormSaved, dx: Ptr, dGamma: Ptr, dBeta: Ptr, accumulate = false): void {
    checkInt("M", M, 1);
    this.checkBnChannels(C);
    this.exports.batchNormBackward(x, dy, M, C, gamma, saved.mean, saved.invStd, dx, dGamma, dBeta, +accumulate);
  }

  /** Inference mode with the moving statistics (validation inside this module). */
  batchNormInference(x: Ptr, M: number, C: number, p: BatchNormParams, eps: number, y: Ptr): void {
    checkInt("M", M);
    this.checkBnChannels(C);
    this.exports.batchNormInference(x, M, C, p.gamma, p.beta, p.movingMean, p.movingVar, eps, y);
  }

  private checkBnChannels(C: number): void {
    checkInt("C", C);
    if (C * 28 > this.scratchBytes) throw new ArgumentError(`batch norm: C = ${C} over the limit of ${Math.floor(this.scratchBytes / 28)}`);
  }

  // ---- element-wise, n floats ----

  relu(x: Ptr, n: number, y: Ptr): void {
    checkInt("n", n);
    this.exports.relu(x, n, y);
  }

  /** out = a + b, then ReLU when relu (ResEZAP's residual join). */
  add(a: Ptr, b: Ptr, n: number, out: Ptr, relu = false): void {
    checkInt("n", n);
    this.exports.add(a, b, n, out, +relu);
  }

  /** dx = dy where y > 0, else 0 (y: the forward's output or input; dx may be dy). */
  reluBackward(y: Ptr, dy: Ptr, n: number, dx: Ptr): void {
    checkInt("n", n);
    this.exports.reluBackward(y, dy, n, dx);
  }

  /** dst += src: summing the gradients of a tensor used twice. */
  addInto(dst: Ptr, src: Ptr, n: number): void {
    checkInt("n", n);
    this.exports.addInto(dst, src, n);
  }

  // ---- spatial ----

  /** y [N, H+top+bottom, W+left+right, C] = x [N,H,W,C] framed by zeros; s is x's shape. */
  zeroPadForward(x: Ptr, s: NHWC, pad: PadSizes, y: Ptr): void {
    checkShape(s);
    this.checkPad(pad);
    this.exports.zeroPadForward(x, s.N, s.H, s.W, s.C, pad.top, pad.bottom, pad.left, pad.right, y);
  }

  /** dx [N,H,W,C] = dy cropped; s is the unpadded shape. */
  zeroPadBackward(dy: Ptr, s: NHWC, pad: PadSizes, dx: Ptr): void {
    checkShape(s);
    this.checkPad(pad);
    this.exports.zeroPadBackward(dy, s.N, s.H, s.W, s.C, pad.top, pad.bottom, pad.left, pad.right, dx);
  }

  private checkPad(pad: PadSizes): void {
    checkInt("top", pad.top);
    checkInt("bottom", pad.bottom);
    checkInt("left", pad.left);
    checkInt("right", pad.right);
  }

  /** y [N, ⌊H/2⌋, ⌊W/2⌋, C]: average pooling 2×2 stride 2 valid; s is x's shape. */
  avgPool2x2Forward(x: Ptr, s: NHWC, y: Ptr): void {
    this.avgPool2x2PaddedForward(x, s, NO_PAD, y);
  }

  /** dx [N,H,W,C] from dy [N, ⌊H/2⌋, ⌊W/2⌋, C]; s is the forward's input shape. */
  avgPool2x2Backward(dy: Ptr, s: NHWC, dx: Ptr): void {
    this.avgPool2x2PaddedBackward(dy, s, NO_PAD, dx);
  }

  /** Zero padding then 2×2 average pooling, fused: y [N, ⌊(H+top+bottom)/2⌋, ⌊(W+left+right)/2⌋, C]; s is x's shape. */
  avgPool2x2PaddedForward(x: Ptr, s: NHWC, pad: PadSizes, y: Ptr): void {
    checkShape(s);
    this.checkPad(pad);
    this.exports.avgPool2x2PaddedForward(x, s.N, s.H, s.W, s.C, pad.top, pad.bottom, pad.left, pad.right, y);
  }

  /** dx [N,H,W,C] of the fused padding and pooling; s is the forward's input shape. */
  avgPool2x2PaddedBackward(dy: Ptr, s: NHWC, pad: PadSizes, dx: Ptr): void {
    checkShape(s);
    this.checkPad(pad);
    this.exports.avgPool2x2PaddedBackward(dy, s.N, s.H, s.W, s.C, pad.top, pad.bottom, pad.left, pad.right, dx);
  }

  /** y [N,C] = max over the P = H·W pixels of x [N,P,C]; argmax [N,C] i32 (first maximum). P ≥ 1. */
  globalMaxPoolForward(x: Ptr, N: number, P: number, C: number, y: Ptr, argmax: Ptr): void {
    checkInt("N", N);
    checkInt("P", P, 1);
    checkInt("C", C);
    this.exports.globalMaxPoolForward(x, N, P, C, y, argmax);
  }

  /** dx [N,P,C]: dy [N,C] at each argmax pixel, 0 elsewhere. */
  globalMaxPoolBackward(dy: Ptr, argmax: Ptr, N: number, P: number, C: number, dx: Ptr): void {
    checkInt("N", N);
    checkInt("P", P, 1);
    checkInt("C", C);
    this.exports.globalMaxPoolBackward(dy, argmax, N, P, C, dx);
  }

  // ---- loss ----

  /**
   * Mean softmax cross-entropy of logits [N,K] against labels [N] (i32 class indices), targets
   * (1 - w)·((1 - smoothing)·onehot + smoothing/K) + w·soft, where soft [N,K] (0: none) holds a distribution per
   * row (a row of zeros: that row's w is 0) and w = softWeight; writes d(mean loss)/d(logits) [N,K] to dLogits
   * (0 to skip). assembly/train/loss.ts: with w = 0 the result is bit for bit plain label smoothing. A temperature
   * T ≠ 1 distils instead: a soft row's loss is (1 - w)·CE(smoothed one-hot, softmax(z)) + w·T²·CE(soft, softmax(z / T)).
   */
  softmaxCrossEntropy(logits: Ptr, labels: Ptr, N: number, K: number, smoothing: number, dLogits: Ptr, soft: Ptr = 0, softWeight = 0, temperature = 1): number {
    checkInt("N", N, 1);
    checkInt("K", K, 1);
    if (!(smoothing >= 0 && smoothing <= 1)) throw new ArgumentError(`label smoothing: expected a number in [0, 1], got ${smoothing}`);
    if (!(softWeight >= 0 && softWeight <= 1)) throw new ArgumentError(`soft-target weight: expected a number in [0, 1], got ${softWeight}`);
    if (!(temperature > 0 && temperature <= MAX_TEMPERATURE)) throw new ArgumentError(`distillation temperature: expected a number in (0, ${MAX_TEMPERATURE}], got ${temperature}`);
    const l = new Int32Array(this.arena.memory.buffer, labels, N);
    for (let i = 0; i < N; i++) {
      if (l[i] < 0 || l[i] >= K) throw new ArgumentError(`labels[${i}]: expected a class index in 0..${K - 1}, got ${l[i]}`);
    }
    return this.exports.softmaxCrossEntropy(logits, labels, N, K, smoothing, soft, softWeight, temperature, dLogits);
  }

  // ---- optimisers, in place on n floats ----

  /** One Adam / AdamW step on params p with gradient g and moments m, v (zeroed before step 1). */
  adamStep(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, o: AdamOptions): void {
    checkInt("n", n);
    checkInt("step", o.step, 1);
    this.exports.adamStep(p, g, m, v, n, o.lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.eps ?? 1e-7, o.weightDecay ?? 0, o.step, +(o.decoupled ?? false));
  }

  /** One SGD step (momentum, Nesterov, L2 weight decay) on params p with gradient g and momentum buffer buf (zeroed first). */
  sgdStep(p: Ptr, g: Ptr, buf: Ptr, n: number, o: SgdOptions): void {
    checkInt("n", n);
    this.exports.sgdStep(p, g, buf, n, o.lr, o.momentum ?? 0, o.weightDecay ?? 0, +(o.nesterov ?? false));
  }
}

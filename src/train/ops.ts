import { ModelFormatError } from "../errors.js";
import { isPlainRelu } from "../layers/activation.js";
import type { SeparableConv2D } from "../layers/conv.js";
import type { Activation, BatchNormalization, Dense } from "../layers/core.js";
import type { Layer, Shape, SymbolicTensor } from "../layers/layer.js";
import type { AveragePooling2D, GlobalMaxPooling2D, ZeroPadding2D } from "../layers/pooling.js";
import type { Model } from "../model.js";
import { NO_PAD, type PadSizes, type Ptr, type TrainKernels } from "./kernels.js";

// Each trainable layer kind's training forward and backward, side by side, found by the layer's class name (the
// way the layer module holds its config, shape, reference and inference lowering). The Trainer (trainer.ts) lays
// the graph out and calls forward() in order and backward() in reverse; each returns a step over n ≤ batch examples
// with its pointers fixed.

/** A layer's place in the training graph: its output for the whole batch, and its inputs'. */
export interface TrainNode {
  layer: Layer;
  tensor: SymbolicTensor;
  /** per-example shape */
  shape: Shape;
  per: number;
  out: Ptr;
  inputs: TrainNode[];
  /** SeparableConv2D: its depthwise output, kept for the backward */
  d?: Ptr;
  /** GlobalMaxPooling2D: where each channel's maximum was */
  argmax?: Ptr;
}

export type Step = (n: number) => void;

/** Where an input's gradient goes, and whether it adds to what another consumer already put there. */
export interface Target {
  ptr: Ptr;
  accumulate: boolean;
  node: TrainNode;
  /** the gradient buffer is dy itself (an Add hands it on) */
  alias?: boolean;
}

export interface BnState {
  layer: BatchNormalization;
  C: number;
  perPixels: number;
  mean: Ptr;
  invStd: Ptr;
}

/** What the ops need from the Trainer. */
export interface TrainContext {
  k: TrainKernels;
  batch: number;
  model: Model;
  /** layers whose forward and backward run inside the next layer's kernels (GraphPlan.trainingFusions) */
  fusedIntoNext: Set<Layer>;
  /** batch-norm layers, in model order, with their saved statistics */
  bn: BnState[];
  param(l: Layer, weight: string): Ptr;
  grad(l: Layer, weight: string): Ptr;
  /** a gradient buffer of `floats` floats an example, and giving one back */
  take(floats: number): Ptr;
  give(floats: number, p: Ptr): void;
  copy(src: Ptr, dst: Ptr, n: number): void;
}

interface TrainOp {
  forward(c: TrainContext, node: TrainNode): Step;
  backward(c: TrainContext, node: TrainNode, dy: Ptr, targets: (Target | null)[]): Step;
}

/** Cache budget of one chunk of a separable layer's tensors (about half this machine's 512 KiB L2). */
const CHUNK_BYTES = 256 << 10;
/** Images per chunk for a layer whose tensors take `floatsPerImage` floats an image: at least 1. */
function imagesPerChunk(floatsPerImage: number): number {
  return Math.max(1, Math.floor(CHUNK_BYTES / (4 * floatsPerImage)));
}

/** Kernels that overwrite their dx: into a temporary, then added, when another consumer got there first. */
function viaTemp(c: TrainContext, t: Target | null, write: (dst: Ptr, n: number) => void, floats: number): Step {
  if (!t) return () => {};
  if (!t.accumulate) return (n) => write(t.ptr, n);
  const tmp = c.take(floats);
  c.give(floats, tmp);
  return (n) => {
    write(tmp, n);
    c.k.addInto(t.ptr, tmp, n * floats);
  };
}

/** What a 2×2 average pooling reads: its input with no padding, or, with a padding fused into it, the padding's input and sizes. */
function poolInput(c: TrainContext, x: TrainNode): { src: TrainNode; pad: PadSizes } {
  if (!c.fusedIntoNext.has(x.layer)) return { src: x, pad: NO_PAD };
  const [[top, bottom], [left, right]] = (x.layer as ZeroPadding2D).padding;
  return { src: x.inputs[0], pad: { top, bottom, left, right } };
}

const separableConv2D: TrainOp = {
  // y = pointwise(depthwise3x3(x)) + b, a chunk of images at a time so the pointwise reads the depthwise's output from cache
  forward(c, node) {
    const k = c.k, l = node.layer as SeparableConv2D, x = node.inputs[0], y = node.out;
    if (l.activation !== "linear") throw new ModelFormatError(`Trainer: layer ${l.name}: activation ${l.activation} in a SeparableConv2D is not supported`);
    if (!l.isPlain3x3() || l.depthMultiplier !== 1) {
      throw new ModelFormatError(`Trainer: layer ${l.name}: SeparableConv2D ${l.kernelSize.join("×")} stride ${l.strides.join("×")} dilation ${l.dilationRate.join("×")} depth_multiplier ${l.depthMultiplier} is not supported in training (3×3, stride 1, no dilation, multiplier 1)`);
    }
    const [H, W, C] = x.shape as number[];
    const [Ho, Wo, F] = node.shape as number[];
    const d = k.alloc(c.batch * Ho * Wo * C);
    node.d = d;
    const wd = c.param(l, "depthwise_kernel"), wp = c.param(l, "pointwise_kernel"), b = l.useBias ? c.param(l, "bias") : 0;
    const m = imagesPerChunk(H * W * C + Ho * Wo * (C + F));
    return (n) => {
      for (let i = 0; i < n; i += m) {
        const cn = Math.min(m, n - i);
        k.depthwise3x3Forward(x.out + 4 * i * H * W * C, { N: cn, H, W, C }, wd, 0, d + 4 * i * Ho * Wo * C, l.padding);
        k.pointwiseForward(d + 4 * i * Ho * Wo * C, cn * Ho * Wo, C, wp, F, b, y + 4 * i * Ho * Wo * F);
      }
    };
  },
  // dw_p = dᵀ·dy, db = Σdy, dd = dy·w_pᵀ, then the depthwise's weight and input gradients from dd
  backward(c, node, dy, [t]) {
    const k = c.k, l = node.layer as SeparableConv2D, x = node.inputs[0];
    const [H, W, C] = x.shape as number[];
    const [Ho, Wo, F] = node.shape as number[];
    const d = node.d!;
    const dd = c.take(Ho * Wo * C);
    c.give(Ho * Wo * C, dd);
    const wd = c.param(l, "depthwise_kernel"), wp = c.param(l, "pointwise_kernel");
    const gwd = c.grad(l, "depthwise_kernel"), gwp = c.grad(l, "pointwise_kernel"), gb = l.useBias ? c.grad(l, "bias") : 0;
    // the pointwise weights transposed once a step ([F, C]) for dd = dy·wᵀ; under 4 channels the kernel
    // takes w as it is (dot products of rows)
    const wT = C >= 4 ? k.alloc(F * C) : 0;
    const m = imagesPerChunk(H * W * C + Ho * Wo * (2 * C + F));
    return (n) => {
      if (wT) k.transpose(wp, C, F, wT);
      // chunk by chunk: dy, dd and x of a chunk are read again while still in cache; dd (the gradient at
      // the depthwise's output) lives only within its chunk, at the start of its buffer; weight gradients
      // add up over the chunks
      for (let i = 0; i < n; i += m) {
        const cn = Math.min(m, n - i), P = cn * Ho * Wo, acc = i > 0;
        const dyi = dy + 4 * i * Ho * Wo * F, di = d + 4 * i * Ho * Wo * C, xi = x.out + 4 * i * H * W * C;
        const s = { N: cn, H, W, C };
        k.pointwiseBackwardWeights(di, dyi, P, C, F, gwp, gb, acc);
        if (wT) k.gemm(dyi, P, F, wT, C, 0, dd, false);
        else k.pointwiseBackwardInput(dyi, P, F, wp, C, dd, false);
        k.depthwise3x3BackwardWeights(xi, dd, s, l.padding, gwd, 0, acc);
        if (t) k.depthwise3x3BackwardInput(dd, s, wd, l.padding, t.ptr + 4 * i * H * W * C, t.accumulate);
      }
    };
  },
};

const batchNormalization: TrainOp = {
  // y = γ·(x − μ_batch)/σ_batch + β; the batch statistics saved for the backward and reported (batchStats)
  forward(c, node) {
    const l = node.layer as BatchNormalization, x = node.inputs[0];
    if (!l.center || !l.scale) throw new ModelFormatError(`Trainer: layer ${l.name}: batch norm without center or scale is not supported`);
    const C = node.shape[node.shape.length - 1], perPixels = node.per / C;
    const mean = c.k.alloc(C), invStd = c.k.alloc(C);
    c.bn.push({ layer: l, C, perPixels, mean, invStd });
    const p = { gamma: c.param(l, "gamma"), beta: c.param(l, "beta"), movingMean: 0, movingVar: 0 };
    const o = { eps: l.epsilon, momentum: l.momentum, updateMoving: false };
    return (n) => c.k.batchNormForwardTrain(x.out, n * perPixels, C, p, node.out, { mean, invStd }, o);
  },
  backward(c, node, dy, [t]) {
    const l = node.layer as BatchNormalization, x = node.inputs[0];
    const st = c.bn.find((b) => b.layer === l)!;
    const gamma = c.param(l, "gamma"), dg = c.grad(l, "gamma"), db = c.grad(l, "beta");
    return viaTemp(c, t, (dst, n) => c.k.batchNormBackward(x.out, dy, n * st.perPixels, st.C, gamma, st, dst, dg, db, false), x.per);
  },
};

const add: TrainOp = {
  forward(c, node) {
    const l = node.layer;
    if (node.inputs.length !== 2) throw new ModelFormatError(`Trainer: layer ${l.name}: Add of ${node.inputs.length} inputs is not supported (2 only)`);
    if (node.inputs.some((i) => i.per !== node.per)) throw new ModelFormatError(`Trainer: layer ${l.name}: a broadcasting Add is not supported in training`);
    const [a, b] = node.inputs;
    return (n) => c.k.add(a.out, b.out, n * node.per, node.out);
  },
  // dy passes on to both inputs unchanged (the first may take dy's buffer itself: Target.alias)
  backward(c, node, dy, targets) {
    return (n) => {
      for (const tt of targets) {
        if (!tt || tt.alias) continue;
        if (tt.accumulate) c.k.addInto(tt.ptr, dy, n * node.per);
        else c.copy(dy, tt.ptr, n * node.per);
      }
    };
  },
};

const activation: TrainOp = {
  // ReLU (with an Add fused into it: relu(a + b) in one pass) or linear
  forward(c, node) {
    const l = node.layer as Activation, x = node.inputs[0];
    if (isPlainRelu(l.act) && c.fusedIntoNext.has(x.layer)) {
      const [a, b] = x.inputs;
      return (n) => c.k.add(a.out, b.out, n * node.per, node.out, true);
    }
    if (isPlainRelu(l.act)) return (n) => c.k.relu(x.out, n * node.per, node.out);
    if (l.act.kind === "linear") return (n) => c.copy(x.out, node.out, n * node.per);
    const what = l.activation === "custom" ? `${l.className} with these arguments` : `activation ${l.activation}`;
    throw new ModelFormatError(`Trainer: layer ${l.name}: ${what} is not supported in training (relu, linear)`);
  },
  backward(c, node, dy, [t]) {
    const l = node.layer as Activation, x = node.inputs[0];
    if (l.act.kind === "linear") return viaTemp(c, t, (dst, n) => c.copy(dy, dst, n * node.per), x.per);
    return viaTemp(c, t, (dst, n) => c.k.reluBackward(node.out, dy, n * node.per, dst), x.per);
  },
};

const zeroPadding2D: TrainOp = {
  forward(c, node) {
    const x = node.inputs[0], [H, W, C] = x.shape as number[];
    const [[top, bottom], [left, right]] = (node.layer as ZeroPadding2D).padding;
    return (n) => c.k.zeroPadForward(x.out, { N: n, H, W, C }, { top, bottom, left, right }, node.out);
  },
  backward(c, node, dy, [t]) {
    const x = node.inputs[0], [H, W, C] = x.shape as number[];
    const [[top, bottom], [left, right]] = (node.layer as ZeroPadding2D).padding;
    return viaTemp(c, t, (dst, n) => c.k.zeroPadBackward(dy, { N: n, H, W, C }, { top, bottom, left, right }, dst), x.per);
  },
};

const averagePooling2D: TrainOp = {
  // 2×2, stride 2, valid, reading through a ZeroPadding2D fused into it
  forward(c, node) {
    const l = node.layer as AveragePooling2D;
    if (l.poolSize.join() !== "2,2" || l.strides.join() !== "2,2" || l.padding !== "valid" || l.pads) {
      throw new ModelFormatError(`Trainer: layer ${l.name}: only 2×2 average pooling, stride 2, valid is supported`);
    }
    const { src, pad } = poolInput(c, node.inputs[0]), [H, W, C] = src.shape as number[];
    return (n) => c.k.avgPool2x2PaddedForward(src.out, { N: n, H, W, C }, pad, node.out);
  },
  backward(c, node, dy, [t]) {
    const { src, pad } = poolInput(c, node.inputs[0]), [H, W, C] = src.shape as number[];
    return viaTemp(c, t, (dst, n) => c.k.avgPool2x2PaddedBackward(dy, { N: n, H, W, C }, pad, dst), src.per);
  },
};

const globalMaxPooling2D: TrainOp = {
  forward(c, node) {
    const l = node.layer as GlobalMaxPooling2D, x = node.inputs[0], [H, W, C] = x.shape as number[];
    if (l.keepdims) throw new ModelFormatError(`Trainer: layer ${l.name}: keepdims is not supported in training`);
    const argmax = c.k.alloc(c.batch * C);
    node.argmax = argmax;
    return (n) => c.k.globalMaxPoolForward(x.out, n, H * W, C, node.out, argmax);
  },
  backward(c, node, dy, [t]) {
    const x = node.inputs[0], [H, W, C] = x.shape as number[];
    return viaTemp(c, t, (dst, n) => c.k.globalMaxPoolBackward(dy, node.argmax!, n, H * W, C, dst), x.per);
  },
};

const dense: TrainOp = {
  // y = x·W + b (the output layer's softmax is left to the loss: y holds logits)
  forward(c, node) {
    const l = node.layer as Dense, x = node.inputs[0];
    const isOut = l.output === c.model.output;
    if (!(l.activation === "linear" || (l.activation === "softmax" && isOut))) {
      throw new ModelFormatError(`Trainer: layer ${l.name}: Dense activation ${l.activation} is not supported (linear, or softmax on the output)`);
    }
    if (x.shape.length !== 1) throw new ModelFormatError(`Trainer: layer ${l.name}: Dense on a rank-${x.shape.length} input is not supported`);
    const C = x.shape[0], F = l.units;
    const w = c.param(l, "kernel"), b = l.useBias ? c.param(l, "bias") : 0;
    return (n) => c.k.pointwiseForward(x.out, n, C, w, F, b, node.out);
  },
  // dW = xᵀ·dy, db = Σdy, dx = dy·Wᵀ
  backward(c, node, dy, [t]) {
    const l = node.layer as Dense, x = node.inputs[0];
    const C = x.shape[0], F = l.units;
    const w = c.param(l, "kernel"), gw = c.grad(l, "kernel"), gb = l.useBias ? c.grad(l, "bias") : 0;
    return (n) => {
      c.k.pointwiseBackwardWeights(x.out, dy, n, C, F, gw, gb, false);
      if (t) c.k.pointwiseBackwardInput(dy, n, F, w, C, t.ptr, t.accumulate);
    };
  },
};

/** The trainable layer kinds, by class name (ReLU is the Activation op: the op checks which activation). */
const TRAIN_OPS: Record<string, TrainOp> = {
  SeparableConv2D: separableConv2D,
  BatchNormalization: batchNormalization,
  Add: add,
  Activation: activation,
  ReLU: activation,
  ZeroPadding2D: zeroPadding2D,
  AveragePooling2D: averagePooling2D,
  GlobalMaxPooling2D: globalMaxPooling2D,
  Dense: dense,
};

export function trainOpOf(l: Layer): TrainOp {
  const op = TRAIN_OPS[l.className];
  if (!op) throw new ModelFormatError(`Trainer: layer ${l.name} (${l.className}) is not supported in training (supported: ${Object.keys(TRAIN_OPS).join(", ")})`);
  return op;
}

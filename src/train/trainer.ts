// Training-mode forward and backward of a Model over a whole batch, in one WASM instance (TrainKernels).
//
// The graph is laid out ONCE for at most `batch` examples: every layer's output for the batch (all kept:
// the backward needs them), the batch-norm statistics the forward saves, one contiguous block of trainable
// parameters and one of their gradients (so an optimiser step is one kernel call), and a few gradient
// buffers reused across layers (a tensor's gradient lives from its first consumer's backward to its
// producer's backward; buffers of equal size are recycled, so the backward's footprint is a handful of the
// largest activations, not one per layer). A step then is a list of kernel calls with fixed pointers.
//
// Supported layers (what ResEZAP uses; each one's forward and backward are in ops.ts): InputLayer, SeparableConv2D
// (3×3 stride 1), BatchNormalization (center and scale), Add (2 inputs), Activation/ReLU relu (and linear),
// ZeroPadding2D, AveragePooling2D 2×2/2 valid, GlobalMaxPooling2D, Dense (linear; softmax only on the model's
// output, where the loss takes the logits). Anything else is refused by name when the Trainer is built.
//
// Two fusions save passes over the largest activations (each checked bit for bit against the unfused graph
// in test/train-grads.test.ts): ZeroPadding2D feeding only a 2×2 AveragePooling2D runs as one kernel each way
// (the padded map is never written), and Add feeding only a ReLU writes relu(a + b) in one pass; in the
// backward, an Add hands its output gradient on to its first input as is (no copy).
//
// Batch norm here always uses the statistics of the examples passed to one forwardBackward() call and does
// NOT touch the moving statistics: it reports each BN layer's batch mean and variance (batchStats()) so
// the caller (src/train/loop.ts) applies them in a fixed order, whatever thread computed them.

import { ArgumentError, ModelFormatError } from "../errors.js";
import { GraphPlan } from "../engine/plan.js";
import { InputLayer } from "../layers/core.js";
import type { Layer, SymbolicTensor } from "../layers/layer.js";
import { size } from "../layers/layer.js";
import { Add } from "../layers/merge.js";
import { ZeroPadding2D } from "../layers/pooling.js";
import type { Model } from "../model.js";
import { TrainKernels, type Ptr } from "./kernels.js";
import { trainOpOf, type BnState, type Step, type TrainContext, type TrainNode } from "./ops.js";

/** One trainable weight inside the parameter block: floats [offset, offset + length). */
export interface ParamSlot {
  /** "layer/weight", as in model.json */
  name: string;
  layer: Layer;
  weight: string;
  shape: number[];
  offset: number;
  length: number;
}

/** A batch-norm layer's batch statistics from the last forward, each [C]. */
export interface BnStats {
  layer: string;
  /** examples·pixels the statistics were taken over */
  count: number;
  mean: Float32Array;
  /** biased variance */
  variance: Float32Array;
}

export interface StepOptions {
  /** Label smoothing of the cross-entropy, default 0. */
  smoothing?: number;
  /** Soft targets [n, classes] (a distribution per example; a row of zeros: none for that example), mixed in with softWeight. */
  soft?: Float32Array;
  /** target = (1 - softWeight)·(smoothed one-hot) + softWeight·soft; default 0 (assembly/train/loss.ts). */
  softWeight?: number;
  /** Distillation temperature of the soft rows (assembly/train/loss.ts); default 1, one mixed target. */
  softTemperature?: number;
  /** Multiplies the loss (and so every gradient): n_k / B for a ghost batch k of a batch of B. Default 1. */
  gradScale?: number;
}

export interface StepResult {
  /** mean cross-entropy over the n examples (unscaled) */
  loss: number;
  /** examples whose largest logit is their label */
  correct: number;
}

/** The parameter layout of a model, shared by the Trainer (workers) and the optimiser (main thread). */
export function paramLayout(model: Model): { slots: ParamSlot[]; total: number } {
  const slots: ParamSlot[] = [];
  let off = 0;
  for (const l of model.layers) {
    for (const spec of l.weightSpecs(l.inputShapes)) {
      if (!spec.trainable) continue;
      const length = size(spec.shape);
      slots.push({ name: `${l.name}/${spec.name}`, layer: l, weight: spec.name, shape: spec.shape, offset: off, length });
      // 16-float (64-byte) alignment for each weight: the padding stays 0 in params and gradients, so the
      // optimiser leaves it 0 too
      off += Math.ceil(length / 16) * 16;
    }
  }
  return { slots, total: off };
}

/** Copies the model's trainable weights into a flat block laid out as paramLayout. */
export function packParams(model: Model, out?: Float32Array): Float32Array {
  const { slots, total } = paramLayout(model);
  const p = out ?? new Float32Array(total);
  for (const s of slots) p.set(s.layer.weight(s.weight), s.offset);
  return p;
}

/** Writes a flat block back into the model's layer.weights (in place) and tells the model. */
export function unpackParams(model: Model, p: Float32Array): void {
  for (const s of paramLayout(model).slots) s.layer.weight(s.weight).set(p.subarray(s.offset, s.offset + s.length));
  model.weightsChanged();
}

type Node = TrainNode;

export class Trainer {
  readonly k: TrainKernels;
  readonly batch: number;
  readonly slots: ParamSlot[];
  readonly paramCount: number;
  /** parameter block and its gradient block, paramCount floats each */
  readonly params: Ptr;
  readonly grads: Ptr;
  private readonly inputPtr: Ptr;
  private readonly labelsPtr: Ptr;
  private readonly softPtr: Ptr;
  private readonly logitsPtr: Ptr;
  private readonly dLogitsPtr: Ptr;
  private readonly classes: number;
  private readonly inputPer: number;
  private readonly forwardOps: Step[] = [];
  private readonly backwardOps: Step[] = [];
  private readonly bn: BnState[] = [];
  private lastN = 0;
  /** layers whose forward and backward run inside the next layer's kernels (see the header) */
  private readonly fusedIntoNext: Set<Layer>;

  // shapes: x [batch, H, W, C] of model.inputShape; logits [batch, classes]
  /** unfused: every layer its own kernels (the tests compare both ways) */
  constructor(readonly model: Model, batch: number, kernels?: TrainKernels, private readonly unfused = false) {
    if (!Number.isInteger(batch) || batch < 1) throw new ArgumentError(`Trainer: batch must be an integer ≥ 1, found ${batch}`);
    this.k = kernels ?? new TrainKernels();
    this.batch = batch;
    const k = this.k, B = batch;
    const { slots, total } = paramLayout(model);
    this.slots = slots;
    this.paramCount = total;
    this.params = k.allocZeroed(total);
    this.grads = k.allocZeroed(total);
    const slot = new Map(slots.map((s) => [s.name, s]));
    const pp = (l: Layer, w: string): Ptr => this.params + 4 * slot.get(`${l.name}/${w}`)!.offset;
    const gp = (l: Layer, w: string): Ptr => this.grads + 4 * slot.get(`${l.name}/${w}`)!.offset;

    this.inputPer = size(model.inputShape);
    this.inputPtr = k.alloc(B * this.inputPer);
    const outShape = model.outputShape;
    if (outShape.length !== 1) throw new ModelFormatError(`Trainer: the model's output must be a vector of class scores, found [${outShape.join(", ")}]`);
    this.classes = outShape[0];
    this.labelsPtr = k.alloc(B);
    this.softPtr = k.alloc(B * this.classes);
    this.dLogitsPtr = k.alloc(B * this.classes);

    // ---- fusions (see the header and src/engine/plan.ts): which pads go into their pooling, which adds into their ReLU ----
    this.fusedIntoNext = new GraphPlan(model.layers, [model.output]).trainingFusions(this.unfused);

    // ---- backward's gradient buffers: a free list by size ----
    const free = new Map<number, Ptr[]>();
    const take = (floats: number): Ptr => free.get(floats)?.pop() ?? k.alloc(B * floats);
    const give = (floats: number, p: Ptr) => (free.get(floats) ?? free.set(floats, []).get(floats)!).push(p);
    const ctx: TrainContext = {
      k, batch: B, model, fusedIntoNext: this.fusedIntoNext, bn: this.bn, param: pp, grad: gp, take, give,
      copy: (src, dst, n) => this.copy(src, dst, n),
    };

    // ---- forward: one output buffer per layer ----
    const nodes = new Map<SymbolicTensor, Node>();
    const order: Node[] = [];
    for (const l of model.layers) {
      const t = l.output!;
      const inputs = t.inputs.map((s) => nodes.get(s)!);
      const per = size(t.shape);
      const node: Node = { layer: l, tensor: t, shape: t.shape, per, out: l instanceof InputLayer ? this.inputPtr : k.alloc(B * per), inputs };
      nodes.set(t, node);
      order.push(node);
      if (!(l instanceof InputLayer) && !this.fusedIntoNext.has(l)) this.forwardOps.push(trainOpOf(l).forward(ctx, node));
    }
    const outNode = nodes.get(model.output)!;
    this.logitsPtr = outNode.out;

    // ---- backward: reverse order, gradient buffers from the free list ----
    const grad = new Map<Node, Ptr>();
    grad.set(outNode, this.dLogitsPtr);
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i];
      if (node.layer instanceof InputLayer) continue;
      const dy = grad.get(node);
      if (dy === undefined) continue; // output unused: no gradient flows (cannot happen in a connected model)
      // a pooling with its padding fused takes the padding's input as its own
      const inputs = node.inputs.map((inp) => (this.fusedIntoNext.has(inp.layer) && inp.layer instanceof ZeroPadding2D ? inp.inputs[0] : inp));
      // an Add passes dy on unchanged: its first input still without a gradient takes dy's buffer itself
      let aliased = false;
      // where each input's gradient goes, and whether it adds to what a later consumer already put there
      const targets = inputs.map((inp) => {
        if (inp.layer instanceof InputLayer) return null; // no one needs d(input)
        const have = grad.get(inp);
        if (have !== undefined) return { ptr: have, accumulate: true, node: inp };
        if (node.layer instanceof Add && !this.unfused && !aliased && node !== outNode && inp.per === node.per) {
          aliased = true;
          grad.set(inp, dy);
          return { ptr: dy, accumulate: false, node: inp, alias: true };
        }
        const p = take(inp.per);
        grad.set(inp, p);
        return { ptr: p, accumulate: false, node: inp };
      });
      this.backwardOps.push(trainOpOf(node.layer).backward(ctx, node, dy, targets));
      if (node !== outNode && !aliased) give(node.per, dy);
    }
  }

  private copy(src: Ptr, dst: Ptr, n: number): void {
    const f = this.k.arena.f32;
    f.copyWithin(dst >> 2, src >> 2, (src >> 2) + n);
  }

  /** Copies a flat parameter block (paramLayout) into the instance. */
  setParams(p: Float32Array): void {
    if (p.length !== this.paramCount) throw new ArgumentError(`Trainer.setParams: ${p.length} values, expected ${this.paramCount}`);
    this.k.write(this.params, p);
  }

  /** Copies the model's trainable weights in. */
  loadFromModel(): void {
    this.setParams(packParams(this.model));
  }

  /** Writes the trainable weights back into the model's layer.weights (moving statistics are not touched here). */
  storeToModel(): void {
    unpackParams(this.model, this.getParams());
  }

  getParams(): Float32Array {
    return this.k.read(this.params, this.paramCount);
  }

  /** The gradient block of the last forwardBackward (paramLayout). */
  getGrads(): Float32Array {
    return this.k.read(this.grads, this.paramCount);
  }

  /** The gradient of one weight, by "layer/weight" name, in its Keras layout. */
  gradOf(name: string): Float32Array {
    const s = this.slots.find((x) => x.name === name);
    if (!s) throw new ArgumentError(`Trainer: no trainable weight named "${name}"`);
    return this.k.read(this.grads + 4 * s.offset, s.length);
  }

  /**
   * One training-mode forward and backward of n ≤ batch examples: x [n, ...inputShape] (grey/255), labels [n].
   * Overwrites the gradient block with d(gradScale · mean loss)/d(params).
   */
  forwardBackward(x: Float32Array, labels: ArrayLike<number>, n: number, o: StepOptions = {}): StepResult {
    if (!Number.isInteger(n) || n < 1 || n > this.batch) throw new ArgumentError(`Trainer: n must be an integer in 1..${this.batch}, found ${n}`);
    if (x.length < n * this.inputPer) throw new ArgumentError(`Trainer: x has ${x.length} values, expected ${n * this.inputPer}`);
    if (labels.length < n) throw new ArgumentError(`Trainer: ${labels.length} labels, expected ${n}`);
    const k = this.k;
    k.write(this.inputPtr, x.subarray(0, n * this.inputPer));
    new Int32Array(k.arena.memory.buffer, this.labelsPtr, n).set(Array.prototype.slice.call(labels, 0, n) as number[]);
    for (const op of this.forwardOps) op(n);
    const K = this.classes;
    let soft: Ptr = 0;
    if (o.soft) {
      if (o.soft.length < n * K) throw new ArgumentError(`Trainer: soft targets have ${o.soft.length} values, expected ${n * K}`);
      k.write(this.softPtr, o.soft.subarray(0, n * K));
      soft = this.softPtr;
    }
    const loss = k.softmaxCrossEntropy(this.logitsPtr, this.labelsPtr, n, K, o.smoothing ?? 0, this.dLogitsPtr, soft, o.softWeight ?? 0, o.softTemperature ?? 1);
    const scale = o.gradScale ?? 1;
    const f = k.arena.f32;
    if (scale !== 1) for (let i = this.dLogitsPtr >> 2, e = i + n * K; i < e; i++) f[i] *= scale;
    let correct = 0;
    const lg = this.logitsPtr >> 2, lb = new Int32Array(k.arena.memory.buffer, this.labelsPtr, n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < K; c++) if (f[lg + i * K + c] > f[lg + i * K + best]) best = c;
      if (best === lb[i]) correct++;
    }
    // built from the output back, so run in the order built
    for (const op of this.backwardOps) op(n);
    this.lastN = n;
    return { loss, correct };
  }

  /** Logits [n, classes] of the last forward. */
  logits(): Float32Array {
    return this.k.read(this.logitsPtr, this.lastN * this.classes);
  }

  /** Each batch-norm layer's statistics from the last forward (model order). */
  batchStats(): BnStats[] {
    return this.bn.map((b) => {
      const mean = this.k.read(b.mean, b.C), inv = this.k.read(b.invStd, b.C);
      const variance = inv.map((s) => Math.max(0, 1 / (s * s) - b.layer.epsilon));
      return { layer: b.layer.name, count: this.lastN * b.perPixels, mean, variance };
    });
  }
}

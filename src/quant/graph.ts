// Which part of a model runs on the integer kernels: the longest prefix of its inference steps (plan.ts) that
// they implement, from the input on. A step is integer when it is a SeparableConv2D with a 3×3 window, no
// dilation, depth multiplier 1 and a linear activation (its batch norm, residual Add and ReLU fused as the f32
// compiler fuses them), a ZeroPadding2D of at most 1 a side fused with a 2×2/2 average pooling, or an identity;
// and every tensor it reads is integer. The first step that is not ends the prefix: it and every step after it
// run in f32 (the head of ResEZAP: global max pooling, the dense layers), from the dequantized tensors they read.
import { ArgumentError } from "../errors.js";
import { SeparableConv2D } from "../layers/conv.js";
import { isPlainRelu } from "../layers/activation.js";
import type { SymbolicTensor } from "../layers/layer.js";
import { ZeroPadding2D } from "../layers/pooling.js";
import { GraphPlan, type InferenceStep } from "../engine/plan.js";
import type { Model } from "../model.js";

/** A tensor of the integer part, [H, W, C]; `id` indexes calibration ranges and parameters; `name` for messages. */
export interface QTensor {
  id: number;
  name: string;
  shape: [number, number, number];
}

/** One integer step of a separable layer: depthwise into d, pointwise into y, then the residual join into out. */
export interface QSeparable {
  kind: "separable";
  name: string;
  x: QTensor;
  d: QTensor;
  /** the pointwise output, the batch norm folded (ReLU applied when there is no residual) */
  y: QTensor;
  /** y, or the residual join's output (ReLU applied) */
  out: QTensor;
  residual?: QTensor;
  relu: boolean;
  stride: number;
  padT: number;
  padL: number;
  /** [3, 3, C] depthwise and [C, F] pointwise kernels, F biases: f32, the batch norm folded into the pointwise */
  dw: Float32Array;
  pw: Float32Array;
  bias: Float32Array;
}

/** ZeroPadding2D then a 2×2/2 average pooling over the padded image (divides by 4 everywhere). */
export interface QPool {
  kind: "pool";
  name: string;
  x: QTensor;
  out: QTensor;
  padT: number;
  padL: number;
}

export type QStep = QSeparable | QPool;

export interface IntegerPlan {
  input: QTensor;
  steps: QStep[];
  tensors: QTensor[];
  /** every model tensor the integer part computes */
  of: Map<SymbolicTensor, QTensor>;
  /** the f32 steps after the integer part */
  tail: InferenceStep[];
  /** the integer tensors the tail or the output reads: dequantized to f32 where the integer part ends */
  boundary: QTensor[];
}

/** The integer part of a model and the f32 steps after it; throws when not even its first step has an integer kernel. */
export function integerPlan(model: Model): IntegerPlan {
  if (model.outputs.length !== 1) throw new ArgumentError(`quantize: model ${model.name} has ${model.outputs.length} outputs; one is supported`);
  const plan = new GraphPlan(model.layers, model.outputs);
  const tensors: QTensor[] = [];
  const make = (name: string, shape: readonly number[]): QTensor => {
    const t = { id: tensors.length, name, shape: shape as [number, number, number] };
    tensors.push(t);
    return t;
  };
  const inShape = model.input.shape;
  if (inShape.length !== 3) throw new ArgumentError(`quantize: model ${model.name} takes [${inShape}]; an image [H, W, C] is needed`);
  const input = make("the input", inShape);
  const of = new Map<SymbolicTensor, QTensor>([[model.input, input]]);
  const steps: QStep[] = [];
  const all = plan.inferenceSteps(model.input);
  let k = 0;
  for (; k < all.length; k++) {
    const step = all[k];
    if (!step.reads.every((t) => of.has(t))) break;
    if (step.identity && step.output.shape.length === 3) {
      of.set(step.output, of.get(step.reads[0])!);
      continue;
    }
    const q = integerStep(step, of, make);
    if (!q) break;
    steps.push(q);
    of.set(step.output, q.out);
  }
  if (steps.length === 0) {
    const l = all[0]?.layer;
    throw new ArgumentError(`quantize: the first layer of model ${model.name}${l ? `, ${l.name} (${l.className})` : ""} has no integer kernel; nothing to quantize`);
  }
  const tail = all.slice(k);
  const read = new Set<SymbolicTensor>([model.output, ...tail.flatMap((s) => s.reads)]);
  const boundary = [...new Set([...read].filter((t) => of.has(t)).map((t) => of.get(t)!))];
  return { input, steps, tensors, of, tail, boundary };
}

function integerStep(step: InferenceStep, of: Map<SymbolicTensor, QTensor>, make: (name: string, shape: readonly number[]) => QTensor): QStep | null {
  const { layer } = step;
  const x = of.get(step.reads[0])!;
  const [H, W] = x.shape;
  if (layer instanceof SeparableConv2D) {
    const [kh, kw] = layer.kernelSize, [sh, sw] = layer.strides, [dh, dw] = layer.dilationRate;
    if (kh !== 3 || kw !== 3 || sh !== sw || sh > 2 || dh !== 1 || dw !== 1 || layer.depthMultiplier !== 1 || layer.activation !== "linear") return null;
    if (step.activation && !isPlainRelu(step.activation.act)) return null;
    const [Ho, Wo, F] = step.output.shape as number[], C = x.shape[2];
    // Keras's geometry: "same" pads (out − 1)·stride + 3 − in in total, the smaller half before
    const padT = layer.padding === "same" ? Math.max(0, (Ho - 1) * sh + 3 - H) >> 1 : 0;
    const padL = layer.padding === "same" ? Math.max(0, (Wo - 1) * sw + 3 - W) >> 1 : 0;
    const affine = step.bn?.affine();
    const pw0 = layer.weight("pointwise_kernel"), b0 = layer.useBias ? layer.weight("bias") : null;
    const pw = affine ? pw0.map((v, i) => v * affine.scale[i % F]) : Float32Array.from(pw0);
    const bias = new Float32Array(F);
    for (let f = 0; f < F; f++) bias[f] = (b0 ? b0[f] : 0) * (affine ? affine.scale[f] : 1) + (affine ? affine.shift[f] : 0);
    const residual = step.residual ? of.get(step.residual) : undefined;
    const d = make(`${layer.name}'s depthwise output`, [Ho, Wo, C]), y = make(`${layer.name}'s output`, [Ho, Wo, F]);
    return {
      kind: "separable", name: layer.name, x, d, y, out: residual ? make(`${step.output.layer.name}'s output`, [Ho, Wo, F]) : y, residual, relu: !!step.activation,
      stride: sh, padT, padL, dw: Float32Array.from(layer.weight("depthwise_kernel")), pw, bias,
    };
  }
  if (layer instanceof ZeroPadding2D && step.pool && !step.activation) {
    const p = step.pool, [[t, b], [l, r]] = layer.padding;
    if (p.poolSize.join() !== "2,2" || p.strides.join() !== "2,2" || Math.max(t, b, l, r) > 1) return null;
    return { kind: "pool", name: p.name, x, out: make(`${p.name}'s output`, step.output.shape), padT: t, padL: l };
  }
  return null;
}

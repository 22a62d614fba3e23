import { Act, Op } from "../abi/nn.js";
import type { CTensor, Emitter } from "../engine/emitter.js";
import { activationRef } from "../reference/elementwise.js";
import { softmaxRef } from "../reference/kernels.js";
import type { ActivationName } from "./args.js";

// An activation as the engine runs it: a kind of Op.Activation with its parameters, or one of the three the
// compiler treats specially (linear: nothing to do; relu: the kernels' own ReLU flag; softmax: Op.Softmax over
// the last axis). `clamp` is set where the activation is min(max(x, lo), hi), which the general convolution
// kernels apply in their epilogue.

export interface ActivationSpec {
  kind: "linear" | "softmax" | Act;
  params: [number, number, number, number];
  clamp?: [number, number];
}

export const LINEAR: ActivationSpec = { kind: "linear", params: [0, 0, 0, 0] };

/** Keras's relu(x, negative_slope, max_value, threshold). */
export function reluSpec(maxValue = Infinity, slope = 0, threshold = 0): ActivationSpec {
  const spec: ActivationSpec = { kind: Act.Relu, params: [maxValue, slope, threshold, 0] };
  if (slope === 0 && threshold === 0) spec.clamp = [0, maxValue];
  return spec;
}

/** Keras / TF.js semantics of each activation name (hard_sigmoid is Keras 2's and TF.js's 0.2·x + 0.5). */
export function activationSpec(name: ActivationName): ActivationSpec {
  const p = (kind: Act, a = 0, b = 0): ActivationSpec => ({ kind, params: [a, b, 0, 0] });
  switch (name) {
    case "linear": return LINEAR;
    case "softmax": return { kind: "softmax", params: [0, 0, 0, 0] };
    case "relu": return reluSpec();
    case "relu6": return reluSpec(6);
    case "leaky_relu": return reluSpec(Infinity, 0.2);
    case "elu": return p(Act.Elu, 1);
    case "selu": return p(Act.Selu, 1.6732632423543772, 1.0507009873554805);
    case "sigmoid": return p(Act.Sigmoid);
    case "hard_sigmoid": return p(Act.HardSigmoid, 0.2, 0.5);
    case "tanh": return p(Act.Tanh);
    case "swish": case "silu": return p(Act.Swish);
    case "hard_swish": case "hard_silu": return p(Act.HardSwish, 1 / 6, 0.5);
    case "softplus": return p(Act.Softplus);
    case "softsign": return p(Act.Softsign);
    case "gelu": return p(Act.Gelu);
    case "gelu_new": return p(Act.GeluTanh);
    case "mish": return p(Act.Mish);
  }
}

export function isLinear(a: ActivationSpec): boolean {
  return a.kind === "linear";
}

/** max(x, 0) exactly: what the kernels' ReLU flag does. */
export function isPlainRelu(a: ActivationSpec): boolean {
  return a.kind === Act.Relu && a.params[0] === Infinity && a.params[1] === 0 && a.params[2] === 0;
}

/** Element-wise: can run in place on a layer's output, so a layer before it can absorb it. */
export function isElementwise(a: ActivationSpec): boolean {
  return a.kind !== "softmax";
}

/** Plain TypeScript forward (lastDim: the softmax axis). */
export function applyActivationRef(x: Float32Array, a: ActivationSpec, lastDim: number): Float32Array {
  if (a.kind === "linear") return x;
  if (a.kind === "softmax") return softmaxRef(x, lastDim);
  return Float32Array.from(activationRef(x, a.kind, a.params));
}

/** Writes the ops that apply `a` to src into dst (the same tensor when in place). */
export function emitActivation(ctx: Emitter, src: CTensor, dst: CTensor, a: ActivationSpec): void {
  if (a.kind === "linear") {
    if (src.ptr !== dst.ptr) ctx.op(Op.Copy, src.ptr, dst.ptr, src.size * 4);
  } else if (a.kind === "softmax") {
    const n = src.shape[src.shape.length - 1];
    ctx.op(Op.Softmax, src.ptr, src.size / n, n, dst.ptr);
  } else if (isPlainRelu(a)) {
    ctx.op(Op.Relu, src.ptr, src.size, dst.ptr);
  } else {
    ctx.op(Op.Activation, src.ptr, src.size, dst.ptr, a.kind, ctx.weights(Float32Array.from(a.params)));
  }
}

/** The [lo, hi] pair the general convolution kernels clamp to (0: none), or null when `a` is not a clamp. */
export function clampArg(ctx: Emitter, a: ActivationSpec): number | null {
  if (a.kind === "linear") return 0;
  if (!a.clamp) return null;
  return ctx.weights(Float32Array.from(a.clamp));
}

/** The activation a layer ends in: its own, then one the compiler fused into it. */
export function finalActivation(own: ActivationSpec, fused: ActivationSpec | undefined): ActivationSpec {
  if (!fused || fused.kind === "linear") return own;
  if (own.kind === "linear" || (isPlainRelu(own) && isPlainRelu(fused))) return fused;
  throw new Error(`internal: activation ${fused.kind} fused after ${own.kind}`);
}

// quantize(model, calibration): a model's integer part (graph.ts) with weights per output channel, symmetric,
// batch norm folded first, and activations of `bits` bits (12 by default, stored as u16), each tensor's
// scale and zero point from its range over the calibration examples (calibrate.ts: min/max). It runs on the
// i16 dot product (the *_a16 kernels), whose weight lanes are i16 whatever the weights' width: depthwise
// weights are 12-bit, pointwise ones `weightBits` bits (12 by default; 8 for the int8 format). docs/int8.md
// gives the measurements: ResEZAP's tensors between its batch norms are signed and long-tailed, so 8-bit
// activations lose 5 points of top-1 agreement with f32; int8 depthwise weights (9 a channel, the first
// layer's above all) cost another point on one model, int8 pointwise ones half a point.
import { ArgumentError } from "../errors.js";
import { size } from "../layers/layer.js";
import type { Model } from "../model.js";
import type { NNVariant } from "../engine/wasm.js";
import { calibrate } from "./calibrate.js";
import { integerPlan, type IntegerPlan } from "./graph.js";
import {
  activationBits, activationParams, depthwiseRequant, DW_WMAX, pointwiseRequant, quantizeWeights, quantizeWeights16, rescale, WMAX, type QuantParams, type Requant,
} from "./params.js";
import { QuantizedModel, DEFAULT_PROGRAM, checkProgram, type QuantizedProgram } from "./program.js";

export interface QuantizeOptions {
  /** activation bits, 7..15 (default 12) */
  bits?: number;
  /** pointwise weight bits, 8..12 (default 12), fewer in a layer whose i32 sums could overflow: C·qmax·wmax < 2^31 */
  weightBits?: number;
  /** the f32 kernels' build for the layers after the integer part */
  variant?: NNVariant;
  /** how it runs (program.ts): "mixed" (the default) or "integer" */
  program?: QuantizedProgram;
}

/** A separable step's integer constants: int8 weights and the requantization of each kernel. */
export interface SeparableConstants {
  kind: "separable";
  dwq: Int16Array;
  dRq: Requant;
  pwq: Int8Array | Int16Array;
  /** the pointwise weights' per-channel scales (pwq·pwScale ≈ the folded f32 weights) */
  pwScale: Float32Array;
  yRq: Requant;
  /** the pointwise's lower clamp: y's zero point when a ReLU without residual is fused, else 0 */
  yQmin: number;
  /** the residual join: y and the residual read into out's scale; out's lower clamp (the ReLU) */
  ma: number;
  mb: number;
  outQmin: number;
}

export interface PoolConstants {
  kind: "pool";
  /** s_in / (4·s_out) */
  m: number;
}

/** Everything the integer part computes with: the plan, each tensor's parameters, each step's constants. */
export interface IntegerSpec {
  plan: IntegerPlan;
  params: QuantParams[];
  constants: (SeparableConstants | PoolConstants)[];
  /** the pointwise weights' bit width asked for (8..12); a layer may use fewer (integerSpec) */
  weightBits: number;
}

/**
 * The quantized model of `model`, calibrated on n examples of `calibration` (n·inSize floats, the inputs the
 * model takes, e.g. Training faces as grey/255). Throws when the model's first layer has no integer kernel.
 */
export function quantize(model: Model, calibration: Float32Array, options: QuantizeOptions = {}): QuantizedModel {
  const bits = options.bits ?? 12, qmax = 2 ** bits - 1;
  if (!Number.isInteger(bits) || !activationBits(qmax)) throw new ArgumentError(`quantize: bits ${options.bits} is not an integer in 7..15`);
  const inSize = size(model.input.shape), n = calibration.length / inSize;
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`quantize: calibration holds ${calibration.length} floats, not a whole number (≥ 1) of ${inSize}-float examples`);
  const bad = calibration.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ArgumentError(`quantize: calibration float ${bad} (example ${Math.floor(bad / inSize)}) is ${calibration[bad]}, not finite`);
  const program = checkProgram(options.program ?? DEFAULT_PROGRAM, "quantize: program");
  const weightBits = options.weightBits ?? 12;
  if (!Number.isInteger(weightBits) || weightBits < 8 || weightBits > 12) throw new ArgumentError(`quantize: weightBits ${options.weightBits} is not an integer in 8..12`);
  const plan = integerPlan(model);
  for (const s of plan.steps) {
    const C = s.x.shape[2];
    if (s.kind === "separable" && C * qmax * WMAX >= 2 ** 31) throw new ArgumentError(`quantize: layer ${s.name}: ${C} input channels of ${bits}-bit activations could overflow the i32 sums; use fewer bits`);
  }
  const ranges = calibrate(plan, calibration, n);
  const params: QuantParams[] = plan.tensors.map((t) => {
    const [lo, hi] = ranges[t.id];
    if (!(Number.isFinite(lo) && Number.isFinite(hi))) throw new ArgumentError(`quantize: over the calibration examples, ${t.name} spans [${lo}, ${hi}]; finite values are needed`);
    return activationParams(lo, hi, qmax);
  });
  for (const s of plan.steps) if (s.kind === "pool") params[s.out.id] = params[s.x.id]; // averaging keeps the range
  return new QuantizedModel(model, integerSpec(plan, params, weightBits), options.variant, program);
}

/**
 * The weights and requantization constants of each step, for these tensor parameters: pointwise weights of
 * weightBits bits, −wmax..wmax with wmax = 2^(weightBits − 1) − 1 (less where C·qmax·wmax could reach 2^31),
 * depthwise ones in −DW_WMAX..DW_WMAX. A function of the model's f32 weights and the parameters alone, so a
 * saved model (saved.ts) keeps only the parameters.
 */
export function integerSpec(plan: IntegerPlan, params: QuantParams[], weightBits: number): IntegerSpec {
  const wmax = 2 ** (weightBits - 1) - 1;
  const constants = plan.steps.map((s): SeparableConstants | PoolConstants => {
    const pin = params[s.x.id], pout = params[s.out.id];
    if (s.kind === "pool") return { kind: "pool", m: rescale(pin.scale, 4 * pout.scale) };
    const C = s.x.shape[2], F = s.y.shape[2], pd = params[s.d.id], py = params[s.y.id];
    const pwWmax = Math.min(wmax, Math.floor((2 ** 31 - 1) / (C * pd.qmax)));
    const dq = quantizeWeights16(s.dw, C, DW_WMAX), wq = pwWmax === WMAX ? quantizeWeights(s.pw, F) : quantizeWeights16(s.pw, F, pwWmax);
    const pr = s.residual ? params[s.residual.id] : null;
    return {
      kind: "separable", dwq: dq.q, dRq: depthwiseRequant(C, dq.scale, pin, null, pd), pwq: wq.q, pwScale: wq.scale,
      yRq: pointwiseRequant(wq.q, C, F, wq.scale, pd, s.bias, py), yQmin: s.relu && !s.residual ? py.zero : 0,
      ma: rescale(py.scale, pout.scale), mb: pr ? rescale(pr.scale, pout.scale) : 0, outQmin: s.relu ? pout.zero : 0,
    };
  });
  return { plan, params, constants, weightBits };
}

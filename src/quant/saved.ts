// A quantized model saved in the TF.js Layers format: the f32 model as it is (topology, float32 weights), so
// tf.loadLayersModel and this engine's loadLayersModel load it as the f32 model, the parity reference; and
// userDefinedMetadata.resezapQuantization, the activations' scales and zero points and the weights' width.
// The integer weights and their per-channel scales are a function of the f32 weights and those (integerSpec),
// so they are made again at load, bit for bit: TF.js's manifest quantization (one scale and minimum a tensor)
// cannot hold per-channel scales, and a weight TF.js does not know makes its loader refuse the file.
import { ModelFormatError, ArgumentError } from "../errors.js";
import { loadLayersModel, type MemorySource } from "../io/load.js";
import type { ModelJSON } from "../io/layers-format.js";
import { modelToArtifacts, writeArtifacts } from "../io/save.js";
import { loadModel, type LoadModelOptions } from "../onnx/load.js";
import type { NNVariant } from "../engine/wasm.js";
import type { Model } from "../model.js";
import { integerPlan } from "./graph.js";
import { activationBits, type QuantParams } from "./params.js";
import { QuantizedModel, DEFAULT_PROGRAM, checkProgram, type QuantizedProgram } from "./program.js";
import { integerSpec } from "./quantize.js";

/** The userDefinedMetadata key of the quantization block. */
export const QUANT_KEY = "resezapQuantization";
/** The block's version this engine reads and writes. */
export const QUANT_VERSION = 1;
/** The kernels the block's numbers are for: u16 activations on the i16 dot product (the *_a16 kernels). */
export const QUANT_KERNELS = "a16";

/** One integer tensor's parameters, named as integerPlan() names it, in its order. */
export interface SavedActivation {
  tensor: string;
  scale: number;
  zero: number;
  qmax: number;
}

export interface QuantizationBlock {
  version: number;
  kernels: string;
  weightBits: number;
  activations: SavedActivation[];
}

/** model.json and the weights of a quantized model: its f32 model's, with the quantization block added. */
export function quantizedArtifacts(qm: QuantizedModel): { modelJSON: ModelJSON; weightData: ArrayBuffer } {
  const a = modelToArtifacts(qm.model);
  const { plan, params, weightBits } = qm.spec;
  const block: QuantizationBlock = {
    version: QUANT_VERSION, kernels: QUANT_KERNELS, weightBits,
    activations: plan.tensors.map((t) => ({ tensor: t.name, scale: params[t.id].scale, zero: params[t.id].zero, qmax: params[t.id].qmax })),
  };
  a.modelJSON.userDefinedMetadata = { ...a.modelJSON.userDefinedMetadata, [QUANT_KEY]: block };
  return a;
}

/** Node: writes a quantized model into dir (model.json and its shard), loadable by loadQuantizedModel and tf.loadLayersModel. */
export async function saveQuantizedModel(qm: QuantizedModel, dir: string): Promise<void> {
  await writeArtifacts(quantizedArtifacts(qm), dir);
}

/** Whether a loaded model carries a quantization block. */
export function isQuantized(model: Model): boolean {
  return model.userDefinedMetadata?.[QUANT_KEY] !== undefined;
}

/**
 * The QuantizedModel a loaded model's quantization block describes; refuses, naming the field, a block that is
 * malformed, of another version, or whose tensors are not the ones this engine's integer part of the model has.
 */
export function quantizedFromModel(model: Model, file = "model.json", variant?: NNVariant, program: QuantizedProgram = DEFAULT_PROGRAM): QuantizedModel {
  checkProgram(program, "quantizedFromModel: program");
  const where = `${file}: userDefinedMetadata.${QUANT_KEY}`;
  const b = model.userDefinedMetadata?.[QUANT_KEY] as Partial<QuantizationBlock> | undefined;
  if (b === undefined) throw new ModelFormatError(`${where} is missing: not a quantized model (resezap quantize makes one)`);
  if (!b || typeof b !== "object") throw new ModelFormatError(`${where} is ${JSON.stringify(b)}, not an object`);
  if (b.version !== QUANT_VERSION) throw new ModelFormatError(`${where}.version is ${JSON.stringify(b.version)}; this engine runs version ${QUANT_VERSION} only`);
  if (b.kernels !== QUANT_KERNELS) throw new ModelFormatError(`${where}.kernels is ${JSON.stringify(b.kernels)}; this engine runs "${QUANT_KERNELS}" (u16 activations on the i16 dot product) only`);
  if (!Number.isInteger(b.weightBits) || b.weightBits! < 8 || b.weightBits! > 12) throw new ModelFormatError(`${where}.weightBits is ${JSON.stringify(b.weightBits)}, not an integer in 8..12`);
  if (!Array.isArray(b.activations)) throw new ModelFormatError(`${where}.activations is missing or not a list`);
  let plan;
  try {
    plan = integerPlan(model);
  } catch (e) {
    throw new ModelFormatError(`${where}: this engine runs no layer of the model on integers (${(e as Error).message})`);
  }
  if (b.activations.length !== plan.tensors.length) {
    throw new ModelFormatError(`${where}.activations lists ${b.activations.length} tensors; this engine's integer part of the model has ${plan.tensors.length}`);
  }
  const params = plan.tensors.map((t, i): QuantParams => {
    const a = b.activations![i] as Partial<SavedActivation> | null, at = `${where}.activations[${i}]`;
    if (!a || typeof a !== "object") throw new ModelFormatError(`${at} is ${JSON.stringify(a)}, not an object`);
    if (a.tensor !== t.name) throw new ModelFormatError(`${at}.tensor is ${JSON.stringify(a.tensor)}; this engine's integer tensor ${i} is "${t.name}"`);
    const { scale, zero, qmax } = a;
    if (typeof qmax !== "number" || !activationBits(qmax)) throw new ModelFormatError(`${at}.qmax is ${JSON.stringify(qmax)}, not 2^b − 1 with b in 7..15`);
    if (typeof scale !== "number" || !(scale > 0) || !Number.isFinite(scale) || Math.fround(scale) !== scale) {
      throw new ModelFormatError(`${at}.scale is ${JSON.stringify(scale)}, not a positive finite f32`);
    }
    if (typeof zero !== "number" || !Number.isInteger(zero) || zero < 0 || zero > qmax) throw new ModelFormatError(`${at}.zero is ${JSON.stringify(zero)}, not an integer in 0..qmax (${qmax})`);
    return { scale, zero, qmax };
  });
  return new QuantizedModel(model, integerSpec(plan, params, b.weightBits!), variant, program);
}

/** Loads a quantized model saved by saveQuantizedModel (a folder, its model.json, a URL, or in memory). */
export async function loadQuantizedModel(source: string | URL | MemorySource, options: { variant?: NNVariant; program?: QuantizedProgram } = {}): Promise<QuantizedModel> {
  const program = checkProgram(options.program ?? DEFAULT_PROGRAM, "loadQuantizedModel: options.program");
  const model = await loadLayersModel(source);
  return quantizedFromModel(model, typeof source === "object" && !(source instanceof URL) ? "modelJSON" : String(source), options.variant, program);
}

/**
 * loadModel(), then the quantized model when the file carries a quantization block: what the CLI runs, so
 * `--model` takes a quantized folder as it takes an f32 one.
 */
export async function loadRunnableModel(source: string | URL, options: LoadModelOptions & RunnableOptions = {}): Promise<Model | QuantizedModel> {
  const { f32, ...load } = options;
  const model = await loadModel(source, load);
  if (isQuantized(model) && options.inputShape && !f32) throw new ArgumentError(`${source}: a quantized model runs at the input shape it was quantized for; inputShape is not supported (or load it as f32)`);
  return runnable(model, String(source), { f32 });
}

export interface RunnableOptions {
  /** the f32 model even when the file carries a quantization block (the parity reference) */
  f32?: boolean;
}

/**
 * A loaded model as it runs: the QuantizedModel its quantization block describes (the package's model carries
 * one, so the quantized model is the default path), else, or with `f32`, the model itself.
 */
export function runnable(model: Model, file = "model.json", options: RunnableOptions = {}): Model | QuantizedModel {
  return isQuantized(model) && !options.f32 ? quantizedFromModel(model, file) : model;
}

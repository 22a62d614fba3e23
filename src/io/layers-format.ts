import { ModelFormatError } from "../errors.js";
import { batchShapeOf, InputLayer } from "../layers/core.js";
import type { Layer, SymbolicTensor } from "../layers/layer.js";
import { layerFromConfig } from "../layers/registry.js";
import { LIMITS } from "../limits.js";
import { Model } from "../model.js";

// The TF.js Layers format (what tfjs-converter writes for a Keras model): model.json holds the Keras
// topology and a weightsManifest of groups, each group a list of shard files whose concatenated bytes hold
// its weights in order. We rebuild the layer graph, then give each layer its weights by name, checking
// every shape; anything unknown or inconsistent is refused with the layer, weight or file named.

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype?: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

export interface ModelJSON {
  format?: string;
  modelTopology: any;
  weightsManifest?: { paths: string[]; weights: WeightEntry[] }[];
  userDefinedMetadata?: Record<string, unknown>;
}

/** Builds a Model from model.json and the bytes of each manifest group (shards concatenated in order). */
export function modelFromArtifacts(json: ModelJSON, groups: ArrayBuffer[], file = "model.json", inputShape?: number[]): Model {
  const model = buildTopology(withInputShape(json.modelTopology, inputShape, file), file);
  // a model whose declared input leaves dimensions free can be rebuilt for another shape (Model.forInputShape)
  if (inputShape && inputShapeHolders(json.modelTopology).free.length > 0) model.reshaper = (shape) => modelFromArtifacts(json, groups, file, shape);
  const entries = (json.weightsManifest ?? []).map((g) => g.weights);
  const weights = decodeWeights(entries, groups, file);
  assignWeights(model, weights, file);
  const meta = json.userDefinedMetadata;
  if (meta && typeof meta === "object") {
    model.userDefinedMetadata = meta;
    const classes = (meta as any).classes ?? (meta as any).classNames ?? (meta as any).labels;
    if (classes !== undefined) {
      const out = model.outputShape[model.outputShape.length - 1];
      if (!Array.isArray(classes) || !classes.every((c) => typeof c === "string") || classes.length !== out) {
        throw new ModelFormatError(`${file}: userDefinedMetadata.classes must be ${out} strings (the output size), found ${JSON.stringify(classes).slice(0, 80)}`);
      }
      model.classNames = classes;
    }
  }
  return model;
}

/** Where the input's batch shape is written (an InputLayer, a Sequential's first layer, or build_input_shape), and which of those leave dimensions free. */
function inputShapeHolders(topology: any): { holders: { obj: any; key: string }[]; free: { obj: any; key: string }[] } {
  const root = topology?.model_config ?? topology;
  const config = root?.config;
  const layers: any[] | undefined = Array.isArray(config) ? config : config?.layers;
  const holders: { obj: any; key: string }[] = [];
  if (!Array.isArray(layers)) return { holders, free: [] };
  for (const l of layers) {
    const c = l?.config;
    if (!c) continue;
    for (const key of ["batch_input_shape", "batch_shape", "batchInputShape"]) if (Array.isArray(c[key]) && (l.class_name === "InputLayer" || l === layers[0])) holders.push({ obj: c, key });
  }
  if (!holders.length && Array.isArray(config?.build_input_shape)) holders.push({ obj: config, key: "build_input_shape" });
  return { holders, free: holders.filter((h) => h.obj[h.key].slice(1).some((d: unknown) => d === null || d === -1)) };
}

/**
 * The topology with its input's free (null) dimensions set from `shape` (a copy; the original is not changed).
 * Without `shape`, a free dimension is refused here with the way out named.
 */
function withInputShape(topology: any, shape: number[] | undefined, file: string): any {
  const { holders, free } = inputShapeHolders(topology);
  if (!free.length) {
    if (shape) {
      const fixed = holders[0]?.obj[holders[0].key]?.slice(1);
      if (fixed && fixed.join() !== shape.join()) throw new ModelFormatError(`${file}: the model's input is [${fixed.join(", ")}], not [${shape.join(", ")}] (inputShape)`);
    }
    return topology;
  }
  const declared: unknown[] = free[0].obj[free[0].key].slice(1);
  if (!shape) {
    throw new ModelFormatError(`${file}: the input's shape [${declared.map((d) => d ?? "null").join(", ")}] leaves dimensions free; pass inputShape (loadLayersModel(source, { inputShape: [...] }))`);
  }
  if (shape.length !== declared.length || declared.some((d, i) => d !== null && d !== -1 && d !== shape[i])) {
    throw new ModelFormatError(`${file}: inputShape [${shape.join(", ")}] does not fit the model's input [${declared.map((d) => d ?? "null").join(", ")}]`);
  }
  const copy = JSON.parse(JSON.stringify(topology));
  const croot = copy.model_config ?? copy, cconfig = croot.config, clayers = Array.isArray(cconfig) ? cconfig : cconfig.layers;
  const set = (obj: any, key: string) => (obj[key] = [obj[key][0], ...shape]);
  for (const l of clayers) {
    const c = l?.config;
    if (!c) continue;
    for (const key of ["batch_input_shape", "batch_shape", "batchInputShape"]) if (Array.isArray(c[key]) && (l.class_name === "InputLayer" || l === clayers[0])) set(c, key);
  }
  if (Array.isArray(cconfig?.build_input_shape)) set(cconfig, "build_input_shape");
  return copy;
}

function buildTopology(topology: any, file: string): Model {
  if (!topology || typeof topology !== "object") throw new ModelFormatError(`${file}: modelTopology is missing`);
  const root = topology.model_config ?? topology;
  const className = root.class_name;
  const config = root.config;
  if (!config) throw new ModelFormatError(`${file}: modelTopology.config is missing`);
  const layerConfigs: any[] = Array.isArray(config) ? config : config.layers;
  if (!Array.isArray(layerConfigs)) throw new ModelFormatError(`${file}: modelTopology.config.layers must be a list`);
  if (layerConfigs.length > LIMITS.maxLayers) throw new ModelFormatError(`${file}: ${layerConfigs.length} layers, over the limit of ${LIMITS.maxLayers}`);
  if (className === "Sequential") return buildSequential(layerConfigs, config.name, file, config.build_input_shape ?? config.buildInputShape);
  if (className === "Functional" || className === "Model") return buildFunctional(layerConfigs, config, file);
  throw new ModelFormatError(`${file}: modelTopology.class_name is ${JSON.stringify(className)}, expected "Sequential", "Functional" or "Model"`);
}

function buildSequential(configs: any[], name: string | undefined, file: string, buildInputShape?: unknown): Model {
  const layers = configs.map((c, i) => layerFromConfig(c?.class_name, c?.config, `${file}: layer ${i} (${c?.config?.name ?? "?"})`));
  let start = 0;
  let x: SymbolicTensor;
  if (layers[0]?.className === "InputLayer") {
    x = layers[0].apply([]);
    start = 1;
  } else {
    // Keras 2 puts the input shape on the first layer; Keras 3 on the model (build_input_shape)
    const shape = batchShapeOf(configs[0]?.config) ?? (Array.isArray(buildInputShape) ? buildInputShape : undefined);
    if (!shape) throw new ModelFormatError(`${file}: Sequential model declares no input shape (its first layer has no batch_input_shape, the model no build_input_shape)`);
    x = new InputLayer({ name: "input", shape: shape.slice(1) as number[] }).apply([]);
  }
  const input = x;
  for (let i = start; i < layers.length; i++) x = layers[i].apply(x);
  return new Model({ inputs: input, outputs: x, name });
}

/** Keras 2 inbound_nodes: [[[layer, node, tensor, kwargs], …]]; Keras 3: [{args: [{config: {keras_history: [layer, node, tensor]}}]}]. */
function inboundNames(c: any, where: string): string[] {
  const nodes = c.inbound_nodes;
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  if (nodes.length > 1) throw new ModelFormatError(`${where}: layer is shared (${nodes.length} inbound nodes); this engine needs each layer used once`);
  const node = nodes[0];
  const refs: unknown[] = Array.isArray(node) ? node : Array.isArray(node?.args) ? flattenArgs(node.args) : [];
  return refs.map((r: any) => {
    const name = Array.isArray(r) ? r[0] : r?.config?.keras_history?.[0];
    if (typeof name !== "string") throw new ModelFormatError(`${where}: inbound_nodes entry ${JSON.stringify(r).slice(0, 60)} names no layer`);
    return name;
  });
}

function flattenArgs(args: any[]): unknown[] {
  const out: unknown[] = [];
  for (const a of args) {
    if (Array.isArray(a)) out.push(...flattenArgs(a));
    else if (a && typeof a === "object" && a.class_name === "__keras_tensor__") out.push(a);
  }
  return out;
}

function buildFunctional(configs: any[], config: any, file: string): Model {
  const byName = new Map<string, { layer: Layer; inbound: string[]; out?: SymbolicTensor }>();
  for (let i = 0; i < configs.length; i++) {
    const c = configs[i];
    const lname = c?.name ?? c?.config?.name;
    const where = `${file}: layer ${i} (${lname ?? "?"})`;
    if (typeof lname !== "string") throw new ModelFormatError(`${where}: name is missing`);
    if (byName.has(lname)) throw new ModelFormatError(`${where}: duplicate layer name "${lname}"`);
    const layer = layerFromConfig(c.class_name, { ...c.config, name: lname }, where);
    byName.set(lname, { layer, inbound: inboundNames(c, where) });
  }
  const resolving = new Set<string>();
  const resolve = (name: string, from: string): SymbolicTensor => {
    const e = byName.get(name);
    if (!e) throw new ModelFormatError(`${file}: layer ${from} takes input from "${name}", which is not in the model`);
    if (e.out) return e.out;
    if (resolving.has(name)) throw new ModelFormatError(`${file}: layer graph has a cycle through ${name}`);
    resolving.add(name);
    if (e.layer.className === "InputLayer") e.out = e.layer.apply([]);
    else {
      if (e.inbound.length === 0) throw new ModelFormatError(`${file}: layer ${name} has no inbound_nodes`);
      const ins = e.inbound.map((n) => resolve(n, name));
      e.out = e.layer.apply(e.layer.arity() === "many" ? ins : ins.length === 1 ? ins[0] : ins);
    }
    resolving.delete(name);
    return e.out;
  };
  const ioName = (v: any, field: string): string => {
    const list = Array.isArray(v) && Array.isArray(v[0]) ? v : [v];
    if (list.length !== 1) throw new ModelFormatError(`${file}: ${field} lists ${list.length} tensors; this engine runs single-input, single-output models`);
    const n = list[0]?.[0];
    if (typeof n !== "string") throw new ModelFormatError(`${file}: ${field} is missing or malformed`);
    return n;
  };
  const inName = ioName(config.input_layers, "modelTopology.config.input_layers");
  const outName = ioName(config.output_layers, "modelTopology.config.output_layers");
  const output = resolve(outName, "output_layers");
  const input = byName.get(inName)?.out;
  if (!input) throw new ModelFormatError(`${file}: input layer "${inName}" does not feed the output`);
  return new Model({ inputs: input, outputs: output, name: config.name });
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, uint8: 1, uint16: 2, float16: 2 };

function decodeWeights(groups: WeightEntry[][], data: ArrayBuffer[], file: string): Map<string, { shape: number[]; values: Float32Array }> {
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  if (data.length !== groups.length) throw new ModelFormatError(`${file}: ${groups.length} weight groups in the manifest, ${data.length} loaded`);
  groups.forEach((entries, gi) => {
    const buf = data[gi];
    let off = 0;
    for (const w of entries) {
      const where = `${file}: weight "${w?.name}"`;
      if (typeof w?.name !== "string" || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw new ModelFormatError(`${file}: weightsManifest group ${gi} has a malformed entry ${JSON.stringify(w).slice(0, 80)}`);
      }
      const n = w.shape.reduce((a, b) => a * b, 1);
      const stored = w.quantization?.dtype ?? w.dtype ?? "float32";
      const bytes = DTYPE_BYTES[stored];
      if (!bytes || (w.dtype !== undefined && w.dtype !== "float32")) {
        throw new ModelFormatError(`${where}: dtype "${stored}" is not supported (expected float32, or uint8/uint16/float16 quantization)`);
      }
      if (off + n * bytes > buf.byteLength) {
        throw new ModelFormatError(`${where}: needs bytes ${off}..${off + n * bytes} of weight group ${gi}, but its shards hold ${buf.byteLength} bytes (truncated shard?)`);
      }
      const values = decodeValues(buf, off, n, stored, w, where);
      for (let i = 0; i < n; i++) if (!Number.isFinite(values[i])) throw new ModelFormatError(`${where}: value ${i} is ${values[i]}, expected a finite number`);
      off += n * bytes;
      const key = canonicalName(w.name);
      if (out.has(key)) throw new ModelFormatError(`${where}: appears twice in the manifest`);
      out.set(key, { shape: w.shape, values });
    }
    if (off !== buf.byteLength) throw new ModelFormatError(`${file}: weight group ${gi} shards hold ${buf.byteLength} bytes, the manifest describes ${off}`);
  });
  return out;
}

function decodeValues(buf: ArrayBuffer, off: number, n: number, dtype: string, w: WeightEntry, where: string): Float32Array {
  const dv = new DataView(buf, off, n * (DTYPE_BYTES[dtype] ?? 4));
  const out = new Float32Array(n);
  if (dtype === "float32") for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
  else if (dtype === "float16") for (let i = 0; i < n; i++) out[i] = half(dv.getUint16(i * 2, true));
  else {
    const q = w.quantization;
    if (!q || typeof q.scale !== "number" || typeof q.min !== "number") throw new ModelFormatError(`${where}: ${dtype} quantization needs numeric scale and min`);
    for (let i = 0; i < n; i++) out[i] = (dtype === "uint8" ? dv.getUint8(i) : dv.getUint16(i * 2, true)) * q.scale + q.min;
  }
  return out;
}

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** "model/block1_bn1/gamma:0" → "block1_bn1/gamma": the layer and weight, whatever the prefixes. */
function canonicalName(name: string): string {
  const parts = name.replace(/:\d+$/, "").split("/");
  return parts.slice(-2).join("/");
}

function assignWeights(model: Model, weights: Map<string, { shape: number[]; values: Float32Array }>, file: string): void {
  const used = new Set<string>();
  for (const layer of model.layers) {
    layer.weights.clear();
    for (const spec of layer.weightSpecs(layer.inputShapes)) {
      const key = `${layer.name}/${spec.name}`;
      const w = weights.get(key);
      if (!w) throw new ModelFormatError(`${file}: weight "${key}" of layer ${layer.name} (${layer.className}) is missing from the weights manifest`);
      if (w.shape.join() !== spec.shape.join()) {
        throw new ModelFormatError(`${file}: weight "${key}" has shape [${w.shape.join(", ")}], layer ${layer.name} expects [${spec.shape.join(", ")}]`);
      }
      layer.weights.set(spec.name, w.values);
      used.add(key);
    }
  }
  const extra = [...weights.keys()].filter((k) => !used.has(k));
  if (extra.length) throw new ModelFormatError(`${file}: weights ${extra.slice(0, 3).map((k) => `"${k}"`).join(", ")}${extra.length > 3 ? "…" : ""} match no layer of the model`);
}

export function parseModelJSON(text: string, file: string): ModelJSON {
  if (text.length > LIMITS.maxModelJsonBytes) throw new ModelFormatError(`${file}: ${text.length} bytes, over the limit of ${LIMITS.maxModelJsonBytes}`);
  let json: any;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // V8 quotes the text around the error, newlines and all; errors are one line
    throw new ModelFormatError(`${file}: not valid JSON: ${(e as Error).message.replace(/\s+/g, " ")}`);
  }
  return checkModelJSON(json, file);
}

/** The checks of parseModelJSON, for a model.json handed over already parsed (loadLayersModel({ modelJSON: {...} })). */
export function checkModelJSON(json: any, file: string): ModelJSON {
  if (!json || typeof json !== "object" || !json.modelTopology) throw new ModelFormatError(`${file}: expected a TF.js Layers model.json with "modelTopology"`);
  if (json.format !== undefined && json.format !== "layers-model") {
    throw new ModelFormatError(`${file}: format is ${JSON.stringify(json.format)}, expected "layers-model" (graph models are not supported)`);
  }
  if (json.weightsManifest !== undefined && !Array.isArray(json.weightsManifest)) throw new ModelFormatError(`${file}: weightsManifest must be a list`);
  for (const [i, g] of (json.weightsManifest ?? []).entries()) {
    if (!g || !Array.isArray(g.paths) || !Array.isArray(g.weights) || !g.paths.every((p: unknown) => typeof p === "string")) {
      throw new ModelFormatError(`${file}: weightsManifest[${i}] must have "paths" (strings) and "weights" (a list)`);
    }
  }
  return json as ModelJSON;
}

export function checkWeightBytes(total: number, file: string): void {
  if (total > LIMITS.maxWeightBytes) throw new ModelFormatError(`${file}: weights total ${total} bytes, over the limit of ${LIMITS.maxWeightBytes}`);
}

#!/usr/bin/env node
// Converts a TF.js Layers (Keras functional) model into an ONNX model with the same weights,
// so that ONNX Runtime (native and WASM) can be benchmarked on exactly our network.
//
//   node scripts/export-onnx.mjs [modelDir] [out.onnx]
//   defaults: fixtures/reference-model → benchmarks/models/resezap-reference.onnx
//
// The graph takes NHWC [N,48,48,1] (what the library and TF.js take), transposes once to NCHW
// (the layout ONNX's Conv is defined in) and stays NCHW. BatchNormalization is exported as its
// own op, not folded into the convolutions: the file stays a literal image of the Keras model,
// and ONNX Runtime folds Conv+BN itself when graph optimisations are on, so the benchmark loses
// nothing. Output: softmax probabilities [N,7].
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readLayersModel } from "./lib/tfjs-layers-model.mjs";
import * as onnx from "./lib/onnx-proto.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OPSET = 13;

/** Builds ONNX nodes and initialisers for one Keras layer at a time. */
class GraphBuilder {
  constructor(weights) {
    this.weights = weights;
    this.nodes = [];
    this.initializers = [];
    this.used = new Set();
  }
  weight(name) {
    const w = this.weights.get(name);
    if (!w) throw new Error(`missing weight ${name}`);
    this.used.add(name);
    return w;
  }
  init(name, dims, data) {
    this.initializers.push(onnx.tensor(name, dims, data));
    return name;
  }
  op(type, inputs, output, attrs) {
    this.nodes.push(onnx.node(type, inputs, [output], output, attrs));
    return output;
  }
}

// Keras "same" with stride 1 pads (k-1)/2 on each side (the extra one, for even k, goes after).
function convPads(cfg) {
  const [kh, kw] = cfg.kernel_size;
  if (cfg.strides.some((s) => s !== 1) || cfg.dilation_rate.some((d) => d !== 1)) {
    throw new Error(`${cfg.name}: only stride 1, dilation 1 convolutions are supported`);
  }
  if (cfg.padding === "valid") return [0, 0, 0, 0];
  if (cfg.padding === "same") return [Math.floor((kh - 1) / 2), Math.floor((kw - 1) / 2), Math.ceil((kh - 1) / 2), Math.ceil((kw - 1) / 2)];
  throw new Error(`${cfg.name}: padding ${cfg.padding}`);
}

function sepConv(g, cfg, x) {
  if (cfg.depth_multiplier !== 1) throw new Error(`${cfg.name}: depth_multiplier ${cfg.depth_multiplier}`);
  const name = cfg.name;
  const dw = g.weight(`${name}/depthwise_kernel`); // Keras [kh,kw,C,1]
  const pw = g.weight(`${name}/pointwise_kernel`); // Keras [1,1,C,F]
  const [kh, kw, C] = dw.shape;
  const F = pw.shape[3];
  // Depthwise → ONNX Conv weight [C,1,kh,kw] with group=C.
  const dwOnnx = new Float32Array(C * kh * kw);
  for (let c = 0; c < C; c++) for (let i = 0; i < kh * kw; i++) dwOnnx[c * kh * kw + i] = dw.data[i * C + c];
  // Pointwise → ONNX Conv weight [F,C,1,1].
  const pwOnnx = new Float32Array(F * C);
  for (let f = 0; f < F; f++) for (let c = 0; c < C; c++) pwOnnx[f * C + c] = pw.data[c * F + f];
  const inputs = [g.init(`${name}/pointwise_kernel`, [F, C, 1, 1], pwOnnx)];
  if (cfg.use_bias) inputs.push(g.init(`${name}/bias`, [F], g.weight(`${name}/bias`).data));
  const d = g.op("Conv", [x, g.init(`${name}/depthwise_kernel`, [C, 1, kh, kw], dwOnnx)], `${name}/depthwise`, {
    group: C,
    kernel_shape: [kh, kw],
    pads: convPads(cfg),
    strides: [1, 1],
  });
  const p = g.op("Conv", [d, ...inputs], `${name}/pointwise`, { kernel_shape: [1, 1], strides: [1, 1] });
  return activation(g, cfg, p);
}

function batchNorm(g, cfg, x) {
  // Channels-last (axis -1, or 3 on 4-D) is ONNX's channel axis 1 once transposed; nothing else is handled.
  const axis = Array.isArray(cfg.axis) ? cfg.axis : [cfg.axis];
  if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== 3)) throw new Error(`${cfg.name}: BN axis ${cfg.axis}`);
  const n = cfg.name;
  const ones = (len) => new Float32Array(len).fill(1);
  const mean = g.weight(`${n}/moving_mean`);
  const len = mean.shape[0];
  const gamma = cfg.scale ? g.weight(`${n}/gamma`).data : ones(len);
  const beta = cfg.center ? g.weight(`${n}/beta`).data : new Float32Array(len);
  return g.op(
    "BatchNormalization",
    [
      x,
      g.init(`${n}/gamma`, [len], gamma),
      g.init(`${n}/beta`, [len], beta),
      g.init(`${n}/moving_mean`, [len], mean.data),
      g.init(`${n}/moving_variance`, [len], g.weight(`${n}/moving_variance`).data),
    ],
    n,
    { epsilon: cfg.epsilon },
  );
}

function dense(g, cfg, x) {
  const n = cfg.name;
  const k = g.weight(`${n}/kernel`); // Keras [in,out] is Gemm's B as is (transB=0)
  const inputs = [x, g.init(`${n}/kernel`, k.shape, k.data)];
  if (cfg.use_bias) inputs.push(g.init(`${n}/bias`, [k.shape[1]], g.weight(`${n}/bias`).data));
  const y = g.op("Gemm", inputs, cfg.activation === "linear" ? n : `${n}/linear`, {});
  return activation(g, cfg, y);
}

function activation(g, cfg, x) {
  switch (cfg.activation) {
    case "linear":
      return x;
    case "relu":
      return g.op("Relu", [x], cfg.name, {});
    case "softmax":
      return g.op("Softmax", [x], cfg.name, { axis: -1 });
    default:
      throw new Error(`${cfg.name}: activation ${cfg.activation}`);
  }
}

function zeroPad(g, cfg, x) {
  const [[t, b], [l, r]] = cfg.padding;
  // Opset 13 Pad takes pads as an input tensor: [begin N,C,H,W, end N,C,H,W]; constant 0 by default.
  const pads = g.init(`${cfg.name}/pads`, [8], BigInt64Array.from([0, 0, t, l, 0, 0, b, r].map(BigInt)));
  return g.op("Pad", [x, pads], cfg.name, { mode: "constant" });
}

function avgPool(g, cfg, x) {
  if (cfg.padding !== "valid") throw new Error(`${cfg.name}: pooling padding ${cfg.padding}`);
  // Keras pools over the explicitly zero-padded tensor, so the zeros count: no pads on the op itself.
  return g.op("AveragePool", [x], cfg.name, { kernel_shape: cfg.pool_size, strides: cfg.strides });
}

function globalMaxPool(g, cfg, x) {
  const p = g.op("GlobalMaxPool", [x], `${cfg.name}/nchw`, {}); // [N,C,1,1]
  return g.op("Flatten", [p], cfg.name, { axis: 1 }); // [N,C], as Keras's GlobalMaxPooling2D gives
}

const converters = {
  SeparableConv2D: sepConv,
  BatchNormalization: batchNorm,
  Dense: dense,
  Activation: activation,
  ZeroPadding2D: zeroPad,
  AveragePooling2D: avgPool,
  GlobalMaxPooling2D: globalMaxPool,
  Add: (g, cfg, ...xs) => g.op("Add", xs, cfg.name, {}),
};

export function buildOnnx({ topology, weights }) {
  const cfg = topology.config;
  const g = new GraphBuilder(weights);
  const tensors = new Map(); // Keras layer name → ONNX tensor holding its output
  let inputInfo;
  for (const layer of cfg.layers) {
    if (layer.class_name === "InputLayer") {
      const [, h, w, c] = layer.config.batch_input_shape;
      inputInfo = onnx.valueInfo("input", ["N", h, w, c]);
      tensors.set(layer.name, g.op("Transpose", ["input"], "input/nchw", { perm: [0, 3, 1, 2] }));
      continue;
    }
    const convert = converters[layer.class_name];
    if (!convert) throw new Error(`${layer.name}: layer type ${layer.class_name} is not supported`);
    if (layer.inbound_nodes.length !== 1) throw new Error(`${layer.name}: shared layers are not supported`);
    const xs = layer.inbound_nodes[0].map(([src, nodeIndex, tensorIndex]) => {
      if (nodeIndex !== 0 || tensorIndex !== 0) throw new Error(`${layer.name}: multi-output inputs are not supported`);
      return tensors.get(src);
    });
    tensors.set(layer.name, convert(g, { name: layer.name, ...layer.config }, ...xs));
  }
  const unused = [...weights.keys()].filter((k) => !g.used.has(k));
  if (unused.length) throw new Error(`weights not used by any layer: ${unused.join(", ")}`);
  if (cfg.output_layers.length !== 1) throw new Error("exactly one model output is supported");
  const outLayer = cfg.output_layers[0][0];
  const outName = tensors.get(outLayer);
  const classes = cfg.layers.find((l) => l.name === outLayer).config.units;
  // Rename the output to a stable, engine-independent name.
  g.op("Identity", [outName], "probabilities", {});
  return onnx.graph({
    name: cfg.name,
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [inputInfo],
    outputs: [onnx.valueInfo("probabilities", ["N", classes])],
    docString: "ResEZAP, NHWC input [N,48,48,1] grey/255, output softmax probabilities [N,7]",
  });
}

/** Reads a TF.js Layers model folder and returns the serialised ONNX model. */
export async function exportOnnx(modelDir) {
  const model = await readLayersModel(modelDir);
  return onnx.model({
    graph: buildOnnx(model),
    opset: OPSET,
    producerName: "resezap scripts/export-onnx.mjs",
    producerVersion: "1",
    docString: "Exported from a TF.js Layers model; BatchNormalization kept as separate ops (not folded).",
    metadata: { classes: JSON.stringify(model.modelJson.userDefinedMetadata?.classes ?? []) },
  });
}

async function main() {
  const modelDir = resolve(process.argv[2] ?? `${root}/fixtures/reference-model`);
  const out = resolve(process.argv[3] ?? `${root}/benchmarks/models/resezap-reference.onnx`);
  const bytes = await exportOnnx(modelDir);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, bytes);
  console.log(`wrote ${out} (${bytes.length} bytes)`);
}

// Importable (the ORT peers and the parity test convert in memory) and runnable as a script.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();

#!/usr/bin/env node
// Networks other than ResEZAP, ours against the peers in the same run, alternating:
// - mini-Xception (face_classification's architecture, 48×48×1, random weights), batch 1 and 64:
//   resezap, TF.js WASM (the same tfjs-layers model) and ONNX Runtime Web (the same weights written as ONNX by
//   benchmarks/lib/keras-to-onnx.mjs);
// - a Keras MLP (784 → 512 → 256 → 10), batch 64: the same three;
// - YuNet (models/yunet, ONNX) at 640×480 and 320×256, batch 1: resezap's ONNX import, ONNX Runtime Web and
//   native ONNX Runtime, one thread each (TF.js does not run ONNX).
// Every engine's output is checked against the others' before timing. Rounds rotate the engines' order; per engine
// the median of its per-round medians, per peer the median over rounds of (peer time / our time in that round).
//   node --experimental-wasm-relaxed-simd benchmarks/general-models.mjs [--quick]  → JSON on stdout
// Needs `npm run build` and the devDependencies.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as tfl from "@tensorflow/tfjs-layers";
import * as ort from "onnxruntime-web";
import * as ortNode from "onnxruntime-node";
import { setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { tf } from "./peers/tfjs-common.mjs";
import { kerasToOnnx } from "./lib/keras-to-onnx.mjs";
import { medianMs, medianOf as median, round } from "./lib.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const log = (...a) => console.error("[general-models]", ...a);
const { loadLayersModel, loadOnnxModel } = await import(join(root, "dist/index.js"));

function miniXception() {
  const L = tfl.layers, reg = {};
  const inp = tfl.input({ shape: [48, 48, 1] });
  let x = L.conv2d({ filters: 8, kernelSize: 3, useBias: false, ...reg }).apply(inp);
  x = L.batchNormalization().apply(x);
  x = L.activation({ activation: "relu" }).apply(x);
  x = L.conv2d({ filters: 8, kernelSize: 3, useBias: false }).apply(x);
  x = L.batchNormalization().apply(x);
  x = L.activation({ activation: "relu" }).apply(x);
  for (const f of [16, 32, 64, 128]) {
    let res = L.conv2d({ filters: f, kernelSize: 1, strides: 2, padding: "same", useBias: false }).apply(x);
    res = L.batchNormalization().apply(res);
    x = L.separableConv2d({ filters: f, kernelSize: 3, padding: "same", useBias: false }).apply(x);
    x = L.batchNormalization().apply(x);
    x = L.activation({ activation: "relu" }).apply(x);
    x = L.separableConv2d({ filters: f, kernelSize: 3, padding: "same", useBias: false }).apply(x);
    x = L.batchNormalization().apply(x);
    x = L.maxPooling2d({ poolSize: 3, strides: 2, padding: "same" }).apply(x);
    x = L.add().apply([x, res]);
  }
  x = L.conv2d({ filters: 7, kernelSize: 3, padding: "same" }).apply(x);
  x = L.globalAveragePooling2d({}).apply(x);
  x = L.activation({ activation: "softmax" }).apply(x);
  return tfl.model({ inputs: inp, outputs: x, name: "mini_xception" });
}

function mlp() {
  const L = tfl.layers;
  return tfl.sequential({ name: "mlp", layers: [L.dense({ inputShape: [784], units: 512, activation: "relu" }), L.dense({ units: 256, activation: "relu" }), L.dense({ units: 10, activation: "softmax" })] });
}

/** Non-trivial batch-norm statistics, so folding is exercised. */
function randomizeBN(model) {
  let s = 7;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (const l of model.layers) if (l.getClassName() === "BatchNormalization") l.setWeights(l.getWeights().map((w, i) => tf.tensor(Float32Array.from({ length: w.size }, () => (i === 3 ? 0.5 + rnd() : rnd() - 0.5)), w.shape)));
}

async function artifactsOf(model) {
  let saved;
  await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } })));
  return saved;
}

async function ortSession(bytes) {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  return ort.InferenceSession.create(bytes, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
}

/**
 * One ORT run: an owned copy of one output, every output tensor released (ORT Web's memory is reused). Runs of a
 * session are chained: ORT Web's session.run is not reentrant (two at once on YuNet ran out of bounds in its WASM),
 * and tinybench may start a run before the previous one has settled.
 */
const queues = new WeakMap();
function ortRun(session, feeds, outName) {
  const run = async () => {
    const r = await session.run(feeds);
    const out = new Float32Array(r[outName].data);
    for (const t of Object.values(r)) t.dispose?.();
    return out;
  };
  const next = (queues.get(session) ?? Promise.resolve()).then(run, run);
  queues.set(session, next.catch(() => {}));
  return next;
}

function maxRel(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return m;
}

/** Engines for a Keras model: ours (from its TF.js artifacts), TF.js WASM, ORT Web (its ONNX export). */
async function kerasEngines(model, shape) {
  const a = await artifactsOf(model);
  const ours = await loadLayersModel({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs, weightData: a.weightData });
  const session = await ortSession(await kerasToOnnx(model));
  const [inName] = session.inputNames, [outName] = session.outputNames;
  return [
    { name: "resezap", predict: (x, n) => ours.predict(x, n) },
    { name: "tfjs-wasm", predict: async (x, n) => { const y = tf.tidy(() => model.predict(tf.tensor(x, [n, ...shape]))); const d = await y.data(); y.dispose(); return d; } },
    { name: "ort-web", predict: async (x, n) => ortRun(session, { [inName]: new ort.Tensor("float32", x, [n, ...shape]) }, outName), dispose: () => session.release() },
  ];
}

async function yunetEngines(H, W) {
  const bytes = readFileSync(join(root, "models/yunet/face_detection_yunet.onnx"));
  const { model } = (await loadOnnxModel(bytes)).forSize(H, W);
  const session = await ortSession(bytes);
  const native = await ortNode.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: "all" });
  const [inName] = session.inputNames;
  // ONNX Runtime takes NCHW: converted once per input, outside the timing (ours takes the NHWC input as is)
  let lastX = null, lastNchw = null;
  const nchw = (x) => {
    if (x === lastX) return lastNchw;
    const out = new Float32Array(x.length), P = H * W;
    for (let p = 0; p < P; p++) for (let c = 0; c < 3; c++) out[c * P + p] = x[p * 3 + c];
    lastX = x;
    return (lastNchw = out);
  };
  // every engine gives the first output (cls at stride 8, [anchors]): the same numbers in both layouts
  return [
    { name: "resezap", predict: (x) => model.predictOutputs(x, 1)[0] },
    { name: "ort-web", predict: async (x) => ortRun(session, { [inName]: new ort.Tensor("float32", nchw(x), [1, 3, H, W]) }, session.outputNames[0]), dispose: () => session.release() },
    { name: "ort-node", predict: async (x) => ortRun(native, { [inName]: new ortNode.Tensor("float32", nchw(x), [1, 3, H, W]) }, native.outputNames[0]), dispose: () => native.release() },
  ];
}

async function race(name, engines, cases, rounds, opts) {
  // the same answer from every engine first
  for (const c of cases) {
    const ref = await engines[0].predict(c.x, c.n);
    for (const e of engines.slice(1)) {
      const err = maxRel(await e.predict(c.x, c.n), ref);
      if (!(err < 1e-3)) throw new Error(`${name}: ${e.name} differs from resezap by ${err} at batch ${c.n}`);
    }
  }
  const per = Object.fromEntries(engines.map((e) => [e.name, cases.map(() => [])]));
  try {
    for (let r = 0; r < rounds; r++) {
      const order = engines.map((_, i) => engines[(i + r) % engines.length]);
      for (const e of order) for (const [k, c] of cases.entries()) per[e.name][k].push(await medianMs(() => e.predict(c.x, c.n), opts(c.n)));
      log(`${name} round ${r + 1}/${rounds}:`, engines.map((e) => `${e.name} ${cases.map((_, k) => per[e.name][k][r].toFixed(2)).join("/")} ms`).join(", "));
    }
  } finally {
    // one ORT Web session at a time: a second one alive beside YuNet's ran out of its WASM memory
    for (const e of engines) await e.dispose?.();
  }
  const out = { cases: cases.map((c) => `batch ${c.n}`), engines: {}, ratios: {} };
  for (const e of engines) out.engines[e.name] = Object.fromEntries(cases.map((c, k) => [`batch${c.n}_ms`, round(median(per[e.name][k]))]));
  for (const e of engines.slice(1)) out.ratios[e.name] = Object.fromEntries(cases.map((c, k) => [`batch${c.n}`, round(median(per[e.name][k].map((t, i) => t / per.resezap[k][i])))]));
  return out;
}

export async function benchGeneralModels({ quick = false } = {}) {
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  setThreadsCount(1);
  if (!(await tf.setBackend("wasm"))) throw new Error("TF.js WASM backend failed to initialise");
  await tf.ready();
  const rounds = quick ? 1 : 5;
  const opts = (n) => (quick ? { time: 150, iterations: 3, warmupTime: 50, warmupIterations: 2 } : n > 1 ? { time: 1000, iterations: 5, warmupTime: 200, warmupIterations: 2 } : { time: 700, iterations: 20, warmupTime: 200, warmupIterations: 10 });
  const rand = (n, lo, hi, seed) => { let s = seed; return Float32Array.from({ length: n }, () => lo + (hi - lo) * ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32)); };
  const result = { date: new Date().toISOString(), rounds };
  log("mini-Xception…");
  const mx = miniXception();
  randomizeBN(mx);
  result.miniXception = await race("mini-Xception", await kerasEngines(mx, [48, 48, 1]), [{ n: 1, x: rand(2304, -1, 1, 1) }, { n: 64, x: rand(64 * 2304, -1, 1, 2) }], rounds, opts);
  result.miniXception.params = mx.countParams();
  log("MLP…");
  const m = mlp();
  result.mlp = await race("MLP", await kerasEngines(m, [784]), [{ n: 64, x: rand(64 * 784, 0, 1, 3) }], rounds, opts);
  log("YuNet 640×480…");
  result.yunet = await race("YuNet 640×480", await yunetEngines(480, 640), [{ n: 1, x: rand(480 * 640 * 3, 0, 255, 4) }], rounds, opts);
  log("YuNet 320×256 (a 320×240 frame padded to multiples of 32)…");
  result.yunet320 = await race("YuNet 320×256", await yunetEngines(256, 320), [{ n: 1, x: rand(256 * 320 * 3, 0, 255, 5) }], rounds, opts);
  return result;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await benchGeneralModels({ quick: process.argv.includes("--quick") });
  console.log(JSON.stringify(r, null, 2));
  process.exit(0);
}

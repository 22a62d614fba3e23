// Accuracy of the emotion models users have, on FER2013's 48×48 faces, each fed its own preprocessing
// (written down in EMOTION_PEERS below), beside resezap's models. No detection: every face goes in whole.
// Needs the devDependencies (a clone after npm ci) and the FER2013 CSV.
//   node --experimental-wasm-relaxed-simd benchmarks/emotion-peers.mjs [--data FILE] [--split PublicTest]
//        [--model DIR ...] [--json]
// Accuracy only; it prints no times, so it may run while other work holds the cores.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const FER_CLASSES = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"];

const { values } = parseArgs({
  options: {
    data: { type: "string", default: join(root, "../shared/data/fer2013/fer2013.csv.gz") },
    split: { type: "string", default: "PublicTest" },
    model: { type: "string", multiple: true },
    json: { type: "boolean", default: false },
  },
});
if (!existsSync(values.data)) {
  console.error(`emotion-peers: --data ${values.data}: no such file (the FER2013 CSV, plain or gzipped)`);
  process.exit(1);
}

const { loadFer2013 } = await import(join(root, "dist/train/fer2013.js"));
const { loadModel, predictProbabilities } = await loadResezap();
const data = await loadFer2013(values.data, [values.split]);

/** The peers' preprocessing, as their packages do it (see ../shared/peers/EMOTION-PEERS.md). */
const EMOTION_PEERS = {
  "face-api.js FaceExpressionNet (@vladmandic/face-api)":
    "grey copied to R, G, B (0–255); face-api's NetInput: bilinear resize to 112×112, minus mean RGB [122.782, 117.001, 104.298], ÷ 255",
  "Human emotion (@vladmandic/human; face_classification's big-Xception)":
    "grey ÷ 255 to R, G, B; bilinear resize to 64×64; grey = 0.2989 R + 0.5870 G + 0.1140 B; (x − 0.5) × 2",
};

const wasm = require("@tensorflow/tfjs-backend-wasm");
const tf = require("@tensorflow/tfjs");
wasm.setThreadsCount?.(1);
if (!(await tf.setBackend("wasm"))) throw new Error("TF.js WASM backend failed to initialise");
await tf.ready();

const rows = [];
const FACE_API_DIR = join(root, "node_modules/@vladmandic/face-api/model"), HUMAN_DIR = join(root, "node_modules/@vladmandic/human/models");
rows.push(await score("face-api.js FaceExpressionNet (@vladmandic/face-api)", await faceApiPredictor(),
  await weightCount(join(FACE_API_DIR, "face_expression_model-weights_manifest.json"))));
rows.push(await score("Human emotion (@vladmandic/human; face_classification's big-Xception)", await humanPredictor(),
  await weightCount(join(HUMAN_DIR, "emotion.json"))));
for (const dir of values.model ?? [join(root, "models/fer2013")]) {
  const model = await loadModel(dir);
  rows.push(await score(`resezap ${dir.replace(root + "/", "")}`, async (faces, n) => predictProbabilities(model, faces, n), model.paramCount));
}

if (values.json) console.log(JSON.stringify({ split: values.split, faces: data.n, rows }, null, 2));
else {
  console.log(`FER2013 ${values.split}, ${data.n} faces, each model on the whole 48×48 face, top-1:\n`);
  console.log(`| model | params | ${values.split} | ${FER_CLASSES.join(" | ")} |`);
  console.log(`|---|---:|---:|${FER_CLASSES.map(() => "---:").join("|")}|`);
  for (const r of rows) {
    console.log(`| ${r.model} | ${r.params ?? "—"} | ${(100 * r.accuracy).toFixed(2)} % | ${r.perClass.map((a) => (100 * a).toFixed(1)).join(" | ")} |`);
  }
  console.log("\npreprocessing:");
  for (const [k, v] of Object.entries(EMOTION_PEERS)) console.log(`- ${k}: ${v}`);
  console.log("- resezap: grey ÷ 255 at 48×48");
}

/** Runs predict over the split in batches; accuracy and per-class recall. */
async function score(model, predict, params) {
  const B = 64, correct = new Array(7).fill(0), total = new Array(7).fill(0);
  for (let i = 0; i < data.n; i += B) {
    const n = Math.min(B, data.n - i);
    const p = await predict(data.pixels.subarray(i * 2304, (i + n) * 2304), n);
    for (let k = 0; k < n; k++) {
      let best = 0;
      for (let c = 1; c < 7; c++) if (p[k * 7 + c] > p[k * 7 + best]) best = c;
      total[data.labels[i + k]]++;
      if (best === data.labels[i + k]) correct[data.labels[i + k]]++;
    }
  }
  const accuracy = correct.reduce((a, b) => a + b, 0) / data.n;
  return { model, params: params ?? null, accuracy, perClass: correct.map((c, k) => c / total[k]) };
}

/** face-api's FaceExpressionNet: its probabilities, reordered to FER2013's classes. */
async function faceApiPredictor() {
  const faceapi = require("@vladmandic/face-api/dist/face-api.node-wasm.js");
  await faceapi.nets.faceExpressionNet.loadFromDisk(FACE_API_DIR);
  const order = ["angry", "disgusted", "fearful", "happy", "sad", "surprised", "neutral"];
  return async (faces, n) => {
    const out = new Float32Array(n * 7);
    for (let k = 0; k < n; k++) {
      const rgb = new Int32Array(2304 * 3);
      for (let i = 0; i < 2304; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = faces[k * 2304 + i];
      const t = tf.tensor3d(rgb, [48, 48, 3], "int32");
      try {
        const e = await faceapi.nets.faceExpressionNet.predictExpressions(t);
        order.forEach((name, c) => (out[k * 7 + c] = e[name]));
      } finally {
        t.dispose();
      }
    }
    return out;
  };
}

/** Human's emotion model (a TF.js graph model in FER2013's class order), fed as Human's emotion.ts feeds it. */
async function humanPredictor() {
  const dir = HUMAN_DIR;
  const json = JSON.parse(await readFile(join(dir, "emotion.json"), "utf8"));
  const bin = await readFile(join(dir, json.weightsManifest[0].paths[0]));
  const model = await tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
  }));
  return async (faces, n) => {
    const y = tf.tidy(() => {
      const grey = tf.tensor4d(Float32Array.from(faces, (v) => v / 255), [n, 48, 48, 1]);
      const rgb = tf.image.resizeBilinear(tf.concat([grey, grey, grey], 3), [64, 64], false);
      const [r, g, b] = tf.split(rgb, 3, 3);
      const mixed = tf.addN([tf.mul(r, 0.2989), tf.mul(g, 0.587), tf.mul(b, 0.114)]);
      return model.execute(tf.mul(tf.sub(mixed, 0.5), 2));
    });
    try {
      return await y.data();
    } finally {
      y.dispose();
    }
  };
}

/** The float weights a TF.js manifest lists (a graph's or a weights-only file); int32 shape constants left out. */
async function weightCount(file) {
  const json = JSON.parse(await readFile(file, "utf8"));
  const groups = Array.isArray(json) ? json : json.weightsManifest;
  return groups.flatMap((g) => g.weights).filter((w) => w.dtype === "float32").reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
}

/** resezap from this clone's dist/: a model from a folder and its probabilities for faces of grey bytes. */
async function loadResezap() {
  const api = await import(join(root, "dist/index.js"));
  return {
    loadModel: async (dir) => {
      const m = await api.loadLayersModel(dir);
      return Object.assign(m, { paramCount: m.countParams?.() });
    },
    predictProbabilities: (model, faces, n) => model.predict(Float32Array.from(faces, (v) => v / 255), n),
  };
}

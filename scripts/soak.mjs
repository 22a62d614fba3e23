#!/usr/bin/env node
// Soak: 100,000 inferences and 10,000 face detections in one process, checking that nothing accumulates.
// After a warm-up (the first 5% of each), WASM memory (memory.buffer.byteLength of the model's and the
// detector's instances) must not grow at all, and the JS heap (heapUsed after a full gc) by no more than
// --heap-mb. Batch sizes cycle through 1, 4, 8, 16, 3 and frame sizes through three photos, so the arena and
// the detector's per-size layout are re-laid many times.
//
//   node --expose-gc scripts/soak.mjs [--inferences 100000] [--detections 10000] [--heap-mb 2]
//
// Prints the figures before and after as JSON; exits 1 when a bound is broken. Needs the build (dist/).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const opt = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return Number(i > 0 ? process.argv[i + 1] : def);
};
const INFERENCES = opt("inferences", 100000), DETECTIONS = opt("detections", 10000), HEAP_MB = opt("heap-mb", 2);
if (typeof globalThis.gc !== "function") {
  console.error("soak: run with node --expose-gc");
  process.exit(2);
}

const lib = await import(join(ROOT, "dist/index.js"));
const model = await lib.loadLayersModel(join(ROOT, "models/reference"));
const faces = readdirSync(join(ROOT, "fixtures/faces48")).filter((f) => f.endsWith(".png"))
  .map((f) => lib.preprocessFace(lib.decodePng(readFileSync(join(ROOT, "fixtures/faces48", f)), f)));
const BATCHES = [1, 4, 8, 16, 3];
const inputs = BATCHES.map((n) => {
  const x = new Float32Array(n * 48 * 48);
  for (let i = 0; i < n; i++) x.set(faces[i % faces.length], i * 48 * 48);
  return x;
});
const detector = new lib.FaceDetector();
const photos = ["obama_small.png", "person_multi_det.png", "face_swapped.png"].map((f) => lib.decodePng(readFileSync(join(ROOT, "fixtures/faces", f)), f));
const expectedBoxes = photos.map((p) => JSON.stringify(detector.detect(p)));
const expectedProbs = inputs.map((x, k) => model.predict(x, BATCHES[k]));

function figures() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return {
    wasmModelBytes: model.compiled().arena.memory.buffer.byteLength,
    wasmDetectorBytes: detector.wasm.memory.buffer.byteLength,
    heapUsedMB: +(m.heapUsed / 2 ** 20).toFixed(2),
    externalMB: +(m.external / 2 ** 20).toFixed(2),
    rssMB: +(m.rss / 2 ** 20).toFixed(1),
  };
}

const t0 = performance.now();
let done = 0, calls = 0, before, wrong = 0;
const samples = [];
while (done < INFERENCES) {
  const k = calls++ % BATCHES.length;
  const y = model.predict(inputs[k], BATCHES[k]);
  if (y[0] !== expectedProbs[k][0] || y[y.length - 1] !== expectedProbs[k][expectedProbs[k].length - 1]) wrong++;
  done += BATCHES[k];
  if (!before && done >= INFERENCES * 0.05) before = figures();
  if (calls % 2500 === 0) samples.push({ inferences: done, ...figures() });
}
const inferS = (performance.now() - t0) / 1000;
const t1 = performance.now();
let beforeDet;
for (let i = 0; i < DETECTIONS; i++) {
  const boxes = detector.detect(photos[i % photos.length]);
  if (JSON.stringify(boxes) !== expectedBoxes[i % photos.length]) wrong++;
  if (!beforeDet && i >= DETECTIONS * 0.05) beforeDet = figures();
  if ((i + 1) % 1000 === 0) samples.push({ detections: i + 1, ...figures() });
}
const detectS = (performance.now() - t1) / 1000;
const after = figures();

const growth = {
  wasmModelBytes: after.wasmModelBytes - before.wasmModelBytes,
  wasmDetectorBytes: after.wasmDetectorBytes - beforeDet.wasmDetectorBytes,
  heapUsedMB: +(after.heapUsedMB - before.heapUsedMB).toFixed(2),
};
const ok = growth.wasmModelBytes === 0 && growth.wasmDetectorBytes === 0 && growth.heapUsedMB <= HEAP_MB && wrong === 0;
console.log(JSON.stringify({
  node: process.version,
  inferences: done, predictCalls: calls, detections: DETECTIONS,
  seconds: { inference: +inferS.toFixed(1), detection: +detectS.toFixed(1) },
  resultsDifferingFromFirstCall: wrong,
  afterWarmup: before, afterWarmupDetections: beforeDet, after, growth,
  bounds: { wasmBytes: 0, heapMB: HEAP_MB }, ok,
  samples,
}, null, 1));
process.exit(ok ? 0 : 1);

// Concurrent calls from async code on one model, one pool and one detector return exactly what sequential
// calls return: predict is synchronous and owns its WASM arena for the whole call, and a FaceDetector
// re-lays its buffers when the frame size changes between interleaved calls.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodePng, FaceDetector, loadLayersModel, preprocessFace } from "../src/index.js";

const ROOT = new URL("..", import.meta.url).pathname;
const FACES48 = join(ROOT, "fixtures/faces48");
const inputs = readdirSync(FACES48).filter((f) => f.endsWith(".png")).map((f) => preprocessFace(decodePng(readFileSync(join(FACES48, f)), f)));
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("concurrent calls equal sequential ones", () => {
  it("one model: interleaved async predict calls (single and batched), and concurrent loads", async () => {
    const [model, again] = await Promise.all([loadLayersModel(join(ROOT, "models/reference")), loadLayersModel(join(ROOT, "models/reference"))]);
    const batch = new Float32Array(inputs.length * 48 * 48);
    inputs.forEach((x, i) => batch.set(x, i * 48 * 48));
    const seqSingle = inputs.map((x) => model.predict(x));
    const seqBatch = model.predict(batch);
    const jobs = [];
    for (let round = 0; round < 5; round++) {
      inputs.forEach((x, i) => jobs.push((async () => (await tick((i * 7 + round * 3) % 5), model.predict(x)))()));
      jobs.push((async () => (await tick(round), model.predict(batch)))());
      jobs.push((async () => (await tick(round + 1), again.predict(inputs[round])))());
    }
    const got = await Promise.all(jobs);
    let k = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < inputs.length; i++) expect(got[k++]).toEqual(seqSingle[i]);
      expect(got[k++]).toEqual(seqBatch);
      expect(got[k++]).toEqual(seqSingle[round]);
    }
  });

  it("a worker pool: concurrent predict calls return the sequential results", async () => {
    // the pool's workers load dist/pool-worker.js, so this runs the built package, as test/pool-save does
    const lib = await import(join(ROOT, "dist/index.js"));
    const model = await lib.loadLayersModel(join(ROOT, "models/reference"));
    const seq = inputs.map((x) => model.predict(x));
    const pool = await lib.createPool(model, { workers: 2 });
    try {
      const got = await Promise.all([...inputs, ...inputs].map((x) => pool.predict(x)));
      got.forEach((y, i) => expect(y).toEqual(seq[i % inputs.length]));
    } finally {
      await pool.close();
    }
  });

  it("one FaceDetector: interleaved detections on frames of different sizes", async () => {
    const det = new FaceDetector({ minNeighbors: 3 });
    const files = ["obama_small.png", "knn_test_obama1.png", "face_swapped.png"].map((f) => decodePng(readFileSync(join(ROOT, "fixtures/faces", f)), f));
    const seq = files.map((img) => det.detect(img));
    const got = await Promise.all([0, 1, 2, 0, 2, 1, 1, 0].map(async (i, k) => (await tick(k % 3), { i, boxes: det.detect(files[i]) })));
    for (const { i, boxes } of got) expect(boxes).toEqual(seq[i]);
  });
});

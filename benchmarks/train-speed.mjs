#!/usr/bin/env node
// Training throughput: images/s of whole training steps (batch 64 in ghost batches of 32: forward, backward,
// gradients summed) on W worker_threads, as `resezap train` runs them. With several --dist folders (builds
// of the library, e.g. before and after a change) their steps alternate in rounds in one process, so a
// host whose speed drifts affects each the same.
//   node --experimental-wasm-relaxed-simd benchmarks/train-speed.mjs [--workers 2] [--rounds 6] [--steps 5] [--dist DIR]...
import { performance } from "node:perf_hooks";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const arg = (name, d) => { const i = args.indexOf(name); return i < 0 ? d : Number(args[i + 1]); };
const dists = args.flatMap((a, i) => (args[i - 1] === "--dist" ? [resolve(a)] : []));
if (!dists.length) dists.push(new URL("../dist", import.meta.url).pathname);
const workers = arg("--workers", 2), rounds = arg("--rounds", 6), steps = arg("--steps", 5), batch = 64, ghost = 32;
const engines = [];
for (const d of dists) {
  const { loadLayersModel } = await import(pathToFileURL(`${d}/io/load.js`));
  const { createGradEngine } = await import(pathToFileURL(`${d}/train/parallel.js`));
  const { packParams } = await import(pathToFileURL(`${d}/train/trainer.js`));
  const model = await loadLayersModel(new URL("../models/reference/model.json", import.meta.url).pathname);
  engines.push({ dist: d, engine: await createGradEngine(model, ghost, workers), params: packParams(model), rates: [] });
}
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const jobs = Array.from({ length: batch / ghost }, () => ({
  x: Float32Array.from({ length: ghost * 48 * 48 }, rnd), labels: Int32Array.from({ length: ghost }, () => Math.floor(rnd() * 7)), n: ghost, gradScale: ghost / batch,
}));
for (const e of engines) await e.engine.run(e.params, jobs, 0.1); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const e of engines) {
    const s = performance.now();
    for (let i = 0; i < steps; i++) await e.engine.run(e.params, jobs, 0.1);
    e.rates.push((steps * batch * 1000) / (performance.now() - s));
  }
}
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const out = engines.map((e) => ({ dist: e.dist, workers, images_per_s: Math.round(med(e.rates)), rounds: e.rates.map(Math.round) }));
for (const e of engines) await e.engine.close();
if (args.includes("--json")) console.log(JSON.stringify(out));
else for (const o of out) console.log(`${o.dist}: ${o.images_per_s} images/s on ${workers} workers (rounds: ${o.rounds.join(", ")})`);

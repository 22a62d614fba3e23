#!/usr/bin/env node
// Two or more builds of the library (e.g. a checkout of an earlier commit after `npm run build`, and this
// one) running the whole network alternately in one process, so the host's drift falls on both alike: batch 1
// and batch 64 per face, medians of 30 rounds, and the median over rounds of (first build's time / each
// other's). The outputs are compared too (max |Δ| of a batch-1 forward).
//   node --experimental-wasm-relaxed-simd benchmarks/network-builds.mjs --dist /tmp/old/dist --dist dist [--variant relaxed|simd]
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { medianOf as med } from "./lib.mjs";

const HERE = resolve(fileURLToPath(import.meta.url), "..");
const args = process.argv.slice(2);
const dists = args.flatMap((a, i) => (a === "--dist" ? [resolve(args[i + 1])] : []));
const vi = args.indexOf("--variant");
const variant = vi >= 0 ? args[vi + 1] : "relaxed";
if (dists.length < 2) {
  console.error("usage: network-builds.mjs --dist DIR --dist DIR [--dist DIR…] [--variant relaxed|simd]");
  process.exit(2);
}
const models = [];
for (const d of dists) {
  const { loadLayersModel } = await import(pathToFileURL(join(d, "index.js")).href);
  models.push((await loadLayersModel(join(HERE, "../fixtures/reference-model"))).useVariant(variant));
}
let seed = 3;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const x1 = Float32Array.from({ length: 2304 }, rnd), x64 = Float32Array.from({ length: 64 * 2304 }, rnd);
const y0 = models[0].predict(x1);
const diffs = models.map((m) => m.predict(x1).reduce((d, v, i) => Math.max(d, Math.abs(v - y0[i])), 0));
const time = (m, x, n, reps) => {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) m.predict(x, n);
  return (performance.now() - t0) / reps / n;
};
for (let i = 0; i < 50; i++) for (const m of models) m.predict(x1);
const t1 = models.map(() => []), t64 = models.map(() => []);
for (let r = 0; r < 30; r++) {
  models.forEach((m, k) => t1[k].push(time(m, x1, 1, 100)));
  models.forEach((m, k) => t64[k].push(time(m, x64, 64, 3)));
}
const rows = dists.map((d, k) => ({
  dist: d,
  variant,
  max_abs_diff_vs_first: diffs[k],
  batch1_ms: +med(t1[k]).toFixed(3),
  batch64_ms_per_face: +med(t64[k]).toFixed(3),
  speedup_vs_first_batch1: +med(t1[0].map((a, i) => a / t1[k][i])).toFixed(3),
  speedup_vs_first_batch64: +med(t64[0].map((a, i) => a / t64[k][i])).toFixed(3),
}));
console.log(JSON.stringify(rows, null, 2));

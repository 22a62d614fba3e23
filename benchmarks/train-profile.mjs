#!/usr/bin/env node
// Where a training step's time goes: every forward and backward op of one ghost batch (32 faces) of the
// reference ResEZAP timed on this thread, median of repeated steps, grouped by kernel kind.
//   node benchmarks/train-profile.mjs [--ghost 32] [--steps 30] [--json]
import { performance } from "node:perf_hooks";
import { loadLayersModel } from "../dist/io/load.js";
import { Trainer } from "../dist/train/trainer.js";
import { InputLayer } from "../dist/layers/core.js";

const arg = (name, d) => { const i = process.argv.indexOf(name); return i < 0 ? d : Number(process.argv[i + 1]); };
const ghost = arg("--ghost", 32), steps = arg("--steps", 30);
const model = await loadLayersModel(new URL("../models/reference/model.json", import.meta.url).pathname);
const t = new Trainer(model, ghost);
t.loadFromModel();
const layers = model.layers.filter((l) => !(l instanceof InputLayer));
// fused layers (padding into pooling, add into ReLU) have no forward op of their own; fused paddings no backward op
const fused = t.fusedIntoNext ?? new Set();
const names = [
  ...layers.filter((l) => !fused.has(l)).map((l) => `fwd ${l.className} ${l.name}`),
  ...[...layers].reverse().filter((l) => !(fused.has(l) && l.className === "ZeroPadding2D")).map((l) => `bwd ${l.className} ${l.name}`),
];
const ops = [...t.forwardOps, ...t.backwardOps];
if (ops.length !== names.length) throw new Error(`ops ${ops.length} vs names ${names.length}`);
const times = names.map(() => []);
const wrapped = ops.map((op, i) => (n) => { const s = performance.now(); op(n); times[i].push(performance.now() - s); });
t.forwardOps.splice(0, t.forwardOps.length, ...wrapped.slice(0, t.forwardOps.length));
t.backwardOps.splice(0, t.backwardOps.length, ...wrapped.slice(t.forwardOps.length));
let seed = 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const x = Float32Array.from({ length: ghost * 48 * 48 }, rnd);
const labels = Int32Array.from({ length: ghost }, () => Math.floor(rnd() * 7));
const total = [];
for (let s = 0; s < steps + 3; s++) {
  const a = performance.now();
  t.forwardBackward(x, labels, ghost, { smoothing: 0.1 });
  total.push(performance.now() - a);
}
const med = (v) => { const w = v.slice(3).sort((p, q) => p - q); return w[w.length >> 1]; };
const rows = names.map((n, i) => ({ op: n, ms: med(times[i]) })).filter((r) => r.ms > 0.005);
const step = med(total);
const groups = {};
for (const r of rows) { const [dir, cls] = r.op.split(" "); groups[`${dir} ${cls}`] = (groups[`${dir} ${cls}`] ?? 0) + r.ms; }
if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ ghost, step_ms: step, images_per_s_one_core: (ghost / step) * 1000, groups, ops: rows }));
} else {
  console.log(`ghost batch ${ghost}: step ${step.toFixed(2)} ms, ${((ghost / step) * 1000).toFixed(0)} images/s on this thread`);
  for (const [g, ms] of Object.entries(groups).sort((a, b) => b[1] - a[1])) console.log(`${g.padEnd(34)} ${ms.toFixed(2).padStart(7)} ms ${((100 * ms) / step).toFixed(1).padStart(5)} %`);
  console.log("--- ops");
  for (const r of rows) console.log(`${r.op.padEnd(50)} ${r.ms.toFixed(3).padStart(7)} ms`);
}
// ---- per kernel: each TrainKernels method timed over the same steps
{
  const k = t.k, kt = {};
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(k))) {
    const f = k[name];
    if (typeof f !== "function" || name === "constructor" || ["alloc", "allocZeroed", "read", "write"].includes(name)) continue;
    k[name] = (...a) => { const s = performance.now(); const r = f.apply(k, a); kt[name] = (kt[name] ?? 0) + performance.now() - s; return r; };
  }
  for (let s = 0; s < steps; s++) t.forwardBackward(x, labels, ghost, { smoothing: 0.1 });
  console.log("--- kernels (ms per step)");
  for (const [n, ms] of Object.entries(kt).sort((a, b) => b[1] - a[1])) console.log(`${n.padEnd(34)} ${(ms / steps).toFixed(2).padStart(7)} ms`);
}

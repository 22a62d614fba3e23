#!/usr/bin/env node
// Peer benchmark: the same ResEZAP weights on TF.js (WASM, CPU) and ONNX Runtime (Web, Node).
//
//   node benchmarks/peers.mjs [--quick]     → JSON on stdout, progress on stderr
//
// For each peer: check its probabilities on io.json against the reference (tolerance 1e-4, or a floor
// on the top-1 agreement for a quantized peer; a peer that misses is reported as a mismatch and not
// timed), then with tinybench the median latency of one face (batch 1) and the throughput on
// batches of 64 faces.
// Peers run one after another, each disposed before the next, so they never share the CPU.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { CLASSES, FACE, loadReferenceIO, maxAbsDiff, top1Agreement } from "./peers/reference-io.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_MODEL_DIR = join(root, "fixtures/reference-model");
export const DEFAULT_ONNX = join(root, "benchmarks/models/resezap-reference.onnx");
export const TOLERANCE = 1e-4;

// TF.js peers read the Layers folder; ORT peers read the committed ONNX export of it. ort-node-int8 quantizes
// the Layers folder itself into an 8-bit model, a slightly different function: minTop1 is the top-1 agreement
// with io.json it must reach in place of TOLERANCE (12 of the 16 faces, half of them noise; a sound 8-bit
// model agrees on 14 or 15, a broken graph on a few).
export const PEERS = [
  { name: "tfjs-wasm", module: "./peers/tfjs-wasm.mjs", model: "layers" },
  { name: "tfjs-cpu", module: "./peers/tfjs-cpu.mjs", model: "layers" },
  { name: "ort-web", module: "./peers/ort-web.mjs", model: "onnx" },
  { name: "ort-node", module: "./peers/ort-node.mjs", model: "onnx" },
  { name: "ort-node-int8", module: "./peers/ort-node-int8.mjs", model: "layers", minTop1: 0.75 },
];

/** A peer's probabilities on io.json against the reference: what was measured, and error (null when it passes). */
export async function checkPeer(spec, peer, io) {
  const probs = await peer.predict(io.inputs, io.n);
  if (probs.length !== io.n * CLASSES) return { error: `mismatch: ${probs.length} probabilities for ${io.n} faces of ${CLASSES} classes` };
  if (spec.minTop1) {
    const a = top1Agreement(probs, io.probabilities);
    return { ...a, error: a.top1_agreement >= spec.minTop1 ? null : `mismatch: top-1 agreement ${a.top1_agreement} < ${spec.minTop1} on io.json` };
  }
  const diff = maxAbsDiff(probs, io.probabilities);
  return { max_abs_diff: diff, error: diff <= TOLERANCE ? null : `mismatch: max |Δp| = ${diff} > ${TOLERANCE} on io.json` };
}

// tinybench runs a task until both `time` (ms) and `iterations` are reached, after a warm-up
// that also needs both. The warm-up matters: V8 first runs WASM through its baseline compiler
// and tiers hot functions up later, so the first tens of calls are 2-4× slower.
const SETTINGS = {
  quick: {
    batch1: { time: 400, iterations: 10, warmupTime: 250, warmupIterations: 10 },
    batch64: { time: 500, iterations: 3, warmupTime: 0, warmupIterations: 1 },
  },
  full: {
    batch1: { time: 3000, iterations: 50, warmupTime: 1000, warmupIterations: 50 },
    batch64: { time: 5000, iterations: 10, warmupTime: 1000, warmupIterations: 3 },
  },
};
// A peer whose batch of 64 would take longer than this (TF.js's CPU backend: ~15 s on 2 shared
// cores, estimated from its batch-1 median) gets 1 warm-up and 3 timed calls in a full run, and
// none in a quick run (reported as null with the estimate), which must stay well under a minute.
const SLOW_BATCH64_MS = 3000;

const log = (...a) => console.error("[peers]", ...a);

/** Batch of `n` faces cycling through the reference inputs (real faces and noise alike). */
function tile(io, n) {
  const out = new Float32Array(n * FACE);
  for (let i = 0; i < n; i++) out.set(io.inputs.subarray((i % io.n) * FACE, ((i % io.n) + 1) * FACE), i * FACE);
  return out;
}

/** Median latency (ms) of `fn` under tinybench with the given options, plus the sample count. */
async function median(name, fn, options) {
  const bench = new Bench({ ...options, warmup: options.warmupIterations > 0, throws: true });
  bench.add(name, fn);
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.error) throw r.error;
  return { ms: r.latency.p50, samples: r.latency.samples.length };
}

async function timePeer(peer, io, settings) {
  const faces = [];
  for (let i = 0; i < io.n; i++) faces.push(io.inputs.subarray(i * FACE, (i + 1) * FACE));
  let k = 0;
  const b1 = await median("batch1", () => peer.predict(faces[k++ % faces.length], 1), settings.batch1);
  const result = { batch1_ms: round(b1.ms), batch64_per_s: null, batch64_ms: null, samples: { batch1: b1.samples, batch64: 0 } };
  const estimate64ms = b1.ms * 64;
  const slow = estimate64ms > SLOW_BATCH64_MS;
  if (slow && settings === SETTINGS.quick) {
    result.batch64_skipped = `quick mode: one batch of 64 would take about ${Math.round(estimate64ms / 1000)} s`;
    return result;
  }
  const batch64 = tile(io, 64);
  const opts64 = slow ? { time: 0, iterations: 3, warmupTime: 0, warmupIterations: 1 } : settings.batch64;
  const b64 = await median("batch64", () => peer.predict(batch64, 64), opts64);
  result.batch64_per_s = round((64 * 1000) / b64.ms);
  result.batch64_ms = round(b64.ms);
  result.samples.batch64 = b64.samples;
  return result;
}

const round = (x) => Math.round(x * 1000) / 1000;
// Same keys for every peer, so a consumer can tabulate without special cases.
const UNTIMED = { batch1_ms: null, batch64_per_s: null };

/**
 * Runs every peer (or the named subset) and returns { [name]: {batch1_ms, batch64_per_s, …} }.
 * A peer that cannot load or does not match the reference gets { error } and no timings.
 * modelDir: a TF.js Layers folder with io.json. ORT peers use the committed ONNX for the default
 * folder and otherwise convert modelDir in memory, unless onnxPath says which file to use.
 */
export async function benchPeers({ quick = false, modelDir = DEFAULT_MODEL_DIR, onnxPath, only } = {}) {
  onnxPath ??= resolve(modelDir) === DEFAULT_MODEL_DIR ? DEFAULT_ONNX : modelDir;
  const io = await loadReferenceIO(modelDir);
  const settings = quick ? SETTINGS.quick : SETTINGS.full;
  const results = {};
  for (const spec of PEERS) {
    if (only && !only.includes(spec.name)) continue;
    const t0 = performance.now();
    let peer;
    try {
      const { createPeer } = await import(spec.module);
      peer = await createPeer(spec.model === "onnx" ? onnxPath : modelDir);
      const { error, ...check } = await checkPeer(spec, peer, io);
      if (error) {
        results[spec.name] = { ...UNTIMED, error, ...check };
        log(spec.name, error);
        continue;
      }
      results[spec.name] = { ...(await timePeer(peer, io, settings)), ...check, description: peer.description };
      log(spec.name, JSON.stringify(results[spec.name]), `${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (e) {
      results[spec.name] = { ...UNTIMED, error: String(e?.stack ?? e) };
      log(spec.name, "failed:", e);
    } finally {
      await peer?.dispose();
    }
  }
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes("--quick");
  const t0 = performance.now();
  const results = await benchPeers({ quick });
  log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log(JSON.stringify(results, null, 2));
}

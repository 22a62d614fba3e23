#!/usr/bin/env node
// Ours against each peer engine, alternating: the same ResEZAP weights (fixtures/reference-model) in resezap
// (the build the library picks: relaxed SIMD where it validates), TF.js WASM, ONNX Runtime Web and native
// ONNX Runtime, all loaded at once and checked against io.json (and the quantized models beside them, ours and
// native ONNX Runtime's int8, checked by their top-1 agreement), then timed in rounds — each round every
// engine in turn (the order rotating), batch 1 then batch 64 — so that the host's drift (this VM's speed
// moves by up to 2× within minutes) falls on all engines alike. Per engine: the median of its per-round
// medians; per peer: the median over rounds of (peer time / our time in the same round).
// (TF.js's CPU backend is left out: one batch of 64 takes about a minute; benchmarks/peers.mjs times it.)
//
//   node --experimental-wasm-relaxed-simd benchmarks/head-to-head.mjs [--quick]   → JSON on stdout
//   import { benchHeadToHead } from "./head-to-head.mjs"; await benchHeadToHead({ quick })
//
// Needs `npm run build` and the devDependencies (a clone after npm ci).
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ceilingMeter } from "./ceiling.mjs";
import { medianMs, medianOf as median, round } from "./lib.mjs";
import { checkPeer, DEFAULT_MODEL_DIR, DEFAULT_ONNX, PEERS } from "./peers.mjs";
import { FACE, loadReferenceIO, top1Agreement as agreement } from "./peers/reference-io.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const log = (...a) => console.error("[head-to-head]", ...a);
const ENGINES = ["tfjs-wasm", "ort-web", "ort-node", "ort-node-int8"];


export async function benchHeadToHead({ quick = false, modelDir = DEFAULT_MODEL_DIR } = {}) {
  const io = await loadReferenceIO(modelDir);
  const { loadLayersModel } = await import(join(root, "dist/index.js"));
  const ours = await loadLayersModel(modelDir);
  const engines = [{ name: "resezap", description: `resezap (${ours.backend === "relaxed" ? "relaxed SIMD" : "plain SIMD"} build)`, predict: (x, n) => ours.predict(x, n) }];
  const failed = {}, quantizedPeers = {};
  // the same network quantized (quantize(): 12-bit activations and weights, i16 dot), calibrated on io.json's
  // faces; it computes a slightly different function, so it is checked by its top-1 agreement, not TOLERANCE
  const { quantize } = await import(join(root, "dist/index.js"));
  const q = quantize(ours, io.inputs);
  const int8 = { ...agreement(q.predict(io.inputs, io.n), io.probabilities), calibration: `the ${io.n} faces of io.json` };
  engines.push({ name: "resezap-int8", description: "resezap quantized (12-bit activations and weights, i16 dot; the default mixed program)", predict: (x, n) => q.predict(x, n) });
  for (const name of ENGINES) {
    const spec = PEERS.find((p) => p.name === name);
    try {
      const { createPeer } = await import(join(root, "benchmarks", spec.module));
      const peer = await createPeer(spec.model === "onnx" ? DEFAULT_ONNX : modelDir);
      const { error, ...check } = await checkPeer(spec, peer, io);
      if (error) throw new Error(error);
      if (spec.minTop1) quantizedPeers[name] = { ...check, calibration: peer.calibration, ops: peer.ops };
      engines.push({ name, description: peer.description, predict: (x, n) => peer.predict(x, n), dispose: () => peer.dispose() });
    } catch (e) {
      failed[name] = String(e?.message ?? e);
      log(name, "left out:", failed[name]);
    }
  }
  const faces = Array.from({ length: io.n }, (_, i) => io.inputs.slice(i * FACE, (i + 1) * FACE));
  const batch64 = new Float32Array(64 * FACE);
  for (let i = 0; i < 64; i++) batch64.set(faces[i % io.n], i * FACE);
  const rounds = quick ? 1 : 5;
  const o1 = quick ? { time: 200, iterations: 10, warmupTime: 100, warmupIterations: 10 } : { time: 700, iterations: 30, warmupTime: 200, warmupIterations: 20 };
  const o64 = quick ? { time: 200, iterations: 2, warmupTime: 0, warmupIterations: 1 } : { time: 1200, iterations: 5, warmupTime: 200, warmupIterations: 1 };
  const per = Object.fromEntries(engines.map((e) => [e.name, { batch1: [], batch64: [] }]));
  // the machine's multiply-add ceiling for our build, and the same with the pointwise's loads
  // (benchmarks/ceiling.mjs), once a round, so that what the targets ask for, and the host's phase, can be set
  // against it in the same rounds
  const ceiling = ceilingMeter(ours.backend === "relaxed" ? "nnRelaxed" : "nnSimd");
  const ceilingGmacs = [], loadGmacs = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const order = engines.map((_, i) => engines[(i + r) % engines.length]);
      for (const e of order) {
        let k = 0;
        per[e.name].batch1.push(await medianMs(() => e.predict(faces[k++ % faces.length], 1), o1));
        per[e.name].batch64.push(await medianMs(() => e.predict(batch64, 64), o64));
      }
      const c = await ceiling(o1);
      ceilingGmacs.push(c.gmacs);
      loadGmacs.push(c.load);
      log(`round ${r + 1}/${rounds}:`, engines.map((e) => `${e.name} ${per[e.name].batch1[r].toFixed(3)} ms / ${((64 * 1000) / per[e.name].batch64[r]).toFixed(0)} faces/s`).join(", "));
    }
  } finally {
    for (const e of engines) await e.dispose?.();
  }
  const result = { rounds, engines: {}, ratios: {}, ratios_int8: {}, int8, quantized_peers: quantizedPeers, failed, ceiling: {
    build: ours.backend, gmacs: round(median(ceilingGmacs), 2), rounds_gmacs: ceilingGmacs.map((g) => round(g, 2)),
    load_gmacs: round(median(loadGmacs), 2), rounds_load_gmacs: loadGmacs.map((g) => round(g, 2)),
  } };
  for (const e of engines) {
    const p = per[e.name];
    result.engines[e.name] = {
      description: e.description,
      batch1_ms: round(median(p.batch1)),
      batch64_per_s: round((64 * 1000) / median(p.batch64)),
      rounds_batch1_ms: p.batch1.map((t) => round(t)),
      rounds_batch64_per_s: p.batch64.map((t) => round((64 * 1000) / t)),
    };
  }
  // ratios above 1: ours (f32, then int8) is faster; each the median over rounds of the ratio within a round
  const ratio = (them, us) => ({
    batch1: round(median(them.batch1.map((t, i) => t / us.batch1[i]))),
    batch64: round(median(them.batch64.map((t, i) => t / us.batch64[i]))),
  });
  for (const e of engines) {
    if (e.name === "resezap") continue;
    if (e.name !== "resezap-int8") result.ratios_int8[e.name] = ratio(per[e.name], per["resezap-int8"]);
    result.ratios[e.name] = ratio(per[e.name], per.resezap);
  }
  result.ratios_int8.resezap = ratio(per.resezap, per["resezap-int8"]);
  return result;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await benchHeadToHead({ quick: process.argv.includes("--quick") });
  console.log(JSON.stringify(r, null, 2));
  process.exit(0);
}

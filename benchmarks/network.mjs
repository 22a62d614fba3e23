// The whole network: per-face latency at batch 1 (median), throughput at batch 64 and 256 on one thread,
// and at batch 256 on a createPool of 1 and 2 workers (the same run, so the ratio is fair); the same
// network quantized (quantize(): 12-bit activations and weights on the i16 dot, both programs), on one thread and on two
// (setThreads(2)), f32 and the quantized models of a build timed in turn, round after round, so that their
// ratios are taken under the same host. Alone, the quantized part (what npm run bench puts in RESULTS.md's
// "Quantized" table), as JSON:
//   npm run build && node --experimental-wasm-relaxed-simd benchmarks/network.mjs --int8 [--rounds N] [--model DIR]
import { fileURLToPath } from "node:url";
import { createPool, loadLayersModel, quantize } from "../dist/index.js";
import { relaxedSimdSupported } from "../dist/engine/wasm.js";
import { cpuFlags, medianMs, medianOf, randomArray, round, SETTINGS } from "./lib.mjs";

export async function benchNetwork(settings, modelDir) {
  const out = {};
  const x = randomArray(256 * 2304, 7).map((v) => v + 0.5);
  for (const variant of ["simd", ...(relaxedSimdSupported() ? ["relaxed"] : [])]) {
    const m = (await loadLayersModel(modelDir)).useVariant(variant);
    const one = x.subarray(0, 2304), b64 = x.subarray(0, 64 * 2304);
    const b1 = await medianMs(() => m.predict(one), { ...settings, iterations: settings.iterations * 10 });
    const t64 = await medianMs(() => m.predict(b64), settings);
    const t256 = await medianMs(() => m.predict(x), settings);
    out[variant] = { batch1_ms: round(b1), batch64_per_s: round(64000 / t64, 0), batch256_per_s: round(256000 / t256, 0) };
  }
  out.int8 = await benchInt8(settings, modelDir, x);
  const model = await loadLayersModel(modelDir);
  for (const workers of [1, 2]) {
    const pool = await createPool(model, { workers });
    try {
      const t = await medianMs(() => pool.predict(x), settings);
      out[`batch256_per_s_${workers}worker${workers > 1 ? "s" : ""}`] = round(256000 / t, 0);
    } finally {
      await pool.close();
    }
  }
  out.pool_scaling = round(out.batch256_per_s_2workers / out.batch256_per_s_1worker, 2);
  return out;
}

/**
 * f32 against the quantized model in each build, in both programs (src/quant/program.ts: "mixed", the
 * default, and "integer"), one thread and two: batch 1 and batch 64, alternating within each round
 * (calibrated on the first 64 of x: the scales change no instruction, so random faces time the same).
 * out[build] is the default program's; out[`${build}_integer`] the integer program's, against the same f32 times.
 */
export async function benchInt8(settings, modelDir, x, rounds = settings.iterations >= 20 ? 5 : 1) {
  const out = { format: "12-bit activations and weights on the i16 dot; mixed: the pointwise halves on integers, the rest f32", rounds };
  const one = x.subarray(0, 2304), b64 = x.subarray(0, 64 * 2304);
  const programs = ["mixed", "integer"];
  for (const variant of ["simd", ...(relaxedSimdSupported() ? ["relaxed"] : [])]) {
    const f32 = (await loadLayersModel(modelDir)).useVariant(variant);
    const order = [["f32", f32]];
    for (const program of programs) {
      order.push([program, quantize(f32, b64, { variant, program })]);
      // the same on two threads (setThreads(2): this one and a worker, each op's output cut in two), batch 1 only
      order.push([`${program}_2threads`, await quantize(f32, b64, { variant, program }).setThreads(2)]);
    }
    const t = Object.fromEntries(order.map(([name]) => [name, { b1: [], b64: [] }]));
    try {
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < order.length; i++) {
          const [name, m] = order[(i + r) % order.length];
          t[name].b1.push(await medianMs(() => m.predict(one), { ...settings, iterations: settings.iterations * 10 }));
          if (!name.endsWith("_2threads")) t[name].b64.push(await medianMs(() => m.predict(b64), settings));
        }
      }
    } finally {
      for (const [, m] of order) await m.close?.();
    }
    for (const program of programs) {
      const q = t[program], q2 = t[`${program}_2threads`];
      out[program === "mixed" ? variant : `${variant}_${program}`] = {
        program,
        f32_batch1_ms: round(medianOf(t.f32.b1)), int8_batch1_ms: round(medianOf(q.b1)),
        f32_batch64_per_s: round(64000 / medianOf(t.f32.b64), 0), int8_batch64_per_s: round(64000 / medianOf(q.b64), 0),
        // f32 time / int8 time within a round, the median over rounds: above 1, int8 is faster
        speedup_batch1: round(medianOf(t.f32.b1.map((v, i) => v / q.b1[i]))),
        speedup_batch64: round(medianOf(t.f32.b64.map((v, i) => v / q.b64[i]))),
        int8_2threads_batch1_ms: round(medianOf(q2.b1)),
        // one thread's time / two threads' time within a round, for the quantized model
        threads_speedup_batch1: round(medianOf(q.b1.map((v, i) => v / q2.b1[i]))),
      };
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv.includes("--int8")) {
  const args = process.argv.slice(2), opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
  const model = opt("--model", fileURLToPath(new URL("../models/fer2013", import.meta.url)));
  const x = randomArray(256 * 2304, 7).map((v) => v + 0.5);
  const r = await benchInt8(SETTINGS.full, model, x, Number(opt("--rounds", 5)));
  console.log(JSON.stringify({ node: process.version, cpu_flags: cpuFlags(), model, ...r }, null, 1));
}

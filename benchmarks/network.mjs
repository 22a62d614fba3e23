// The whole network: per-face latency at batch 1 (median), throughput at batch 64 and 256 on one thread,
// and at batch 256 on a createPool of 1 and 2 workers (the same run, so the ratio is fair); the same
// network quantized (quantize(): 12-bit activations and weights on the i16 dot), on one thread and on two
// (setThreads(2)), f32 and the quantized models of a build timed in turn, round after round, so that their
// ratios are taken under the same host.
import { createPool, loadLayersModel, quantize } from "../dist/index.js";
import { relaxedSimdSupported } from "../dist/engine/wasm.js";
import { medianMs, medianOf, randomArray, round } from "./lib.mjs";

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
 * f32 against the quantized model in each build: batch 1 and batch 64, alternating within each round
 * (calibrated on the first 64 of x: the scales change no instruction, so random faces time the same).
 */
export async function benchInt8(settings, modelDir, x, rounds = settings.iterations >= 20 ? 5 : 1) {
  const out = { format: "a16: 12-bit activations and weights, i16 dot (plain SIMD)", rounds };
  const one = x.subarray(0, 2304), b64 = x.subarray(0, 64 * 2304);
  for (const variant of ["simd", ...(relaxedSimdSupported() ? ["relaxed"] : [])]) {
    const f32 = (await loadLayersModel(modelDir)).useVariant(variant);
    const q = quantize(f32, b64, { variant });
    // the same on two threads (setThreads(2): this one and a worker, each op's output cut in two), batch 1 only
    const q2 = await quantize(f32, b64, { variant }).setThreads(2);
    const t = { f32: { b1: [], b64: [] }, int8: { b1: [], b64: [] }, int8_2threads: { b1: [] } };
    try {
      for (let r = 0; r < rounds; r++) {
        const order = [["f32", f32], ["int8", q], ["int8_2threads", q2]];
        for (let i = 0; i < order.length; i++) {
          const [name, m] = order[(i + r) % order.length];
          t[name].b1.push(await medianMs(() => m.predict(one), { ...settings, iterations: settings.iterations * 10 }));
          if (name !== "int8_2threads") t[name].b64.push(await medianMs(() => m.predict(b64), settings));
        }
      }
    } finally {
      await q2.close();
    }
    out[variant] = {
      f32_batch1_ms: round(medianOf(t.f32.b1)), int8_batch1_ms: round(medianOf(t.int8.b1)),
      f32_batch64_per_s: round(64000 / medianOf(t.f32.b64), 0), int8_batch64_per_s: round(64000 / medianOf(t.int8.b64), 0),
      // f32 time / int8 time within a round, the median over rounds: above 1, int8 is faster
      speedup_batch1: round(medianOf(t.f32.b1.map((v, i) => v / t.int8.b1[i]))),
      speedup_batch64: round(medianOf(t.f32.b64.map((v, i) => v / t.int8.b64[i]))),
      int8_2threads_batch1_ms: round(medianOf(t.int8_2threads.b1)),
      // one thread's time / two threads' time within a round, for the quantized model
      threads_speedup_batch1: round(medianOf(t.int8.b1.map((v, i) => v / t.int8_2threads.b1[i]))),
    };
  }
  return out;
}

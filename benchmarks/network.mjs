// The whole network: per-face latency at batch 1 (median), throughput at batch 64 and 256 on one thread,
// and at batch 256 on a createPool of 1 and 2 workers (the same run, so the ratio is fair).
import { createPool, loadLayersModel } from "../dist/index.js";
import { relaxedSimdSupported } from "../dist/engine/wasm.js";
import { medianMs, randomArray, round } from "./lib.mjs";

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

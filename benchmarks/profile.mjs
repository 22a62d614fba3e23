// A per-op profile of the compiled network at batch 1: each op of the WASM program timed on its own
// (execOp in a loop over the same memory, so it runs warm in cache as it does inside run()).
import { loadLayersModel } from "../dist/index.js";
import { medianMs, round } from "./lib.mjs";

const NAMES = { 1: "pointwise", 2: "depthwise", 3: "conv3x3", 4: "relu", 5: "add", 6: "affine", 7: "softmax", 8: "zeroPad", 9: "pool", 10: "globalPool", 11: "copy", 12: "separable" };

export async function profileNetwork(settings, modelDir, variant) {
  const m = (await loadLayersModel(modelDir)).useVariant(variant);
  m.predict(new Float32Array(2304).fill(0.5));
  const p = m.compiled();
  const i32 = p.arena.i32;
  const rows = [];
  for (let k = 0; k < p.nOps; k++) {
    const op = p.prog + k * 64;
    const w = Array.from(i32.subarray(op >> 2, (op >> 2) + 16));
    const ms = await medianMs(() => { for (let i = 0; i < 10; i++) p.exports.execOp(op); }, settings) / 10;
    let macs = 0, shape = "";
    if (w[0] === 12) {
      const Ho = w[2] - 2 + 2 * w[10], Wo = w[3] - 2 + 2 * w[10];
      macs = Ho * Wo * w[4] * (9 + w[9]);
      shape = `${w[2]}×${w[3]}×${w[4]}→${w[9]}`;
    } else if (w[0] === 1) {
      macs = w[2] * w[3] * w[7];
      shape = `${w[2]}×${w[3]}→${w[7]}`;
    } else if (w[0] === 9) shape = `${w[2]}×${w[3]}×${w[4]}`;
    rows.push({ op: NAMES[w[0]] ?? String(w[0]), shape, us: round(ms * 1000, 1), gmacs: macs ? round(macs / ms / 1e6, 2) : null });
  }
  const total = rows.reduce((s, r) => s + r.us, 0);
  for (const r of rows) r.share = round(r.us / total, 3);
  return { variant, total_us: round(total, 1), ops: rows };
}

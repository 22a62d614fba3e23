// A per-op profile of the compiled network at batch 1: each op of the WASM program timed on its own
// (execOp in a loop over the same memory, so it runs warm in cache as it does inside run()).
import { Op, OP_WORDS } from "../dist/abi/nn.js";
import { loadLayersModel } from "../dist/index.js";
import { medianMs, round } from "./lib.mjs";

// op names and argument positions from the one definition of the ABI (src/abi/nn.ts)
const nameOf = (code) => {
  const n = Op[code];
  return n ? n[0].toLowerCase() + n.slice(1) : String(code);
};

export async function profileNetwork(settings, modelDir, variant) {
  const m = (await loadLayersModel(modelDir)).useVariant(variant);
  m.predict(new Float32Array(2304).fill(0.5));
  const p = m.compiled();
  const i32 = p.arena.i32;
  const rows = [];
  for (let k = 0; k < p.nOps; k++) {
    const op = p.prog + k * OP_WORDS * 4;
    const w = Array.from(i32.subarray(op >> 2, (op >> 2) + OP_WORDS));
    const ms = await medianMs(() => { for (let i = 0; i < 10; i++) p.exports.execOp(op); }, settings) / 10;
    let macs = 0, shape = "";
    if (w[0] === Op.Separable) {
      const Ho = w[2] - 2 + 2 * w[10], Wo = w[3] - 2 + 2 * w[10];
      macs = Ho * Wo * w[4] * (9 + w[9]);
      shape = `${w[2]}×${w[3]}×${w[4]}→${w[9]}`;
    } else if (w[0] === Op.Pointwise) {
      macs = w[2] * w[3] * w[7];
      shape = `${w[2]}×${w[3]}→${w[7]}`;
    } else if (w[0] === Op.Pool) shape = `${w[2]}×${w[3]}×${w[4]}`;
    rows.push({ op: nameOf(w[0]), shape, us: round(ms * 1000, 1), gmacs: macs ? round(macs / ms / 1e6, 2) : null });
  }
  const total = rows.reduce((s, r) => s + r.us, 0);
  for (const r of rows) r.share = round(r.us / total, 3);
  return { variant, total_us: round(total, 1), ops: rows };
}

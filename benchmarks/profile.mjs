// A per-op profile of the compiled network at batch 1: each op of the WASM program timed on its own
// (execOp in a loop over the same memory, so it runs warm in cache as it does inside run()); the same for the
// quantized model (quantize(), 12-bit) in its default "mixed" program (separableA16: the pointwise half on
// integers) or, with --program integer, the integer one, whose integer ops are named q….
//   npm run build && node --experimental-wasm-relaxed-simd benchmarks/profile.mjs [--quantized [--program integer]] [--model DIR] [--simd]
import { fileURLToPath } from "node:url";
import { Op, OP_WORDS } from "../dist/abi/nn.js";
import { relaxedSimdSupported } from "../dist/engine/wasm.js";
import { loadLayersModel, quantize } from "../dist/index.js";
import { medianMs, randomArray, round, SETTINGS } from "./lib.mjs";

// op names and argument positions from the one definition of the ABI (src/abi/nn.ts)
const nameOf = (code) => {
  const n = Op[code];
  return n ? n[0].toLowerCase() + n.slice(1) : String(code);
};

export async function profileNetwork(settings, modelDir, variant) {
  const m = (await loadLayersModel(modelDir)).useVariant(variant);
  m.predict(new Float32Array(2304).fill(0.5));
  return { variant, ...(await profileProgram(settings, m.compiled())) };
}

/** The quantized model's program (calibrated on 64 random faces: the scales change no instruction). */
export async function profileQuantized(settings, modelDir, variant, program = "mixed") {
  const f32 = (await loadLayersModel(modelDir)).useVariant(variant);
  const faces = randomArray(64 * 2304, 5).map((v) => v + 0.5);
  const q = quantize(f32, faces, { variant, program });
  q.predict(faces.subarray(0, 2304));
  return { variant, program, quantized: "12-bit activations and weights, i16 dot", ...(await profileProgram(settings, q.program())) };
}

async function profileProgram(settings, p) {
  const i32 = p.arena.i32;
  const rows = [];
  for (let k = 0; k < p.nOps; k++) {
    const op = p.prog + k * OP_WORDS * 4;
    const w = Array.from(i32.subarray(op >> 2, (op >> 2) + OP_WORDS));
    const ms = await medianMs(() => { for (let i = 0; i < 10; i++) p.exports.execOp(op); }, settings) / 10;
    let macs = 0, shape = "";
    if (w[0] === Op.QDepthwise) {
      macs = w[9] * w[10] * w[4] * 9;
      shape = `${w[2]}×${w[3]}×${w[4]}`;
    } else if (w[0] === Op.QPointwise) {
      macs = w[2] * w[3] * w[7];
      shape = `${w[2]}×${w[3]}→${w[7]}`;
    } else if (w[0] === Op.QPool) shape = `${w[2]}×${w[3]}×${w[4]}`;
    else if (w[0] === Op.QAdd) shape = `${w[7]}`;
    else if (w[0] === Op.QQuantize || w[0] === Op.QDequantize) shape = `${w[2]}`;
    else if (w[0] === Op.Separable || w[0] === Op.SeparableA16) {
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
  return { total_us: round(total, 1), ops: rows };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2), at = args.indexOf("--model");
  const model = at >= 0 ? args[at + 1] : fileURLToPath(new URL("../models/fer2013", import.meta.url));
  const variant = args.includes("--simd") || !relaxedSimdSupported() ? "simd" : "relaxed";
  const program = args.includes("--program") ? args[args.indexOf("--program") + 1] : "mixed";
  const r = await (args.includes("--quantized") ? profileQuantized : profileNetwork)(SETTINGS.full, model, variant, program);
  console.log(`${r.quantized ? `quantized (${r.program} program)` : "f32"} ${model}, ${variant} build: ${r.total_us} µs over ${r.ops.length} ops`);
  console.table(r.ops);
}

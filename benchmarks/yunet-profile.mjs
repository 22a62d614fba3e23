#!/usr/bin/env node
// YuNet's compiled program at a frame size: multiply-adds by op kind (from each op's arguments: pixels × in × out
// channels for 1×1 and 3×3 (× 9), kh·kw·C·F a pixel for the stem) and the time of each op inside the program, op
// after op as run() executes them (so each reads what the op before it just wrote, from wherever it now lies).
//   node --experimental-wasm-relaxed-simd benchmarks/yunet-profile.mjs [HEIGHT WIDTH] [--runs N]
import { Op, OP_WORDS } from "../dist/abi/nn.js";
import { YuNetDetector } from "../dist/detect/yunet.js";
import { cpuFlags } from "./lib.mjs";

const nums = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
const [H, W] = nums.length >= 2 ? nums : [480, 640];
const at = process.argv.indexOf("--runs");
const runs = at > 0 ? Number(process.argv[at + 1]) : 30;

const { model } = YuNetDetector.default().onnx.forSize(Math.ceil(H / 32) * 32, Math.ceil(W / 32) * 32);
model.predict(new Float32Array(model.inputShape.reduce((a, b) => a * b, 1)).fill(100));
const p = model.compiled();
const word = (k, i) => p.arena.i32[(p.prog >> 2) + k * OP_WORDS + i];

function macs(k) {
  switch (word(k, 0)) {
    case Op.Pointwise: return word(k, 2) * word(k, 3) * word(k, 7);
    case Op.Depthwise: return (word(k, 2) - 2 + 2 * word(k, 8)) * (word(k, 3) - 2 + 2 * word(k, 8)) * word(k, 4) * 9;
    case Op.Conv: return word(k, 8) * word(k, 9) * word(k, 10) * word(k, 11) * word(k, 12) * word(k, 4);
    case Op.Conv3x3: return (word(k, 2) - 2) * (word(k, 3) - 2) * word(k, 4) * 9 * word(k, 8); // valid: its padding is a ZeroPad op
    default: return 0;
  }
}

const ms = new Float64Array(p.nOps);
for (let r = 0; r < runs + 10; r++) {
  for (let k = 0; k < p.nOps; k++) {
    const t0 = performance.now();
    p.exports.execOp(p.prog + k * OP_WORDS * 4);
    if (r >= 10) ms[k] += performance.now() - t0; // the first 10 runs warm up
  }
}
const by = {};
for (let k = 0; k < p.nOps; k++) {
  const name = Op[word(k, 0)];
  by[name] ??= { ops: 0, macs: 0, ms: 0 };
  by[name].ops++;
  by[name].macs += macs(k);
  by[name].ms += ms[k] / runs;
}
const total = Object.values(by).reduce((s, b) => ({ macs: s.macs + b.macs, ms: s.ms + b.ms }), { macs: 0, ms: 0 });
console.log(`YuNet ${H}×${W} (input ${model.inputShape.join("×")}), ${p.nOps} ops, ${(total.macs / 1e6).toFixed(1)} M multiply-adds, ${total.ms.toFixed(2)} ms (mean of ${runs} runs); CPU flags: ${cpuFlags()}`);
for (const [name, b] of Object.entries(by).sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`${name.padEnd(14)} ${String(b.ops).padStart(3)} ops  ${(b.macs / 1e6).toFixed(1).padStart(6)} M  ${b.ms.toFixed(2).padStart(6)} ms${b.macs ? `  ${(b.macs / b.ms / 1e6).toFixed(1)} G/s` : ""}`);
}

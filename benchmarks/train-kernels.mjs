#!/usr/bin/env node
// G multiply-adds/s of the training kernels at ResEZAP's shapes for one ghost batch (32 faces), each
// build (plain SIMD, and relaxed SIMD where it validates) side by side. Median of repeated calls.
//   node --experimental-wasm-relaxed-simd benchmarks/train-kernels.mjs [--n 32] [--reps 20]
import { performance } from "node:perf_hooks";
import { TrainKernels } from "../dist/train/kernels.js";
import { instantiateSync, relaxedSimdSupported } from "../dist/engine/wasm.js";

const arg = (name, d) => { const i = process.argv.indexOf(name); return i < 0 ? d : Number(process.argv[i + 1]); };
const N = arg("--n", 32), reps = arg("--reps", 20);
const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : null;
const shapes = [ // [name, H, W, C, F, padding] (depthwise on the input H×W×C, pointwise C→F on the output)
  ["b1l2", 46, 46, 32, 32, "same"], ["b2l1", 24, 24, 32, 64, "same"], ["b2l2", 24, 24, 64, 64, "same"],
  ["b3l1", 13, 13, 64, 96, "same"], ["b3l2", 13, 13, 96, 96, "same"], ["b1l1", 48, 48, 1, 32, "valid"],
];
const variants = [["simd", "train"], ...(relaxedSimdSupported() ? [["relaxed", "trainRelaxed"]] : [])];
const median = (f) => { f(); f(); const t = []; for (let i = 0; i < reps; i++) { const s = performance.now(); f(); t.push(performance.now() - s); } t.sort((a, b) => a - b); return t[t.length >> 1]; };
for (const [vname, mod] of variants) {
  let k;
  try { k = new TrainKernels(instantiateSync(mod)); } catch (e) { console.log(`${vname}: ${e.message}`); continue; }
  for (const [name, H, W, C, F, pad] of shapes) {
    k.arena.reset?.();
    const Ho = pad === "same" ? H : H - 2, Wo = pad === "same" ? W : W - 2;
    const s = { N, H, W, C }, P = N * Ho * Wo;
    const x = k.upload(Float32Array.from({ length: N * H * W * C }, () => Math.random() - 0.5));
    const dd = k.upload(Float32Array.from({ length: P * C }, () => Math.random() - 0.5));
    const dy = k.upload(Float32Array.from({ length: P * F }, () => Math.random() - 0.5));
    const wd = k.upload(Float32Array.from({ length: 9 * C }, Math.random)), wp = k.upload(Float32Array.from({ length: C * F }, Math.random));
    const b = k.upload(new Float32Array(F)), gwd = k.alloc(9 * C), gwp = k.alloc(C * F), gb = k.alloc(F);
    const y = k.alloc(P * F), dx = k.alloc(N * H * W * C), d = k.alloc(P * C);
    const dwM = P * C * 9 / 1e6, pwM = P * C * F / 1e6;
    const rows = {
      "dw fwd": [dwM, () => k.depthwise3x3Forward(x, s, wd, 0, d, pad)],
      "dw bwd input": [dwM, () => k.depthwise3x3BackwardInput(dd, s, wd, pad, dx, false)],
      "dw bwd weights": [dwM, () => k.depthwise3x3BackwardWeights(x, dd, s, pad, gwd, 0, false)],
      "pw fwd": [pwM, () => k.pointwiseForward(d, P, C, wp, F, b, y)],
      "pw bwd input": [pwM, () => k.pointwiseBackwardInput(dy, P, F, wp, C, d, false)],
      "pw bwd weights": [pwM, () => k.pointwiseBackwardWeights(d, dy, P, C, F, gwp, gb, false)],
    };
    const out = [];
    for (const [kn, [m, f]] of Object.entries(rows)) {
      if (only && !kn.includes(only)) continue;
      const ms = median(f);
      out.push(`${kn} ${ms.toFixed(2)}ms ${(m / ms).toFixed(1)}G`);
    }
    console.log(`${vname.padEnd(7)} ${name} ${H}x${W}x${C}->${F} ${pad.padEnd(5)} | ${out.join(" | ")}`);
  }
}

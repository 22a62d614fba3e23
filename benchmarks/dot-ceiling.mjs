// The multiply-add rate of each instruction the kernels could build on, on this engine and CPU: f32x4.relaxed_madd
// (the f32 kernels), i32x4.dot_i16x8_s (the a16 integer kernels), the int8 kernels' two-step relaxed dot, and
// the fused i32x4.relaxed_dot_i8x16_i7x16_add_s, which V8 lowers to one AVX-VNNI vpdpbusd on newer versions
// (16 multiply-adds an instruction) and the kernels do not use (Node 20's baseline compiler gets it wrong:
// assembly/nn/qsimd.ts). Compiled here from benchmarks/lib/dot-ceiling.ts with the devDependency asc; 8 chains
// in registers, no loads; tinybench medians after a warm-up (so TurboFan's code is timed), in alternating rounds.
// Prints the engine's version and the CPU flags beside the rates.
//   node --experimental-wasm-relaxed-simd benchmarks/dot-ceiling.mjs [--rounds N] [--json]    (Node 20)
//   node benchmarks/dot-ceiling.mjs                                                            (Node ≥ 22)
import asc from "assemblyscript/asc";
import { readFileSync } from "node:fs";
import { cpuFlags, medianMs, medianOf, round, SETTINGS } from "./lib.mjs";

const args = process.argv.slice(2);
const ROUNDS_ARG = args.indexOf("--rounds");
const ROUNDS = ROUNDS_ARG >= 0 ? Number(args[ROUNDS_ARG + 1]) : 3;
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  console.error(`dot-ceiling: --rounds must be a positive integer, found ${args[ROUNDS_ARG + 1]}`);
  process.exit(1);
}
const N = 1_000_000; // loop rounds a call: 32–128 M multiply-adds
const KERNELS = { f32Madd: 32, i16Dot: 64, i8DotTwoStep: 128, i8DotFused: 128 };

const source = readFileSync(new URL("./lib/dot-ceiling.ts", import.meta.url), "utf8");
const { binary, stderr } = await asc.compileString({ "dot-ceiling.ts": source }, { optimizeLevel: 3, runtime: "stub", noAssert: true, initialMemory: 1, enable: ["simd", "relaxed-simd"] });
if (!binary) {
  console.error(`dot-ceiling: asc failed: ${stderr.toString()}`);
  process.exit(1);
}
if (!WebAssembly.validate(binary)) {
  console.error("dot-ceiling: this engine does not accept relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)");
  process.exit(1);
}
const { instance } = await WebAssembly.instantiate(binary, { env: { abort() {} } });
const ex = instance.exports;

const rates = Object.fromEntries(Object.keys(KERNELS).map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  const order = Object.keys(KERNELS);
  for (let i = 0; i < r % order.length; i++) order.push(order.shift());
  for (const k of order) rates[k].push((N * KERNELS[k]) / (await medianMs(() => ex[k](N, 64), SETTINGS.full)) / 1e6);
}
const rows = Object.entries(KERNELS).map(([k, per]) => {
  const g = medianOf(rates[k]);
  return { instruction_sequence: k, macs_per_step: per / 8, g_macs_per_s: round(g, 1), g_steps_per_s: round(g / (per / 8), 2), vs_f32: round(g / medianOf(rates.f32Madd), 2) };
});
const out = { node: process.version, v8: process.versions.v8, cpu_flags: cpuFlags(), rounds: ROUNDS, rows };
if (args.includes("--json")) console.log(JSON.stringify(out, null, 2));
else {
  console.log(`Node ${out.node} (V8 ${out.v8}); CPU flags: ${out.cpu_flags}; medians of ${ROUNDS} rounds`);
  console.table(rows);
}

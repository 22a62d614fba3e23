#!/usr/bin/env node
// Where two threads for one face lose time (issue #19 item 4): the quantized model's split program run whole
// on the pair, its split ops alone on the pair, each thread's halves alone (the other given next to nothing),
// and both halves' lists one after the other on this thread. tinybench medians in µs; training or other work
// on the machine must be stopped first.
//   npm run build && node --experimental-wasm-relaxed-simd benchmarks/threads-profile.mjs [--model DIR] [--program mixed|integer]
import { loadLayersModel } from "../dist/io/load.js";
import { quantizedFromModel } from "../dist/quant/saved.js";
import { relaxedSimdSupported } from "../dist/engine/wasm.js";
import { medianMs } from "./lib.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const dir = opt("--model", new URL("../models/fer2013", import.meta.url).pathname), program = opt("--program", "mixed");
const variant = relaxedSimdSupported() ? "relaxed" : "simd";
const q = quantizedFromModel(await loadLayersModel(dir), dir, variant, program);
const x = new Float32Array(2304).fill(0.5);
const T = async (f) => Math.round((await medianMs(f, { time: 1000 })) * 10000) / 10;
for (let i = 0; i < 2000; i++) q.predict(x, 1); // V8 tiers the module up before anything is timed
const oneThread = await T(() => q.predict(x, 1));
await q.setThreads(2);
for (let i = 0; i < 2000; i++) q.predict(x, 1);
// the model's split program (src/quant/split.ts): steps {a: this thread's op, b: the worker's half or none}
const { steps, pair } = q.threads, ex = q.ex;
const tiny = steps[steps.length - 1].a; // the softmax of 7 values: next to nothing
const split = steps.filter((s) => s.b !== undefined), whole = steps.filter((s) => s.b === undefined);
const r = {
  variant, program, oneThread,
  twoThreads: await T(() => pair.run(steps)),
  splitOpsOnThePair: await T(() => pair.run(split)),
  wholeOpsAlone: await T(() => { for (const s of whole) ex.execOp(s.a); }),
  thisThreadsHalvesAlone: await T(() => { for (const s of split) ex.execOp(s.a); }),
  workersHalvesAlone: await T(() => pair.run(split.map((s) => ({ a: tiny, b: s.b })))),
  bothHalvesOneAfterTheOther: await T(() => { for (const s of split) { ex.execOp(s.a); ex.execOp(s.b); } }),
};
q.close();
console.log(JSON.stringify(r, null, 1));

#!/usr/bin/env node
// Fuzzes every parser a user can hand input to: model.json + weight shards, cascade XML, PNG, JPEG, the
// FER2013 CSV and ONNX files, with seeded mutations of valid files (scripts/lib/fuzz/). Each parser runs in a worker thread:
// a case that takes longer than --hang-ms is a hang (the worker is killed and restarted after it), one over
// --case-ms is too slow, a worker killed for memory is a failure, and the retained memory (JS heap + external,
// after gc) may not grow past --mem-mb between the first and the last sample.
//
//   node scripts/fuzz.mjs [--seed 1] [--cases 10000] [--parser model,cascade,png,jpeg,fer,onnx] [--out $TMPDIR/resezap-fuzz-failures]
//
// Prints one summary line per parser and a JSON summary; writes each failing input to --out; exits 1 on any failure.
// Needs the build (dist/): node scripts/build-wasm.mjs && npx tsc -p tsconfig.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { PARSERS } from "./lib/fuzz/targets.mjs";

const ROOT = new URL("..", import.meta.url).pathname;
const opt = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const seed = Number(opt("seed", 1));
const cases = Number(opt("cases", 10000));
const parsers = opt("parser", PARSERS.join(",")).split(",");
const caseMs = Number(opt("case-ms", 5000));
const hangMs = Number(opt("hang-ms", 30000));
const memMb = Number(opt("mem-mb", 64));
const outDir = opt("out", join(tmpdir(), "resezap-fuzz-failures"));
for (const p of parsers) if (!PARSERS.includes(p)) throw new Error(`--parser ${p}: expected one of ${PARSERS.join(", ")}`);

function runRange(parser, from, onMsg) {
  return new Promise((resolve) => {
    const w = new Worker(new URL("./lib/fuzz/worker.mjs", import.meta.url), {
      workerData: { root: ROOT, parser, seed, from, to: cases, caseMs, memEvery: 500 },
      // the JS heap a case may use; ArrayBuffers and WASM memory are bounded by the library's LIMITS
      resourceLimits: { maxOldGenerationSizeMb: 2048 },
    });
    let current = from, timer;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        w.terminate();
        resolve({ stopped: current, why: `hang: no result after ${hangMs} ms` });
      }, hangMs);
    };
    arm();
    w.on("message", (m) => {
      if (m.type === "start") current = m.i;
      else onMsg(m);
      arm();
    });
    w.on("error", (e) => {
      clearTimeout(timer);
      resolve({ stopped: current, why: `worker died: ${e.code ?? ""} ${e.message}` });
    });
    w.on("exit", () => {
      clearTimeout(timer);
      resolve({ stopped: null });
    });
  });
}

function saveInput(parser, i, input) {
  mkdirSync(outDir, { recursive: true });
  const stem = join(outDir, `${parser}-seed${seed}-case${i}`);
  if (input.bytes) writeFileSync(`${stem}.${{ png: "png", jpeg: "jpg", fer: input.gz ? "csv.gz" : "csv", onnx: "onnx" }[parser]}`, input.bytes);
  if (input.text !== undefined) writeFileSync(`${stem}.xml`, input.text);
  if (input.json !== undefined) {
    mkdirSync(stem, { recursive: true });
    writeFileSync(join(stem, "model.json"), input.json);
    writeFileSync(join(stem, "weights.bin"), input.bin);
  }
  return stem;
}

const summary = {};
let failed = false;
for (const parser of parsers) {
  const s = { cases: 0, valid: 0, typed: 0, failures: 0, maxCaseMs: 0, totalS: 0, memMB: [], failureList: [] };
  const t0 = performance.now();
  let from = 0, mem0;
  const onMsg = (m) => {
    s.cases++;
    s.maxCaseMs = Math.max(s.maxCaseMs, m.ms);
    if (m.outcome === "valid") s.valid++;
    else if (m.outcome === "typed") s.typed++;
    else {
      s.failures++;
      const file = saveInput(parser, m.i, m.input);
      if (s.failureList.length < 50) s.failureList.push({ case: m.i, base: m.base, ...(m.input.edits ? { edits: m.input.edits } : {}), reason: m.reason, file });
    }
    if (m.mem !== undefined) {
      s.memMB.push(+(m.mem / 2 ** 20).toFixed(1));
      mem0 ??= m.mem;
    }
  };
  while (from < cases) {
    const r = await runRange(parser, from, onMsg);
    if (r.stopped === null) break;
    // the case in flight when the worker hung or died counts as a failure; go on after it
    s.cases++;
    s.failures++;
    s.failureList.push({ case: r.stopped, reason: r.why });
    from = r.stopped + 1;
    mem0 = undefined;
  }
  const growth = s.memMB.length > 1 ? s.memMB[s.memMB.length - 1] - s.memMB[0] : 0;
  if (growth > memMb) {
    s.failures++;
    s.failureList.push({ reason: `retained memory grew ${growth.toFixed(1)} MB over the run (bound ${memMb} MB): ${s.memMB.join(" ")}` });
  }
  s.totalS = +((performance.now() - t0) / 1000).toFixed(1);
  s.maxCaseMs = +s.maxCaseMs.toFixed(1);
  summary[parser] = s;
  failed ||= s.failures > 0;
  console.log(
    `${parser.padEnd(8)} cases ${s.cases}  valid ${s.valid}  typed errors ${s.typed}  failures ${s.failures}  ` +
      `max case ${s.maxCaseMs} ms  retained MB first/last ${s.memMB[0]}/${s.memMB[s.memMB.length - 1]}  ${s.totalS} s`,
  );
  for (const f of s.failureList.slice(0, 10)) console.log(`  case ${f.case ?? "-"} (${f.base ?? ""}${f.edits ? `; ${f.edits.join(", ")}` : ""}): ${f.reason}`);
}
console.log(JSON.stringify({ seed, cases, caseMs, hangMs, memMb, summary }));
process.exit(failed ? 1 : 0);

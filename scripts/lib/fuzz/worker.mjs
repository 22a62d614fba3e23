// Worker thread of scripts/fuzz.mjs: runs cases [from, to) of one parser and posts each outcome, so the main
// thread can kill it when a case hangs and start a new worker after that case.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parentPort, workerData } from "node:worker_threads";
import { loadBases } from "./fixtures.mjs";
import { runCase } from "./run-case.mjs";
import { makeTargets } from "./targets.mjs";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");

const { root, parser, seed, from, to, caseMs, memEvery } = workerData;
const lib = { ...(await import(join(root, "dist/index.js"))), ...(await import(join(root, "dist/train/fer2013.js"))) };
const tmp = mkdtempSync(join(tmpdir(), "resezap-fuzz-"));
const target = makeTargets(lib, { tmp })[parser];
const bases = loadBases(root, lib)[parser];

const retained = () => {
  // twice: after one collection V8 still counts large freed ArrayBuffers (a 192 MB folded ONNX constant read as a leak)
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};
try {
  for (let i = from; i < to; i++) {
    parentPort.postMessage({ type: "start", i });
    const r = await runCase(lib, target, bases, parser, seed, i, { caseMs });
    // inputs travel back only for failures, to be written out for reproduction
    if (r.outcome !== "failure") delete r.input;
    const mem = (i - from) % memEvery === memEvery - 1 || i === to - 1 ? retained() : undefined;
    parentPort.postMessage({ type: "done", ...r, mem });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

#!/usr/bin/env node
// Training throughput (issue 6): images/s of whole training steps — batch 64 in ghost batches of 32,
// forward in training mode, label-smoothed loss, backward, gradients summed, Adam step — on W
// worker_threads, as `resezap train` runs them, on random faces held in memory (no augmentation or data
// loading on either side). Baseline in the same run: PyTorch on the same net with the same number of
// threads (benchmarks/peers/torch-train.py, where python3 can import torch; skipped otherwise). The two
// alternate in rounds, so a host whose speed drifts affects both alike; medians of the rounds.
// With --dist DIR (repeatable) builds of the library (e.g. before and after a change) alternate instead.
//   node --experimental-wasm-relaxed-simd benchmarks/train-speed.mjs [--workers 2] [--rounds 5] [--steps 8] [--dist DIR]... [--json]
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

async function makeRunner(dist, workers) {
  const imp = (p) => import(pathToFileURL(join(dist, p)).href);
  const { loadLayersModel } = await imp("io/load.js");
  const { createGradEngine } = await imp("train/parallel.js");
  const { packParams } = await imp("train/trainer.js");
  const { Optimizer } = await imp("train/optimizer.js");
  const { trainModuleName } = await imp("train/kernels.js");
  const { sumGrads } = await imp("train/loop.js");
  const model = await loadLayersModel(join(HERE, "../models/reference/model.json"));
  const engine = await createGradEngine(model, 32, workers);
  const params = packParams(model);
  const opt = new Optimizer(params.length, { kind: "adam", weightDecay: 1e-4, eps: 1e-8 });
  opt.setParams(params);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const jobs = [0, 1].map(() => ({ x: Float32Array.from({ length: 32 * 2304 }, rnd), labels: Int32Array.from({ length: 32 }, () => Math.floor(rnd() * 7)), n: 32, gradScale: 0.5 }));
  const step = async () => {
    opt.apply(sumGrads(await engine.run(opt.params(), jobs, 0.1)), 1e-3);
  };
  await step();
  await step();
  return { build: trainModuleName ? trainModuleName() : "train", step, close: () => engine.close() };
}

// the first interpreter that imports torch: $RESEZAP_PYTHON, python3 on the PATH, then Debian's own
// (python3-torch installs into /usr/bin/python3's packages, which a pyenv python3 on the PATH does not see)
let python = null;
function torchAvailable() {
  // the script is not in the npm package (benchmarks/*.mjs only): from an installed package, ours alone
  if (!existsSync(join(HERE, "peers/torch-train.py"))) return null;
  for (const exe of [process.env.RESEZAP_PYTHON, "python3", "/usr/bin/python3"].filter(Boolean)) {
    const r = spawnSync(exe, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
    if (r.status === 0) {
      python = exe;
      return r.stdout.trim();
    }
  }
  return null;
}

function torchRound(threads, steps) {
  const r = spawnSync(python, [join(HERE, "peers/torch-train.py"), "--threads", String(threads), "--steps", String(steps)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`torch-train.py failed: ${r.stderr.trim().split("\n").pop()}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

/** { resezap: {images_per_s, rounds, build}, pytorch?: {...}, ratio?, workers, batch } */
export async function benchTraining({ workers = 2, rounds = 5, steps = 8, log = () => {} } = {}) {
  const ours = await makeRunner(join(HERE, "../dist"), workers);
  const torch = torchAvailable();
  const oursRates = [], torchRates = [];
  let torchInfo = null;
  try {
    for (let r = 0; r < rounds; r++) {
      const s = performance.now();
      for (let i = 0; i < steps; i++) await ours.step();
      oursRates.push((steps * 64 * 1000) / (performance.now() - s));
      if (torch) {
        torchInfo = torchRound(workers, steps);
        torchRates.push(torchInfo.images_per_s);
      }
      log(`training round ${r + 1}/${rounds}: ours ${oursRates.at(-1).toFixed(0)} images/s${torch ? `, PyTorch ${torchRates.at(-1).toFixed(0)}` : ""}`);
    }
  } finally {
    await ours.close();
  }
  const out = {
    batch: 64, ghost: 32, workers, steps_per_round: steps,
    resezap: { build: ours.build, images_per_s: Math.round(med(oursRates)), rounds: oursRates.map(Math.round) },
    epoch_s: Math.round(28709 / med(oursRates)),
  };
  if (torch) {
    out.pytorch = { engine: torchInfo.engine, threads: workers, images_per_s: Math.round(med(torchRates)), rounds: torchRates.map(Math.round) };
    out.ratio = Math.round((100 * med(oursRates)) / med(torchRates)) / 100;
  } else out.pytorch = { skipped: "no PyTorch baseline: it needs a python3 that imports torch (apt install python3-torch) and benchmarks/peers/torch-train.py from the repository (the npm package leaves it out)" };
  return out;
}

async function compareDists(dists, workers, rounds, steps) {
  const runners = [];
  for (const d of dists) runners.push({ dist: d, rates: [], ...(await makeRunner(d, workers)) });
  for (let r = 0; r < rounds; r++) {
    for (const x of runners) {
      const s = performance.now();
      for (let i = 0; i < steps; i++) await x.step();
      x.rates.push((steps * 64 * 1000) / (performance.now() - s));
    }
  }
  for (const x of runners) await x.close();
  return runners.map((x) => ({ dist: x.dist, build: x.build, workers, images_per_s: Math.round(med(x.rates)), rounds: x.rates.map(Math.round) }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const arg = (name, d) => { const i = args.indexOf(name); return i < 0 ? d : Number(args[i + 1]); };
  const dists = args.flatMap((a, i) => (args[i - 1] === "--dist" ? [resolve(a)] : []));
  const workers = arg("--workers", 2), rounds = arg("--rounds", 5), steps = arg("--steps", 8);
  const out = dists.length ? await compareDists(dists, workers, rounds, steps) : await benchTraining({ workers, rounds, steps, log: (m) => console.error(m) });
  console.log(args.includes("--json") ? JSON.stringify(out) : JSON.stringify(out, null, 2));
}

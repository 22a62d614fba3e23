// Is two-core scaling bounded by the pool or by the machine? Runs the same single-threaded batch-256
// loop in one process alone, then in two processes at once, and reports each one's faces/s. If two
// independent processes also fall short of 2×, the bound is the hardware (shared FMA units or memory),
// not createPool's messaging.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const child = process.argv[2] === "--child";
if (child) {
  const { loadLayersModel, enableRelaxedSimd } = await import("../dist/index.js");
  await enableRelaxedSimd();
  const m = await loadLayersModel(fileURLToPath(new URL("../models/reference/", import.meta.url)));
  const x = new Float32Array(256 * 2304).fill(0.5);
  for (let i = 0; i < 3; i++) m.predict(x);
  const t = performance.now();
  let n = 0;
  while (performance.now() - t < 4000) { m.predict(x); n += 256; }
  console.log(JSON.stringify({ faces_per_s: Math.round(n / ((performance.now() - t) / 1000)) }));
}

function run() {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), "--child"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("close", () => resolve(JSON.parse(out).faces_per_s));
  });
}

/** createPool with 1 and 2 workers in this process, batch 256, 3 s each. */
async function poolRun() {
  const { loadLayersModel, createPool, enableRelaxedSimd } = await import("../dist/index.js");
  await enableRelaxedSimd();
  const m = await loadLayersModel(fileURLToPath(new URL("../models/reference/", import.meta.url)));
  const x = new Float32Array(256 * 2304).map((_, i) => ((i * 2654435761) >>> 0) / 4294967296);
  const out = {};
  for (const w of [1, 2]) {
    const p = await createPool(m, { workers: w });
    for (let i = 0; i < 3; i++) await p.predict(x);
    const t = performance.now();
    let n = 0;
    while (performance.now() - t < 3000) {
      await p.predict(x);
      n += 256;
    }
    out[w] = Math.round(n / ((performance.now() - t) / 1000));
    await p.close();
  }
  return out;
}

export async function benchScaling() {
  const alone = await run();
  const [a, b] = await Promise.all([run(), run()]);
  const pool = await poolRun();
  return {
    one_process: alone, two_processes_each: [a, b], two_processes_total: a + b, process_scaling: Math.round(((a + b) / alone) * 100) / 100,
    pool_1worker: pool[1], pool_2workers: pool[2], pool_scaling: Math.round((pool[2] / pool[1]) * 100) / 100,
  };
}

if (!child && process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await benchScaling()));

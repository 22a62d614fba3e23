#!/usr/bin/env node
// The benchmark suite in one run: kernels, normal vs separable, the whole network (one thread and a
// worker pool), the peer engines on the same weights, video files and queue workers. Writes
// benchmarks/results.json and benchmarks/RESULTS.md (with --write), and returns the summary `resezap bench
// --json` prints.
//   node --experimental-wasm-relaxed-simd benchmarks/run.mjs [--quick] [--write]     (npm run bench)
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { relaxedSimdSupported } from "../dist/engine/wasm.js";
import { benchKernels } from "./kernels.mjs";
import { benchCeiling } from "./ceiling.mjs";
import { SETTINGS, cpuFlags, round } from "./lib.mjs";
import { benchNetwork } from "./network.mjs";
import { benchSeparable } from "./separable.mjs";
import { renderResults } from "./render.mjs";
import { profileNetwork, profileQuantized } from "./profile.mjs";
import { benchRealtime } from "./realtime.mjs";

// (cpuFlags lives in lib.mjs: a section importing run.mjs while run.mjs, the main module, awaits that
// section's import would wait on itself, and Node exits with code 13 with nothing left to run)
export { cpuFlags };

const HERE = dirname(fileURLToPath(import.meta.url));
const MODEL_DIR = join(HERE, "../models/reference");

export async function runBenchmarks({ quick = false, write = false, peers = true, command = process.argv.slice(1).join(" "), log = (...a) => console.error("[bench]", ...a) } = {}) {
  const settings = quick ? SETTINGS.quick : SETTINGS.full;
  const cpus = os.cpus();
  const machine = { cpu: cpus[0]?.model ?? "unknown", cores: cpus.length, memory_gb: round(os.totalmem() / 2 ** 30, 1), node: process.version, platform: `${os.platform()} ${os.arch()}`, relaxed_simd: relaxedSimdSupported(), cpu_flags: cpuFlags() };
  const results = { date: new Date().toISOString(), command, quick, machine };
  log("network…");
  results.network = await benchNetwork(settings, MODEL_DIR);
  log("real time (640×480, Node)…");
  try {
    results.realtime = await benchRealtime(settings);
  } catch (e) {
    // the frame is a fixture photo, which the npm package does not ship
    results.realtime_skipped = `real-time benchmark needs the repository's fixtures/: ${e.message}`;
  }
  log("face detection vs OpenCV.js…");
  try {
    const { benchDetect } = await import("./detect.mjs");
    results.detect = await benchDetect({ quick });
  } catch (e) {
    results.detect = { skipped: `detection benchmark unavailable (OpenCV.js is a devDependency): ${e.message}` };
  }
  log("real time in the browser (headless Chromium)…");
  try {
    const { benchBrowser } = await import("./browser.mjs");
    results.browser = await benchBrowser({ quick, detector: "haar" });
    results.browser_yunet = await benchBrowser({ quick, detector: "yunet" });
    if (!quick) {
      // (left out of --quick, which must stay under a minute: one more Chromium start)
      const { benchBrowserThreads } = await import("./browser.mjs");
      results.browser_threads = await benchBrowserThreads({ quick });
    }
  } catch (e) {
    results.browser = { skipped: `browser benchmark unavailable: ${e.message}` };
  }
  log("video files: resezap video on a 640×480 clip, and each stage alone…");
  try {
    const { benchVideo } = await import("./video.mjs");
    results.video = await benchVideo({ quick });
  } catch (e) {
    // the clip is made from fixture photos, which the npm package does not ship
    results.video = { skipped: `video benchmark failed (it needs the repository's fixtures/): ${e.message}` };
  }
  if (!quick) {
    // (left out of --quick, which must stay under a minute: it starts a redis-server and 14 worker processes)
    log("workers on one Redis: 1, 2 and 4…");
    try {
      const { benchQueue } = await import("./queue.mjs");
      results.queue = await benchQueue({ quick });
    } catch (e) {
      results.queue = { skipped: `queue benchmark failed: ${e.message}` };
    }
  }
  log("machine ceiling…");
  results.ceiling = await benchCeiling(settings);
  log("normal vs separable…");
  results.separable = await benchSeparable(settings, { naive: !quick });
  if (!quick) {
    log("kernels…");
    results.kernels = await benchKernels(settings);
    log("profile…");
    results.profile = await profileNetwork(settings, MODEL_DIR, relaxedSimdSupported() ? "relaxed" : "simd");
    results.profile_quantized = await profileQuantized(settings, MODEL_DIR, relaxedSimdSupported() ? "relaxed" : "simd");
    results.profile_quantized_integer = await profileQuantized(settings, MODEL_DIR, relaxedSimdSupported() ? "relaxed" : "simd", "integer");
    log("training throughput (ours vs PyTorch, alternating)…");
    try {
      const { benchTraining } = await import("./train-speed.mjs");
      results.training = await benchTraining({ workers: 2, log });
    } catch (e) {
      results.training_skipped = `training benchmark failed: ${e.message}`;
    }
  }
  if (peers) {
    log("peers…");
    try {
      const { benchPeers } = await import("./peers.mjs");
      results.peers = await benchPeers({ quick });
      if (!quick) {
        // (left out of --quick, which must stay under a minute)
        log("head to head (ours and each peer alternating)…");
        const { benchHeadToHead } = await import("./head-to-head.mjs");
        results.headToHead = await benchHeadToHead({ quick });
        log("face detectors on the 21 photos: ours and face-api's and Human's (TF.js WASM), in turn…");
        // in a child process: the peers' TF.js (face-api's and Human's builds) must not meet the TF.js the
        // sections above loaded into this one (in-process, the run ended silently here)
        try {
          const { execFileSync } = await import("node:child_process");
          const out = execFileSync(process.execPath, [...process.execArgv, join(HERE, "detector-quality.mjs"), "--json", "--rounds", quick ? "1" : "3"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 });
          results.detectors = JSON.parse(out);
        } catch (e) {
          results.detectors = { error: e.message };
        }
        log("other networks (mini-Xception, an MLP, YuNet) against TF.js WASM and ORT Web…");
        try {
          const { benchGeneralModels } = await import("./general-models.mjs");
          results.generalModels = { ...(await benchGeneralModels({ quick })), command: "node --experimental-wasm-relaxed-simd benchmarks/run.mjs --write", cpu_flags: cpuFlags() };
        } catch (e) {
          results.generalModels = { error: String(e?.message ?? e) };
        }
      }
    } catch (e) {
      results.peers ??= { error: `peer engines unavailable (devDependencies; run from a clone after npm ci): ${e.message}` };
      results.headToHead = { error: String(e?.message ?? e) };
    }
  }
  results.summary = summarize(results);
  if (write) {
    results.notes = readNotes();
    writeFileSync(join(HERE, "results.json"), JSON.stringify(results, null, 2) + "\n");
    writeFileSync(join(HERE, "RESULTS.md"), renderResults(results));
    log("wrote benchmarks/results.json and benchmarks/RESULTS.md");
  }
  return results;
}

function readNotes() {
  try {
    return readFileSync(join(HERE, "notes.md"), "utf8");
  } catch {
    return undefined;
  }
}

/** The shape `resezap bench --json` prints. */
function summarize(r) {
  const best = r.network.relaxed ?? r.network.simd;
  const q = r.network.int8?.[r.network.relaxed ? "relaxed" : "simd"];
  const peers = {};
  for (const [k, v] of Object.entries(r.peers ?? {})) if (v && typeof v === "object" && "batch1_ms" in v) peers[k] = { batch1_ms: v.batch1_ms, batch64_per_s: v.batch64_per_s };
  return {
    resezap: {
      build: r.network.relaxed ? "relaxed" : "simd",
      batch1_ms: best.batch1_ms,
      batch64_per_s: best.batch64_per_s,
      batch256_per_s: best.batch256_per_s,
      batch256_per_s_1worker: r.network.batch256_per_s_1worker,
      batch256_per_s_2workers: r.network.batch256_per_s_2workers,
      simd: r.network.simd,
    },
    // the quantized model (quantize(), a16) in the same build, timed alternately with f32 (benchmarks/network.mjs)
    int8: q ? { build: r.network.relaxed ? "relaxed" : "simd", batch1_ms: q.int8_batch1_ms, batch64_per_s: q.int8_batch64_per_s, speedup_batch1: q.speedup_batch1, speedup_batch64: q.speedup_batch64, batch1_ms_2threads: q.int8_2threads_batch1_ms, threads_speedup_batch1: q.threads_speedup_batch1 } : null,
    peer_ratios_int8: r.headToHead?.ratios_int8 ?? null,
    cpu_flags: r.machine.cpu_flags,
    peers,
    // ours / peer measured alternately in the same rounds (benchmarks/head-to-head.mjs); above 1: ours faster
    peer_ratios: r.headToHead?.ratios ?? null,
    realtime_fps: r.realtime?.realtime.fps ?? null,
    detect_realtime_ms: r.detect?.cases?.realtime?.oursMs ?? null,
    detect_realtime_ms_2threads: r.detect?.cases?.realtime?.poolMs ?? null,
    browser_fps: r.browser?.fps ?? null,
    browser_yunet_fps: r.browser_yunet?.fps ?? null,
    // the quantized model at batch 1 in a cross-origin-isolated page: one thread, two threads (ms)
    browser_int8_ms: r.browser_threads?.same ? { one_thread: r.browser_threads.one_thread_ms, two_threads: r.browser_threads.two_threads_ms } : null,
    realtime_yunet_fps: r.realtime?.yunet?.fps ?? null,
    separable_speedup: r.separable.wasm.speedup,
    separable_speedup_naive_js: r.separable.naive_js?.speedup ?? null,
    mult_ratio: r.separable.mult_ratio,
    training_images_per_s_2workers: r.training?.resezap.images_per_s ?? null,
    training_pytorch_images_per_s_2threads: r.training?.pytorch?.images_per_s ?? null,
    video_fps: r.video?.stages?.pipeline.fps ?? null,
    // jobs/s by worker processes (1, 2, 4) against one Redis, on a machine of `queue_cores` cores
    queue_jobs_per_s: r.queue?.workers ? Object.fromEntries(Object.entries(r.queue.workers).map(([w, v]) => [w, v.jobs_per_s])) : null,
    queue_cores: r.queue?.cores ?? null,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv.includes("--render")) {
  // re-render RESULTS.md from results.json (after editing notes.md or render.mjs), measuring nothing
  const r = JSON.parse(readFileSync(join(HERE, "results.json"), "utf8"));
  r.notes = readNotes();
  writeFileSync(join(HERE, "results.json"), JSON.stringify(r, null, 2) + "\n");
  writeFileSync(join(HERE, "RESULTS.md"), renderResults(r));
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes("--quick");
  const r = await runBenchmarks({ quick, write: process.argv.includes("--write"), command: `node ${process.execArgv.join(" ")} benchmarks/run.mjs ${process.argv.slice(2).join(" ")}`.replace(/\s+/g, " ") });
  console.log(JSON.stringify(r.summary, null, 2));
}

// Throughput of `resezap worker`s on one Redis: jobs/s and frames/s with 1, 2 and 4 worker processes (dist/cli.js)
// against a redis-server started here, on short 640×480 clips (benchmarks/video.mjs's), added with the library's
// enqueue(). Workers beyond the machine's cores share them, so the core count goes with the figures.
//   node --experimental-wasm-relaxed-simd benchmarks/queue.mjs [--quick]
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { medianOf, round } from "./lib.mjs";
import { hasRedisServer, startRedisServer, waitFor } from "./redis-server.mjs";
import { ffmpegMissing, makeClip } from "./video.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = join(HERE, "../dist/cli.js");
export const QUEUE_COMMAND = "node --experimental-wasm-relaxed-simd benchmarks/queue.mjs";
export const WORKER_COUNTS = [1, 2, 4];

/** Why the queue benchmark cannot run here, or null. */
async function missingPart() {
  if (!hasRedisServer()) return "redis-server not found on the PATH (Debian: apt-get install redis-server)";
  for (const peer of ["bullmq", "ioredis"]) {
    try {
      await import(peer);
    } catch {
      return `${peer} not installed (optional peer dependency: npm install bullmq ioredis)`;
    }
  }
  if (!existsSync(CLI)) return "dist/cli.js missing: npm run build first";
  return ffmpegMissing();
}

/** Starts `resezap worker` processes on `queue` and resolves once each has said it takes jobs. */
async function startWorkers(count, url, queue) {
  const procs = [];
  try {
    for (let i = 0; i < count; i++) {
      // the flags this process runs with (relaxed SIMD), so that a worker runs the build the other sections measure
      const p = spawn(process.execPath, [...process.execArgv, CLI, "worker", "--redis", url, "--queue", queue], { stdio: ["ignore", "pipe", "pipe"] });
      procs.push(p);
      let out = "";
      p.stdout.on("data", (d) => (out += d));
      p.stderr.on("data", (d) => (out += d));
      await waitFor(`worker ${i + 1} to start`, async () => {
        if (p.exitCode !== null) throw new Error(`a worker exited (${p.exitCode}): ${out.trim()}`);
        return out.includes("taking jobs from queue");
      });
    }
  } catch (e) {
    await stopWorkers(procs);
    throw e;
  }
  return procs;
}

async function stopWorkers(procs) {
  await Promise.all(procs.map(async (p) => {
    if (p.exitCode !== null || p.signalCode !== null) return;
    p.kill("SIGTERM");
    await once(p, "exit");
  }));
}

/** One measurement: `workers` processes take `files` from a queue of their own, from enqueue to the last job done. */
async function measure({ url, connection, workers, files, queue, outDir, enqueue, Queue }) {
  const procs = await startWorkers(workers, url, queue);
  const q = new Queue(queue, { connection });
  try {
    const t0 = Date.now();
    await enqueue(connection, files, { queue, outDir });
    let counts = {};
    await waitFor(`${files.length} jobs on ${workers} worker(s)`, async () => {
      counts = await q.getJobCounts("completed", "failed");
      return counts.completed + counts.failed === files.length;
    }, 600_000);
    const jobs = await q.getJobs(["completed", "failed"]);
    const failed = jobs.find((j) => j.failedReason);
    if (failed) throw new Error(`job ${failed.id} (${failed.data.file}) failed: ${failed.failedReason}`);
    const seconds = (Math.max(...jobs.map((j) => j.finishedOn)) - t0) / 1000;
    const frames = jobs.reduce((s, j) => s + j.returnvalue.lines, 0);
    return { seconds, jobs_per_s: jobs.length / seconds, frames_per_s: frames / seconds, job_ms: medianOf(jobs.map((j) => j.finishedOn - j.processedOn)) };
  } finally {
    await q.close();
    await stopWorkers(procs);
  }
}

export async function benchQueue({ quick = false } = {}) {
  const missing = await missingPart();
  if (missing) return { skipped: missing };
  const { Queue } = await import("bullmq");
  const { enqueue } = await import("../dist/index.js");
  // 8 jobs divide evenly among 1, 2 and 4 workers
  const jobs = quick ? 4 : 8, seconds = quick ? 0.4 : 2, fps = 25, rounds = quick ? 1 : 2;
  const dir = mkdtempSync(join(os.tmpdir(), "resezap-bench-queue-"));
  const redis = await startRedisServer(dir);
  try {
    const clip = join(dir, "clip.mp4");
    makeClip(clip, { seconds, fps });
    // one clip under several names: each name is a job of its own
    const files = Array.from({ length: jobs }, (_, i) => {
      const f = join(dir, `clip-${i + 1}.mp4`);
      symlinkSync(clip, f);
      return f;
    });
    const runs = Object.fromEntries(WORKER_COUNTS.map((w) => [w, []]));
    for (let r = 0; r < rounds; r++) {
      // the order turns each round, so that a drift in the machine's speed does not fall on one count alone
      for (const w of r % 2 ? [...WORKER_COUNTS].reverse() : WORKER_COUNTS) {
        const queue = `bench-${w}-${r}`;
        runs[w].push(await measure({ url: redis.url, connection: redis.connection, workers: w, files, queue, outDir: join(dir, queue), enqueue, Queue }));
      }
    }
    const workers = {};
    for (const w of WORKER_COUNTS) {
      const m = runs[w];
      workers[w] = {
        jobs_per_s: round(medianOf(m.map((x) => x.jobs_per_s)), 2),
        frames_per_s: round(medianOf(m.map((x) => x.frames_per_s)), 1),
        job_ms: round(medianOf(m.map((x) => x.job_ms)), 0),
        rounds_jobs_per_s: m.map((x) => round(x.jobs_per_s, 2)),
      };
    }
    const cores = os.cpus().length;
    return {
      date: new Date().toISOString(),
      command: `${QUEUE_COMMAND}${quick ? " --quick" : ""}`,
      jobs,
      clip: { width: 640, height: 480, fps, seconds, frames: Math.round(seconds * fps) },
      rounds,
      workers,
      scaling: Object.fromEntries(WORKER_COUNTS.slice(1).map((w) => [w, round(workers[w].jobs_per_s / workers[1].jobs_per_s, 2)])),
      cores,
      cpu: os.cpus()[0]?.model ?? "unknown",
      note: `each worker a process taking one job at a time (with its own FFmpeg decoder); jobs/s from enqueue to the last job done, each worker's model load in its first job; ${cores} cores, so more than ${cores} workers share them`,
    };
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await benchQueue({ quick: process.argv.includes("--quick") }), null, 2));
}

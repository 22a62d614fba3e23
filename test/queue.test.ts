// The job queue with the real parts: a redis-server started here on a free port, the built CLI's enqueue, two
// `resezap worker` processes (one killed with SIGKILL in the middle of a video job) and queue-status. Every
// input's result must be there once, equal to what recognize() and analyzeVideo() give in this process.
// Skips, saying so, without redis-server (and the video parts without FFmpeg).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { tempDir } from "./temp-dir.js";
import { freePort, hasRedisServer, startRedisServer, waitFor } from "../benchmarks/redis-server.mjs";
import { connectRedis, enqueue, queueStatus, startWorker as startWorkerInProcess } from "../src/index.js";
import { analyzeVideo } from "../src/video/analyze.js";
import { faceRecord, frameRecord } from "../src/video/record.js";
import { recognize } from "../src/recognize.js";
import { YuNetDetector } from "../src/detect/yunet.js";
import { loadRunnableModel } from "../src/quant/saved.js";
import { DEFAULT_MODEL_JSON } from "../src/paths.js";
import { decodePng } from "../src/image/png.js";

const ROOT = new URL("..", import.meta.url).pathname;
const CLI = join(ROOT, "dist/cli.js");
const HAS_REDIS = hasRedisServer();
const HAS_FFMPEG = !spawnSync("ffmpeg", ["-version"]).error && !spawnSync("ffprobe", ["-version"]).error;
// the workers run the plain-SIMD kernels, as this process does, so that their numbers are this process's to the bit
const ENV = { ...process.env, RESEZAP_SIMD: "plain" };
// short enough that a killed worker's job is taken up again within seconds
const LOCK_MS = 2000, STALLED_MS = 500;

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", env: ENV });

if (!HAS_REDIS) {
  // a skipped test named with the reason, so the run's summary says why
  it.skip("redis-server not installed: skipped (Debian: apt-get install redis-server)", () => {});
}

describe.skipIf(!HAS_REDIS)("resezap enqueue, worker and queue-status on a real Redis", () => {
  const dir = tempDir("queue");
  let stopRedis: () => Promise<void> = async () => {};
  let url = "";
  let connection: Redis;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    ({ url, connection, stop: stopRedis } = await startRedisServer(dir));
  });

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL");
    await stopRedis();
  });

  function startWorker(): { proc: ChildProcess; log: () => string } {
    const proc = spawn(process.execPath, [CLI, "worker", "--redis", url, "--lock-duration", String(LOCK_MS), "--stalled-interval", String(STALLED_MS)], { cwd: ROOT, env: ENV });
    workers.push(proc);
    let out = "";
    proc.stdout!.on("data", (d) => (out += d));
    proc.stderr!.on("data", (d) => (out += d));
    return { proc, log: () => out };
  }

  it.skipIf(!HAS_FFMPEG)("two workers, one killed mid-job: every result once, equal to recognize() and analyzeVideo(); failures with their reason; queue-status", async () => {
    const clip = join(dir, "clip.mkv"), bad = join(dir, "bad.mp4"), missing = join(dir, "missing.mp4");
    const out = join(dir, "results");
    // 3 s at 30 frames a second, two faces: 90 frames, a few hundred milliseconds of work or more, against the
    // millisecond between the job turning active and the worker being frozen below
    const ff = spawnSync("ffmpeg", [
      "-hide_banner", "-loglevel", "error", "-y",
      "-f", "lavfi", "-i", "color=c=0x808080:s=320x240:r=30:d=3",
      "-i", join(ROOT, "fixtures/faces/astronaut.png"), "-i", join(ROOT, "fixtures/faces/biden.png"),
      "-filter_complex", "[1]crop=140:160:150:40,scale=100:114[a];[2]crop=200:240:165:50,scale=90:108[b];[0][a]overlay=x='10+n':y=60[t];[t][b]overlay=x='220-n':y=70[v]",
      "-map", "[v]", "-c:v", "ffv1", clip,
    ]);
    expect(ff.status, String(ff.stderr)).toBe(0);
    writeFileSync(bad, "not a video\n");
    const images = ["astronaut.png", "biden.png"].map((f) => join(ROOT, "fixtures/faces", f));

    // the video first, so that the first worker, alone at the start, takes it
    const v = cli("enqueue", "--redis", url, "--out-dir", out, "--json", clip);
    expect(v.status, v.stderr).toBe(0);
    const [videoJob] = JSON.parse(v.stdout);
    const rest = cli("enqueue", "--redis", url, "--out-dir", out, "--json", ...images, missing, bad);
    expect(rest.status, rest.stderr).toBe(0);
    const jobs = [videoJob, ...JSON.parse(rest.stdout)];
    expect(jobs.map((j) => j.added)).toEqual([true, true, true, true, true]);
    const toResults = cli("enqueue", "--redis", url, "--results-queue", "results", "--json", images[0]);
    expect(toResults.status, toResults.stderr).toBe(0);
    const [queuedImage] = JSON.parse(toResults.stdout);
    expect(queuedImage.id).not.toBe(jobs[1].id); // another destination, another job

    const queue = new Queue("resezap", { connection });
    const results = new Queue("results", { connection });
    try {
      const a = startWorker();
      // Polled without a pause and frozen (SIGSTOP) the moment its job turns active, since a fast machine finishes
      // the clip within a 50 ms poll. Frozen, it can neither finish nor renew its lock: the checks below hold.
      await waitFor("the first worker to take the video", async () => {
        for (let end = Date.now() + 1000; Date.now() < end; ) {
          if ((await queue.getJobState(videoJob.id)) === "active") return a.proc.kill("SIGSTOP");
        }
        return false;
      });
      expect(await queue.getJobState(videoJob.id)).toBe("active");
      expect(existsSync(videoJob.output.jsonl)).toBe(false);
      const b = startWorker();
      a.proc.kill("SIGKILL");
      await once(a.proc, "exit");
      // what a failure from here on needs to be read: how the video job ended and both workers' logs
      const storyOf = async () => {
        const job = (await queue.getJob(videoJob.id))!;
        return `video job ${await job.getState()}, started ${job.attemptsStarted}×, stalled ${job.stalledCounter}×, ${job.failedReason ?? "no failure"}; worker logs:\n${a.log()}\n${b.log()}`;
      };
      let last = {};
      const counts = await waitFor("every job to finish", async () => {
        const c = (last = await queue.getJobCounts("waiting", "active", "completed", "failed"));
        return c.completed + c.failed === 6 && c.waiting + c.active === 0 && c;
      }, 40_000).catch(async (e) => {
        throw new Error(`${e.message}: ${JSON.stringify(last)}; ${await storyOf()}`);
      });
      const video = (await queue.getJob(videoJob.id))!;
      const story = await storyOf();
      expect(counts, story).toMatchObject({ completed: 4, failed: 2 });
      expect(a.log(), story).not.toMatch(new RegExp(`done ${videoJob.id}`));
      expect(b.log(), story).toMatch(new RegExp(`done ${videoJob.id}`));
      // it ran again after its worker died
      expect(video.attemptsStarted, story).toBeGreaterThanOrEqual(2);
      await waitFor("the results queue's job", async () => (await results.getJobCounts("waiting")).waiting === 1);

      // every result once, whole, and nothing else in the folder (no temporary file left)
      const names = readdirSync(out).sort();
      expect(names, story).toEqual(jobs.slice(0, 3).map((j) => j.output.jsonl.slice(out.length + 1)).sort());
      const model = await loadRunnableModel(DEFAULT_MODEL_JSON) /* as the CLI runs it: quantized */;
      const readLines = (f: string) => readFileSync(f, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
      const json = (x: unknown) => JSON.parse(JSON.stringify(x));
      const frames = [];
      for await (const r of analyzeVideo(clip, { model })) frames.push(frameRecord(r));
      expect(frames).toHaveLength(90);
      expect(frames.some((f) => f.faces.length === 2)).toBe(true);
      expect(readLines(videoJob.output.jsonl)).toEqual(json(frames));
      for (const [k, file] of images.entries()) {
        const faces = recognize(decodePng(readFileSync(file)), { model, detector: YuNetDetector.default() }).map(faceRecord);
        expect(faces.length, file).toBeGreaterThan(0);
        expect(readLines(jobs[k + 1].output.jsonl)).toEqual([json({ faces })]);
        if (k === 0) {
          const r = (await results.getJob(queuedImage.id))!;
          expect(r.data).toEqual({ id: queuedImage.id, kind: "image", file, lines: [json({ faces })] });
        }
      }

      // failed jobs: their one-line reasons, in queue-status too
      const status = cli("queue-status", "--redis", url, "--json");
      expect(status.status, status.stderr).toBe(0);
      const s = JSON.parse(status.stdout);
      expect(s).toMatchObject({ waiting: 0, active: 0, completed: 4, failed: 2 });
      const reason = (f: string) => s.failures.find((x: { file: string }) => x.file === f)?.reason;
      expect(reason(missing)).toBe(`${missing}: cannot read (ENOENT)`);
      expect(reason(bad)).toMatch(new RegExp(`^${bad}: .+`));
      expect(reason(bad)).not.toContain("\n");
      const text = cli("queue-status", "--redis", url);
      expect(text.stdout).toContain("queue resezap: 0 waiting, 0 active, 4 completed, 2 failed");
      expect(text.stdout).toContain(`failed ${jobs[3].id} ${missing}: ${missing}: cannot read (ENOENT)`);

      // the same files again: the same jobs, nothing added or run again
      const again = cli("enqueue", "--redis", url, "--out-dir", out, clip, ...images, missing, bad);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toContain("queue resezap: 0 jobs added, 5 already there");
      expect(await queue.getJobCounts("waiting", "completed")).toEqual({ waiting: 0, completed: 4 });
      // SIGTERM: a clean exit; --drain on an empty queue: exits by itself
      b.proc.kill("SIGTERM");
      expect((await once(b.proc, "exit"))[0]).toBe(0);
      const drain = spawnSync(process.execPath, [CLI, "worker", "--redis", url, "--drain"], { cwd: ROOT, encoding: "utf8", env: ENV, timeout: 10_000 });
      expect(drain.status, drain.stderr).toBe(0);
      expect(drain.stdout).toMatch(/^worker \d+: taking jobs from queue resezap\n$/);
    } finally {
      await queue.close();
      await results.close();
    }
  }, 90_000);

  it("the Node entry's API: enqueue() adds the job the command would, startWorker() runs it in this process, queueStatus() counts it", async () => {
    const out = join(dir, "api-results"), image = join(ROOT, "fixtures/faces/astronaut.png");
    const conn = await connectRedis(url, "test");
    const queue = new Queue("api", { connection });
    let worker: { close(): Promise<void> } | undefined;
    try {
      // a bad destination is refused before anything is added
      await expect(enqueue(conn, [image], { queue: "api", outDir: out, resultsQueue: "r" })).rejects.toThrow("enqueue: outDir and resultsQueue both say where results go; give one");
      expect(await queue.getJobCounts("waiting")).toEqual({ waiting: 0 });
      // a video option does not change a picture's job
      const [job] = await enqueue(conn, [image, image], { queue: "api", outDir: out, options: { every: 5 } });
      expect(job).toMatchObject({ file: image, added: true });
      const viaCli = cli("enqueue", "--redis", url, "--queue", "api", "--out-dir", out, "--json", image);
      expect(viaCli.status, viaCli.stderr).toBe(0);
      expect(JSON.parse(viaCli.stdout)).toEqual([{ ...job, added: false }]);

      const log: string[] = [];
      worker = await startWorkerInProcess(conn, { queue: "api", log: (l) => log.push(l) });
      await waitFor("the job to finish", async () => (await queue.getJobCounts("completed")).completed === 1);
      expect(log).toEqual([`done ${job.id} ${image}`]);
      const model = await loadRunnableModel(DEFAULT_MODEL_JSON) /* as the CLI runs it: quantized */;
      const faces = recognize(decodePng(readFileSync(image)), { model, detector: YuNetDetector.default() }).map(faceRecord);
      expect(faces.length).toBeGreaterThan(0);
      expect(readFileSync((job.output as { jsonl: string }).jsonl, "utf8")).toBe(JSON.stringify({ faces }) + "\n");
      expect(await queueStatus(queue)).toEqual({ waiting: 0, active: 0, completed: 1, failed: 0, delayed: 0, failures: [] });
    } finally {
      await worker?.close();
      await queue.close();
      conn.disconnect();
    }
  }, 30_000);
});

describe("an unreachable Redis", () => {
  it("is one line naming the URL and exit 1, within seconds, for each command", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string; ms: number }>((resolve) => {
        const t0 = Date.now();
        const p = spawn(process.execPath, [CLI, ...args], { cwd: ROOT });
        let stderr = "";
        p.stderr.on("data", (d) => (stderr += d));
        p.on("exit", (code) => resolve({ code, stderr, ms: Date.now() - t0 }));
      });
    const all = await Promise.all([["enqueue", "--redis", url, "x.png"], ["worker", "--redis", url], ["queue-status", "--redis", url]].map(run));
    for (const [k, r] of all.entries()) {
      const cmd = ["enqueue", "worker", "queue-status"][k];
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`resezap: ${cmd}: cannot reach Redis at ${url} (ECONNREFUSED)\n`);
      expect(r.ms).toBeLessThan(15_000);
    }
  }, 30_000);
});

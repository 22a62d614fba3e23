import type { Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { ResezapError } from "../errors.js";
import { validateJob } from "./job.js";
import { ModelCache, runJob, writeResultFile } from "./process.js";
import { loadBullmq } from "./connection.js";

// A worker: takes jobs from the queue, runs each, and puts its result where the job says. A worker that dies
// mid-job (SIGKILL, a lost machine) stops renewing the job's lock; after lockDuration another worker's
// stalled-job check, every stalledInterval, puts the job back in the queue and it runs again.

export interface WorkerOptions {
  queue: string;
  /** jobs at once in this process (they share one thread: more helps only while a job waits on FFmpeg) */
  concurrency?: number;
  /** ms a job's lock lasts without renewal (renewed every half of it) before the job counts as stalled; BullMQ's default 30000 */
  lockDuration?: number;
  /** ms between checks for stalled jobs; BullMQ's default 30000 */
  stalledInterval?: number;
  /** one line per finished or failed job */
  log?: (line: string) => void;
}

/** The first line of an error's message: a failed job's reason. */
export function reasonOf(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const line = message.split("\n")[0];
  return e instanceof ResezapError ? line : `internal error: ${line}`;
}

/** Starts taking jobs at once; close() waits for the jobs in hand to finish. */
export async function startWorker(connection: Redis, options: WorkerOptions): Promise<{ worker: Worker; close(): Promise<void> }> {
  const { Worker: BullWorker, Queue: BullQueue } = await loadBullmq("worker");
  const models = new ModelCache();
  const resultQueues = new Map<string, Queue>();
  const log = options.log ?? (() => {});
  const worker = new BullWorker(
    options.queue,
    async (job: Job) => {
      try {
        const data = validateJob(job.data);
        const lines = await runJob(data, models);
        if ("jsonl" in data.output) await writeResultFile(data.output.jsonl, lines, `${process.pid}-${job.attemptsStarted}`);
        else {
          let q = resultQueues.get(data.output.queue);
          if (!q) resultQueues.set(data.output.queue, (q = new BullQueue(data.output.queue, { connection })));
          // the job's id again: a result added twice (a retried job) is kept once
          await q.add("result", { id: job.id, kind: data.kind, file: data.file, lines }, { jobId: job.id });
        }
        return { lines: lines.length };
      } catch (e) {
        throw new Error(reasonOf(e));
      }
    },
    {
      connection,
      concurrency: options.concurrency ?? 1,
      // BullMQ's defaults stand unless given (an undefined here would replace them)
      ...(options.lockDuration !== undefined && { lockDuration: options.lockDuration }),
      ...(options.stalledInterval !== undefined && { stalledInterval: options.stalledInterval }),
    },
  );
  worker.on("completed", (job) => log(`done ${job.id} ${(job.data as { file?: string }).file}`));
  worker.on("failed", (job, e) => log(`failed ${job?.id} ${(job?.data as { file?: string })?.file}: ${e.message}`));
  worker.on("error", (e) => log(`error: ${e.message.split("\n")[0]}`));
  return {
    worker,
    async close() {
      await worker.close();
      await Promise.all([...resultQueues.values()].map((q) => q.close()));
    },
  };
}

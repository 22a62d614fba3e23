import { dirname, resolve } from "node:path";
import type { Redis } from "ioredis";
import { ArgumentError } from "../errors.js";
import { loadBullmq } from "./connection.js";
import { DEFAULT_QUEUE, jobId, kindOf, resultFile, validateJob, type JobData, type JobOptions, type JobOutput } from "./job.js";

// Adding jobs: one per file, with the id that makes enqueueing the same file alike a no-op. `resezap enqueue` and
// the library's enqueue() both come here, so a job added from code is the job the command would add.

export interface EnqueueOptions {
  /** the queue's name (default "resezap") */
  queue?: string;
  /** the emotion model, the video options and YuNet's, for every file; a picture's job takes the model and YuNet's only */
  options?: JobOptions;
  /** the folder of the result files (default: each input's folder); paths as the workers see them */
  outDir?: string;
  /** put each result on this BullMQ queue instead of in a file */
  resultsQueue?: string;
}

export interface EnqueuedJob {
  id: string;
  /** absolute path */
  file: string;
  /** false: a job with this id was there already (waiting, running, done or failed), and nothing was added */
  added: boolean;
  output: JobOutput;
}

/** The options a video job takes and a picture's does not (so that they do not change a picture's id). */
const VIDEO_ONLY: readonly (keyof JobOptions)[] = ["every", "from", "to", "smooth", "trackMemory"];

/** A queue or results queue name BullMQ can key by; anything else is refused naming `what`. */
export function checkQueueName(name: string, what: string): void {
  // BullMQ joins key parts with ":"
  if (name === "" || name.includes(":")) throw new ArgumentError(`${what} must be a non-empty name without ":", found ${JSON.stringify(name)}`);
}

/** The job for one file: its id and its data, checked as a worker will check it. Paths are made absolute here. */
export function makeJob(file: string, o: Omit<EnqueueOptions, "queue"> = {}): { id: string; data: JobData } {
  const { options: given = {}, outDir, resultsQueue } = o;
  if (outDir !== undefined && resultsQueue !== undefined) throw new ArgumentError("enqueue: outDir and resultsQueue both say where results go; give one");
  if (resultsQueue !== undefined) checkQueueName(resultsQueue, "enqueue: resultsQueue");
  const abs = resolve(file);
  const kind = kindOf(abs);
  const options: JobOptions = {};
  for (const [k, v] of Object.entries(given) as [keyof JobOptions, JobOptions[keyof JobOptions]][]) {
    if (v === undefined || (kind === "image" && VIDEO_ONLY.includes(k))) continue;
    (options as Record<string, unknown>)[k] = k === "model" ? resolve(v as string) : v;
  }
  const dir = resolve(outDir ?? dirname(abs));
  const id = jobId(abs, options, resultsQueue !== undefined ? `queue:${resultsQueue}` : `dir:${dir}`);
  const output: JobOutput = resultsQueue !== undefined ? { queue: resultsQueue } : { jsonl: resultFile(dir, abs, id) };
  return { id, data: validateJob({ kind, file: abs, options, output }) };
}

/**
 * Adds one job per file to the queue (files given twice count once). Every job is made and checked before the
 * first is added, so a bad option adds nothing. `connection` as connectRedis() gives it.
 */
export async function enqueue(connection: Redis, files: readonly string[], o: EnqueueOptions = {}): Promise<EnqueuedJob[]> {
  const name = o.queue ?? DEFAULT_QUEUE;
  checkQueueName(name, "enqueue: queue");
  const jobs = [...new Set(files.map((f) => resolve(f)))].map((f) => makeJob(f, o));
  return addJobs(connection, name, jobs);
}

/** Adds jobs made by makeJob, each unless its id is there already. */
export async function addJobs(connection: Redis, name: string, jobs: readonly { id: string; data: JobData }[]): Promise<EnqueuedJob[]> {
  const { Queue } = await loadBullmq("enqueue");
  const queue = new Queue(name, { connection });
  try {
    const report: EnqueuedJob[] = [];
    for (const { id, data } of jobs) {
      // BullMQ ignores an add whose id it holds already (waiting, running, done or failed): look first, to say so
      const known = await queue.getJob(id);
      if (!known) await queue.add(data.kind, data, { jobId: id });
      report.push({ id, file: data.file, added: !known, output: data.output });
    }
    return report;
  } finally {
    await queue.close();
  }
}

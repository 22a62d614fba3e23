import { setTimeout as sleep } from "node:timers/promises";
import { ArgumentError } from "../errors.js";
import { loadBullmq } from "../queue/connection.js";
import { startWorker } from "../queue/worker.js";
import { numberOption, parseArgs } from "./args.js";
import { parserSpec } from "./options.js";
import { queueOptions } from "./queue-common.js";

// `resezap worker --redis URL [--queue NAME] [--concurrency N] [--lock-duration MS] [--stalled-interval MS] [--drain]`:
// runs jobs until SIGTERM or SIGINT (the jobs in hand finish first) or, with --drain, until the queue is empty.

/** How often --drain looks at the queue's counts. */
const DRAIN_POLL_MS = 1000;

export async function workerCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, parserSpec("worker"), "worker");
  if (p.positionals.length) throw new ArgumentError(`worker: takes no file (enqueue adds them), found ${JSON.stringify(p.positionals[0])}`);
  const ms = (v: number) => Number.isInteger(v) && v >= 100;
  const concurrency = numberOption(p, "concurrency", "worker", (v) => Number.isInteger(v) && v >= 1, "an integer ≥ 1");
  const lockDuration = numberOption(p, "lock-duration", "worker", ms, "an integer ≥ 100 (milliseconds)");
  const stalledInterval = numberOption(p, "stalled-interval", "worker", ms, "an integer ≥ 100 (milliseconds)");
  const { name, connection } = await queueOptions(p, "worker");
  let close: () => Promise<void>;
  try {
    ({ close } = await startWorker(connection, { queue: name, concurrency, lockDuration, stalledInterval, log: (l) => console.log(`worker ${process.pid}: ${l}`) }));
  } catch (e) {
    connection.disconnect();
    throw e;
  }
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  console.log(`worker ${process.pid}: taking jobs from queue ${name}`);
  try {
    if (p.options.has("drain")) {
      const { Queue } = await loadBullmq("worker");
      const queue = new Queue(name, { connection });
      let done = false;
      void stopped.then(() => (done = true));
      try {
        while (!done) {
          await sleep(DRAIN_POLL_MS);
          const c = await queue.getJobCounts("waiting", "active", "delayed", "prioritized");
          if (Object.values(c).every((n) => n === 0)) break;
        }
      } finally {
        await queue.close();
      }
    } else await stopped;
  } finally {
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
    await close();
    connection.disconnect();
  }
}

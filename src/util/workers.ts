// Request and answer over a set of worker_threads, the plumbing that the inference pool (src/pool.ts) and the
// training workers (src/train/parallel.ts) share: every request carries an id; a worker answers
// { id, error?: string, errorName?: string, ...fields }; an answer with `error` rejects its request with the library's
// error of that name (a ResezapError), and a worker that dies, at load or later, rejects everything in flight and
// every later request to it (a request to a dead worker would wait for ever); close() does the same with a
// ResezapError that says the workers were closed.

import type { Worker as WorkerT } from "node:worker_threads";
import { ArgumentError, errorAnswer, ResezapError, reviveError, type ErrorAnswer } from "../errors.js";

export interface WorkerSet {
  readonly size: number;
  /** Posts { id, ...msg } to worker i; resolves with its answer. */
  call<A>(i: number, msg: object, transfer?: readonly ArrayBuffer[]): Promise<A>;
  close(): Promise<void>;
}

/** How many workers a pool starts: `given`, else `dflt`; refused unless an integer in 1..max. */
export function workerCount(given: number | undefined, dflt: number, max: number, what: string): number {
  const n = given ?? dflt;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ArgumentError(`${what}: workers must be an integer in 1..${max}, found ${given}`);
  return n;
}

export async function startWorkers(url: URL, n: number, workerData: unknown): Promise<WorkerSet> {
  const { Worker } = await import("node:worker_threads");
  const workers: WorkerT[] = Array.from({ length: n }, () => new Worker(url, { workerData }));
  const pending = new Map<number, { resolve: (m: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  const dead: (Error | undefined)[] = Array(n).fill(undefined);
  // one pending table for all workers: a worker's death rejects every request (the others' answers are then moot)
  const die = (i: number, e: Error) => {
    const reason = (dead[i] ??= e);
    for (const p of pending.values()) p.reject(reason);
    pending.clear();
  };
  workers.forEach((w, i) => {
    w.on("message", (m: { id: number } & Partial<ErrorAnswer>) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error !== undefined) p.reject(reviveError(m as ErrorAnswer, "resezap"));
      else p.resolve(m);
    });
    w.on("error", (e) => die(i, reviveError(errorAnswer(e), e as Error)));
    w.on("exit", (code) => die(i, new Error(`worker ${i + 1} of ${n} exited (code ${code})`)));
  });
  return {
    size: n,
    call<A>(i: number, msg: object, transfer: readonly ArrayBuffer[] = []): Promise<A> {
      const id = nextId++;
      return new Promise<A>((resolve, reject) => {
        if (dead[i]) return reject(dead[i]);
        pending.set(id, { resolve: resolve as (m: unknown) => void, reject });
        workers[i].postMessage({ ...msg, id }, transfer as ArrayBuffer[]);
      });
    },
    async close() {
      // the exits that terminate() causes then reject what is in flight with this, not with an exit code
      dead.fill(new ResezapError("the workers were closed (close()) before answering this request"));
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

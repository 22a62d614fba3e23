// Request and answer over a set of worker_threads, the plumbing that the inference pool (src/pool.ts) and the
// training workers (src/train/parallel.ts) share: every request carries an id; a worker answers
// { id, error?: string, ...fields }; an answer with `error` rejects its request with a ResezapError, and a worker
// that dies rejects everything still in flight.

import type { Worker as WorkerT } from "node:worker_threads";
import { ArgumentError, ResezapError } from "../errors.js";

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
  for (const w of workers) {
    w.on("message", (m: { id: number; error?: string }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error !== undefined) p.reject(new ResezapError(m.error));
      else p.resolve(m);
    });
    w.on("error", (e) => {
      for (const p of pending.values()) p.reject(e as Error);
      pending.clear();
    });
  }
  return {
    size: n,
    call<A>(i: number, msg: object, transfer: readonly ArrayBuffer[] = []): Promise<A> {
      const id = nextId++;
      return new Promise<A>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (m: unknown) => void, reject });
        workers[i].postMessage({ ...msg, id }, transfer as ArrayBuffer[]);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

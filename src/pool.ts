import { ArgumentError } from "./errors.js";
import { modelToArtifacts } from "./io/save.js";
import { size } from "./layers/layer.js";
import type { Model } from "./model.js";
import { startWorkers, workerCount } from "./util/workers.js";

// Data-parallel inference on worker_threads: each worker holds its own copy of the model (its own WASM
// instance and memory); a batch is cut into one contiguous slice per worker, and the slices' outputs are
// joined in order. For throughput on several cores; batch-1 latency is best on the calling thread.

export interface Pool {
  readonly workers: number;
  predict(x: Float32Array, n?: number): Promise<Float32Array>;
  close(): Promise<void>;
}

export async function createPool(model: Model, options: { workers?: number } = {}): Promise<Pool> {
  const os = await import("node:os");
  const n = workerCount(options.workers, Math.max(1, os.availableParallelism?.() ?? os.cpus().length), 256, "createPool");
  const { modelJSON, weightData } = modelToArtifacts(model);
  const per = size(model.inputShape), outPer = size(model.outputShape);
  const url = new URL(import.meta.url.endsWith(".ts") ? "./pool-worker.ts" : "./pool-worker.js", import.meta.url);
  const workers = await startWorkers(url, n, { modelJSON, weightData });
  const call = async (i: number, x: Float32Array, count: number) => (await workers.call<{ out: Float32Array }>(i, { x, n: count })).out;
  // wait for every worker to have loaded the model
  await Promise.all(Array.from({ length: n }, (_, i) => call(i, new Float32Array(0), 0)));

  return {
    workers: n,
    async predict(x: Float32Array, count?: number): Promise<Float32Array> {
      const total = count ?? x.length / per;
      if (!Number.isInteger(total) || total < 0 || x.length < total * per) {
        throw new ArgumentError(`pool.predict: input has ${x.length} values, expected a multiple of ${per}`);
      }
      const slice = Math.ceil(total / n);
      const jobs: Promise<Float32Array>[] = [];
      for (let i = 0, k = 0; i < total; i += slice, k++) {
        const m = Math.min(slice, total - i);
        jobs.push(call(k, x.slice(i * per, (i + m) * per), m));
      }
      const parts = await Promise.all(jobs);
      const out = new Float32Array(total * outPer);
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      return out;
    },
    close: () => workers.close(),
  };
}

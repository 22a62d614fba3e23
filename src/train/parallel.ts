// Gradients of a batch, computed on this thread or on worker_threads.
//
// A batch is cut into "ghost batches" of a FIXED size (default 32), whatever the number of workers: each
// ghost batch is one Trainer.forwardBackward, so its batch-norm statistics are its own (ghost batch norm).
// This is the documented choice for data-parallel batch norm here: exact global statistics over the whole
// batch would need two synchronisations per BN layer and step (forward and backward) between threads, and
// the training kernels compute statistics and normalise in one call. Because the ghost size does not
// depend on the number of workers, and each ghost's gradient comes back separately and is summed on the
// main thread in ghost order, a fixed-seed run gives THE SAME model (bit for bit) with 0, 1 or W workers:
// every worker runs the same WASM on the same inputs, and the additions happen in the same order.
// With ghost ≥ batch it is plain batch norm over the batch (grads.json's setting).
//
// An engine made with teachers (train --teacher) gives each ghost batch its soft targets itself: the teachers'
// mean softened softmax on the ghost batch's faces (teacher.ts), computed where the gradient is, so the teachers'
// inference is spread over the workers with the rest and answers for the augmented face the student sees.

import { ArgumentError, LimitError } from "../errors.js";
import { modelToArtifacts } from "../io/save.js";
import type { Model, Predictor } from "../model.js";
import { teacherTargets } from "./teacher.js";
import { Trainer, type BnStats } from "./trainer.js";
import { startWorkers } from "../util/workers.js";

/**
 * One ghost batch: x [n, 48, 48, 1], labels [n], soft targets [n, 7] when the run has a file of them (an engine with
 * teachers makes its own); its loss is scaled by n / B (B: the whole batch).
 */
export interface GhostJob {
  x: Float32Array;
  labels: Int32Array;
  soft?: Float32Array;
  n: number;
  gradScale: number;
  /**
   * A mixed batch of a run with teachers: soft is the pair's blended label target, and the row's whole target is
   * (1 − teacherWeight)·soft + teacherWeight·(the teachers' targets on the mixed face x), taken at soft weight 1.
   */
  teacherWeight?: number;
  /**
   * The row's whole target [n, 7] already made by the teachers (a sharpness-aware step's second pass reuses its first
   * pass's, GhostResult.targets): taken as the soft target as is, the teachers not run again.
   */
  targets?: Float32Array;
}

export interface GhostResult {
  loss: number;
  correct: number;
  n: number;
  grads: Float32Array;
  stats: BnStats[];
  /** the soft targets [n, 7] the teachers made for this job (an engine with teachers only) */
  targets?: Float32Array;
}

export interface GradEngine {
  readonly workers: number;
  /**
   * Runs the jobs with these parameters (flat, paramLayout); results in job order. The loss: label smoothing, the
   * weight of the jobs' soft targets (0, the default, where they have none) and their distillation temperature
   * (1 by default; Trainer's StepOptions).
   */
  run(params: Float32Array, jobs: GhostJob[], smoothing: number, softWeight?: number, temperature?: number): Promise<GhostResult[]>;
  close(): Promise<void>;
}

/**
 * The jobs on one Trainer, one after another; with teachers, each job's soft targets are theirs at softTemperature
 * (a mixed job's: its blended label target joined by theirs on the mixed face, GhostJob.teacherWeight), returned as
 * GhostResult.targets, unless the job carries them already (GhostJob.targets).
 */
export function runJobs(t: Trainer, params: Float32Array, jobs: GhostJob[], smoothing: number, softWeight = 0, softTemperature = 1, teachers?: Predictor[]): GhostResult[] {
  t.setParams(params);
  return jobs.map((j) => {
    const made = !j.targets && teachers?.length ? jobTeacherTargets(j, teachers, softTemperature) : undefined;
    const soft = j.targets ?? made ?? j.soft;
    const r = t.forwardBackward(j.x, j.labels, j.n, { smoothing, soft, softWeight, softTemperature, gradScale: j.gradScale });
    return { ...r, n: j.n, grads: t.getGrads(), stats: t.batchStats(), ...(made ? { targets: made } : {}) };
  });
}

/** A ghost batch's soft targets [n, 7] in a run with teachers: theirs on its faces, joined to its blended labels if mixed. */
export function jobTeacherTargets(j: GhostJob, teachers: Predictor[], softTemperature: number): Float32Array {
  const q = teacherTargets(teachers, j.x, j.n, softTemperature);
  if (j.teacherWeight === undefined) return q;
  // function matching (Beyer et al. 2022): the teachers answer for the mixed face itself, not a blend of the two
  if (!j.soft || j.soft.length !== q.length) throw new ArgumentError(`a mixed ghost batch needs its blended label target [${j.n}, 7]`);
  const w = j.teacherWeight, out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = (1 - w) * j.soft[i] + w * q[i];
  return out;
}

/**
 * workers 0: on the calling thread; W ≥ 1: W worker_threads, each with its own WASM instance (and copies of the
 * teachers, whose targets the engine computes for each ghost batch at the loss's distillation temperature).
 */
export async function createGradEngine(model: Model, ghost: number, workers: number, teachers: Model[] = []): Promise<GradEngine> {
  if (!Number.isInteger(workers) || workers < 0 || workers > 64) throw new ArgumentError(`workers must be an integer in 0..64, found ${workers}`);
  // a Trainer holds one ghost batch's activations and gradients in its WASM memory (about 4 MB a face for ResEZAP):
  // past the memory limit, the error names the ghost batch, the knob that sizes it
  const sized = (e: unknown) => (e instanceof LimitError ? new LimitError(`training on ghost batches of ${ghost} faces: ${e.message}; a smaller ghost batch (--ghost) fits`) : e);
  if (workers === 0) {
    let t: Trainer;
    try {
      t = new Trainer(model, ghost);
    } catch (e) {
      throw sized(e);
    }
    return { workers: 0, run: async (p, jobs, s, w, T) => runJobs(t, p, jobs, s, w, T, teachers), close: async () => {} };
  }
  const { modelJSON, weightData } = modelToArtifacts(model);
  const teacherArtifacts = teachers.map((m) => modelToArtifacts(m));
  const url = new URL(import.meta.url.endsWith(".ts") ? "./worker.ts" : "./worker.js", import.meta.url);
  const pool = await startWorkers(url, workers, { modelJSON, weightData, ghost, teachers: teacherArtifacts });
  const call = async (i: number, params: Float32Array, jobs: GhostJob[], smoothing: number, softWeight: number, softTemperature: number) =>
    (await pool.call<{ results: GhostResult[] }>(i, { params, jobs, smoothing, softWeight, softTemperature })).results;
  try {
    await Promise.all(Array.from({ length: workers }, (_, i) => call(i, new Float32Array(0), [], 0, 0, 1)));
  } catch (e) {
    await pool.close();
    throw sized(e);
  }
  return {
    workers,
    async run(params, jobs, smoothing, softWeight = 0, temperature = 1) {
      // contiguous runs of ghost batches per worker; results joined in job order
      const per = Math.ceil(jobs.length / workers);
      const parts = await Promise.all(Array.from({ length: workers }, (_, i) => (i * per < jobs.length ? call(i, params, jobs.slice(i * per, (i + 1) * per), smoothing, softWeight, temperature) : Promise.resolve([]))));
      return parts.flat();
    },
    close: () => pool.close(),
  };
}

// One worker of createGradEngine(): its own model copy and Trainer (own WASM memory), and its own copies of the
// teachers where the run has them (train --teacher); answers
// { params, jobs, smoothing, softWeight, softTemperature } with each ghost batch's loss, gradient and batch-norm statistics.
import { parentPort, workerData } from "node:worker_threads";
import { errorAnswer } from "../errors.js";
import { loadLayersModel, type MemorySource } from "../io/load.js";
import { runJobs, type GhostJob } from "./parallel.js";
import { Trainer } from "./trainer.js";

const model = await loadLayersModel({ modelJSON: workerData.modelJSON, weightData: workerData.weightData });
const trainer = new Trainer(model, workerData.ghost);
const teachers = await Promise.all(((workerData.teachers ?? []) as MemorySource[]).map((a) => loadLayersModel(a)));
parentPort!.on("message", (m: { id: number; params: Float32Array; jobs: GhostJob[]; smoothing: number; softWeight: number; softTemperature: number }) => {
  try {
    const results = m.jobs.length ? runJobs(trainer, m.params, m.jobs, m.smoothing, m.softWeight, m.softTemperature, teachers) : [];
    parentPort!.postMessage({ id: m.id, results }, results.map((r) => r.grads.buffer as ArrayBuffer));
  } catch (e) {
    parentPort!.postMessage({ id: m.id, ...errorAnswer(e) });
  }
});

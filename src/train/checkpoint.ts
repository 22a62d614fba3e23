// Checkpoints of a training run in DIR:
//   DIR/checkpoint/       the last finished epoch: model.json + shard (TF.js Layers format), optimizer.bin
//                         (the optimiser's m then v, f32 little-endian), state.json (epoch, steps, config,
//                         history, best); written to checkpoint.tmp then renamed, so a crash mid-write
//                         leaves the previous one whole
//   DIR/epochs/epoch-NN/  every epoch's model
//   DIR/model.json + shard: the epoch with the best PublicTest accuracy (model selection on PublicTest only)

import { ArgumentError } from "../errors.js";
import { loadLayersModel } from "../io/load.js";
import { saveLayersModel } from "../io/save.js";
import type { Model } from "../model.js";
import type { TrainConfig } from "./loop.js";
import type { OptimizerState } from "./optimizer.js";

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  testAcc: number;
  testAccTta?: number;
  lr: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface RunState {
  /** epochs finished */
  epoch: number;
  globalStep: number;
  stepsPerEpoch: number;
  config: TrainConfig;
  history: EpochRecord[];
  best: { epoch: number; testAcc: number } | null;
  optimizerStep: number;
}

export async function saveCheckpoint(dir: string, model: Model, opt: OptimizerState, state: RunState): Promise<void> {
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  const tmp = path.join(dir, "checkpoint.tmp"), fin = path.join(dir, "checkpoint");
  await fs.rm(tmp, { recursive: true, force: true });
  await saveLayersModel(model, tmp);
  const buf = new Float32Array(opt.m.length * 2);
  buf.set(opt.m);
  buf.set(opt.v, opt.m.length);
  await fs.writeFile(path.join(tmp, "optimizer.bin"), new Uint8Array(buf.buffer));
  await fs.writeFile(path.join(tmp, "state.json"), JSON.stringify({ ...state, optimizerStep: opt.step }, null, 1));
  await fs.rm(fin, { recursive: true, force: true });
  await fs.rename(tmp, fin);
  await saveLayersModel(model, path.join(dir, "epochs", `epoch-${String(state.epoch).padStart(2, "0")}`));
}

export async function loadCheckpoint(dir: string): Promise<{ model: Model; opt: OptimizerState; state: RunState }> {
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  const fin = path.join(dir, "checkpoint");
  let state: RunState, bin: Buffer;
  try {
    state = JSON.parse(await fs.readFile(path.join(fin, "state.json"), "utf8")) as RunState;
    bin = await fs.readFile(path.join(fin, "optimizer.bin"));
  } catch {
    throw new ArgumentError(`${fin}: no checkpoint to resume from (state.json and optimizer.bin expected)`);
  }
  const model = await loadLayersModel(fin);
  const f = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const half = f.length / 2;
  return { model, opt: { step: state.optimizerStep, m: f.slice(0, half), v: f.slice(half) }, state };
}

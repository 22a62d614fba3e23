// Checkpoints of a training run in DIR:
//   DIR/checkpoint/       the last finished epoch: model.json + shard (TF.js Layers format), optimizer.bin
//                         (the optimiser's m then v, f32 little-endian), state.json (epoch, steps, config,
//                         history, best, the plateau schedule's position, the data and soft-target files'
//                         fingerprints); written to checkpoint.tmp then renamed, so a crash mid-write leaves
//                         the previous one whole
//   DIR/epochs/epoch-NN/  every epoch's model
//   DIR/model.json + shard: the epoch with the best PublicTest accuracy (model selection on PublicTest only)

import { ArgumentError, ModelFormatError } from "../errors.js";
import { loadLayersModel } from "../io/load.js";
import { saveLayersModel } from "../io/save.js";
import type { Model } from "../model.js";
import type { TrainConfig } from "./loop.js";
import type { OptimizerState } from "./optimizer.js";
import type { PlateauState } from "./schedule.js";

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
  /** the training data: the file's size and SHA-256, and --limit (older checkpoints lack it) */
  data?: { bytes: number; sha256: string; limit: number | null };
  /** the soft-target file (src/train/soft-targets.ts): its size and SHA-256; its weight is config.softWeight. Absent: none */
  soft?: { bytes: number; sha256: string };
  /** train --teacher: each teacher model's source and the SHA-256 of its weights, in order. Absent: none */
  teachers?: { source: string; sha256: string }[];
  /** schedule "plateau": its cuts so far and the epochs since the last best or cut, after `epoch`. Absent: another schedule */
  plateau?: PlateauState;
  /** train --init: the model the run's weights started from, and the SHA-256 of its weight values. Absent: the seed's draw */
  init?: { source: string; sha256: string };
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
  const read = async (f: string): Promise<Buffer> => {
    try {
      return await fs.readFile(path.join(fin, f));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new ArgumentError(`${fin}: no checkpoint to resume from (state.json and optimizer.bin expected; ${f} is missing)`);
      throw new ModelFormatError(`${path.join(fin, f)}: cannot read (${(e as NodeJS.ErrnoException).code})`);
    }
  };
  const stateText = (await read("state.json")).toString("utf8"), bin = await read("optimizer.bin");
  // a damaged checkpoint is an error, never a silent restart from scratch
  let state: RunState;
  try {
    state = JSON.parse(stateText) as RunState;
  } catch (e) {
    throw new ModelFormatError(`${path.join(fin, "state.json")}: not valid JSON (${(e as Error).message})`);
  }
  const int = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  const bad = !state || typeof state !== "object" ? "not an object"
    : !int(state.epoch) ? `epoch ${JSON.stringify(state.epoch)}`
    : !int(state.globalStep) ? `globalStep ${JSON.stringify(state.globalStep)}`
    : !int(state.optimizerStep) ? `optimizerStep ${JSON.stringify(state.optimizerStep)}`
    : !(Number.isInteger(state.stepsPerEpoch) && state.stepsPerEpoch > 0) ? `stepsPerEpoch ${JSON.stringify(state.stepsPerEpoch)}`
    : !state.config || typeof state.config !== "object" ? "no config"
    : !Array.isArray(state.history) || state.history.length !== state.epoch ? `history of ${Array.isArray(state.history) ? state.history.length : "no"} epochs for epoch ${state.epoch}`
    : state.config.schedule === "plateau" && state.epoch > 0 && !(int(state.plateau?.reductions) && int(state.plateau?.bad)) ? `plateau ${JSON.stringify(state.plateau)} for the plateau schedule (reductions and bad, integers ≥ 0, expected)`
    : null;
  if (bad) throw new ModelFormatError(`${path.join(fin, "state.json")}: not a training state (${bad})`);
  if (bin.byteLength === 0 || bin.byteLength % 8 !== 0) {
    throw new ModelFormatError(`${path.join(fin, "optimizer.bin")}: ${bin.byteLength} bytes, expected two f32 arrays of equal length (m, then v)`);
  }
  const model = await loadLayersModel(fin);
  const f = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const half = f.length / 2;
  return { model, opt: { step: state.optimizerStep, m: f.slice(0, half), v: f.slice(half) }, state };
}

/** The size and SHA-256 of a training data file, which a resumed run must be given again. */
export async function fingerprint(file: string): Promise<{ bytes: number; sha256: string }> {
  const fs = await import("node:fs/promises");
  const { createHash } = await import("node:crypto");
  const bytes = await fs.readFile(file);
  return { bytes: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex") };
}

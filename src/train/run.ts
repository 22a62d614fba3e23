import { ArgumentError } from "../errors.js";
import { saveLayersModel } from "../io/save.js";
import type { Model } from "../model.js";
import { resezap } from "../resezap.js";
import { fingerprint, saveCheckpoint, type EpochRecord, type RunState } from "./checkpoint.js";
import type { OptimizerState } from "./optimizer.js";
import { evaluateFerWithTta } from "./evaluate.js";
import { FER_PIXELS, loadFer2013Splits, type FerData } from "./fer2013.js";
import { TrainingSession, type StepInfo, type TrainConfig } from "./loop.js";
import { plotCurves } from "./plot.js";

// A training run in its folder: ResEZAP trained on FER2013's Training split epoch by epoch, PublicTest evaluated
// after each, the best PublicTest epoch kept as OUT/model.json, a checkpoint every epoch, JSON lines in
// OUT/log.jsonl and the curves in OUT/curves.png. A resumed run continues from its checkpoint and refuses another
// data file or another epoch length. `train` (src/cli/train.ts) parses the options and prints the progress.

export interface TrainRunOptions {
  /** the FER2013 CSV, plain or .gz */
  data: string;
  /** the run's folder */
  out: string;
  config: TrainConfig;
  workers: number;
  /** train on the first `limit` Training faces only */
  limit?: number;
  /** stop after this epoch (the run pauses; resume continues it) */
  until?: number;
  /** the checkpoint this run continues (loadCheckpoint(out)), or null for a fresh run */
  resumed: { model: Model; opt: OptimizerState; state: RunState } | null;
  /** where messages come from: the errors start with it */
  what?: string;
  onStart?(info: { train: number; test: number; readSeconds: number }): void;
  /** each step, with the epoch's start time (performance.now()) */
  onStep?(epoch: number, step: StepInfo, epochStart: number): void;
  onEpoch?(rec: EpochRecord, test: { accuracy: number; accuracyTta: number }, best: boolean): void;
}

export async function trainRun(o: TrainRunOptions): Promise<RunState> {
  const { data, out, config: cfg, workers, limit, until, resumed, what = "train" } = o;
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  const t0 = Date.now();
  const splits = await loadFer2013Splits(data, ["Training", "PublicTest"]);
  const cut = (d: FerData, n?: number): FerData => (n && n < d.n ? { n, pixels: d.pixels.slice(0, n * FER_PIXELS), labels: d.labels.slice(0, n) } : d);
  const train = cut(splits.Training, limit), test = splits.PublicTest;
  if (train.n < cfg.batch) throw new ArgumentError(`${what}: ${train.n} training faces, fewer than one batch of ${cfg.batch}`);
  const stepsPerEpoch = Math.floor(train.n / cfg.batch);
  o.onStart?.({ train: train.n, test: test.n, readSeconds: (Date.now() - t0) / 1000 });
  const dataPrint = { ...(await fingerprint(data)), limit: limit ?? null };
  const was = resumed?.state.data;
  if (was && (was.sha256 !== dataPrint.sha256 || was.bytes !== dataPrint.bytes)) {
    throw new ArgumentError(`${what}: --data ${data} is not the file the run in ${out} was trained on (${dataPrint.bytes} bytes, SHA-256 ${dataPrint.sha256.slice(0, 12)}…; the run's: ${was.bytes} bytes, ${was.sha256.slice(0, 12)}…)`);
  }
  if (resumed && resumed.state.stepsPerEpoch !== stepsPerEpoch) {
    throw new ArgumentError(`${what}: the checkpoint was made with ${resumed.state.stepsPerEpoch} steps an epoch, this data gives ${stepsPerEpoch}`);
  }

  const model = resumed ? resumed.model : resezap({ seed: cfg.seed });
  const session = new TrainingSession(model, cfg, stepsPerEpoch, workers);
  const state: RunState = resumed
    ? resumed.state
    : { epoch: 0, globalStep: 0, stepsPerEpoch, config: cfg, history: [], best: null, optimizerStep: 0 };
  state.data = dataPrint;
  if (resumed) {
    session.opt.setState(resumed.opt);
    session.globalStep = resumed.state.globalStep;
  }
  await fs.mkdir(out, { recursive: true });
  const log = path.join(out, "log.jsonl");
  const append = (x: unknown) => fs.appendFile(log, JSON.stringify(x) + "\n");
  await append({ event: resumed ? "resume" : "start", time: new Date().toISOString(), config: cfg, workers, train: train.n, test: test.n, fromEpoch: state.epoch });

  try {
    for (let epoch = state.epoch + 1; epoch <= (until ?? cfg.epochs); epoch++) {
      const e0 = performance.now();
      const res = await session.epoch(train, epoch, (s) => o.onStep?.(epoch, s, e0));
      const secs = (performance.now() - e0) / 1000;
      const { plain: ev, tta: evT } = evaluateFerWithTta(model, test);
      const rec: EpochRecord = {
        epoch, trainLoss: res.loss, trainAcc: res.accuracy, testAcc: ev.accuracy, testAccTta: evT.accuracy,
        lr: session.lrAt(session.globalStep - 1), seconds: secs, imagesPerSecond: (stepsPerEpoch * cfg.batch) / secs,
      };
      state.history.push(rec);
      state.epoch = epoch;
      state.globalStep = session.globalStep;
      const best = !state.best || ev.accuracy > state.best.testAcc;
      if (best) {
        state.best = { epoch, testAcc: ev.accuracy };
        model.userDefinedMetadata = { ...(model.userDefinedMetadata ?? {}), training: { epoch, publicTestAccuracy: ev.accuracy, publicTestAccuracyTta: evT.accuracy } };
        await saveLayersModel(model, out);
      }
      await saveCheckpoint(out, model, session.opt.getState(), state);
      await append({ event: "epoch", ...rec, best });
      await fs.writeFile(path.join(out, "curves.png"), plotCurves({
        trainLoss: state.history.map((h) => h.trainLoss), trainAcc: state.history.map((h) => h.trainAcc), testAcc: state.history.map((h) => h.testAcc),
      }, cfg.epochs));
      o.onEpoch?.(rec, { accuracy: ev.accuracy, accuracyTta: evT.accuracy }, best);
    }
  } finally {
    await session.close();
  }
  if (state.epoch < cfg.epochs) await append({ event: "paused", time: new Date().toISOString(), epoch: state.epoch, of: cfg.epochs, best: state.best });
  else await append({ event: "done", time: new Date().toISOString(), best: state.best });
  return state;
}

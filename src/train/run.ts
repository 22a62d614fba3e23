import { ArgumentError } from "../errors.js";
import { saveLayersModel } from "../io/save.js";
import type { Model } from "../model.js";
import { resezap } from "../resezap.js";
import { initFrom } from "./init.js";
import { fingerprint, saveCheckpoint, type EpochRecord, type RunState } from "./checkpoint.js";
import type { OptimizerState } from "./optimizer.js";
import { evaluateFerWithTta } from "./evaluate.js";
import { FER_CLASSES, FER_PIXELS, loadFer2013Splits, type FerData } from "./fer2013.js";
import { checkSoftRows, readSoftTargets } from "./soft-targets.js";
import { weightsSha256 } from "./teacher.js";
import { TrainingSession, type StepInfo, type TrainConfig } from "./loop.js";
import { plotCurves } from "./plot.js";
import { plateauAfterEpoch } from "./schedule.js";

// A training run in its folder: ResEZAP trained on FER2013's Training split epoch by epoch, PublicTest evaluated
// after each, the best PublicTest epoch kept as OUT/model.json, a checkpoint every epoch, JSON lines in
// OUT/log.jsonl and the curves in OUT/curves.png. A resumed run continues from its checkpoint and refuses another
// data file, another soft-target file, other teacher models, or another epoch length. `train` (src/cli/train.ts) parses the options and prints the progress.

export interface TrainRunOptions {
  /** the FER2013 CSV, plain or .gz */
  data: string;
  /** the run's folder */
  out: string;
  config: TrainConfig;
  workers: number;
  /** soft targets for the Training rows (FER+ votes or a teacher file: src/train/soft-targets.ts), weighted by config.softWeight */
  soft?: string;
  /**
   * teacher models run on each augmented ghost batch for its soft targets (train --teacher; config.teachers of them,
   * at config.softTemperature), each with where it came from; not with `soft`
   */
  teachers?: { model: Model; source: string }[];
  /** train on the first `limit` Training faces only */
  limit?: number;
  /** stop after this epoch (the run pauses; resume continues it) */
  until?: number;
  /** the checkpoint this run continues (loadCheckpoint(out)), or null for a fresh run */
  resumed: { model: Model; opt: OptimizerState; state: RunState } | null;
  /** a fresh run's starting weights (train --init): a loaded model of the recipe's architecture, and where it came from */
  init?: { model: Model; source: string };
  /** where messages come from: the errors start with it */
  what?: string;
  onStart?(info: { train: number; test: number; readSeconds: number; soft: { format: string; rows: number; missing: number; temperature: number } | null }): void;
  /** each step, with the epoch's start time (performance.now()) */
  onStep?(epoch: number, step: StepInfo, epochStart: number): void;
  onEpoch?(rec: EpochRecord, test: { accuracy: number; accuracyTta: number }, best: boolean): void;
}

export async function trainRun(o: TrainRunOptions): Promise<RunState> {
  const { data, out, workers, limit, until, resumed, soft, init, teachers = [], what = "train" } = o;
  let cfg = o.config;
  if (soft && teachers.length) throw new ArgumentError(`${what}: --soft ${soft} with --teacher: the soft targets come from a file or from teacher models, not both`);
  if ((cfg.teachers ?? 0) !== teachers.length) throw new ArgumentError(`${what}: the run's recipe has ${cfg.teachers ?? 0} teacher model(s), ${teachers.length} given${resumed ? ` (give the --teacher models the run in ${out} was trained with)` : ""}`);
  if (init && resumed) throw new ArgumentError(`${what}: --init ${init.source} with --resume: --init starts a run from a model's weights, --resume continues one from its checkpoint`);
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  const t0 = Date.now();
  const splits = await loadFer2013Splits(data, ["Training", "PublicTest"]);
  let full = splits.Training;
  let softInfo: { format: string; rows: number; missing: number; temperature: number } | null = null;
  if (soft) {
    const st = await readSoftTargets(soft);
    checkSoftRows(st, soft, full.n, data);
    full = { ...full, soft: st.probs };
    softInfo = { format: st.format, rows: st.n, missing: st.missing, temperature: st.temperature };
    // the file states the teacher's temperature; the student distils at it (a resumed run's config has it already)
    if (st.temperature !== 1) {
      if (cfg.mix) throw new ArgumentError(`${what}: --soft ${soft} is a teacher at temperature ${st.temperature}; mixup/cutmix need a temperature-1 teacher (a mixed batch's target is one blend)`);
      cfg = { ...cfg, softTemperature: st.temperature };
    }
  } else if (cfg.softWeight !== undefined && !resumed && !teachers.length) {
    throw new ArgumentError(`${what}: the recipe has a soft-target weight (${cfg.softWeight}) but no soft-target file was given`);
  }
  const cut = (d: FerData, n?: number): FerData =>
    n && n < d.n ? { n, pixels: d.pixels.slice(0, n * FER_PIXELS), labels: d.labels.slice(0, n), ...(d.soft ? { soft: d.soft.slice(0, n * FER_CLASSES) } : {}) } : d;
  const train = cut(full, limit), test = splits.PublicTest;
  if (train.n < cfg.batch) throw new ArgumentError(`${what}: ${train.n} training faces, fewer than one batch of ${cfg.batch}`);
  const stepsPerEpoch = Math.floor(train.n / cfg.batch);
  o.onStart?.({ train: train.n, test: test.n, readSeconds: (Date.now() - t0) / 1000, soft: softInfo });
  const dataPrint = { ...(await fingerprint(data)), limit: limit ?? null };
  const was = resumed?.state.data;
  if (was && (was.sha256 !== dataPrint.sha256 || was.bytes !== dataPrint.bytes)) {
    throw new ArgumentError(`${what}: --data ${data} is not the file the run in ${out} was trained on (${dataPrint.bytes} bytes, SHA-256 ${dataPrint.sha256.slice(0, 12)}…; the run's: ${was.bytes} bytes, ${was.sha256.slice(0, 12)}…)`);
  }
  // the soft targets are part of the run's identity, as the data file is: size and SHA-256 in the state
  const softPrint = soft ? await fingerprint(soft) : null;
  if (resumed) {
    const had = resumed.state.soft ?? null;
    if (!had && softPrint) throw new ArgumentError(`${what}: --soft ${soft}: the run in ${out} was trained without soft targets`);
    if (had && !softPrint) throw new ArgumentError(`${what}: the run in ${out} was trained with soft targets (${had.bytes} bytes, SHA-256 ${had.sha256.slice(0, 12)}…): give its --soft file`);
    if (had && softPrint && (had.sha256 !== softPrint.sha256 || had.bytes !== softPrint.bytes)) {
      throw new ArgumentError(`${what}: --soft ${soft} is not the soft-target file the run in ${out} was trained on (${softPrint.bytes} bytes, SHA-256 ${softPrint.sha256.slice(0, 12)}…; the run's: ${had.bytes} bytes, ${had.sha256.slice(0, 12)}…)`);
    }
  }
  if (resumed && resumed.state.stepsPerEpoch !== stepsPerEpoch) {
    throw new ArgumentError(`${what}: the checkpoint was made with ${resumed.state.stepsPerEpoch} steps an epoch, this data gives ${stepsPerEpoch}`);
  }

  // the teachers are part of the run's identity too: the SHA-256 of each one's weights, in order
  const teacherPrints = await Promise.all(teachers.map(async (t) => ({ source: t.source, sha256: await weightsSha256(t.model) })));
  if (resumed) {
    const had = resumed.state.teachers ?? [];
    teacherPrints.forEach((t, i) => {
      if (had[i] && had[i].sha256 !== t.sha256) throw new ArgumentError(`${what}: --teacher ${t.source} is not teacher ${i + 1} of the run in ${out} (its weights' SHA-256 ${t.sha256.slice(0, 12)}…; the run's ${had[i].source}: ${had[i].sha256.slice(0, 12)}…)`);
    });
  }

  const model = resumed ? resumed.model : resezap({ seed: cfg.seed, filters: cfg.filters, bnMomentum: cfg.bnMomentum });
  const initPrint = init ? { source: init.source, sha256: await initFrom(model, init.model, init.source, what) } : null;
  const session = new TrainingSession(model, cfg, stepsPerEpoch, workers, teachers.map((t) => t.model));
  const state: RunState = resumed
    ? resumed.state
    : { epoch: 0, globalStep: 0, stepsPerEpoch, config: cfg, history: [], best: null, optimizerStep: 0 };
  state.data = dataPrint;
  if (softPrint) state.soft = softPrint;
  if (teacherPrints.length) state.teachers = teacherPrints;
  if (initPrint) state.init = initPrint;
  if (resumed) {
    session.opt.setState(resumed.opt);
    session.globalStep = resumed.state.globalStep;
    if (resumed.state.plateau) session.plateau = resumed.state.plateau;
  }
  await fs.mkdir(out, { recursive: true });
  const log = path.join(out, "log.jsonl");
  const append = (x: unknown) => fs.appendFile(log, JSON.stringify(x) + "\n");
  await append({ event: resumed ? "resume" : "start", time: new Date().toISOString(), config: cfg, workers, train: train.n, test: test.n, fromEpoch: state.epoch, ...(softInfo ? { soft: { file: soft, ...softInfo } } : {}), ...(teacherPrints.length ? { teachers: teacherPrints } : {}), ...(initPrint ? { init: initPrint } : {}) });

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
      // the plateau schedule watches the accuracy that selects the model: PublicTest's (the rate in rec is this epoch's)
      if (cfg.plateau) state.plateau = session.plateau = plateauAfterEpoch(session.plateau, best, cfg.plateau);
      await saveCheckpoint(out, model, session.opt.getState(), state);
      await append({ event: "epoch", ...rec, best, ...(state.plateau ? { plateau: state.plateau } : {}) });
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

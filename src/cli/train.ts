import { ArgumentError } from "../errors.js";
import { saveLayersModel } from "../io/save.js";
import { resezap } from "../resezap.js";
import { NO_AUGMENT, REFERENCE_AUGMENT } from "../train/augment.js";
import { fingerprint, loadCheckpoint, saveCheckpoint, type EpochRecord, type RunState } from "../train/checkpoint.js";
import { evaluateFerWithTta } from "../train/evaluate.js";
import { loadFer2013Splits, type FerData } from "../train/fer2013.js";
import { REFERENCE_CONFIG, TrainingSession, type TrainConfig } from "../train/loop.js";
import { plotCurves } from "../train/plot.js";
import { numberOption, parseArgs, stringOption } from "./args.js";
import { parserSpec } from "./options.js";

// resezap train --data FILE --out DIR [--epochs N] [--batch B] [--workers W] [--seed S] [--until E] [--resume] …
// Trains ResEZAP from scratch on the Training split with the reference recipe (Adam, one-cycle 4e-3, weight
// decay 1e-4, label smoothing 0.1, Keras-style augmentation), evaluates PublicTest after each epoch, keeps
// the best PublicTest epoch as DIR/model.json, checkpoints every epoch, logs JSON lines to DIR/log.jsonl and
// draws DIR/curves.png. A run goes in pieces: --until E stops after epoch E, --resume continues from the last
// checkpoint, and the pieces end bit for bit where one uninterrupted run ends (an epoch's randomness derives
// from the seed and the epoch alone), so a resumed run keeps its recipe and its data file: a recipe option
// that differs, or another file, is refused naming it.

const CMD = "train";

export async function trainCommand(args: string[]): Promise<void> {
  const p = parseArgs(args, parserSpec("train"), CMD);
  const data = stringOption(p, "data"), out = stringOption(p, "out");
  if (!data || !out) throw new ArgumentError(`${CMD}: --data FILE and --out DIR are required`);
  const int = (k: string, min: number) => numberOption(p, k, CMD, (v) => Number.isInteger(v) && v >= min, `an integer ≥ ${min}`);
  const pos = (k: string) => numberOption(p, k, CMD, (v) => v >= 0, "a number ≥ 0");
  const os = await import("node:os");
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  const workers = int("workers", 0) ?? Math.min(2, os.availableParallelism?.() ?? os.cpus().length);
  const limit = int("limit", 1);
  const until = int("until", 1);
  const quiet = p.options.has("quiet");

  // the recipe from the options (defaults where not given); a resumed run compares what was given with its own
  const fresh = recipeFromOptions();
  let cfg: TrainConfig;
  let resumed: Awaited<ReturnType<typeof loadCheckpoint>> | null = null;
  if (p.options.has("resume")) {
    resumed = await loadCheckpoint(out);
    cfg = resumed.state.config;
    for (const [option, field] of Object.entries(RECIPE_FIELDS)) {
      if (!p.options.has(option)) continue;
      const was = field(cfg), now = field(fresh);
      if (JSON.stringify(was) !== JSON.stringify(now)) {
        throw new ArgumentError(`${CMD}: --${option}${option === "no-augment" ? "" : ` ${p.options.get(option)}`} differs from the run in ${out} (${option} ${JSON.stringify(was)}): a resumed run keeps its recipe; start another --out for another one`);
      }
    }
    const had = resumed.state.data?.limit ?? null;
    if (resumed.state.data && (limit ?? null) !== had) throw new ArgumentError(`${CMD}: --limit ${limit ?? "(none)"} differs from the run in ${out} (limit ${had ?? "none"})`);
    const m = resumed.model, ref = resezap({ seed: cfg.seed });
    if (m.countParams() !== ref.countParams() || m.layers.length !== ref.layers.length) {
      throw new ArgumentError(`${out}/checkpoint: its model has ${m.countParams()} parameters in ${m.layers.length} layers, not ResEZAP's ${ref.countParams()} in ${ref.layers.length}: train resumes ResEZAP runs only`);
    }
  } else cfg = fresh;
  if (until !== undefined && (until > cfg.epochs || (resumed && until <= resumed.state.epoch))) {
    throw new ArgumentError(`${CMD}: --until must be an epoch after ${resumed?.state.epoch ?? 0} and at most --epochs ${cfg.epochs}, found ${until}`);
  }

  function recipeFromOptions(): TrainConfig {
    const optimizer = stringOption(p, "optimizer") ?? "adam";
    if (optimizer !== "adam" && optimizer !== "sgd") throw new ArgumentError(`${CMD}: --optimizer must be adam or sgd, found ${JSON.stringify(optimizer)}`);
    const schedule = stringOption(p, "schedule") ?? "one-cycle";
    if (!["one-cycle", "cosine", "constant"].includes(schedule)) throw new ArgumentError(`${CMD}: --schedule must be one-cycle, cosine or constant, found ${JSON.stringify(schedule)}`);
    const wd = pos("weight-decay") ?? 1e-4;
    return {
      ...REFERENCE_CONFIG,
      epochs: int("epochs", 1) ?? 25,
      batch: int("batch", 1) ?? 64,
      ghost: int("ghost", 1) ?? 32,
      seed: int("seed", 0) ?? 1,
      lr: pos("lr") ?? (optimizer === "adam" ? 4e-3 : 0.05),
      schedule: schedule as TrainConfig["schedule"],
      optimizer: optimizer === "adam" ? { kind: "adam", weightDecay: wd, eps: 1e-8 } : { kind: "sgd", weightDecay: wd, momentum: 0.9, nesterov: true },
      smoothing: pos("smoothing") ?? 0.1,
      augment: p.options.has("no-augment") ? NO_AUGMENT : REFERENCE_AUGMENT,
    };
  }

  const t0 = Date.now();
  const splits = await loadFer2013Splits(data, ["Training", "PublicTest"]);
  const cut = (d: FerData, n?: number): FerData => (n && n < d.n ? { n, pixels: d.pixels.slice(0, n * 2304), labels: d.labels.slice(0, n) } : d);
  const train = cut(splits.Training, limit), test = splits.PublicTest;
  if (train.n < cfg.batch) throw new ArgumentError(`${CMD}: ${train.n} training faces, fewer than one batch of ${cfg.batch}`);
  const stepsPerEpoch = Math.floor(train.n / cfg.batch);
  if (!quiet) process.stderr.write(`train: ${train.n} Training faces, ${test.n} PublicTest, read in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${workers} worker(s), batch ${cfg.batch} (BN ghost batches of ${Math.min(cfg.ghost, cfg.batch)})\n`);
  const dataPrint = { ...(await fingerprint(data)), limit: limit ?? null };
  const was = resumed?.state.data;
  if (was && (was.sha256 !== dataPrint.sha256 || was.bytes !== dataPrint.bytes)) {
    throw new ArgumentError(`${CMD}: --data ${data} is not the file the run in ${out} was trained on (${dataPrint.bytes} bytes, SHA-256 ${dataPrint.sha256.slice(0, 12)}…; the run's: ${was.bytes} bytes, ${was.sha256.slice(0, 12)}…)`);
  }
  if (resumed && resumed.state.stepsPerEpoch !== stepsPerEpoch) {
    throw new ArgumentError(`${CMD}: the checkpoint was made with ${resumed.state.stepsPerEpoch} steps an epoch, this data gives ${stepsPerEpoch}`);
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
  const append = (o: unknown) => fs.appendFile(log, JSON.stringify(o) + "\n");
  await append({ event: resumed ? "resume" : "start", time: new Date().toISOString(), config: cfg, workers, train: train.n, test: test.n, fromEpoch: state.epoch });

  const tty = process.stderr.isTTY;
  try {
    for (let epoch = state.epoch + 1; epoch <= (until ?? cfg.epochs); epoch++) {
      const e0 = performance.now();
      let images = 0, runLoss = 0, runAcc = 0, k = 0;
      const res = await session.epoch(train, epoch, (s) => {
        images += s.images;
        k++;
        runLoss += (s.loss - runLoss) / Math.min(k, 50);
        runAcc += (s.accuracy - runAcc) / Math.min(k, 50);
        const secs = (performance.now() - e0) / 1000, ips = images / secs;
        const left = (s.stepsPerEpoch - s.step) * s.images / ips + (cfg.epochs - epoch) * s.stepsPerEpoch * s.images / ips;
        const line = `epoch ${epoch}/${cfg.epochs} step ${s.step}/${s.stepsPerEpoch} loss ${runLoss.toFixed(4)} acc ${(100 * runAcc).toFixed(1)}% lr ${s.lr.toExponential(2)} ${ips.toFixed(0)} img/s ETA ${fmtTime(left)}`;
        if (quiet) return;
        if (tty) process.stderr.write(`\r${line}\x1b[K`);
        else if (s.step % 50 === 0 || s.step === s.stepsPerEpoch) process.stderr.write(line + "\n");
      });
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
      if (!quiet) {
        process.stderr.write(`${tty ? "\r" : ""}epoch ${epoch}/${cfg.epochs}: train loss ${res.loss.toFixed(4)} acc ${(100 * res.accuracy).toFixed(2)}%, PublicTest ${(100 * ev.accuracy).toFixed(2)}% (TTA ${(100 * evT.accuracy).toFixed(2)}%)${best ? " best" : ""}, ${secs.toFixed(0)} s, ${rec.imagesPerSecond.toFixed(0)} img/s\x1b[K\n`.replace(tty ? "" : "\x1b[K", ""));
      }
    }
  } finally {
    await session.close();
  }
  if (state.epoch < cfg.epochs) await append({ event: "paused", time: new Date().toISOString(), epoch: state.epoch, of: cfg.epochs, best: state.best });
  else await append({ event: "done", time: new Date().toISOString(), best: state.best });
}

/** The recipe's options on the command line and the config field each sets (what a resumed run must not change). */
const RECIPE_FIELDS: Record<string, (c: TrainConfig) => unknown> = {
  epochs: (c) => c.epochs,
  batch: (c) => c.batch,
  ghost: (c) => c.ghost,
  seed: (c) => c.seed,
  lr: (c) => c.lr,
  optimizer: (c) => c.optimizer.kind,
  schedule: (c) => c.schedule,
  "weight-decay": (c) => c.optimizer.weightDecay,
  smoothing: (c) => c.smoothing,
  "no-augment": (c) => c.augment,
};

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
  return h ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(sec).padStart(2, "0")}s`;
}

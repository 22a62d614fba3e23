import { ArgumentError } from "../errors.js";
import { resezap } from "../resezap.js";
import { NO_AUGMENT, REFERENCE_AUGMENT } from "../train/augment.js";
import { loadLayersModel } from "../io/load.js";
import { KERAS_BN_MOMENTUM } from "../layers/core.js";
import { loadCheckpoint } from "../train/checkpoint.js";
import { REFERENCE_CONFIG, type TrainConfig } from "../train/loop.js";
import { trainRun } from "../train/run.js";
import { MAX_SAM_RHO } from "../train/sam.js";
import { MAX_TEMPERATURE } from "../train/soft-targets.js";
import { checkTeacher } from "../train/teacher.js";
import { defaultTrainWorkers, numberOption, parseArgs, stringOption } from "./args.js";
import { parserSpec } from "./options.js";

// resezap train --data FILE --out DIR [--epochs N] [--batch B] [--workers W] [--seed S] [--until E] [--resume] …
// Parses the options into a recipe (defaults: REFERENCE_CONFIG), checks a resumed run's, prints the progress;
// the run itself is src/train/run.ts's trainRun. Trains ResEZAP from scratch on the Training split with the reference recipe (Adam, one-cycle 4e-3, weight
// decay 1e-4, label smoothing 0.1, Keras-style augmentation), evaluates PublicTest after each epoch, keeps
// the best PublicTest epoch as DIR/model.json, checkpoints every epoch, logs JSON lines to DIR/log.jsonl and
// draws DIR/curves.png. A run goes in pieces: --until E stops after epoch E, --resume continues from the last
// checkpoint, and the pieces end bit for bit where one uninterrupted run ends (an epoch's randomness derives
// from the seed and the epoch alone), so a resumed run keeps its recipe and its data file: a recipe option
// that differs, or another file, is refused naming it. --init DIR starts a fresh run from a saved model's weights
// instead of the seed's draw (src/train/init.ts).

const CMD = "train";

export async function trainCommand(args: string[]): Promise<void> {
  const p = parseArgs(args, parserSpec("train"), CMD);
  const data = stringOption(p, "data"), out = stringOption(p, "out");
  if (!data || !out) throw new ArgumentError(`${CMD}: --data FILE and --out DIR are required`);
  const int = (k: string, min: number) => numberOption(p, k, CMD, (v) => Number.isInteger(v) && v >= min, `an integer ≥ ${min}`);
  const pos = (k: string) => numberOption(p, k, CMD, (v) => v >= 0, "a number ≥ 0");
  const workers = int("workers", 0) ?? (await defaultTrainWorkers());
  const limit = int("limit", 1);
  const until = int("until", 1);
  const soft = stringOption(p, "soft");
  const initSource = stringOption(p, "init");
  const teacherList = stringOption(p, "teacher");
  const teacherSources = teacherList === undefined ? [] : teacherList.split(",").map((x) => x.trim());
  if (teacherList !== undefined && teacherSources.some((x) => x === "")) throw new ArgumentError(`${CMD}: --teacher ${JSON.stringify(teacherList)}: expected model folders separated by commas, found an empty name`);
  if (soft && teacherSources.length) throw new ArgumentError(`${CMD}: --soft ${soft} with --teacher ${teacherList}: the soft targets come from a file or from teacher models, give one`);
  if (p.options.has("soft-weight") && !soft && !teacherSources.length) throw new ArgumentError(`${CMD}: --soft-weight needs --soft FILE or --teacher DIR (the soft targets it weighs)`);
  if (p.options.has("temperature") && !teacherSources.length) throw new ArgumentError(`${CMD}: --temperature needs --teacher DIR (a --soft file states its own temperature)`);
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
    const m = resumed.model, ref = resezap({ seed: cfg.seed, filters: cfg.filters });
    if (m.countParams() !== ref.countParams() || m.layers.length !== ref.layers.length) {
      const what = cfg.filters ? `the ResEZAP of filters ${cfg.filters.join(",")} its state names` : "ResEZAP's";
      throw new ArgumentError(`${out}/checkpoint: its model has ${m.countParams()} parameters in ${m.layers.length} layers, not ${what} ${ref.countParams()} in ${ref.layers.length}: train resumes ResEZAP runs only`);
    }
  } else cfg = fresh;
  if (until !== undefined && (until > cfg.epochs || (resumed && until <= resumed.state.epoch))) {
    throw new ArgumentError(`${CMD}: --until must be an epoch after ${resumed?.state.epoch ?? 0} and at most --epochs ${cfg.epochs}, found ${until}`);
  }

  function augmentFromOptions(): TrainConfig["augment"] {
    const erase = numberOption(p, "erase", CMD, (v) => v >= 0 && v <= 1, "a probability in [0, 1]");
    if (p.options.has("no-augment")) {
      if (erase) throw new ArgumentError(`${CMD}: --erase ${erase} with --no-augment: erasing is an augmentation`);
      return NO_AUGMENT;
    }
    // only a run that erases has the field, so the reference recipe's config stays as it was
    return erase ? { ...REFERENCE_AUGMENT, erase } : REFERENCE_AUGMENT;
  }

  function recipeFromOptions(): TrainConfig {
    const ref = REFERENCE_CONFIG;
    const optimizer = stringOption(p, "optimizer") ?? ref.optimizer.kind;
    if (optimizer !== "adam" && optimizer !== "adamw" && optimizer !== "sgd") throw new ArgumentError(`${CMD}: --optimizer must be adam, adamw or sgd, found ${JSON.stringify(optimizer)}`);
    const schedule = stringOption(p, "schedule") ?? ref.schedule;
    if (!["one-cycle", "cosine", "constant", "plateau"].includes(schedule)) throw new ArgumentError(`${CMD}: --schedule must be one-cycle, cosine, constant or plateau, found ${JSON.stringify(schedule)}`);
    const wd = pos("weight-decay") ?? (optimizer === "adamw" ? ADAMW_WEIGHT_DECAY : ref.optimizer.weightDecay);
    return {
      ...ref,
      epochs: int("epochs", 1) ?? ref.epochs,
      batch: int("batch", 1) ?? ref.batch,
      ghost: int("ghost", 1) ?? ref.ghost,
      seed: int("seed", 0) ?? ref.seed,
      lr: pos("lr") ?? (optimizer === "sgd" ? SGD_LR : ref.lr),
      schedule: schedule as TrainConfig["schedule"],
      optimizer: optimizer === "sgd" ? { kind: "sgd", weightDecay: wd, momentum: 0.9, nesterov: true }
        // only an AdamW run has the field, so an Adam run keeps the config it always had
        : { kind: "adam", weightDecay: wd, eps: ref.optimizer.eps, ...(optimizer === "adamw" ? { decoupled: true } : {}) },
      smoothing: numberOption(p, "smoothing", CMD, (v) => v >= 0 && v <= 1, "a number in [0, 1]") ?? ref.smoothing,
      warmup: numberOption(p, "warmup", CMD, (v) => v >= 0 && v < 1, "a fraction in [0, 1)") ?? ref.warmup,
      ...plateauFromOptions(schedule),
      // only a run with soft targets has the field, so a run without keeps the config it always had
      ...(soft || teacherSources.length ? { softWeight: numberOption(p, "soft-weight", CMD, (v) => v >= 0 && v <= 1, "a number in [0, 1]") ?? DEFAULT_SOFT_WEIGHT } : {}),
      ...teachersFromOptions(),
      augment: augmentFromOptions(),
      ...mixFromOptions(),
      ...filtersFromOptions(),
      ...bnMomentumFromOptions(),
      ...samFromOptions(),
    };
  }

  // only a sharpness-aware run has the field, so a run without keeps the config it always had
  function samFromOptions(): { sam?: TrainConfig["sam"] } {
    const rho = numberOption(p, "sam", CMD, (v) => v > 0 && v <= MAX_SAM_RHO, `a radius in (0, ${MAX_SAM_RHO}]`);
    return rho === undefined ? {} : { sam: { rho } };
  }

  // only a run with teacher models has the fields; a temperature only where it is not 1, as a teacher file's
  function teachersFromOptions(): Pick<TrainConfig, "teachers" | "softTemperature"> {
    if (!teacherSources.length) return {};
    const temperature = numberOption(p, "temperature", CMD, (v) => v > 0 && v <= MAX_TEMPERATURE, `a number in (0, ${MAX_TEMPERATURE}]`) ?? 1;
    return { teachers: teacherSources.length, ...(temperature !== 1 ? { softTemperature: temperature } : {}) };
  }

  // only a plateau run has the field, so a run on another schedule keeps the config it always had; a resumed run
  // given the knobs alone gets them (with the defaults beside) to compare with its own
  function plateauFromOptions(schedule: string): Pick<TrainConfig, "plateau"> {
    const patience = numberOption(p, "plateau-patience", CMD, (v) => Number.isInteger(v) && v >= 1, "an integer ≥ 1");
    const factor = numberOption(p, "plateau-factor", CMD, (v) => v > 0 && v < 1, "a number in (0, 1)");
    const given = patience !== undefined || factor !== undefined;
    if (schedule !== "plateau" && given && !p.options.has("resume")) {
      throw new ArgumentError(`${CMD}: --plateau-${patience !== undefined ? "patience" : "factor"} needs --schedule plateau (the schedule it tunes)`);
    }
    return schedule === "plateau" || given ? { plateau: { patience: patience ?? PLATEAU_PATIENCE, factor: factor ?? PLATEAU_FACTOR } } : {};
  }

  // only a wider run has the field, so a ResEZAP run keeps the config it always had
  function filtersFromOptions(): { filters?: TrainConfig["filters"] } {
    const v = stringOption(p, "filters");
    if (v === undefined) return {};
    const f = v.split(",").map((x) => (/^\d+$/.test(x.trim()) ? Number(x) : NaN));
    if (f.length !== 3 || f.some((x) => !(x >= 1 && x <= MAX_FILTERS))) {
      throw new ArgumentError(`${CMD}: --filters must be three integers in 1..${MAX_FILTERS} separated by commas (the blocks' widths), found ${JSON.stringify(v)}`);
    }
    return f[0] === 32 && f[1] === 64 && f[2] === 96 ? {} : { filters: f as [number, number, number] };
  }

  // only a run that sets another momentum has the field, so a run without keeps the config it always had
  function bnMomentumFromOptions(): { bnMomentum?: number } {
    const m = numberOption(p, "bn-momentum", CMD, (v) => v > 0 && v < 1, "a number in (0, 1)");
    return m === undefined || m === KERAS_BN_MOMENTUM ? {} : { bnMomentum: m };
  }

  // only a run that mixes has the field, so a run without keeps the config it always had
  function mixFromOptions(): { mix?: TrainConfig["mix"] } {
    const alpha = (k: string) => numberOption(p, k, CMD, (v) => v > 0 && v <= MAX_MIX_ALPHA, `a number in (0, ${MAX_MIX_ALPHA}]`);
    const mixup = alpha("mixup"), cutmix = alpha("cutmix");
    const prob = numberOption(p, "mix-prob", CMD, (v) => v >= 0 && v <= 1, "a probability in [0, 1]");
    if (mixup === undefined && cutmix === undefined) {
      if (prob !== undefined) throw new ArgumentError(`${CMD}: --mix-prob ${prob} needs --mixup ALPHA or --cutmix ALPHA (the mixing it makes occasional)`);
      return {};
    }
    return { mix: { ...(mixup !== undefined ? { mixup } : {}), ...(cutmix !== undefined ? { cutmix } : {}), prob: prob ?? 1 } };
  }

  const tty = process.stderr.isTTY;
  let images = 0, runLoss = 0, runAcc = 0, k = 0, epochShown = 0;
  await trainRun({
    data, out, config: cfg, workers, limit, until, resumed, soft, what: CMD,
    teachers: await Promise.all(teacherSources.map(async (source) => ({ model: checkTeacher(await loadTeacher(source), source, `${CMD}: --teacher`), source }))),
    ...(initSource !== undefined ? { init: { model: await loadLayersModel(initSource), source: initSource } } : {}),
    onStart({ train, test, readSeconds, soft: st }) {
      if (quiet) return;
      process.stderr.write(`train: ${train} Training faces, ${test} PublicTest, read in ${readSeconds.toFixed(1)} s; ${workers} worker(s), batch ${cfg.batch} (BN ghost batches of ${Math.min(cfg.ghost, cfg.batch)})\n`);
      const m = cfg.mix;
      if (cfg.sam) process.stderr.write(`train: sharpness-aware steps of radius ${cfg.sam.rho} (two student passes a step)\n`);
      if (m) process.stderr.write(`train: ${[m.mixup && `mixup α ${m.mixup}`, m.cutmix && `cutmix α ${m.cutmix}`].filter(Boolean).join(" or ")} on ${100 * m.prob} % of batches\n`);
      if (teacherSources.length) process.stderr.write(`train: soft targets from ${teacherSources.length} teacher model(s) on each augmented batch (${teacherSources.join(", ")}), weight ${cfg.softWeight}${cfg.softTemperature ? `, distilled at temperature ${cfg.softTemperature}` : ""}\n`);
      if (st) process.stderr.write(`train: soft targets from ${soft} (${st.format === "ferplus" ? "FER+ votes" : "teacher file"}), weight ${cfg.softWeight}${st.temperature !== 1 ? `, distilled at temperature ${st.temperature}` : ""}; ${st.missing} of ${st.rows} faces have none and train on their label alone\n`);
    },
    onStep(epoch, s, e0) {
      if (epoch !== epochShown) [epochShown, images, runLoss, runAcc, k] = [epoch, 0, 0, 0, 0];
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
    },
    onEpoch(rec, ev, best) {
      if (quiet) return;
      process.stderr.write(`${tty ? "\r" : ""}epoch ${rec.epoch}/${cfg.epochs}: train loss ${rec.trainLoss.toFixed(4)} acc ${(100 * rec.trainAcc).toFixed(2)}%, PublicTest ${(100 * ev.accuracy).toFixed(2)}% (TTA ${(100 * ev.accuracyTta).toFixed(2)}%)${best ? " best" : ""}, ${rec.seconds.toFixed(0)} s, ${rec.imagesPerSecond.toFixed(0)} img/s\x1b[K\n`.replace(tty ? "" : "\x1b[K", ""));
    },
  });
}

/** A --teacher model (TF.js Layers format: the workers get copies of it); a failure names the option and the path. */
async function loadTeacher(source: string) {
  try {
    return await loadLayersModel(source);
  } catch (e) {
    const msg = (e as Error).message;
    throw new ArgumentError(`${CMD}: --teacher ${msg.includes(source) ? "" : `${source}: `}${msg}`);
  }
}

/** --soft-weight when --soft is given without it: half the target from the label, half from the soft target */
const DEFAULT_SOFT_WEIGHT = 0.5;

/** The largest mixup or cutmix α taken: Beta(10, 10) already keeps λ within 0.5 ± 0.2 nearly always. */
const MAX_MIX_ALPHA = 10;

/** The widest block --filters takes: 512,512,512 is 2.4 M parameters and 102 times ResEZAP's multiply-adds. */
const MAX_FILTERS = 512;

/**
 * AdamW's weight decay when --weight-decay is not given (PyTorch's default). Decoupled, it shrinks a weight by
 * lr·wd a step; Adam's L2 goes through the moments, so a weight whose loss gradient is 0 (a convolution's before
 * a batch norm has none along its own scale) shrinks by about lr a step whatever wd is: in runs/fer-100, 39 %
 * of the kernel weights went to 0 that way from epoch 30 on, whole channels with their batch norm.
 */
const ADAMW_WEIGHT_DECAY = 0.01;

/** --schedule plateau's knobs when not given: a halving after five epochs without a new best PublicTest accuracy. */
const PLATEAU_PATIENCE = 5;
const PLATEAU_FACTOR = 0.5;

/** SGD's learning rate when --lr is not given (the reference recipe is Adam's). */
const SGD_LR = 0.05;

/** The recipe's options on the command line and the config field each sets (what a resumed run must not change). */
const RECIPE_FIELDS: Record<string, (c: TrainConfig) => unknown> = {
  epochs: (c) => c.epochs,
  batch: (c) => c.batch,
  ghost: (c) => c.ghost,
  seed: (c) => c.seed,
  lr: (c) => c.lr,
  optimizer: (c) => (c.optimizer.kind === "adam" && c.optimizer.decoupled ? "adamw" : c.optimizer.kind),
  schedule: (c) => c.schedule,
  // "none" where the run's schedule is not plateau
  "plateau-patience": (c) => c.plateau?.patience ?? "none",
  "plateau-factor": (c) => c.plateau?.factor ?? "none",
  "weight-decay": (c) => c.optimizer.weightDecay,
  smoothing: (c) => c.smoothing,
  warmup: (c) => c.warmup,
  // 0 where the run has no soft targets: resuming it with --soft-weight is refused as a change of recipe
  "soft-weight": (c) => c.softWeight ?? 0,
  // 1 where the run has none (given only with --teacher: a --soft file states its own)
  temperature: (c) => c.softTemperature ?? 1,
  "no-augment": (c) => c.augment.rotation === 0 && c.augment.shift === 0 && c.augment.zoom === 0 && c.augment.flip === 0 && c.augment.brightness === 0,
  erase: (c) => c.augment.erase ?? 0,
  // 0 where the run does not mix
  mixup: (c) => c.mix?.mixup ?? 0,
  cutmix: (c) => c.mix?.cutmix ?? 0,
  "mix-prob": (c) => c.mix?.prob ?? 0,
  filters: (c) => (c.filters ?? [32, 64, 96]).join(","),
  "bn-momentum": (c) => c.bnMomentum ?? KERAS_BN_MOMENTUM,
  // 0 where the run is not sharpness-aware
  sam: (c) => c.sam?.rho ?? 0,
};

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
  return h ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(sec).padStart(2, "0")}s`;
}

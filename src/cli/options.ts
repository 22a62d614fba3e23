// Every CLI option once: its value's placeholder (none for a flag), its default as help prints it, and what it
// does. Each command lists the options it takes; parseArgs accepts exactly those, and `resezap <command> --help`
// prints them from here, so the help and the parser cannot disagree.

export interface OptionSpec {
  /** the value's placeholder ("N", "FILE"); absent for a flag */
  value?: string;
  default: string;
  help: string;
}

const OPTIONS: Record<string, OptionSpec> = {
  json: { default: "off", help: "print JSON on stdout" },
  model: { value: "DIR|FILE.onnx", default: "the package's models/fer2013", help: "the emotion model (TF.js Layers folder or model.json, f32 or made by `resezap quantize`, or ONNX)" },
  f32: { default: "off", help: "run --model in f32 even when it carries a quantization (the package's model does: quantized by default)" },
  conv: { value: "separable|normal", default: "separable", help: "count ResEZAP as printed, or with every separable conv a normal 3×3 one" },
  detector: { value: "yunet|haar", default: "yunet", help: "the face detector: YuNet (CNN), or OpenCV's Haar cascade (the paper's)" },
  "score-threshold": { value: "F", default: "0.9", help: "YuNet: faces scoring below are dropped, in [0, 1]" },
  "nms-threshold": { value: "F", default: "0.3", help: "YuNet: boxes overlapping a better one by more IoU are dropped, in [0, 1]" },
  "top-k": { value: "N", default: "5000", help: "YuNet: at most N boxes into the suppression" },
  "longest-side": { value: "PX", default: "the frame's size", help: "YuNet: scan a copy whose longest side is PX (32..16384), boxes mapped back" },
  "scale-factor": { value: "F", default: "1.1", help: "Haar (--detector haar): the scale step, in (1, 4]" },
  "min-neighbors": { value: "N", default: "3", help: "Haar: neighbours a box needs to be kept, an integer ≥ 0" },
  "min-size": { value: "PX", default: "0", help: "Haar: the smallest face side, pixels" },
  "max-size": { value: "PX", default: "no limit", help: "Haar: the largest face side, pixels" },
  cascade: { value: "FILE", default: "haarcascade_frontalface_default.xml", help: "Haar: an OpenCV cascade XML file" },
  out: { value: "FILE.png|DIR", default: "no picture", help: "draw boxes and labels: one input into FILE.png or DIR, several into DIR/<name>-out.png" },
  margin: { value: "F", default: "0", help: "grow each box by F × its size on every side before cropping, in [0, 1]" },
  data: { value: "FILE", default: "required", help: "the FER2013 CSV, plain or gzipped" },
  split: { value: "NAME", default: "PublicTest", help: "the Usage rows to evaluate (Training, PublicTest, PrivateTest)" },
  tta: { default: "off", help: "also classify each face mirrored and average the two (twice the classification time)" },
  "ten-crop": { default: "off", help: "classify five crops of each face (its corners and centre, 11/12 of its side) and their mirror images, and average the ten (ten times the classification time)" },
  confusion: { value: "FILE.png", default: "none", help: "write the confusion matrix as a PNG" },
  epochs: { value: "N", default: "25", help: "epochs of the run" },
  batch: { value: "B", default: "64", help: "batch size" },
  ghost: { value: "G", default: "32", help: "ghost batch-norm batch size" },
  workers: { value: "W", default: "2, or the cores if fewer", help: "worker threads (0: all on this thread); any count gives the same model" },
  seed: { value: "S", default: "1", help: "the seed of initialisation, order and augmentation" },
  lr: { value: "LR", default: "0.004 with adam, 0.05 with sgd", help: "peak learning rate" },
  optimizer: { value: "adam|adamw|sgd", default: "adam", help: "Adam (weight decay as L2), AdamW (decoupled weight decay), or SGD with Nesterov momentum 0.9" },
  schedule: { value: "one-cycle|cosine|constant|plateau", default: "one-cycle", help: "learning-rate schedule; plateau: --lr cut by --plateau-factor after --plateau-patience epochs without a new best PublicTest accuracy" },
  "plateau-patience": { value: "N", default: "5", help: "--schedule plateau: epochs in a row without a new best PublicTest accuracy that cut the learning rate, an integer ≥ 1" },
  "plateau-factor": { value: "F", default: "0.5", help: "--schedule plateau: each cut multiplies the learning rate by F, in (0, 1)" },
  "weight-decay": { value: "WD", default: "0.0001; 0.01 with adamw", help: "weight decay: L2 (adam, sgd) or decoupled (adamw)" },
  smoothing: { value: "S", default: "0.1", help: "label smoothing, in [0, 1]" },
  warmup: { value: "F", default: "0.15", help: "one-cycle: the fraction of the steps spent rising to the peak learning rate, in [0, 1)" },
  soft: { value: "FILE", default: "none", help: "soft targets for the Training faces: FER+ votes (fer2013new.csv) or a `resezap soft-targets` file (distilled at the temperature it states)" },
  sam: { value: "RHO", default: "off", help: "sharpness-aware minimisation: each step's gradient taken again at the weights moved RHO along the normalised gradient, RHO in (0, 10]; one more student forward and backward a step" },
  "bn-momentum": { value: "M", default: "0.99", help: "batch-norm momentum: moving statistics = moving·M + ghost batch·(1 − M), M in (0, 1)" },
  filters: { value: "A,B,C", default: "32,64,96, ResEZAP's", help: "the three blocks' widths: a wider ResEZAP for a teacher (`soft-targets`); the shipped model stays ResEZAP" },
  "soft-weight": { value: "W", default: "0.5 with --soft or --teacher", help: "target = (1 − W)·(smoothed label) + W·(soft target), W in [0, 1]" },
  teacher: { value: "DIR[,DIR…]", default: "none", help: "teacher models (trained on the Training split only) run on each augmented batch: their mean softmax is its soft target; instead of --soft" },
  temperature: { value: "T", default: "1", help: "soften each teacher's probabilities to softmax(logits / T), T in (0, 100]; the file states T and train --soft distils at it" },
  erase: { value: "P", default: "0", help: "random erasing: with probability P a rectangle of 2–33 % of the face becomes noise" },
  mixup: { value: "ALPHA", default: "off", help: "mixup: blend each face with another of its batch, λ ~ Beta(ALPHA, ALPHA), ALPHA in (0, 10]" },
  cutmix: { value: "ALPHA", default: "off", help: "cutmix: paste a box of 1 − λ of another face, λ ~ Beta(ALPHA, ALPHA), ALPHA in (0, 10]; with --mixup, each mixed batch picks one" },
  "mix-prob": { value: "P", default: "1 with --mixup or --cutmix", help: "the fraction of batches mixed, in [0, 1]" },
  "no-augment": { default: "off", help: "train without augmentation" },
  limit: { value: "N", default: "all", help: "train on the first N Training faces only" },
  until: { value: "E", default: "--epochs", help: "stop after epoch E (resume later with --resume)" },
  init: { value: "DIR", default: "the seed's draw", help: "start a fresh run from this saved model's weights (same architecture and --filters): a fine-tune" },
  resume: { default: "off", help: "continue the run in --out from its last checkpoint, bit for bit" },
  quiet: { default: "off", help: "no progress lines" },
  quick: { default: "off", help: "fewer samples" },
  write: { default: "off", help: "write benchmarks/results.json and RESULTS.md" },
  "no-peers": { default: "off", help: "leave out the peer engines" },
  jsonl: { value: "FILE|-", default: "stdout when nothing else is asked for", help: "one JSON line per analysed frame: time, frame, faces (track, box, score, landmarks, label, probabilities)" },
  every: { value: "N", default: "1", help: "analyse every Nth frame (--out still draws every frame, with the last faces found)" },
  from: { value: "T", default: "0", help: "start at T seconds into the video" },
  to: { value: "T", default: "the end", help: "stop at T seconds into the video" },
  smooth: { value: "SECONDS", default: "0: none", help: "exponential smoothing of each face's probabilities over time, with this time constant" },
  "track-memory": { value: "SECONDS", default: "1", help: "a face unseen this long loses its track id" },
  summary: { default: "off", help: "print per face track its time on screen and the share of each emotion" },
  timeline: { value: "FILE.png", default: "none", help: "draw each track's emotion over time as a PNG" },
  redis: { value: "URL", default: "required", help: "the Redis server of the job queue: redis://[user:password@]host[:port][/db], rediss:// for TLS" },
  queue: { value: "NAME", default: "resezap", help: "the queue's name (Redis keys bull:NAME:*)" },
  "out-dir": { value: "DIR", default: "each input's folder", help: "where workers write each input's result, DIR/<name>.<id>.jsonl (a path as the workers see it)" },
  "results-queue": { value: "NAME", default: "none: files", help: "put each result as a job on this queue instead of in a file" },
  concurrency: { value: "N", default: "1", help: "jobs at once in this process (one thread: run more workers to use more cores)" },
  "lock-duration": { value: "MS", default: "30000", help: "a job whose worker stops renewing its lock this long is stalled, and runs again" },
  "stalled-interval": { value: "MS", default: "30000", help: "how often this worker looks for stalled jobs" },
  drain: { default: "off", help: "exit once the queue has no job waiting, delayed or running (a Kubernetes Job's workers)" },
  "bn-faces": { value: "N", default: "all", help: "measure the batch norms on the first N Training faces of --data (training-mode ghost batches)" },
  "bn-augment": { default: "off", help: "measure the batch norms on augmented faces (train's default augmentation, seeded by --seed), as training's moving averages are: on the shipped model better over ten crops, worse in one pass (models/README.md)" },
  calibration: { value: "N", default: "2000", help: "calibrate each tensor's range (min/max) on the first N Training faces of --data" },
  "weight-bits": { value: "8|12", default: "12", help: "pointwise weight bits (depthwise ones are 12-bit): 12 keeps more accuracy at the same speed, 8 is int8" },
};

export interface CommandSpec {
  usage: string;
  summary: string;
  options: string[];
  /** an option whose meaning differs for this command: its placeholder, default and help here */
  overrides?: Record<string, Partial<OptionSpec>>;
}

const YUNET = ["score-threshold", "nms-threshold", "top-k", "longest-side"];
const DETECTOR = ["detector", ...YUNET, "scale-factor", "min-neighbors", "min-size", "max-size", "cascade"];

export const COMMAND_SPECS: Record<string, CommandSpec> = {
  count: { usage: "count [options]", summary: "multiplications and parameters of ResEZAP, per conv layer", options: ["json", "conv"] },
  classify: { usage: "classify <image.png|jpg...> [options]", summary: "the emotion of each face crop (any size; grey, 48×48 area resize, /255)", options: ["model", "f32", "tta", "ten-crop", "json"] },
  faces: { usage: "faces <image.png|jpg...> [options]", summary: "the faces in each image: YuNet's boxes, scores and landmarks, or the Haar cascade's boxes", options: ["json", ...DETECTOR] },
  detect: { usage: "detect <image.png|jpg...> [options]", summary: "faces and their emotions; --out draws them", options: ["json", "out", "model", "f32", "margin", "tta", "ten-crop", ...DETECTOR] },
  train: {
    usage: "train --data FILE --out DIR [options]", summary: "train ResEZAP on FER2013 with this library",
    overrides: {
      out: { value: "DIR", default: "required", help: "the run's folder: model, checkpoints, log, curves" },
      temperature: { value: "T", default: "1", help: "with --teacher: distil at temperature T in (0, 100] (Hinton's T² loss on softmax(logits / T))" },
    },
    options: ["data", "out", "epochs", "batch", "ghost", "workers", "seed", "lr", "optimizer", "schedule", "plateau-patience", "plateau-factor", "weight-decay", "smoothing", "warmup", "soft", "teacher", "soft-weight", "temperature", "erase", "mixup", "cutmix", "mix-prob", "no-augment", "sam", "bn-momentum", "filters", "init", "limit", "until", "resume", "quiet"],
  },
  "soft-targets": {
    usage: "soft-targets --data FILE --out FILE[.gz] [options] <model...>", summary: "a teacher file for train --soft: the models' mean softmax on each Training face",
    overrides: { out: { value: "FILE", default: "required", help: "the soft-targets file to write (gzipped when it ends in .gz)" } },
    options: ["data", "out", "tta", "ten-crop", "temperature"],
  },
  average: {
    usage: "average --data FILE --out DIR [options] <model...>", summary: "one model of the models' mean weights (stochastic weight averaging), its batch norms measured again on Training faces",
    overrides: {
      out: { value: "DIR", default: "required", help: "the averaged model's folder (TF.js Layers format)" },
      seed: { value: "S", default: "1", help: "with --bn-augment: the seed of the augmentation" },
    },
    options: ["data", "out", "bn-faces", "bn-augment", "seed", "ghost", "workers"],
  },
  eval: { usage: "eval --data FILE [options]", summary: "accuracy, per-class accuracy and confusion matrix on a split", options: ["data", "split", "model", "f32", "tta", "ten-crop", "json", "confusion"] },
  quantize: {
    usage: "quantize --data FILE --out DIR [options]", summary: "the model on integer kernels (12-bit activations), calibrated on Training faces, saved for --model",
    overrides: {
      out: { value: "DIR", default: "required", help: "the quantized model's folder (model.json with the f32 weights and the quantization, and its shard)" },
      model: { help: "the f32 model to quantize (TF.js Layers folder or model.json, or ONNX)" },
    },
    options: ["data", "out", "model", "calibration", "weight-bits"],
  },
  bench: { usage: "bench [options]", summary: "the benchmark suite (ours; peers when run from a clone)", options: ["quick", "json", "write", "no-peers"] },
  video: {
    usage: "video <file> [options]", summary: "faces, track ids and emotions through a video file (FFmpeg decodes and encodes)",
    options: ["out", "jsonl", "every", "from", "to", "smooth", "track-memory", "summary", "timeline", "model", "f32", ...YUNET],
    overrides: { out: { value: "FILE.mp4", default: "no video", help: "the video with boxes, labels and track ids drawn, at the source's frame rate, with its audio" } },
  },
  enqueue: {
    usage: "enqueue --redis URL <file...|@list.txt> [options]", summary: "one job per picture or video on a Redis queue (BullMQ), for `resezap worker`s",
    options: ["redis", "queue", "out-dir", "results-queue", "json", "model", "every", "from", "to", "smooth", "track-memory", ...YUNET],
    overrides: { json: { help: "print each job's id, file and whether it was added as JSON" } },
  },
  worker: {
    usage: "worker --redis URL [options]", summary: "run the queue's jobs (pictures and videos) until stopped (SIGTERM, SIGINT) or, with --drain, the queue is empty",
    options: ["redis", "queue", "concurrency", "lock-duration", "stalled-interval", "drain"],
  },
  "queue-status": {
    usage: "queue-status --redis URL [options]", summary: "the queue's waiting, active, completed and failed jobs, and each failed job's reason",
    options: ["redis", "queue", "json"],
  },
};

/** The parser's spec for a command: its flags and its options that take a value. */
export function parserSpec(command: string): { flags: string[]; values: string[] } {
  const names = COMMAND_SPECS[command].options;
  return { flags: names.filter((n) => !OPTIONS[n].value), values: names.filter((n) => OPTIONS[n].value) };
}

/** `resezap <command> --help`: the usage line, then every option with its value, default and meaning. */
export function commandHelp(command: string): string {
  const c = COMMAND_SPECS[command];
  const rows = c.options.map((n) => {
    const o = { ...OPTIONS[n], ...c.overrides?.[n] };
    return [`--${n}${o.value ? ` ${o.value}` : ""}`, `${o.help} (default: ${o.default})`];
  });
  const w = Math.max(...rows.map((r) => r[0].length));
  return [`usage: resezap ${c.usage}`, "", c.summary, "", "options:", ...rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`), `  ${"--debug".padEnd(w)}  print stack traces (every command)`, `  ${"--help".padEnd(w)}  this text`].join("\n");
}

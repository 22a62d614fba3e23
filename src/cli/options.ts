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
  model: { value: "DIR|FILE.onnx", default: "the package's models/fer2013", help: "the emotion model (TF.js Layers folder or model.json, or ONNX)" },
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
  confusion: { value: "FILE.png", default: "none", help: "write the confusion matrix as a PNG" },
  epochs: { value: "N", default: "25", help: "epochs of the run" },
  batch: { value: "B", default: "64", help: "batch size" },
  ghost: { value: "G", default: "32", help: "ghost batch-norm batch size" },
  workers: { value: "W", default: "2, or the cores if fewer", help: "worker threads (0: all on this thread); any count gives the same model" },
  seed: { value: "S", default: "1", help: "the seed of initialisation, order and augmentation" },
  lr: { value: "LR", default: "0.004 with adam, 0.05 with sgd", help: "peak learning rate" },
  optimizer: { value: "adam|sgd", default: "adam", help: "Adam, or SGD with Nesterov momentum 0.9" },
  schedule: { value: "one-cycle|cosine|constant", default: "one-cycle", help: "learning-rate schedule" },
  "weight-decay": { value: "WD", default: "0.0001", help: "L2 weight decay" },
  smoothing: { value: "S", default: "0.1", help: "label smoothing, in [0, 1]" },
  warmup: { value: "F", default: "0.15", help: "one-cycle: the fraction of the steps spent rising to the peak learning rate, in [0, 1)" },
  soft: { value: "FILE", default: "none", help: "soft targets for the Training faces: FER+ votes (fer2013new.csv) or a `resezap soft-targets` file" },
  "soft-weight": { value: "W", default: "0.5 with --soft", help: "target = (1 − W)·(smoothed label) + W·(soft target), W in [0, 1]" },
  temperature: { value: "T", default: "1", help: "soften each teacher's probabilities to softmax(logits / T), T in (0, 100]" },
  erase: { value: "P", default: "0", help: "random erasing: with probability P a rectangle of 2–33 % of the face becomes noise" },
  mixup: { value: "ALPHA", default: "off", help: "mixup: blend each face with another of its batch, λ ~ Beta(ALPHA, ALPHA), ALPHA in (0, 10]" },
  cutmix: { value: "ALPHA", default: "off", help: "cutmix: paste a box of 1 − λ of another face, λ ~ Beta(ALPHA, ALPHA), ALPHA in (0, 10]; with --mixup, each mixed batch picks one" },
  "mix-prob": { value: "P", default: "1 with --mixup or --cutmix", help: "the fraction of batches mixed, in [0, 1]" },
  "no-augment": { default: "off", help: "train without augmentation" },
  limit: { value: "N", default: "all", help: "train on the first N Training faces only" },
  until: { value: "E", default: "--epochs", help: "stop after epoch E (resume later with --resume)" },
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
};

export interface CommandSpec {
  usage: string;
  summary: string;
  options: string[];
  /** an option whose meaning differs for this command: its placeholder, default and help here */
  overrides?: Record<string, Partial<OptionSpec>>;
}

const DETECTOR = ["detector", "score-threshold", "nms-threshold", "top-k", "longest-side", "scale-factor", "min-neighbors", "min-size", "max-size", "cascade"];

export const COMMAND_SPECS: Record<string, CommandSpec> = {
  count: { usage: "count [options]", summary: "multiplications and parameters of ResEZAP, per conv layer", options: ["json", "conv"] },
  classify: { usage: "classify <image.png|jpg...> [options]", summary: "the emotion of each face crop (any size; grey, 48×48 area resize, /255)", options: ["model", "tta", "json"] },
  faces: { usage: "faces <image.png|jpg...> [options]", summary: "the faces in each image: YuNet's boxes, scores and landmarks, or the Haar cascade's boxes", options: ["json", ...DETECTOR] },
  detect: { usage: "detect <image.png|jpg...> [options]", summary: "faces and their emotions; --out draws them", options: ["json", "out", "model", "margin", "tta", ...DETECTOR] },
  train: {
    usage: "train --data FILE --out DIR [options]", summary: "train ResEZAP on FER2013 with this library",
    overrides: { out: { value: "DIR", default: "required", help: "the run's folder: model, checkpoints, log, curves" } },
    options: ["data", "out", "epochs", "batch", "ghost", "workers", "seed", "lr", "optimizer", "schedule", "weight-decay", "smoothing", "warmup", "soft", "soft-weight", "erase", "mixup", "cutmix", "mix-prob", "no-augment", "limit", "until", "resume", "quiet"],
  },
  "soft-targets": {
    usage: "soft-targets --data FILE --out FILE[.gz] [options] <model...>", summary: "a teacher file for train --soft: the models' mean softmax on each Training face",
    overrides: { out: { value: "FILE", default: "required", help: "the soft-targets file to write (gzipped when it ends in .gz)" } },
    options: ["data", "out", "tta", "temperature"],
  },
  eval: { usage: "eval --data FILE [options]", summary: "accuracy, per-class accuracy and confusion matrix on a split", options: ["data", "split", "model", "tta", "json", "confusion"] },
  bench: { usage: "bench [options]", summary: "the benchmark suite (ours; peers when run from a clone)", options: ["quick", "json", "write", "no-peers"] },
  video: {
    usage: "video <file> [options]", summary: "faces, track ids and emotions through a video file (FFmpeg decodes and encodes)",
    options: ["out", "jsonl", "every", "from", "to", "smooth", "track-memory", "summary", "timeline", "model", "score-threshold", "nms-threshold", "top-k", "longest-side"],
    overrides: { out: { value: "FILE.mp4", default: "no video", help: "the video with boxes, labels and track ids drawn, at the source's frame rate, with its audio" } },
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

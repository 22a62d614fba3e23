import { ArgumentError } from "../errors.js";
import { loadLayersModel } from "../io/load.js";
import { saveLayersModel } from "../io/save.js";
import type { Model } from "../model.js";
import { averageWeights, recomputeBatchNorm } from "../train/average.js";
import { evaluateFer } from "../train/evaluate.js";
import { QUANT_KEY } from "../quant/saved.js";
import { augmentBatch, REFERENCE_AUGMENT } from "../train/augment.js";
import { FER_SIDE, loadFer2013Splits, toFloat } from "../train/fer2013.js";
import { Random } from "../util/random.js";
import { weightsSha256 } from "../train/teacher.js";
import { REFERENCE_CONFIG } from "../train/loop.js";
import { defaultTrainWorkers, numberOption, parseArgs, stringOption } from "./args.js";
import { parserSpec } from "./options.js";

// resezap average --data FILE --out DIR [--bn-faces N] [--bn-augment [--seed S]] [--ghost G] [--workers W] MODEL...
// Stochastic weight averaging (src/train/average.ts): the models' mean weights, the batch norms measured again on
// the first N Training faces of --data (as they are, or augmented as train augments them), saved as one model of
// the same architecture; its PublicTest accuracy printed and recorded. A single model gets its batch norms
// measured again alone.

const CMD = "average";

export async function averageCommand(args: string[]): Promise<void> {
  const p = parseArgs(args, parserSpec(CMD), CMD);
  const data = stringOption(p, "data"), out = stringOption(p, "out");
  if (!data) throw new ArgumentError(`${CMD}: --data FILE is required (the FER2013 CSV whose Training faces measure the batch norms)`);
  if (!out) throw new ArgumentError(`${CMD}: --out DIR is required (the averaged model's folder)`);
  if (p.positionals.length === 0) throw new ArgumentError(`${CMD}: expected one or more models to average (TF.js Layers folders or model.json files of one architecture)`);
  const bnFaces = numberOption(p, "bn-faces", CMD, (v) => Number.isInteger(v) && v >= 1, "an integer ≥ 1");
  const ghost = numberOption(p, "ghost", CMD, (v) => Number.isInteger(v) && v >= 1, "an integer ≥ 1") ?? REFERENCE_CONFIG.ghost;
  const workers = numberOption(p, "workers", CMD, (v) => Number.isInteger(v) && v >= 0 && v <= 64, "an integer in 0..64") ?? (await defaultTrainWorkers());
  const augment = p.options.has("bn-augment");
  const seed = numberOption(p, "seed", CMD, (v) => Number.isInteger(v) && v >= 0, "an integer ≥ 0");
  if (seed !== undefined && !augment) throw new ArgumentError(`${CMD}: --seed ${seed} seeds --bn-augment's augmentation, which is off: add --bn-augment or drop --seed`);

  const models: Model[] = [];
  const prints: { source: string; sha256: string }[] = [];
  for (const source of p.positionals) {
    const m = await loadLayersModel(source);
    models.push(m);
    prints.push({ source, sha256: await weightsSha256(m) });
  }
  const model = averageWeights(models, p.positionals);
  if (model.inputShape.join() !== `${FER_SIDE},${FER_SIDE},1`) throw new ArgumentError(`${CMD}: ${p.positionals[0]}: input [${model.inputShape.join(", ")}], expected [48, 48, 1] (a grey 48×48 face, as the FER2013 faces its batch norms are measured on)`);
  const splits = await loadFer2013Splits(data, ["Training", "PublicTest"]);
  // the loader refuses a file without Training or PublicTest rows, naming it
  const train = splits.Training, n = Math.min(bnFaces ?? train.n, train.n);
  // faces() is called in order, once per chunk, so one generator gives the same faces with any number of workers
  const rng = new Random(seed ?? 1);
  const indices = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  const faces = augment
    ? (from: number, to: number) => augmentBatch(train.pixels, indices(from, to), FER_SIDE, rng, REFERENCE_AUGMENT)
    : (from: number, to: number) => toFloat(train, indices(from, to));
  const batches = await recomputeBatchNorm(model, faces, n, { ghost, workers });
  const test = evaluateFer(model, splits.PublicTest).accuracy;
  // neither the first model's epoch nor its quantization (ranges calibrated on other weights) describes the mean
  const { training: _t, [QUANT_KEY]: _q, ...meta } = model.userDefinedMetadata ?? {};
  model.userDefinedMetadata = { ...meta, average: { models: prints, bnFaces: batches * ghost, ghost, bnAugment: augment ? { seed: seed ?? 1, ...REFERENCE_AUGMENT } : null, publicTestAccuracy: test } };
  await saveLayersModel(model, out);
  const used = batches * ghost;
  console.log(`${CMD}: ${models.length} model(s) averaged, batch norms measured on the first ${used} Training faces${augment ? `, augmented (seed ${seed ?? 1})` : ""} (${batches} ghost batches of ${ghost}${used < n ? `; the last ${n - used} left out` : ""}); PublicTest ${(100 * test).toFixed(2)}%; wrote ${out}`);
}

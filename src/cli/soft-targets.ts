import { ArgumentError } from "../errors.js";
import { loadModel } from "../onnx/load.js";
import { EMOTIONS } from "../resezap.js";
import { predictFer, scorePredictions } from "../train/evaluate.js";
import { FER_CLASSES, FER_SIDE, loadFer2013 } from "../train/fer2013.js";
import { formatTeacherTargets, MAX_TEMPERATURE } from "../train/soft-targets.js";
import type { Model } from "../model.js";
import { numberOption, parseArgs, stringOption, ttaOption } from "./args.js";
import { parserSpec } from "./options.js";

// resezap soft-targets --data FILE --out FILE[.gz] [--tta | --ten-crop] [--temperature T] MODEL...
// A teacher file for `train --soft`: the mean of the models' softmax on each Training face of FER2013, each
// model's probabilities first softened by the temperature (p^(1/T), renormalised: softmax(z / T) of its logits).
// The file states a temperature other than 1 on its first line, and `train --soft` distils at it (Hinton's T² loss).
// Teachers must be trained on the Training split only (issue 17): this command cannot check that, the user must.

const CMD = "soft-targets";

export async function softTargetsCommand(args: string[]): Promise<void> {
  const p = parseArgs(args, parserSpec(CMD), CMD);
  const data = stringOption(p, "data");
  if (!data) throw new ArgumentError(`${CMD}: --data FILE is required (the FER2013 CSV whose Training rows the targets are for)`);
  const out = stringOption(p, "out");
  if (!out) throw new ArgumentError(`${CMD}: --out FILE is required (the soft-targets file to write; .gz to gzip it)`);
  if (p.positionals.length === 0) throw new ArgumentError(`${CMD}: expected one or more teacher models (folders or model.json / .onnx files)`);
  const temperature = numberOption(p, "temperature", CMD, (v) => v > 0 && v <= MAX_TEMPERATURE, `a number in (0, ${MAX_TEMPERATURE}]`) ?? 1;
  const tta = ttaOption(p, CMD);
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  // the output's folder is checked before minutes of inference, not after
  const dir = path.dirname(path.resolve(out));
  if (!(await fs.stat(dir).then((s) => s.isDirectory(), () => false))) throw new ArgumentError(`${CMD}: --out ${out}: folder ${dir} does not exist`);

  const models: Model[] = [];
  for (const m of p.positionals) models.push(checkTeacher(await loadModel(m), m));
  const d = await loadFer2013(data, ["Training"]);
  const mean = new Float64Array(d.n * FER_CLASSES);
  for (const model of models) {
    const probs = predictFer(model, d, tta);
    soften(probs, temperature);
    for (let i = 0; i < mean.length; i++) mean[i] += probs[i] / models.length;
  }
  const probs = Float32Array.from(mean);
  const text = formatTeacherTargets(probs, d.n, temperature);
  const bytes = out.endsWith(".gz") ? (await import("node:zlib")).gzipSync(text, { level: 9 }) : Buffer.from(text);
  await fs.writeFile(out, bytes);
  const agree = scorePredictions(probs, d.labels, d.n).accuracy;
  console.log(`${CMD}: ${d.n} Training faces, ${models.length} teacher(s)${tta === "flip" ? " flip-averaged" : tta === "ten-crop" ? " averaged over ten crops" : ""}, temperature ${temperature}; the mean's top class is the label on ${(100 * agree).toFixed(2)}% of them; wrote ${out}`);
}

/** A teacher must answer FER2013's seven classes in FER2013's order on a 48×48 grey face. */
function checkTeacher(model: Model, file: string): Model {
  const inS = model.inputShape, outS = model.outputShape;
  if (inS.join(",") !== `${FER_SIDE},${FER_SIDE},1`) throw new ArgumentError(`${CMD}: ${file}: input [${inS.join(", ")}], expected [48, 48, 1] (a grey 48×48 face)`);
  if (outS.join(",") !== String(FER_CLASSES)) throw new ArgumentError(`${CMD}: ${file}: output [${outS.join(", ")}], expected [7] (FER2013's classes)`);
  if (model.classNames && model.classNames.join(",") !== EMOTIONS.join(",")) {
    throw new ArgumentError(`${CMD}: ${file}: classes ${model.classNames.join(",")}, expected ${EMOTIONS.join(",")} (FER2013's order)`);
  }
  return model;
}

/** Each row p → p^(1/T) / Σ p^(1/T), in place: softmax(z / T) for a softmax output p = softmax(z). */
export function soften(probs: Float32Array, temperature: number, K = FER_CLASSES): void {
  if (temperature === 1) return;
  for (let r = 0; r < probs.length; r += K) {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, Math.log(probs[r + k]) / temperature);
    let s = 0;
    const e = new Float64Array(K);
    for (let k = 0; k < K; k++) s += e[k] = Math.exp(Math.log(probs[r + k]) / temperature - m);
    for (let k = 0; k < K; k++) probs[r + k] = e[k] / s;
  }
}

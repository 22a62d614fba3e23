import { ArgumentError } from "../errors.js";
import { loadModel } from "../onnx/load.js";
import { predictFer, scorePredictions } from "../train/evaluate.js";
import { FER_CLASSES, loadFer2013 } from "../train/fer2013.js";
import { formatTeacherTargets, MAX_TEMPERATURE } from "../train/soft-targets.js";
import { checkTeacher, soften } from "../train/teacher.js";
import type { Model } from "../model.js";
import { numberOption, parseArgs, stringOption, ttaOption } from "./args.js";
import { parserSpec } from "./options.js";

// resezap soft-targets --data FILE --out FILE[.gz] [--tta | --ten-crop] [--temperature T] MODEL...
// A teacher file for `train --soft`: the mean of the models' softmax on each Training face of FER2013, each
// model's probabilities first softened by the temperature (p^(1/T), renormalised: softmax(z / T) of its logits).
// The file states a temperature other than 1 on its first line, and `train --soft` distils at it (Hinton's T² loss).
// The teacher and its softening are src/train/teacher.ts, which `train --teacher` shares.

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
  for (const m of p.positionals) models.push(checkTeacher(await loadModel(m), m, CMD));
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


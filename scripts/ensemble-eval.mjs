#!/usr/bin/env node
// Accuracy of the mean of several models' probabilities on a FER2013 split, single pass and flip-averaged: how
// good a teacher for `resezap soft-targets` is (issue 17), where `resezap eval` takes one model.
// --student DIR: also how often that model's answer is the ensemble's (single pass), how a distilled student
// imitates its teachers.
// --mirror: also, for each model, how often its answer on a face's mirror image is its answer on the face (single
// passes): flip averaging gains most where the two differ.
//   npm run build && node scripts/ensemble-eval.mjs --data ../shared/data/fer2013/fer2013.csv.gz [--split PublicTest] [--ten-crop] [--mirror] [--student DIR] MODEL_DIR...
import { existsSync } from "node:fs";
import { loadLayersModel } from "../dist/io/load.js";
import { FER_SIDE, loadFer2013 } from "../dist/train/fer2013.js";
import { mirrorFaces } from "../dist/classify.js";
import { predictFer, predictedClasses, scorePredictions } from "../dist/train/evaluate.js";

const args = process.argv.slice(2);
const take = (flag) => {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const data = take("--data"), split = take("--split") ?? "PublicTest", student = take("--student");
// --ten-crop: also the mean over each model's ten-crop averages (ten times the time)
const tenCrop = args.includes("--ten-crop");
if (tenCrop) args.splice(args.indexOf("--ten-crop"), 1);
const mirror = args.includes("--mirror");
if (mirror) args.splice(args.indexOf("--mirror"), 1);
const fail = (msg) => {
  console.error(`ensemble-eval: ${msg}`);
  process.exit(1);
};
if (!data) fail("--data FILE (the FER2013 CSV) is required");
if (!["Training", "PublicTest", "PrivateTest"].includes(split)) fail(`--split must be Training, PublicTest or PrivateTest, found ${JSON.stringify(split)}`);
if (!args.length) fail("give one or more model folders");
for (const dir of student ? [...args, student] : args) if (!existsSync(dir)) fail(`${dir}: no such model folder`);

const d = await loadFer2013(data, [split]);
const models = await Promise.all(args.map((dir) => loadLayersModel(dir)));
const meanOf = (probs) => {
  const sum = new Float32Array(d.n * 7);
  for (const q of probs) q.forEach((p, i) => (sum[i] += p / probs.length));
  return sum;
};
const mean = (tta) => scorePredictions(meanOf(models.map((m) => predictFer(m, d, tta))), d.labels, d.n).accuracy;
const pct = (x) => `${(100 * x).toFixed(2)} %`;
// each model's single pass, kept for --mirror
const singles = models.map((m) => predictFer(m, d, false));
const single = meanOf(singles);
console.log(`${split}: ${d.n} faces, the mean of ${models.length} model(s) (${args.join(", ")}): ${pct(scorePredictions(single, d.labels, d.n).accuracy)}, flip-averaged ${pct(mean(true))}${tenCrop ? `, over ten crops ${pct(mean("ten-crop"))}` : ""}`);
if (student) {
  const s = predictFer(await loadLayersModel(student), d, false);
  const studentAnswers = predictedClasses(s, d.n), ensembleAnswers = predictedClasses(single, d.n);
  let agree = 0, studentOnly = 0, ensembleOnly = 0;
  for (let i = 0; i < d.n; i++) {
    const a = studentAnswers[i], b = ensembleAnswers[i], y = d.labels[i];
    agree += a === b;
    studentOnly += a === y && b !== y;
    ensembleOnly += b === y && a !== y;
  }
  console.log(`${student}: ${pct(scorePredictions(s, d.labels, d.n).accuracy)}; the ensemble's answer on ${pct(agree / d.n)} of the faces; right where the ensemble is wrong on ${studentOnly}, wrong where it is right on ${ensembleOnly}`);
}
if (mirror) {
  // classify.ts's mirror, on the grey levels as floats and back (integers, so exactly)
  const mirrored = { ...d, pixels: Uint8Array.from(mirrorFaces(Float32Array.from(d.pixels), d.n, FER_SIDE, FER_SIDE, 1)) };
  args.forEach((dir, k) => {
    const a = predictedClasses(singles[k], d.n), b = predictedClasses(predictFer(models[k], mirrored), d.n);
    let same = 0, right = 0, rightMirrored = 0;
    for (let i = 0; i < d.n; i++) {
      same += a[i] === b[i];
      right += a[i] === d.labels[i];
      rightMirrored += b[i] === d.labels[i];
    }
    console.log(`${dir}: the same answer on a face and its mirror image on ${pct(same / d.n)} of the faces; ${pct(right / d.n)} on the faces, ${pct(rightMirrored / d.n)} on the mirror images`);
  });
}

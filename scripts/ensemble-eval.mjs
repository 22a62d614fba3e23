#!/usr/bin/env node
// Accuracy of the mean of several models' probabilities on a FER2013 split, single pass and flip-averaged: how
// good a teacher for `resezap soft-targets` is (issue 17), where `resezap eval` takes one model.
//   npm run build && node scripts/ensemble-eval.mjs --data ../shared/data/fer2013/fer2013.csv.gz [--split PublicTest] [--ten-crop] MODEL_DIR...
import { existsSync } from "node:fs";
import { loadLayersModel } from "../dist/io/load.js";
import { loadFer2013 } from "../dist/train/fer2013.js";
import { predictFer, scorePredictions } from "../dist/train/evaluate.js";

const args = process.argv.slice(2);
const take = (flag) => {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const data = take("--data"), split = take("--split") ?? "PublicTest";
// --ten-crop: also the mean over each model's ten-crop averages (ten times the time)
const tenCrop = args.includes("--ten-crop");
if (tenCrop) args.splice(args.indexOf("--ten-crop"), 1);
const fail = (msg) => {
  console.error(`ensemble-eval: ${msg}`);
  process.exit(1);
};
if (!data) fail("--data FILE (the FER2013 CSV) is required");
if (!["Training", "PublicTest", "PrivateTest"].includes(split)) fail(`--split must be Training, PublicTest or PrivateTest, found ${JSON.stringify(split)}`);
if (!args.length) fail("give one or more model folders");
for (const dir of args) if (!existsSync(dir)) fail(`${dir}: no such model folder`);

const d = await loadFer2013(data, [split]);
const models = await Promise.all(args.map((dir) => loadLayersModel(dir)));
const mean = (tta) => {
  const sum = new Float32Array(d.n * 7);
  for (const m of models) predictFer(m, d, tta).forEach((p, i) => (sum[i] += p / models.length));
  return scorePredictions(sum, d.labels, d.n).accuracy;
};
const pct = (x) => `${(100 * x).toFixed(2)} %`;
console.log(`${split}: ${d.n} faces, the mean of ${models.length} model(s) (${args.join(", ")}): ${pct(mean(false))}, flip-averaged ${pct(mean(true))}${tenCrop ? `, over ten crops ${pct(mean("ten-crop"))}` : ""}`);

#!/usr/bin/env node
// The library's quantize() against the f32 model on a FER2013 split: accuracy of each and top-1 agreement
// (issue #19's acceptance figures). Calibration on the first --calib Training faces (grey/255, as the model
// takes them); evaluation on --split (PublicTest; or Training, whose last --limit faces never overlap the
// calibration ones, for choosing without looking at PublicTest).
//   npm run build && node scripts/int8-eval.mjs --data ../shared/data/fer2013/fer2013.csv.gz
//     [--model models/fer2013] [--calib 2000] [--bits 12] [--weight-bits 12] [--program mixed|integer] [--split PublicTest] [--limit N]
import { loadLayersModel, quantize } from "../dist/index.js";
import { loadFer2013Splits } from "../dist/train/fer2013.js";

const args = process.argv.slice(2);
const arg = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const data = arg("--data", "../shared/data/fer2013/fer2013.csv.gz"), modelDir = arg("--model", "models/fer2013");
const nCalib = Number(arg("--calib", 2000)), bits = Number(arg("--bits", 12)), weightBits = Number(arg("--weight-bits", 12)), split = arg("--split", "PublicTest");
const program = arg("--program", "mixed");
const model = await loadLayersModel(modelDir);
const splits = await loadFer2013Splits(data, split === "Training" ? ["Training"] : ["Training", split]);
const train = splits.Training, test = splits[split];
const n = Math.min(Number(arg("--limit", Infinity)), test.n), first = split === "Training" ? test.n - n : 0;
if (nCalib > train.n || (split === "Training" && first < nCalib)) throw new RangeError("int8-eval: the calibration faces overlap the evaluated ones, or are too many");
const faces = (d, from, k) => Float32Array.from(d.pixels.subarray(from * 2304, (from + k) * 2304), (v) => v / 255);

const t0 = Date.now();
const qm = quantize(model, faces(train, 0, nCalib), { bits, weightBits, program });
const tq = Date.now() - t0;
let okF = 0, okQ = 0, agree = 0;
const argmax = (p, i) => { let m = 0; for (let k = 1; k < 7; k++) if (p[7 * i + k] > p[7 * i + m]) m = k; return m; };
for (let i = 0; i < n; i += 256) {
  const k = Math.min(256, n - i), x = faces(test, first + i, k);
  const f = model.predict(x, k), q = qm.predict(x, k);
  for (let j = 0; j < k; j++) {
    const y = test.labels[first + i + j], a = argmax(f, j), b = argmax(q, j);
    okF += +(a === y); okQ += +(b === y); agree += +(a === b);
  }
}
const pc = (k) => Math.round((1e4 * k) / n) / 100;
console.log(JSON.stringify({
  model: modelDir, program, split, faces: n, calibration: `first ${nCalib} Training faces, min/max`, activation_bits: bits,
  pointwise_weight_bits: weightBits, depthwise_weight_bits: 12, quantize_ms: tq,
  f32_accuracy: pc(okF), quantized_accuracy: pc(okQ), accuracy_lost: Math.round(100 * (pc(okF) - pc(okQ))) / 100, top1_agreement: pc(agree),
}, null, 1));

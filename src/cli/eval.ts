import { ArgumentError } from "../errors.js";
import { encodePng } from "../image/png.js";
import { loadModel } from "../onnx/load.js";
import { EMOTIONS } from "../resezap.js";
import { evaluateFer, type EvalResult } from "../train/evaluate.js";
import { loadFer2013 } from "../train/fer2013.js";
import { parseArgs, stringOption } from "./args.js";
import { parserSpec } from "./options.js";
import { modelDirOption } from "./classify.js";

// resezap eval --data FILE [--split PublicTest] [--model DIR|FILE.onnx] [--tta] [--json] [--confusion FILE.png]
// Accuracy, per-class accuracy and the confusion matrix (rows: true class, columns: predicted).

const CMD = "eval";

export async function evalCommand(args: string[]): Promise<void> {
  const p = parseArgs(args, parserSpec("eval"), CMD);
  const data = stringOption(p, "data");
  if (!data) throw new ArgumentError(`${CMD}: --data FILE is required`);
  const split = stringOption(p, "split") ?? "PublicTest";
  const model = await loadModel(modelDirOption(p));
  const d = await loadFer2013(data, [split]);
  const r = evaluateFer(model, d, p.options.has("tta"));
  const names = model.classNames ?? [...EMOTIONS];
  const conf = stringOption(p, "confusion");
  if (conf) {
    const fs = await import("node:fs/promises");
    await fs.writeFile(conf, confusionPng(r));
  }
  if (p.options.has("json")) {
    console.log(JSON.stringify({ split, n: r.n, accuracy: r.accuracy, per_class: Object.fromEntries(names.map((c, i) => [c, r.perClass[i]])), confusion: r.confusion }));
    return;
  }
  console.log(`${split}: ${r.n} faces, accuracy ${(100 * r.accuracy).toFixed(2)}%${p.options.has("tta") ? " (with the flipped face)" : ""}`);
  for (let c = 0; c < names.length; c++) console.log(`  ${names[c].padEnd(9)} ${(100 * r.perClass[c]).toFixed(2).padStart(6)}%`);
  console.log("confusion (rows: true, columns: predicted):");
  console.log(" ".repeat(10) + names.map((c) => c.slice(0, 7).padStart(8)).join(""));
  r.confusion.forEach((row, c) => console.log(names[c].padEnd(10) + row.map((v) => String(v).padStart(8)).join("")));
}

/** The confusion matrix as a heat map: one 40×40 cell per (true, predicted), darker for a larger row share. */
export function confusionPng(r: EvalResult): Uint8Array {
  const K = r.confusion.length, cell = 40, W = K * cell;
  const px = new Uint8Array(W * W * 4);
  for (let t = 0; t < K; t++) {
    const sum = r.confusion[t].reduce((a, b) => a + b, 0) || 1;
    for (let q = 0; q < K; q++) {
      const v = Math.round(255 * (1 - r.confusion[t][q] / sum));
      for (let y = 0; y < cell; y++)
        for (let x = 0; x < cell; x++) {
          const o = (((t * cell + y) * W) + q * cell + x) * 4;
          const edge = x === 0 || y === 0;
          px[o] = edge ? 128 : v;
          px[o + 1] = edge ? 128 : v;
          px[o + 2] = edge ? 128 : 255;
          px[o + 3] = 255;
        }
    }
  }
  return encodePng({ data: px, width: W, height: W });
}

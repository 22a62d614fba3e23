import { ArgumentError } from "../errors.js";
import { EMOTIONS } from "../resezap.js";
import { confusionPng } from "../train/confusion-png.js";
import { evaluateFer } from "../train/evaluate.js";
import { loadFer2013 } from "../train/fer2013.js";
import { parseArgs, stringOption, ttaOption } from "./args.js";
import { parserSpec } from "./options.js";
import { loadModelOption } from "./classify.js";

// resezap eval --data FILE [--split PublicTest] [--model DIR|FILE.onnx] [--tta | --ten-crop] [--json] [--confusion FILE.png]
// Accuracy, per-class accuracy and the confusion matrix (rows: true class, columns: predicted).

const CMD = "eval";

export async function evalCommand(args: string[]): Promise<void> {
  const p = parseArgs(args, parserSpec("eval"), CMD);
  const data = stringOption(p, "data");
  if (!data) throw new ArgumentError(`${CMD}: --data FILE is required`);
  const split = stringOption(p, "split") ?? "PublicTest";
  const model = await loadModelOption(p);
  const d = await loadFer2013(data, [split]);
  const tta = ttaOption(p, CMD);
  const r = evaluateFer(model, d, tta);
  const names = model.classNames ?? [...EMOTIONS];
  const conf = stringOption(p, "confusion");
  if (conf) {
    const fs = await import("node:fs/promises");
    await fs.writeFile(conf, confusionPng(r.confusion, names));
  }
  if (p.options.has("json")) {
    console.log(JSON.stringify({ split, tta, n: r.n, accuracy: r.accuracy, per_class: Object.fromEntries(names.map((c, i) => [c, r.perClass[i]])), confusion: r.confusion }));
    return;
  }
  console.log(`${split}: ${r.n} faces, accuracy ${(100 * r.accuracy).toFixed(2)}%${tta === "flip" ? " (with the flipped face)" : tta === "ten-crop" ? " (averaged over ten crops)" : ""}`);
  for (let c = 0; c < names.length; c++) console.log(`  ${names[c].padEnd(9)} ${(100 * r.perClass[c]).toFixed(2).padStart(6)}%`);
  console.log("confusion (rows: true, columns: predicted):");
  console.log(" ".repeat(10) + names.map((c) => c.slice(0, 7).padStart(8)).join(""));
  r.confusion.forEach((row, c) => console.log(names[c].padEnd(10) + row.map((v) => String(v).padStart(8)).join("")));
}

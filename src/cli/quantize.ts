import { ArgumentError } from "../errors.js";
import { loadModel } from "../onnx/load.js";
import { quantize } from "../quant/quantize.js";
import { saveQuantizedModel } from "../quant/saved.js";
import { DEFAULT_PROGRAM } from "../quant/program.js";
import { FER_SIDE, loadFer2013, toFloat } from "../train/fer2013.js";
import { numberOption, parseArgs, stringOption } from "./args.js";
import { modelDirOption } from "./classify.js";
import { parserSpec } from "./options.js";

// resezap quantize --data FILE --out DIR [--model DIR] [--calibration N] [--weight-bits 8|12]
// The model's integer part on 12-bit activations, each tensor's range from its min/max over the first N
// Training faces (docs/int8.md), saved where eval, classify and loadQuantizedModel read it.

const CMD = "quantize";

export async function quantizeCommand(args: string[]): Promise<void> {
  const p = parseArgs(args, parserSpec(CMD), CMD);
  const data = stringOption(p, "data"), out = stringOption(p, "out");
  if (!data) throw new ArgumentError(`${CMD}: --data FILE is required`);
  if (!out) throw new ArgumentError(`${CMD}: --out DIR is required`);
  const n = numberOption(p, "calibration", CMD, (v) => Number.isInteger(v) && v >= 1, "an integer ≥ 1") ?? 2000;
  const weightBits = numberOption(p, "weight-bits", CMD, (v) => v === 8 || v === 12, "8 or 12") ?? 12;
  const modelPath = modelDirOption(p);
  const model = await loadModel(modelPath);
  if (model.inputShape.join() !== `${FER_SIDE},${FER_SIDE},1`) throw new ArgumentError(`${CMD}: ${modelPath}: input [${model.inputShape.join(", ")}], expected [48, 48, 1] (a grey 48×48 face, as the FER2013 faces it is calibrated on)`);
  const d = await loadFer2013(data, ["Training"]);
  if (d.n === 0) throw new ArgumentError(`${CMD}: ${data} has no Training faces to calibrate on`);
  const used = Math.min(n, d.n);
  const qm = quantize(model, toFloat(d, Array.from({ length: used }, (_, i) => i)), { weightBits });
  await saveQuantizedModel(qm, out);
  const bits = Math.log2(qm.spec.params[0].qmax + 1);
  console.log(`${CMD}: ${modelPath}: ${qm.spec.plan.steps.length} steps quantized (${bits}-bit activations, ${weightBits}-bit pointwise and 12-bit depthwise weights; run as the ${DEFAULT_PROGRAM} program, its pointwise layers on integers), ${qm.spec.plan.tail.length} in f32 after them; calibrated on the first ${used} Training faces${used < n ? ` (of ${n} asked)` : ""}; wrote ${out}`);
}

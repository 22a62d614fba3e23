import { classifyFaces } from "../classify.js";
import { ArgumentError } from "../errors.js";
import { readImage } from "./read-image.js";
import { loadRunnableModel } from "../quant/saved.js";
import { DEFAULT_MODEL_DIR } from "../paths.js";
import { parseArgs, stringOption, ttaOption } from "./args.js";
import { parserSpec } from "./options.js";
import { fileURLToPath } from "node:url";

export function modelDirOption(p: ReturnType<typeof parseArgs>): string {
  return stringOption(p, "model") ?? fileURLToPath(DEFAULT_MODEL_DIR);
}

/** --model as it runs: quantized when its file carries a quantization block, unless --f32. */
export function loadModelOption(p: ReturnType<typeof parseArgs>): ReturnType<typeof loadRunnableModel> {
  return loadRunnableModel(modelDirOption(p), { f32: p.options.has("f32") });
}

export async function classifyCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, parserSpec("classify"), "classify");
  if (p.positionals.length === 0) throw new ArgumentError("classify: expected one or more PNG or JPEG files");
  const model = await loadModelOption(p);
  const tta = ttaOption(p, "classify");
  const json = p.options.has("json");
  const results = [];
  // each file's line as it is done (with --json, one document at the end)
  for (const file of p.positionals) {
    const [r] = classifyFaces(model, [await readImage(file)], { tta });
    if (json) results.push({ file, ...r });
    else console.log(`${file}: ${r.label} (${Object.entries(r.probabilities).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(", ")})`);
  }
  if (json) console.log(JSON.stringify(results));
}

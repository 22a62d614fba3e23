import { classifyFaces } from "../classify.js";
import { ArgumentError } from "../errors.js";
import { readImage } from "./read-image.js";
import { loadModel } from "../onnx/load.js";
import { DEFAULT_MODEL_DIR } from "../paths.js";
import { parseArgs, stringOption } from "./args.js";
import { parserSpec } from "./options.js";
import { fileURLToPath } from "node:url";

export function modelDirOption(p: ReturnType<typeof parseArgs>): string {
  return stringOption(p, "model") ?? fileURLToPath(DEFAULT_MODEL_DIR);
}

export async function classifyCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, parserSpec("classify"), "classify");
  if (p.positionals.length === 0) throw new ArgumentError("classify: expected one or more PNG or JPEG files");
  const model = await loadModel(modelDirOption(p));
  const images = [];
  for (const f of p.positionals) images.push(await readImage(f));
  const results = classifyFaces(model, images, { tta: p.options.has("tta") ? "flip" : "none" }).map((r, i) => ({ file: p.positionals[i], ...r }));
  if (p.options.has("json")) {
    console.log(JSON.stringify(results));
    return;
  }
  for (const r of results) {
    const probs = Object.entries(r.probabilities).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(", ");
    console.log(`${r.file}: ${r.label} (${probs})`);
  }
}

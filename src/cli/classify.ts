import { readFile } from "node:fs/promises";
import { classifyFaces } from "../classify.js";
import { ArgumentError, ImageError } from "../errors.js";
import { decodePng } from "../image/png.js";
import { loadLayersModel } from "../io/load.js";
import { DEFAULT_MODEL_DIR } from "../paths.js";
import { parseArgs, stringOption } from "./args.js";
import { fileURLToPath } from "node:url";

export async function readPng(file: string) {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new ImageError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodePng(bytes, file);
}

export function modelDirOption(p: ReturnType<typeof parseArgs>): string {
  return stringOption(p, "model") ?? fileURLToPath(DEFAULT_MODEL_DIR);
}

export async function classifyCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, { flags: ["json"], values: ["model"] }, "classify");
  if (p.positionals.length === 0) throw new ArgumentError("classify: expected one or more PNG files");
  const model = await loadLayersModel(modelDirOption(p));
  const images = [];
  for (const f of p.positionals) images.push(await readPng(f));
  const results = classifyFaces(model, images).map((r, i) => ({ file: p.positionals[i], ...r }));
  if (p.options.has("json")) {
    console.log(JSON.stringify(results));
    return;
  }
  for (const r of results) {
    const probs = Object.entries(r.probabilities).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(", ");
    console.log(`${r.file}: ${r.label} (${probs})`);
  }
}

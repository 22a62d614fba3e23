import { writeFile } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { ArgumentError } from "../errors.js";
import { readImage } from "./read-image.js";
import { encodePng } from "../image/png.js";
import { annotate, recognize } from "../recognize.js";
import { FaceDetector } from "../detect/detector.js";
import { YuNetDetector } from "../detect/yunet.js";
import { detectorOptions, parseArgs, numberOption, readCascadeOption, stringOption, ttaOption } from "./args.js";
import { parserSpec } from "./options.js";
import { loadModelOption } from "./classify.js";

// `resezap detect <image...> [--out FILE|DIR] [--json] [--model DIR|FILE.onnx]` plus the detector's options.
export async function detectCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, parserSpec("detect"), "detect");
  if (p.positionals.length === 0) throw new ArgumentError("detect: expected one or more PNG or JPEG files");
  const { detector: kind, yunet, haar } = detectorOptions(p, "detect");
  const { scaleFactor, minNeighbors, minSize, maxSize, cascadeFile } = haar;
  const margin = numberOption(p, "margin", "detect", (v) => v >= 0 && v <= 1, "a fraction in [0, 1]");
  const cascade = cascadeFile === undefined ? undefined : await readCascadeOption(cascadeFile, "detect");
  const model = await loadModelOption(p);
  const detector = kind === "yunet" ? YuNetDetector.default() : new FaceDetector({ cascade });
  const out = stringOption(p, "out");
  const targets = out === undefined ? null : await outputTargets(out, p.positionals);
  const json = p.options.has("json");
  const results = [];
  for (const file of p.positionals) {
    const img = await readImage(file);
    const faces = recognize(img, {
      model, detector, margin, ...yunet,
      tta: ttaOption(p, "detect"),
      scaleFactor, minNeighbors,
      minSize: minSize === undefined ? undefined : [minSize, minSize],
      maxSize: maxSize === undefined ? undefined : [maxSize, maxSize],
    });
    // each file's lines as it finishes (with --json, one document at the end)
    if (json) results.push({ file, faces });
    else {
      if (faces.length === 0) console.log(`${file}: no face`);
      for (const f of faces) console.log(`${file}: [${f.box.join(", ")}]${f.score !== undefined ? ` (face ${f.score.toFixed(3)})` : ""} ${f.label} ${f.probabilities[f.label].toFixed(3)}`);
    }
    if (targets) {
      const target = targets.get(file)!;
      await writeFile(target, encodePng(annotate(img, faces)));
      // (on stderr with --json, so stdout stays one JSON document)
      (json ? console.error : console.log)(`${file}: ${faces.length} face${faces.length === 1 ? "" : "s"} drawn in ${target}`);
    }
  }
  if (json) console.log(JSON.stringify(results));
}

/**
 * Where --out puts each input's picture, checked before any work. One input: --out is a .png file (its folder
 * must exist), or an existing folder. Several inputs: --out is a folder (made if missing), each picture named
 * <input name>-out.png there; two inputs of the same name would overwrite each other, so they are refused.
 */
async function outputTargets(out: string, files: string[]): Promise<Map<string, string>> {
  const fs = await import("node:fs/promises");
  const { dirname } = await import("node:path");
  const kind = await fs.stat(out).then((st) => (st.isDirectory() ? "folder" : "file"), () => "none");
  const inFolder = kind === "folder" || files.length > 1;
  if (!inFolder) {
    if (extname(out).toLowerCase() !== ".png") throw new ArgumentError(`detect: --out ${out}: the picture is written as PNG; name it .png`);
    const parent = dirname(out);
    if (!(await fs.stat(parent).then((st) => st.isDirectory(), () => false))) throw new ArgumentError(`detect: --out ${out}: the folder ${parent} does not exist`);
    return new Map([[files[0], out]]);
  }
  if (kind === "file") throw new ArgumentError(`detect: --out ${out} is a file; ${files.length} inputs go into a folder`);
  if (kind === "none" && extname(out).toLowerCase() === ".png") throw new ArgumentError(`detect: --out ${out}: ${files.length} inputs go into a folder, not one .png file`);
  const targets = new Map<string, string>(), byTarget = new Map<string, string>();
  for (const f of files) {
    const t = join(out, `${basename(f, extname(f))}-out.png`);
    const other = byTarget.get(t);
    if (other !== undefined && other !== f) throw new ArgumentError(`detect: ${other} and ${f} would both be drawn in ${t}; rename one or run them apart`);
    byTarget.set(t, f);
    targets.set(f, t);
  }
  if (kind === "none") await fs.mkdir(out, { recursive: true });
  return targets;
}

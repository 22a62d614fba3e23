import { readFile } from "node:fs/promises";
import { ArgumentError, ImageError, ModelFormatError } from "../errors.js";
import { decodePng } from "../image/png.js";
import { FaceDetector, loadCascade, type Cascade } from "../detect/index.js";
import { YuNetDetector, type DetectedFace, type YuNetOptions } from "../detect/yunet.js";
import { detectorOptions, DETECTOR_VALUES, numberOption, parseArgs, stringOption } from "./args.js";

// `resezap faces <image...> [--json] [--detector haar|yunet]` and each detector's options
// Face boxes [x, y, w, h] in each PNG, by the Haar cascade detector (OpenCV's defaults unless given) or YuNet (with
// its score and five landmarks). One detector serves every file, so its WASM instance and buffers are reused.

const USAGE = "faces <image.png...> [--json] [--scale-factor F] [--min-neighbors N] [--min-size PX] [--max-size PX] [--cascade FILE] | [--detector yunet] [--score-threshold F] [--nms-threshold F] [--top-k N] [--longest-side PX]";

export async function facesCommand(args: string[]): Promise<void> {
  const p = parseArgs(args, { flags: ["json"], values: ["scale-factor", "min-neighbors", "min-size", "max-size", "cascade", ...DETECTOR_VALUES] }, "faces");
  if (p.positionals.length === 0) throw new ArgumentError(`faces: expected one or more PNG files (usage: ${USAGE})`);
  const { detector: kind, yunet } = detectorOptions(p, "faces");
  if (kind === "yunet") return yunetFaces(p.positionals, yunet, p.options.has("json"));
  const px = (v: number) => Number.isInteger(v) && v >= 0;
  const scaleFactor = numberOption(p, "scale-factor", "faces", (v) => v > 1, "a number greater than 1");
  const minNeighbors = numberOption(p, "min-neighbors", "faces", px, "an integer ≥ 0");
  const minSize = numberOption(p, "min-size", "faces", px, "a size in pixels (an integer ≥ 0)");
  const maxSize = numberOption(p, "max-size", "faces", px, "a size in pixels (an integer ≥ 0)");
  const cascadeFile = stringOption(p, "cascade");
  const cascade = cascadeFile === undefined ? undefined : await readCascade(cascadeFile);
  const detector = new FaceDetector({ cascade, scaleFactor, minNeighbors, minSize, maxSize });
  const results: { file: string; faces: number[][] }[] = [];
  for (const file of p.positionals) {
    const image = decodePng(await readBytes(file, ImageError), file);
    results.push({ file, faces: detector.detect(image) });
  }
  if (p.options.has("json")) {
    console.log(JSON.stringify(results));
    return;
  }
  for (const r of results) {
    const boxes = r.faces.map((b) => `[${b.join(", ")}]`).join(" ");
    console.log(`${r.file}: ${r.faces.length} face${r.faces.length === 1 ? "" : "s"}${boxes ? " " + boxes : ""}`);
  }
}

async function yunetFaces(files: string[], options: YuNetOptions, json: boolean): Promise<void> {
  const detector = YuNetDetector.default();
  const results: { file: string; faces: DetectedFace[] }[] = [];
  for (const file of files) results.push({ file, faces: detector.detect(decodePng(await readBytes(file, ImageError), file), options) });
  if (json) {
    console.log(JSON.stringify(results));
    return;
  }
  for (const r of results) {
    const boxes = r.faces.map((f) => `[${f.box.map((v) => v.toFixed(1)).join(", ")}] ${f.score.toFixed(3)}`).join(" ");
    console.log(`${r.file}: ${r.faces.length} face${r.faces.length === 1 ? "" : "s"}${boxes ? " " + boxes : ""}`);
  }
}

async function readCascade(file: string): Promise<Cascade> {
  const bytes = await readBytes(file, ArgumentError, "--cascade ");
  return loadCascade(new TextDecoder().decode(bytes), file);
}

async function readBytes(file: string, E: typeof ImageError | typeof ArgumentError | typeof ModelFormatError, what = ""): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new E(`${what}${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

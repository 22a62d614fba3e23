import { readFile } from "node:fs/promises";
import { ArgumentError, ImageError, ModelFormatError } from "../errors.js";
import { readImage } from "./read-image.js";
import { FaceDetector, loadCascade, type Cascade } from "../detect/index.js";
import { YuNetDetector, type YuNetOptions } from "../detect/yunet.js";
import { detectorOptions, DETECTOR_VALUES, numberOption, parseArgs, stringOption } from "./args.js";

// `resezap faces <image...> [--json] [--detector yunet|haar]` and each detector's options
// Faces in each PNG or JPEG, by YuNet (the default: box, score and five landmarks) or by the Haar cascade
// (boxes, OpenCV's defaults unless given). One detector serves every file, so its WASM instance and buffers
// are reused.

const USAGE = "faces <image.png|jpg...> [--json] [--score-threshold F] [--nms-threshold F] [--top-k N] [--longest-side PX] | --detector haar [--scale-factor F] [--min-neighbors N] [--min-size PX] [--max-size PX] [--cascade FILE]";

export async function facesCommand(args: string[]): Promise<void> {
  const p = parseArgs(args, { flags: ["json"], values: ["scale-factor", "min-neighbors", "min-size", "max-size", "cascade", ...DETECTOR_VALUES] }, "faces");
  if (p.positionals.length === 0) throw new ArgumentError(`faces: expected one or more PNG or JPEG files (usage: ${USAGE})`);
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
  await eachFile(p.positionals, p.options.has("json"), async (file) => detector.detect(await readImage(file)), (b) => `[${b.join(", ")}]`);
}

async function yunetFaces(files: string[], options: YuNetOptions, json: boolean): Promise<void> {
  const detector = YuNetDetector.default();
  await eachFile(files, json, async (file) => detector.detect(await readImage(file), options), (f) => `[${f.box.map((v) => v.toFixed(1)).join(", ")}] ${f.score.toFixed(3)}`);
}

/** Each file's line as soon as it is done; with --json, one document at the end. */
async function eachFile<F>(files: string[], json: boolean, detect: (file: string) => Promise<F[]>, show: (f: F) => string): Promise<void> {
  const results: { file: string; faces: F[] }[] = [];
  for (const file of files) {
    const faces = await detect(file);
    if (json) results.push({ file, faces });
    else console.log(`${file}: ${faces.length} face${faces.length === 1 ? "" : "s"}${faces.length ? " " + faces.map(show).join(" ") : ""}`);
  }
  if (json) console.log(JSON.stringify(results));
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

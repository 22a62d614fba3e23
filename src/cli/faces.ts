import { ArgumentError } from "../errors.js";
import { readImage } from "./read-image.js";
import { FaceDetector } from "../detect/index.js";
import { YuNetDetector, type YuNetOptions } from "../detect/yunet.js";
import { detectorOptions, parseArgs, readCascadeOption } from "./args.js";
import { parserSpec } from "./options.js";

// `resezap faces <image...> [--json] [--detector yunet|haar]` and each detector's options
// Faces in each PNG or JPEG, by YuNet (the default: box, score and five landmarks) or by the Haar cascade
// (boxes, OpenCV's defaults unless given). One detector serves every file, so its WASM instance and buffers
// are reused.


export async function facesCommand(args: string[]): Promise<void> {
  const p = parseArgs(args, parserSpec("faces"), "faces");
  if (p.positionals.length === 0) throw new ArgumentError("faces: expected one or more PNG or JPEG files (resezap faces --help lists the options)");
  const { detector: kind, yunet, haar } = detectorOptions(p, "faces");
  if (kind === "yunet") return yunetFaces(p.positionals, yunet, p.options.has("json"));
  const { scaleFactor, minNeighbors, minSize, maxSize, cascadeFile } = haar;
  const cascade = cascadeFile === undefined ? undefined : await readCascadeOption(cascadeFile, "faces");
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

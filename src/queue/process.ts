import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { ResezapError } from "../errors.js";
import { YuNetDetector } from "../detect/yunet.js";
import { readImage } from "../cli/read-image.js";
import type { Model } from "../model.js";
import { loadRunnableModel } from "../quant/saved.js";
import type { QuantizedModel } from "../quant/program.js";
import { DEFAULT_MODEL_DIR } from "../paths.js";
import { recognize } from "../recognize.js";
import { analyzeVideo } from "../video/analyze.js";
import { faceRecord, frameRecord } from "../video/record.js";
import type { JobData } from "./job.js";

// What a worker does with one job: recognize() on a picture or analyzeVideo() on a video, the result as JSON
// lines (those of `resezap video --jsonl`; a picture's one line has no time, frame or track).

/** Models a worker has loaded, by path, so that each is read once per process. */
export class ModelCache {
  private models = new Map<string, Promise<Model | QuantizedModel>>();
  /** the model as the CLI runs it: quantized when its file carries a quantization block (the package's does) */
  get(path = fileURLToPath(DEFAULT_MODEL_DIR)): Promise<Model | QuantizedModel> {
    let m = this.models.get(path);
    if (!m) {
      m = loadRunnableModel(path);
      this.models.set(path, m);
      m.catch(() => this.models.delete(path)); // a failed load is tried again by the next job
    }
    return m;
  }
}

/** The job's result lines. Errors are those of readImage, probeVideo and analyzeVideo: one line naming the file. */
export async function runJob(job: JobData, models: ModelCache): Promise<object[]> {
  const { model: modelPath, every, from, to, smooth, trackMemory, ...yunet } = job.options;
  const model = await models.get(modelPath);
  if (job.kind === "image") {
    const img = await readImage(job.file);
    const faces = recognize(img, { model, detector: YuNetDetector.default(), ...yunet });
    return [{ faces: faces.map(faceRecord) }];
  }
  const lines: object[] = [];
  for await (const r of analyzeVideo(job.file, { model, every, from, to, smooth, trackMemory, ...yunet })) lines.push(frameRecord(r));
  return lines;
}

/**
 * Writes a result file whole or not at all: into a temporary file beside it, then renamed over it. A job retried
 * after its worker died leaves one complete file, whichever attempt renamed last (both wrote the same lines).
 */
export async function writeResultFile(file: string, lines: object[], attempt: string): Promise<void> {
  const tmp = `${file}.${attempt}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(tmp, lines.map((l) => JSON.stringify(l) + "\n").join(""));
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new ResezapError(`${file}: cannot write the result (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

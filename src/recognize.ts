import { faceInputOf, greyFaceInput, predictFaces, preprocessAligned, preprocessFace, toClassifications, ttaOf, type Classification, type Preprocessing, type TestTimeAveraging } from "./classify.js";
import type { Landmarks } from "./image/align.js";
import { ArgumentError } from "./errors.js";
import { FaceDetector, type FaceDetectorOptions } from "./detect/detector.js";
import { YuNetDetector, type YuNetOptions } from "./detect/yunet.js";
import type { Box } from "./detect/group.js";
import type { DetectOptions } from "./detect/options.js";
import { colorOf } from "./draw-colors.js";
import { drawBox, drawLabel } from "./image/draw.js";
import { channelsOf, toGrey } from "./image/grey.js";
import type { Rect } from "./image/resize.js";
import type { GreyImage, ImageLike } from "./image/types.js";
import { loadLayersModel } from "./io/load.js";
import type { Predictor } from "./model.js";
import { runnable } from "./quant/saved.js";
import { QuantizedModel } from "./quant/program.js";
import { DEFAULT_MODEL_JSON } from "./paths.js";

// The real-time system in one call: frame → faces (YuNet by default, or the paper's Haar cascade) → crops → 48×48
// grey → ResEZAP → labels.
// Preprocessing contract (the same as classifyFaces):
//   grey   OpenCV 4.6's cvtColor RGB→GRAY: with the Haar cascade, the detector's grey of the frame, cropped;
//          with YuNet (which looks at colour), the grey of each crop alone
//   crop   the detector's box, grown by `margin` × its size on every side (default 0), clipped to the frame
//   resize area averaging to 48×48 when shrinking (INTER_AREA), bilinear when growing
//   scale  grey / 255
// All faces of a frame go through the network in one batched WASM call.

export interface RecognizedFace extends Classification {
  box: Box;
  /** YuNet's score and five landmarks (right eye, left eye, nose tip, right and left mouth corners), in the frame's pixels */
  score?: number;
  landmarks?: [number, number][];
}

export interface RecognizeOptions extends DetectOptions, YuNetOptions {
  /** a Model, or a QuantizedModel (loadQuantizedModel) */
  model: Predictor;
  /**
   * The face detector: "yunet" (the CNN shipped in models/yunet, the default), "haar" (OpenCV's cascade, the
   * paper's detector), or a FaceDetector / YuNetDetector to reuse across frames (each keeps its WASM buffers).
   * Each detector's options apply to it alone: one given for the other is refused.
   */
  detector?: FaceDetector | YuNetDetector | "haar" | "yunet";
  /** Fraction of the box size added on each side before cropping. Default 0. */
  margin?: number;
  /** Pixel scaling for the model (value · scale + offset); default: the model's metadata, else [0, 1]. */
  preprocessing?: Preprocessing;
  /** With YuNet's landmarks: crop each face rotated and scaled so its eyes are level (src/image/align.ts). */
  align?: boolean;
  /** "flip": also classify each face mirrored and average the two (twice the classification time). Default "none". */
  tta?: TestTimeAveraging;
}

let sharedDetector: FaceDetector | null = null;

export function recognize(image: ImageLike, options: RecognizeOptions): RecognizedFace[] {
  const { model, detector, margin = 0, preprocessing, align = false, tta: ttaOption, scoreThreshold, nmsThreshold, topK, longestSide, ...detect } = options;
  if (!model) throw new ArgumentError("recognize: options.model is required (loadLayersModel(...) or EmotionRecognizer.load())");
  if (!(margin >= 0 && margin <= 1)) throw new ArgumentError(`recognize: margin must be in [0, 1], found ${margin}`);
  const tta = ttaOf(ttaOption, "recognize");
  if (detector !== undefined && !(detector instanceof FaceDetector || detector instanceof YuNetDetector) && detector !== "haar" && detector !== "yunet") {
    throw new ArgumentError(`recognize: detector must be "yunet", "haar", a FaceDetector or a YuNetDetector, found ${JSON.stringify(detector)}`);
  }
  const d = detector === undefined || detector === "yunet" ? YuNetDetector.default() : detector === "haar" ? (sharedDetector ??= new FaceDetector()) : detector;
  if (d instanceof YuNetDetector) {
    refuseOptionsOf("recognize", "Haar", detect, "yunet");
    const faces = d.detect(image, { scoreThreshold, nmsThreshold, topK, longestSide });
    // whole pixels inside the frame for cropping; the exact box, score and landmarks go with the result
    const boxes = faces.map(({ box: [x, y, w, h] }) => {
      const x0 = clampInt(x, image.width - 1), y0 = clampInt(y, image.height - 1);
      return [x0, y0, Math.max(1, clampInt(x + w, image.width) - x0), Math.max(1, clampInt(y + h, image.height) - y0)] as Box;
    });
    const labelled = align ? classifyAligned(model, image, faces.map((f) => f.landmarks), preprocessing ?? {}, tta) : classifyRegions(model, image, null, boxes, margin, preprocessing, tta);
    return labelled.map((r, i) => ({ ...r, box: boxes[i], score: faces[i].score, landmarks: faces[i].landmarks }));
  }
  if (align) throw new ArgumentError("recognize: align needs landmarks, which the Haar detector does not give (use detector \"yunet\")");
  refuseOptionsOf("recognize", "YuNet", { scoreThreshold, nmsThreshold, topK, longestSide }, "haar");
  const boxes = d.detect(image, detect);
  return classifyRegions(model, image, d.greyOf(image), boxes, margin, preprocessing, tta);
}

/** An option of one detector given while the other runs would be ignored: refused instead, naming it. */
function refuseOptionsOf(where: string, kind: "Haar" | "YuNet", options: Record<string, unknown>, running: "haar" | "yunet"): void {
  const given = Object.entries(options).find(([, v]) => v !== undefined);
  if (given) {
    throw new ArgumentError(`${where}: ${given[0]} is an option of the ${kind} detector, and this one runs ${running === "yunet" ? "YuNet" : "the Haar cascade"}; pass detector: "${kind === "Haar" ? "haar" : "yunet"}" to use it`);
  }
}

function clampInt(v: number, max: number): number {
  return Math.min(max, Math.max(0, Math.round(v)));
}

/** Aligned crops of the faces whose landmarks are given, to the model's input, one batched predict. */
function classifyAligned(model: Predictor, image: ImageLike, landmarks: Landmarks[], preprocessing: Preprocessing, tta: TestTimeAveraging): Classification[] {
  const spec = faceInputOf(model, preprocessing, "recognize");
  if (landmarks.length === 0) return [];
  const per = spec.height * spec.width * spec.channels;
  const x = new Float32Array(landmarks.length * per);
  landmarks.forEach((l, i) => preprocessAligned(image, l, x.subarray(i * per, (i + 1) * per), spec));
  return toClassifications(model, predictFaces(model, x, landmarks.length, spec, tta), landmarks.length);
}

/** The second half of recognize(): crop each box (grown by margin), to the model's input, one batched predict. */
export function classifyBoxes(model: Predictor, image: ImageLike, boxes: Box[], margin = 0, preprocessing: Preprocessing = {}, tta: TestTimeAveraging = "none"): RecognizedFace[] {
  return classifyRegions(model, image, null, boxes, margin, preprocessing, tta);
}

/**
 * classifyBoxes, given the frame's grey where the detector computed it (the Haar cascade's, in WASM memory): a
 * one-channel model's crops are then resized straight out of it, so a face is classified from the grey it was
 * found in. Without it, the grey of each crop alone is computed (YuNet looks at colour: no grey frame exists).
 */
function classifyRegions(model: Predictor, image: ImageLike, grey: GreyImage | null, boxes: Box[], margin: number, preprocessing: Preprocessing = {}, tta: TestTimeAveraging = "none"): RecognizedFace[] {
  const spec = faceInputOf(model, preprocessing, "recognize");
  ttaOf(tta, "classifyBoxes");
  if (boxes.length === 0) return [];
  channelsOf(image);
  const per = spec.height * spec.width * spec.channels;
  const x = new Float32Array(boxes.length * per);
  boxes.forEach(([bx, by, bw, bh], i) => {
    const mx = Math.round(bw * margin), my = Math.round(bh * margin);
    const x0 = Math.max(0, bx - mx), y0 = Math.max(0, by - my);
    const rect = { x: x0, y: y0, w: Math.min(image.width, bx + bw + mx) - x0, h: Math.min(image.height, by + bh + my) - y0 };
    const slot = x.subarray(i * per, (i + 1) * per);
    if (spec.channels === 3) preprocessFace(cropImage(image, rect), `face ${i}`, slot, spec);
    else if (grey) greyFaceInput(grey, rect, slot, spec);
    else greyFaceInput(toGrey(image, `face ${i}`, rect), { x: 0, y: 0, w: rect.w, h: rect.h }, slot, spec);
  });
  const labelled = toClassifications(model, predictFaces(model, x, boxes.length, spec, tta), boxes.length);
  return labelled.map((c, i) => ({ box: boxes[i], ...c }));
}

function cropImage(img: ImageLike, { x, y, w, h }: Rect): ImageLike {
  const ch = channelsOf(img);
  const data = new Uint8Array(w * h * ch);
  for (let r = 0; r < h; r++) data.set(img.data.subarray(((y + r) * img.width + x) * ch, ((y + r) * img.width + x + w) * ch), r * w * ch);
  return { data, width: w, height: h, channels: ch };
}

/** A copy of the frame (as RGBA) with a box and "LABEL 87%" drawn for each face. */
export function annotate(image: ImageLike, faces: RecognizedFace[]): { data: Uint8ClampedArray; width: number; height: number } {
  const { width, height } = image;
  const n = width * height;
  const data = new Uint8ClampedArray(n * 4);
  const ch = image.channels ?? (image.data.length / n);
  for (let i = 0; i < n; i++) {
    const s = i * ch;
    data[i * 4] = image.data[s];
    data[i * 4 + 1] = image.data[ch >= 3 ? s + 1 : s];
    data[i * 4 + 2] = image.data[ch >= 3 ? s + 2 : s];
    data[i * 4 + 3] = 255;
  }
  const out = { data, width, height };
  const thick = Math.max(2, Math.round(Math.min(width, height) / 200));
  const scale = Math.max(1, Math.round(Math.min(width, height) / 240));
  for (const f of faces) {
    const c = colorOf(f.label);
    drawBox(out, f.box, c, thick);
    const text = `${f.label} ${Math.round(f.probabilities[f.label] * 100)}%`;
    const h = 7 * scale + 2 * scale;
    const y = f.box[1] - h >= 0 ? f.box[1] - h : f.box[1] + thick;
    drawLabel(out, text, f.box[0], y, [0, 0, 0], c, scale);
    // YuNet's landmarks as small squares (eyes, nose tip, mouth corners)
    for (const [lx, ly] of f.landmarks ?? []) drawBox(out, [Math.round(lx) - thick, Math.round(ly) - thick, 2 * thick + 1, 2 * thick + 1], c, 1);
  }
  return out;
}

/** A model and a face detector, loaded once, for recognising faces frame after frame (face-api.js style). */
export class EmotionRecognizer {
  private constructor(readonly model: Predictor, readonly detector: FaceDetector | YuNetDetector, readonly preprocessing: Preprocessing, private readonly ownsThreads = false) {}

  /**
   * model: a model (a QuantizedModel too), or where to load one (default: the package's model; a folder
   * `resezap quantize` wrote, the package's model among them, loads as its QuantizedModel unless f32 is
   * set), any face input size, grey or RGB; f32: load the f32 model even from a quantized file;
   * preprocessing: its pixel scaling when its metadata does not say; detector: "yunet" (default: the shipped
   * YuNet; in a browser pass a YuNetDetector.fromBytes(...)) or "haar" (the paper's cascade; `cascade` and the
   * FaceDetector options apply to it alone); threads: 2 runs each face of the quantized model it loads on this
   * thread and a worker (QuantizedModel.setThreads: Node, or a cross-origin-isolated page), until close().
   */
  static async load(options: { model?: Predictor | string | URL; f32?: boolean; threads?: 1 | 2; preprocessing?: Preprocessing; detector?: "haar" | "yunet" | FaceDetector | YuNetDetector } & FaceDetectorOptions = {}): Promise<EmotionRecognizer> {
    const { model, f32, threads, preprocessing = {}, detector = "yunet", ...det } = options;
    if (threads !== undefined && threads !== 1 && threads !== 2) throw new ArgumentError(`EmotionRecognizer.load: threads must be 1 or 2, found ${JSON.stringify(threads)}`);
    if (detector instanceof FaceDetector) {
      const given = Object.entries(det).find(([, v]) => v !== undefined);
      if (given) throw new ArgumentError(`EmotionRecognizer.load: ${given[0]} goes to the FaceDetector passed as detector (new FaceDetector({ ${given[0]} }))`);
    } else if (detector !== "haar") refuseOptionsOf("EmotionRecognizer.load", "Haar", det as Record<string, unknown>, "yunet");
    const source = model === undefined || typeof model === "string" || model instanceof URL ? model ?? DEFAULT_MODEL_JSON : null;
    if (f32 !== undefined && typeof f32 !== "boolean") throw new ArgumentError(`EmotionRecognizer.load: f32 must be true or false, found ${JSON.stringify(f32)}`);
    if (f32 && source === null) throw new ArgumentError("EmotionRecognizer.load: f32 applies to a model it loads, not to one passed in");
    if (threads === 2 && source === null) throw new ArgumentError("EmotionRecognizer.load: threads applies to a model it loads; call setThreads(2) on the QuantizedModel passed in");
    if (threads === 2 && f32) throw new ArgumentError("EmotionRecognizer.load: threads 2 runs the quantized model; the f32 one ({ f32: true }) runs on one thread");
    const m = source === null ? (model as Predictor) : runnable(await loadLayersModel(source), String(source), { f32 });
    faceInputOf(m, preprocessing, "EmotionRecognizer.load"); // refuse a model that is not a face model now, not at the first frame
    const d = detector === "haar" ? new FaceDetector(det) : detector === "yunet" ? YuNetDetector.default() : detector;
    if (!(d instanceof FaceDetector || d instanceof YuNetDetector)) {
      throw new ArgumentError(`EmotionRecognizer.load: detector must be "yunet", "haar", a FaceDetector or a YuNetDetector, found ${JSON.stringify(detector)}`);
    }
    if (threads === 2) {
      if (!(m instanceof QuantizedModel)) throw new ArgumentError(`EmotionRecognizer.load: threads 2 runs a quantized model; ${String(source)} is an f32 one (resezap quantize writes a quantized one)`);
      await m.setThreads(2);
    }
    return new EmotionRecognizer(m, d, preprocessing, threads === 2);
  }

  /** Stops the worker that load({ threads: 2 }) started; the recognizer goes on, on one thread. Nothing else to free. */
  async close(): Promise<void> {
    if (this.ownsThreads && this.model instanceof QuantizedModel) await this.model.close();
  }

  recognize(image: ImageLike, options: Omit<RecognizeOptions, "model" | "detector"> = {}): RecognizedFace[] {
    return recognize(image, { preprocessing: this.preprocessing, ...options, model: this.model, detector: this.detector });
  }
}

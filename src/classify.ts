import { ArgumentError } from "./errors.js";
import { alignedCrop, type Landmarks } from "./image/align.js";
import { channelsOf, toGrey } from "./image/grey.js";
import { resizeToFloat, type Rect } from "./image/resize.js";
import type { GreyImage, ImageLike } from "./image/types.js";
import type { Predictor } from "./model.js";
import { EMOTIONS } from "./resezap.js";

// Face crops in, emotions out. The preprocessing contract, the same for every caller:
//   colour = a model with one input channel gets grey: OpenCV 4.6's cvtColor RGB→GRAY fixed point
//            (0.299 R + 0.587 G + 0.114 B, rounded), alpha ignored; a model with three gets R, G, B
//   size   = the whole crop resized to the model's input height × width (48×48 for ResEZAP): area averaging
//            when shrinking, bilinear when growing
//   scale  = value · scale + offset: by default scale 1/255, offset 0 (values in [0, 1]); a model says otherwise
//            in its userDefinedMetadata.preprocessing ({ scale, offset }), and an option overrides both

export interface Classification {
  label: string;
  probabilities: Record<string, number>;
}

/** value · scale + offset, applied to 8-bit pixel values. */
export interface Preprocessing {
  scale?: number;
  offset?: number;
}

/** What a face model takes: its input size and channels, and the scaling of its pixel values. */
export interface FaceInput {
  height: number;
  width: number;
  channels: 1 | 3;
  scale: number;
  offset: number;
}

const RESEZAP_INPUT: FaceInput = { height: 48, width: 48, channels: 1, scale: 1 / 255, offset: 0 };

/** The face input of a model: [H, W, 1] or [H, W, 3], preprocessing from `options`, else the model's metadata, else [0, 1]. */
export function faceInputOf(model: Predictor, options: Preprocessing = {}, what = "model"): FaceInput {
  const s = model.inputShape;
  if (s.length !== 3 || (s[2] !== 1 && s[2] !== 3)) {
    throw new ArgumentError(`${what}: the model takes [${s.join(", ")}]; a face model takes [height, width, 1] (grey) or [height, width, 3] (RGB)`);
  }
  const meta = (model.userDefinedMetadata as { preprocessing?: Preprocessing } | undefined)?.preprocessing;
  const pick = (field: "scale" | "offset", dflt: number): number => {
    const fromOption = options[field], fromMeta = meta?.[field];
    const v = fromOption ?? fromMeta ?? dflt;
    if (typeof v !== "number" || !Number.isFinite(v)) {
      const where = fromOption !== undefined ? `option preprocessing.${field}` : `the model's userDefinedMetadata.preprocessing.${field}`;
      throw new ArgumentError(`${what}: ${where} must be a finite number, found ${JSON.stringify(v)}`);
    }
    return v;
  };
  return { height: s[0], width: s[1], channels: s[2] as 1 | 3, scale: pick("scale", 1 / 255), offset: pick("offset", 0) };
}

/** One face crop, whole, to the model's input (`out`: height·width·channels floats). */
export function preprocessFace(img: ImageLike, what = "image", out?: Float32Array, spec: FaceInput = RESEZAP_INPUT): Float32Array {
  const { height: H, width: W, channels: C } = spec;
  const dst = out ?? new Float32Array(H * W * C);
  if (C === 1) {
    const g = toGrey(img, what);
    return greyFaceInput(g, { x: 0, y: 0, w: g.width, h: g.height }, dst, spec);
  }
  // each of R, G, B resized as a plane, then interleaved (a grey image counts as R = G = B)
  const ch = channelsOf(img, what), n = img.width * img.height;
  const plane = new Float32Array(H * W);
  for (let c = 0; c < 3; c++) {
    const p = new Uint8Array(n);
    const k = ch >= 3 ? c : 0;
    for (let i = 0; i < n; i++) p[i] = img.data[i * ch + k];
    resizeToFloat({ data: p, width: img.width, height: img.height }, { x: 0, y: 0, w: img.width, h: img.height }, W, H, plane);
    for (let i = 0; i < H * W; i++) dst[i * 3 + c] = plane[i];
  }
  return scaleInput(dst, spec);
}

/**
 * A face's region of a grey frame to a one-channel model's input: the one path from grey to the network, for
 * a whole crop (preprocessFace) and for a box in the frame the detector computed the grey of (recognize).
 */
export function greyFaceInput(grey: GreyImage, rect: Rect, out: Float32Array, spec: FaceInput): Float32Array {
  resizeToFloat(grey, rect, spec.width, spec.height, out);
  return scaleInput(out, spec);
}

// resizeToFloat gives value / 255: the model's scaling from there
function scaleInput(dst: Float32Array, spec: FaceInput): Float32Array {
  if (spec.scale !== 1 / 255 || spec.offset !== 0) {
    const k = spec.scale * 255;
    for (let i = 0; i < spec.height * spec.width * spec.channels; i++) dst[i] = dst[i] * k + spec.offset;
  }
  return dst;
}

function labelsOf(model: Predictor): string[] {
  const n = model.outputShape[model.outputShape.length - 1];
  const names = model.classNames ?? (n === EMOTIONS.length ? [...EMOTIONS] : Array.from({ length: n }, (_, i) => `class_${i}`));
  return names;
}

/** Turns n rows of probabilities into labelled results. */
export function toClassifications(model: Predictor, probs: Float32Array, n: number): Classification[] {
  const names = labelsOf(model);
  const k = names.length;
  const out: Classification[] = [];
  for (let i = 0; i < n; i++) {
    const probabilities: Record<string, number> = {};
    let best = 0;
    for (let j = 0; j < k; j++) {
      probabilities[names[j]] = probs[i * k + j];
      if (probs[i * k + j] > probs[i * k + best]) best = j;
    }
    out.push({ label: names[best], probabilities });
  }
  return out;
}

/**
 * One face, aligned by its landmarks (src/image/align.ts: eyes level, their distance a fixed share of the width),
 * to the model's input in one resampling, then scaled as preprocessFace does.
 */
export function preprocessAligned(img: ImageLike, landmarks: Landmarks, out?: Float32Array, spec: FaceInput = RESEZAP_INPUT): Float32Array {
  const dst = alignedCrop(img, landmarks, spec.width, spec.height, spec.channels, out);
  for (let i = 0; i < dst.length; i++) dst[i] = dst[i] * spec.scale + spec.offset;
  return dst;
}

/** Test-time averaging: "flip" also classifies each face mirrored left to right and averages the two results. */
export type TestTimeAveraging = "none" | "flip";

/** The tta option, checked: undefined is "none". */
export function ttaOf(tta: unknown, what: string): TestTimeAveraging {
  if (tta === undefined || tta === "none" || tta === false) return "none";
  if (tta === "flip" || tta === true) return "flip";
  throw new ArgumentError(`${what}: tta must be "none" or "flip", found ${JSON.stringify(tta)}`);
}

/**
 * model.predict over n preprocessed faces (x: [n, H, W, C] as `spec` says). With tta "flip" the mirrored faces
 * run as a second batch and each face's probabilities are the mean of its two rows: twice the model's time, the
 * same averaging as `resezap eval --tta`.
 */
export function predictFaces(model: Predictor, x: Float32Array, n: number, spec: FaceInput, tta: TestTimeAveraging = "none"): Float32Array {
  const p = model.predict(x, n);
  if (tta === "none" || n === 0) return p;
  const { height: H, width: W, channels: C } = spec;
  const mirrored = new Float32Array(x.length);
  for (let i = 0; i < n * H; i++) {
    const row = i * W * C;
    for (let c = 0; c < W; c++) {
      for (let k = 0; k < C; k++) mirrored[row + c * C + k] = x[row + (W - 1 - c) * C + k];
    }
  }
  const q = model.predict(mirrored, n);
  for (let i = 0; i < p.length; i++) p[i] = (p[i] + q[i]) / 2;
  return p;
}

/** A face crop, with the landmarks of its face (in the crop's pixels) where it is to be aligned. */
export type FaceCrop = ImageLike & { landmarks?: Landmarks };

/**
 * Classifies face crops (each any size, RGBA/RGB/grey) in one batched call, with any face model's input. With
 * align, a crop that carries landmarks is rotated and scaled by them first (a crop without is taken whole); with
 * tta "flip", each face is also classified mirrored and the two averaged (predictFaces).
 */
export function classifyFaces(model: Predictor, faces: FaceCrop[], options: { preprocessing?: Preprocessing; align?: boolean; tta?: TestTimeAveraging } = {}): Classification[] {
  const spec = faceInputOf(model, options.preprocessing, "classifyFaces");
  const tta = ttaOf(options.tta, "classifyFaces");
  const per = spec.height * spec.width * spec.channels;
  const x = new Float32Array(faces.length * per);
  faces.forEach((f, i) => {
    const slot = x.subarray(i * per, (i + 1) * per);
    if (options.align && f.landmarks) preprocessAligned(f, f.landmarks, slot, spec);
    else preprocessFace(f, `face ${i}`, slot, spec);
  });
  return toClassifications(model, predictFaces(model, x, faces.length, spec, tta), faces.length);
}

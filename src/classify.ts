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

/**
 * Test-time averaging: "flip" also classifies each face mirrored left to right and averages the two results;
 * "ten-crop" averages ten: five crops of 11/12 of the face's side (its four corners and its centre), each
 * scaled back to the model's input, and their mirror images (tenCrops).
 */
export type TestTimeAveraging = "none" | "flip" | "ten-crop";

/** The tta option, checked: undefined is "none". */
export function ttaOf(tta: unknown, what: string): TestTimeAveraging {
  if (tta === undefined || tta === "none" || tta === false) return "none";
  if (tta === "flip" || tta === true) return "flip";
  if (tta === "ten-crop") return "ten-crop";
  throw new ArgumentError(`${what}: tta must be "none", "flip" or "ten-crop", found ${JSON.stringify(tta)}`);
}

/** Faces of a batch, mirrored left to right (x: [n, H, W, C]). */
export function mirrorFaces(x: Float32Array, n: number, H: number, W: number, C: number): Float32Array {
  const out = new Float32Array(n * H * W * C);
  for (let i = 0; i < n * H; i++) {
    const row = i * W * C;
    for (let c = 0; c < W; c++) for (let k = 0; k < C; k++) out[row + c * C + k] = x[row + (W - 1 - c) * C + k];
  }
  return out;
}

/**
 * The ten views of "ten-crop" for n faces (x: [n, H, W, C]) as one batch [10·n, H, W, C], view v of face i at
 * row v·n + i: views 0–4 the crops of ⌊H·11/12⌉ × ⌊W·11/12⌉ at the top-left, top-right, bottom-left and
 * bottom-right corners and the centre, each scaled to H × W bilinearly (pixel centres aligned, as
 * tf.image.resize and OpenCV's INTER_LINEAR do); views 5–9 the same crops mirrored. 44 of 48 for a FER face: a
 * zoom of ×1.09 with a shift of ±2 pixels, inside what training's augmentation draws (zoom ±10 %, shift ±10 %).
 */
export function tenCrops(x: Float32Array, n: number, H: number, W: number, C: number): Float32Array {
  const ch = Math.round((H * 11) / 12), cw = Math.round((W * 11) / 12), per = H * W * C;
  const origins = [[0, 0], [0, W - cw], [H - ch, 0], [H - ch, W - cw], [(H - ch) >> 1, (W - cw) >> 1]];
  const out = new Float32Array(10 * n * per);
  // source coordinate and weight of each output row and column, shared by every face and crop
  const axis = (size: number, crop: number) => Array.from({ length: size }, (_, d) => {
    const s = Math.min(Math.max(((d + 0.5) * crop) / size - 0.5, 0), crop - 1), i0 = Math.floor(s), i1 = Math.min(i0 + 1, crop - 1);
    return { i0, i1, f: s - i0 };
  });
  const ys = axis(H, ch), xs = axis(W, cw);
  origins.forEach(([oy, ox], v) => {
    for (let i = 0; i < n; i++) {
      const src = i * per, dst = (v * n + i) * per;
      for (let y = 0; y < H; y++) {
        const { i0: y0, i1: y1, f: fy } = ys[y];
        const r0 = src + (oy + y0) * W * C, r1 = src + (oy + y1) * W * C;
        for (let q = 0; q < W; q++) {
          const { i0: x0, i1: x1, f: fx } = xs[q];
          const a = (ox + x0) * C, b = (ox + x1) * C, o = dst + (y * W + q) * C;
          for (let k = 0; k < C; k++) {
            const top = x[r0 + a + k] + (x[r0 + b + k] - x[r0 + a + k]) * fx, bottom = x[r1 + a + k] + (x[r1 + b + k] - x[r1 + a + k]) * fx;
            out[o + k] = top + (bottom - top) * fy;
          }
        }
      }
    }
  });
  out.set(mirrorFaces(out.subarray(0, 5 * n * per), 5 * n, H, W, C), 5 * n * per);
  return out;
}

/**
 * model.predict over n preprocessed faces (x: [n, H, W, C] as `spec` says). With tta "flip" the mirrored faces
 * run as a second batch and each face's probabilities are the mean of its two rows: twice the model's time, the
 * same averaging as `resezap eval --tta`. With "ten-crop", the mean over tenCrops' ten views: ten times the
 * model's time, as `resezap eval --ten-crop`.
 */
export function predictFaces(model: Predictor, x: Float32Array, n: number, spec: FaceInput, tta: TestTimeAveraging = "none"): Float32Array {
  if (tta === "ten-crop") return predictTenCrop(model, x, n, spec.height, spec.width, spec.channels);
  const p = model.predict(x, n);
  if (tta === "none" || n === 0) return p;
  const q = model.predict(mirrorFaces(x, n, spec.height, spec.width, spec.channels), n);
  for (let i = 0; i < p.length; i++) p[i] = (p[i] + q[i]) / 2;
  return p;
}

/** The mean of the model's outputs over each face's ten views (tenCrops); [n, outputs]. 64 faces (640 views) a batch. */
export function predictTenCrop(model: Predictor, x: Float32Array, n: number, H: number, W: number, C: number): Float32Array {
  if (n === 0) return model.predict(x, 0);
  const per = H * W * C, parts: Float32Array[] = [];
  for (let s = 0; s < n; s += 64) {
    const m = Math.min(64, n - s), q = model.predict(tenCrops(x.subarray(s * per, (s + m) * per), m, H, W, C), 10 * m);
    const K = q.length / (10 * m), p = new Float32Array(m * K);
    for (let v = 0; v < 10; v++) for (let i = 0; i < m * K; i++) p[i] += q[v * m * K + i];
    for (let i = 0; i < p.length; i++) p[i] /= 10;
    parts.push(p);
  }
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
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

import { ArgumentError } from "./errors.js";
import { toGrey } from "./image/grey.js";
import { resizeToFloat } from "./image/resize.js";
import type { ImageLike } from "./image/types.js";
import type { Model } from "./model.js";
import { EMOTIONS } from "./resezap.js";

// Face crops in, emotions out. The preprocessing contract, the same for every caller:
//   grey  = OpenCV 4.6's cvtColor RGB→GRAY fixed point (0.299 R + 0.587 G + 0.114 B, rounded); alpha ignored
//   size  = the whole crop resized to 48×48: area averaging when shrinking, bilinear when growing
//   scale = grey / 255, so values lie in [0, 1]

export interface Classification {
  label: string;
  probabilities: Record<string, number>;
}

export function preprocessFace(img: ImageLike, what = "image", out?: Float32Array): Float32Array {
  const g = toGrey(img, what);
  return resizeToFloat(g, { x: 0, y: 0, w: g.width, h: g.height }, 48, 48, out);
}

export function labelsOf(model: Model): string[] {
  const n = model.outputShape[model.outputShape.length - 1];
  const names = model.classNames ?? (n === EMOTIONS.length ? [...EMOTIONS] : Array.from({ length: n }, (_, i) => `class_${i}`));
  return names;
}

/** Turns n rows of probabilities into labelled results. */
export function toClassifications(model: Model, probs: Float32Array, n: number): Classification[] {
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

/** Classifies face crops (each any size, RGBA/RGB/grey) in one batched call. */
export function classifyFaces(model: Model, faces: ImageLike[]): Classification[] {
  const shape = model.inputShape;
  if (shape.join() !== "48,48,1") throw new ArgumentError(`classifyFaces: the model takes [${shape.join(", ")}], expected a ResEZAP-style [48, 48, 1] input`);
  const x = new Float32Array(faces.length * 2304);
  faces.forEach((f, i) => preprocessFace(f, `face ${i}`, x.subarray(i * 2304, (i + 1) * 2304)));
  return toClassifications(model, model.predict(x, faces.length), faces.length);
}

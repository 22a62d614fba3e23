// Accuracy, per-class accuracy and the confusion matrix of a model on FER data, through the inference
// engine (model.predict: BN with the moving statistics), optionally with test-time averaging: the flipped face
// ("flip") or ten crops ("ten-crop", classify.ts's tenCrops).

import { mirrorFaces, predictTenCrop, type TestTimeAveraging } from "../classify.js";
import type { Predictor } from "../model.js";
import { FER_CLASSES, FER_SIDE, toFloat, type FerData } from "./fer2013.js";

export interface EvalResult {
  n: number;
  accuracy: number;
  /** accuracy of each true class (NaN where a class has no example) */
  perClass: number[];
  /** confusion[true][predicted] counts */
  confusion: number[][];
}

/** A tta argument: true is "flip", as before test-time averaging had more than one kind. */
const ttaKind = (tta: boolean | TestTimeAveraging): TestTimeAveraging => (tta === true ? "flip" : tta === false ? "none" : tta);

// probabilities [n, classes] in chunks of 512 faces, so memory stays small for the whole split; with tta
// also the averaged ones (plain ones in the first array, averaged in the second)
function predictBoth(model: Predictor, d: FerData, tta: TestTimeAveraging): [Float32Array, Float32Array | null] {
  const K = FER_CLASSES, out = new Float32Array(d.n * K), outT = tta !== "none" ? new Float32Array(d.n * K) : null, chunk = 512;
  for (let s = 0; s < d.n; s += chunk) {
    const m = Math.min(chunk, d.n - s);
    const idx = Array.from({ length: m }, (_, i) => s + i);
    const x = toFloat(d, idx);
    const p = model.predict(x, m);
    out.set(p, s * K);
    if (outT && tta === "ten-crop") outT.set(predictTenCrop(model, x, m, FER_SIDE, FER_SIDE, 1), s * K);
    else if (outT) {
      const q = model.predict(mirrorFaces(x, m, FER_SIDE, FER_SIDE, 1), m);
      for (let i = 0; i < p.length; i++) q[i] = (p[i] + q[i]) / 2;
      outT.set(q, s * K);
    }
  }
  return [out, outT];
}

export function predictFer(model: Predictor, d: FerData, tta: boolean | TestTimeAveraging = false): Float32Array {
  const [p, pT] = predictBoth(model, d, ttaKind(tta));
  return pT ?? p;
}

/** Each face's answer: the class of the highest probability in its row of probs [n, K] (the first, on a tie). */
export function predictedClasses(probs: Float32Array, n: number, K = FER_CLASSES): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < K; c++) if (probs[i * K + c] > probs[i * K + best]) best = c;
    out[i] = best;
  }
  return out;
}

export function scorePredictions(probs: Float32Array, labels: Uint8Array, n: number, K = FER_CLASSES): EvalResult {
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  const predicted = predictedClasses(probs, n, K);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    confusion[labels[i]][predicted[i]]++;
    if (predicted[i] === labels[i]) correct++;
  }
  const perClass = confusion.map((row, c) => row[c] / row.reduce((a, b) => a + b, 0));
  return { n, accuracy: n ? correct / n : NaN, perClass, confusion };
}

export function evaluateFer(model: Predictor, d: FerData, tta: boolean | TestTimeAveraging = false): EvalResult {
  return scorePredictions(predictFer(model, d, tta), d.labels, d.n);
}

/** Plain and flip-averaged results from one pass (the plain predictions are the TTA's first half). */
export function evaluateFerWithTta(model: Predictor, d: FerData): { plain: EvalResult; tta: EvalResult } {
  const [p, pT] = predictBoth(model, d, "flip");
  return { plain: scorePredictions(p, d.labels, d.n), tta: scorePredictions(pT!, d.labels, d.n) };
}


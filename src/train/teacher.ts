// A teacher's targets for faces: the mean over teacher models of each one's softmax softened at a temperature
// (p^(1/T) renormalised: softmax(z / T) of its logits). Two users: `resezap soft-targets` writes them for every
// Training face once (a teacher file for `train --soft`), and `train --teacher` computes them on each augmented
// ghost batch as it trains (parallel.ts), so the teacher answers for the very face the student sees.
// Teachers must be trained on the Training split only (issue 17): nothing here can check that, the user must.

import { ArgumentError } from "../errors.js";
import type { Model, Predictor } from "../model.js";
import { EMOTIONS } from "../resezap.js";
import { FER_CLASSES, FER_SIDE } from "./fer2013.js";

/** A teacher must answer FER2013's seven classes in FER2013's order on a 48×48 grey face; `what` starts the error. */
export function checkTeacher<M extends Predictor>(model: M, source: string, what: string): M {
  const inS = model.inputShape, outS = model.outputShape;
  if (inS.join(",") !== `${FER_SIDE},${FER_SIDE},1`) throw new ArgumentError(`${what}: ${source}: input [${inS.join(", ")}], expected [48, 48, 1] (a grey 48×48 face)`);
  if (outS.join(",") !== String(FER_CLASSES)) throw new ArgumentError(`${what}: ${source}: output [${outS.join(", ")}], expected [7] (FER2013's classes)`);
  if (model.classNames && model.classNames.join(",") !== EMOTIONS.join(",")) {
    throw new ArgumentError(`${what}: ${source}: classes ${model.classNames.join(",")}, expected ${EMOTIONS.join(",")} (FER2013's order)`);
  }
  return model;
}

/** Each row p → p^(1/T) / Σ p^(1/T), in place: softmax(z / T) for a softmax output p = softmax(z). */
export function soften(probs: Float32Array, temperature: number, K = FER_CLASSES): void {
  if (temperature === 1) return;
  for (let r = 0; r < probs.length; r += K) {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, Math.log(probs[r + k]) / temperature);
    let s = 0;
    const e = new Float64Array(K);
    for (let k = 0; k < K; k++) s += e[k] = Math.exp(Math.log(probs[r + k]) / temperature - m);
    for (let k = 0; k < K; k++) probs[r + k] = e[k] / s;
  }
}

/**
 * The teachers' mean softened softmax [n, 7] on faces x [n, 48, 48, 1] (grey / 255), summed in float64 in model
 * order. Each face's answer depends on that face alone (predict has no cross-example step), so a batch cut into
 * ghost batches on any number of workers gets the same targets.
 */
export function teacherTargets(models: Predictor[], x: Float32Array, n: number, temperature: number): Float32Array {
  const mean = new Float64Array(n * FER_CLASSES);
  for (const m of models) {
    const p = m.predict(x.subarray(0, n * FER_SIDE * FER_SIDE), n);
    soften(p, temperature);
    for (let i = 0; i < mean.length; i++) mean[i] += p[i] / models.length;
  }
  return Float32Array.from(mean);
}

/** The SHA-256 of a model's weights (names, shapes and values in order): which teacher a run was trained with. */
export async function weightsSha256(model: Model): Promise<string> {
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha256");
  for (const w of model.namedWeights()) {
    hash.update(`${w.name}[${w.shape.join(",")}]`);
    hash.update(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength));
  }
  return hash.digest("hex");
}

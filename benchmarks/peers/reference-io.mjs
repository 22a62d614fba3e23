// The reference inputs/outputs (io.json) as flat typed arrays, and the comparison used to decide
// whether a peer computes our network at all before it is timed.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { round } from "../lib.mjs";

export const FACE = 48 * 48;
export const CLASSES = 7;

export async function loadReferenceIO(modelDir) {
  const io = JSON.parse(await readFile(join(modelDir, "io.json"), "utf8"));
  return {
    n: io.inputs.length,
    inputs: Float32Array.from(io.inputs.flat()),
    probabilities: Float32Array.from(io.probabilities.flat()),
  };
}

export function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN propagates as a mismatch
  }
  return m;
}

/** Top-1 agreement and the largest probability difference between two [n, CLASSES] outputs (a quantized peer's check). */
export function top1Agreement(p, ref) {
  const argmax = (a, i) => {
    let best = 0;
    for (let k = 1; k < CLASSES; k++) if (a[i * CLASSES + k] > a[i * CLASSES + best]) best = k;
    return best;
  };
  const n = ref.length / CLASSES;
  let same = 0;
  for (let i = 0; i < n; i++) same += +(argmax(p, i) === argmax(ref, i));
  return { faces: n, top1_agreement: round(same / n, 3), max_abs_diff: round(maxAbsDiff(p, ref), 4) };
}

// Mixup (Zhang et al. 2018) and CutMix (Yun et al. 2019) of a training batch, after augmentation. One λ per batch,
// each face i paired with face perm[i] of the same batch (a seeded permutation); mixup blends the two faces,
// cutmix pastes a box of face perm[i] into face i. Either way the row's target is λ·t_i + (1 − λ)·t_perm[i], t the
// face's own target (smoothed label, and its soft target where the run has one), so the loss takes it as the
// row's soft target with weight 1 (assembly/train/loss.ts). With both α given, each mixed batch picks one of the
// two with even odds (timm's "switch" mode). Every draw comes from the Random passed in, in a fixed order.

import type { Random } from "../util/random.js";
import { shuffle } from "../util/random.js";

export interface MixOptions {
  /** mixup's α: λ ~ Beta(α, α); absent: no mixup */
  mixup?: number;
  /** cutmix's α: the box's area is 1 − λ, λ ~ Beta(α, α); absent: no cutmix */
  cutmix?: number;
  /** the fraction of batches mixed, in [0, 1] */
  prob: number;
}

/** A box of rows [r0, r1) and columns [q0, q1) of a face. */
export interface Box {
  r0: number;
  r1: number;
  q0: number;
  q1: number;
}

/** One batch's mix: λ (for cutmix, the share of face i left after the box), the pairing, and cutmix's box. */
export interface BatchMix {
  kind: "mixup" | "cutmix";
  lambda: number;
  perm: Int32Array;
  box?: Box;
}

/** With both mixup and cutmix on, the chance that a mixed batch is cut rather than blended. */
export const SWITCH_PROB = 0.5;

/**
 * Draws the mix of a batch of n faces side×side, or null where this batch is not mixed. Draws, in order: whether
 * to mix, which kind (both on only), λ, the permutation, cutmix's box centre.
 */
export function drawMix(o: MixOptions, n: number, side: number, rng: Random): BatchMix | null {
  if (!(rng.next() < o.prob)) return null;
  const kind = o.mixup && o.cutmix ? (rng.next() < SWITCH_PROB ? "cutmix" : "mixup") : o.mixup ? "mixup" : "cutmix";
  const alpha = kind === "mixup" ? o.mixup! : o.cutmix!;
  const lambda = rng.beta(alpha, alpha);
  const perm = shuffle(n, rng);
  if (kind === "mixup") return { kind, lambda, perm };
  const box = cutBox(lambda, side, rng);
  // the box is clipped at the face's edges: λ is what is left of face i
  return { kind, lambda: 1 - ((box.r1 - box.r0) * (box.q1 - box.q0)) / (side * side), perm, box };
}

/** CutMix's box as timm draws it: sides ⌊side·√(1 − λ)⌋, centre uniform over the face, clipped to it. */
export function cutBox(lambda: number, side: number, rng: Random): Box {
  const half = Math.floor(Math.floor(side * Math.sqrt(1 - lambda)) / 2);
  const cy = rng.int(0, side - 1), cx = rng.int(0, side - 1);
  const clip = (v: number) => Math.min(side, Math.max(0, v));
  return { r0: clip(cy - half), r1: clip(cy + half), q0: clip(cx - half), q1: clip(cx + half) };
}

/** The mixed faces [n, side, side] from x (left as it is). */
export function mixPixels(x: Float32Array, n: number, side: number, m: BatchMix): Float32Array {
  const per = side * side;
  if (m.kind === "mixup") {
    const out = new Float32Array(n * per), l = m.lambda;
    for (let i = 0; i < n; i++) {
      const a = i * per, b = m.perm[i] * per;
      for (let k = 0; k < per; k++) out[a + k] = l * x[a + k] + (1 - l) * x[b + k];
    }
    return out;
  }
  const out = x.slice(0, n * per), { r0, r1, q0, q1 } = m.box!;
  for (let i = 0; i < n; i++) {
    const a = i * per, b = m.perm[i] * per;
    for (let r = r0; r < r1; r++) out.set(x.subarray(b + r * side + q0, b + r * side + q1), a + r * side + q0);
  }
  return out;
}

/**
 * Each row's full target [n, K], λ·t_i + (1 − λ)·t_perm[i], with t = (1 − w)·((1 − ε)·onehot(label) + ε/K) + w·soft
 * (w = softWeight where the face has a soft row, else 0): what the loss computes for one face, here for a pair.
 */
export function mixTargets(labels: Int32Array, soft: Float32Array | undefined, K: number, smoothing: number, softWeight: number, m: BatchMix): Float32Array {
  const n = labels.length;
  const t = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    let qsum = 0;
    if (soft) for (let k = 0; k < K; k++) qsum += soft[i * K + k];
    const w = qsum > 0 ? softWeight : 0;
    for (let k = 0; k < K; k++) t[i * K + k] = (1 - w) * ((k === labels[i] ? 1 - smoothing : 0) + smoothing / K) + (w ? w * soft![i * K + k] : 0);
  }
  const out = new Float32Array(n * K), l = m.lambda;
  for (let i = 0; i < n; i++) {
    const j = m.perm[i];
    for (let k = 0; k < K; k++) out[i * K + k] = l * t[i * K + k] + (1 - l) * t[j * K + k];
  }
  return out;
}

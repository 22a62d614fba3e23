// Learning-rate schedules as functions of the 0-based step, over `total` steps; the plateau schedule also of
// how many times PublicTest has stalled so far (plateauAfterEpoch, called once an epoch).

export type ScheduleName = "one-cycle" | "cosine" | "constant" | "plateau";

export interface ScheduleOptions {
  name: ScheduleName;
  /** peak (one-cycle) or initial (cosine, constant, plateau) learning rate */
  lr: number;
  total: number;
  /** one-cycle: fraction of the steps spent warming up (PyTorch's pct_start; reference 0.15) */
  warmup?: number;
  /** one-cycle: start at lr / divFactor (PyTorch 25) and end at lr / (divFactor · finalDiv) (PyTorch 1e4) */
  divFactor?: number;
  finalDiv?: number;
  /** plateau: the rate is lr · factor^reductions */
  factor?: number;
  reductions?: number;
}

/** Reduce-on-plateau (Keras's ReduceLROnPlateau on an accuracy, cooldown 0, no floor): its two knobs. */
export interface PlateauOptions {
  /** epochs in a row without a new best accuracy after which the rate is cut */
  patience: number;
  /** the cut: the rate is multiplied by it, in (0, 1) */
  factor: number;
}

/** Where a plateau schedule stands after an epoch: the cuts made so far, and the epochs since the last best or cut. */
export interface PlateauState {
  reductions: number;
  bad: number;
}

const cosAnneal = (a: number, b: number, t: number) => b + ((a - b) * (1 + Math.cos(Math.PI * t))) / 2;

/** PyTorch's OneCycleLR (two phases, cosine annealing), cosine annealing to 0, constant, or plateau's current rate. */
export function learningRate(o: ScheduleOptions, step: number): number {
  const t = Math.min(step, Math.max(0, o.total - 1));
  if (o.name === "constant") return o.lr;
  if (o.name === "plateau") return o.lr * (o.factor ?? 1) ** (o.reductions ?? 0);
  if (o.name === "cosine") return cosAnneal(o.lr, 0, o.total > 1 ? t / (o.total - 1) : 0);
  const div = o.divFactor ?? 25, fin = o.finalDiv ?? 1e4;
  const start = o.lr / div, end = start / fin;
  const up = Math.max(1, Math.floor((o.warmup ?? 0.15) * o.total) - 1), downEnd = Math.max(up + 1, o.total - 1);
  if (t <= up) return cosAnneal(start, o.lr, t / up);
  return cosAnneal(o.lr, end, (t - up) / (downEnd - up));
}

/**
 * The plateau schedule after an epoch whose accuracy was (improved) or was not a new best: `patience` epochs in a
 * row without one cut the rate once, and the count starts again (Keras's rule: wait ≥ patience).
 */
export function plateauAfterEpoch(s: PlateauState, improved: boolean, o: PlateauOptions): PlateauState {
  if (improved) return { reductions: s.reductions, bad: 0 };
  const bad = s.bad + 1;
  return bad >= o.patience ? { reductions: s.reductions + 1, bad: 0 } : { reductions: s.reductions, bad };
}

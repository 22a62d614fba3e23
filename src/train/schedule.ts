// Learning-rate schedules as functions of the 0-based step, over `total` steps.

export type ScheduleName = "one-cycle" | "cosine" | "constant";

export interface ScheduleOptions {
  name: ScheduleName;
  /** peak (one-cycle) or initial (cosine, constant) learning rate */
  lr: number;
  total: number;
  /** one-cycle: fraction of the steps spent warming up (PyTorch's pct_start; reference 0.15) */
  warmup?: number;
  /** one-cycle: start at lr / divFactor (PyTorch 25) and end at lr / (divFactor · finalDiv) (PyTorch 1e4) */
  divFactor?: number;
  finalDiv?: number;
}

const cosAnneal = (a: number, b: number, t: number) => b + ((a - b) * (1 + Math.cos(Math.PI * t))) / 2;

/** PyTorch's OneCycleLR (two phases, cosine annealing) or cosine annealing to 0. */
export function learningRate(o: ScheduleOptions, step: number): number {
  const t = Math.min(step, Math.max(0, o.total - 1));
  if (o.name === "constant") return o.lr;
  if (o.name === "cosine") return cosAnneal(o.lr, 0, o.total > 1 ? t / (o.total - 1) : 0);
  const div = o.divFactor ?? 25, fin = o.finalDiv ?? 1e4;
  const start = o.lr / div, end = start / fin;
  const up = Math.max(1, Math.floor((o.warmup ?? 0.15) * o.total) - 1), downEnd = Math.max(up + 1, o.total - 1);
  if (t <= up) return cosAnneal(start, o.lr, t / up);
  return cosAnneal(o.lr, end, (t - up) / (downEnd - up));
}

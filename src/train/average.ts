// Weight averaging (stochastic weight averaging, Izmailov et al. 2018, "Averaging weights leads to wider optima"):
// one model whose every weight is the mean of that weight over several saved models of one architecture (the epochs
// of a run at a steady learning rate), then each batch norm's moving statistics recomputed on Training faces.
// The mean of the models' moving statistics is not the statistics of the mean model's activations, and a run's
// moving averages lag behind its weights, so they are measured again: the training-mode forward (ghost batches,
// as in training) over un-augmented faces, each ghost batch's mean and unbiased variance averaged with equal weight
// (PyTorch's swa_utils.update_bn, which averages over the training loader's batches the same way).

import { ArgumentError } from "../errors.js";
import { BatchNormalization } from "../layers/core.js";
import type { Model } from "../model.js";
import { createGradEngine, type GhostJob } from "./parallel.js";
import { packParams } from "./trainer.js";

/**
 * models[0] with each weight replaced by the mean over the models of that weight (summed in float64 in model order,
 * rounded once). Every model must have the first one's weights: the same names and shapes in the same order.
 */
export function averageWeights(models: Model[], sources: string[]): Model {
  if (!models.length) throw new ArgumentError(`average: no models to average`);
  const all = models.map((m) => m.namedWeights());
  const ref = all[0];
  all.forEach((ws, i) => {
    if (ws.length !== ref.length) throw new ArgumentError(`average: ${sources[i]} has ${ws.length} weights, ${sources[0]} ${ref.length}: the models must share one architecture`);
    ws.forEach((w, j) => {
      if (w.name !== ref[j].name || w.shape.join() !== ref[j].shape.join()) {
        throw new ArgumentError(`average: ${sources[i]}: weight ${j + 1} is "${w.name}" [${w.shape.join(", ")}], ${sources[0]}'s is "${ref[j].name}" [${ref[j].shape.join(", ")}]: the models must share one architecture`);
      }
    });
  });
  for (let j = 0; j < ref.length; j++) {
    const out = ref[j].values, sum = new Float64Array(out.length);
    for (const ws of all) {
      const v = ws[j].values;
      for (let i = 0; i < v.length; i++) sum[i] += v[i];
    }
    for (let i = 0; i < out.length; i++) out[i] = sum[i] / models.length;
  }
  models[0].weightsChanged();
  return models[0];
}

export interface RecomputeOptions {
  /** the ghost batch size: faces per batch-norm statistic, as in training (32) */
  ghost: number;
  /** worker threads (0: this thread); any count gives the same statistics */
  workers: number;
}

/**
 * Sets every batch norm's moving mean and variance of `model` to the mean, over the ghost batches of n faces
 * (faces(from, to): faces from..to-1 as the model's input, [to − from, ...inputShape], in order; an incomplete
 * last ghost batch left out), of the training-mode forward's batch mean and unbiased variance. Returns the ghost
 * batches used.
 */
export async function recomputeBatchNorm(model: Model, faces: (from: number, to: number) => Float32Array, n: number, o: RecomputeOptions): Promise<number> {
  const G = o.ghost, batches = Math.floor(n / G);
  if (batches < 1) throw new ArgumentError(`average: ${n} faces, fewer than one ghost batch of ${G} to measure the batch norms on`);
  const bn = model.layers.filter((l): l is BatchNormalization => l instanceof BatchNormalization);
  const sums = bn.map((l) => ({ mean: new Float64Array(l.weight("moving_mean").length), variance: new Float64Array(l.weight("moving_mean").length) }));
  const engine = await createGradEngine(model, G, o.workers);
  try {
    const params = packParams(model), P = model.inputShape.reduce((a, b) => a * b, 1);
    // a few hundred ghost batches a call: the workers' share, while the gradients they send back stay small
    const chunk = 64 * Math.max(1, o.workers);
    for (let b0 = 0; b0 < batches; b0 += chunk) {
      const b1 = Math.min(batches, b0 + chunk);
      const x = faces(b0 * G, b1 * G);
      const jobs: GhostJob[] = [];
      if (x.length !== (b1 - b0) * G * P) throw new ArgumentError(`average: faces(${b0 * G}, ${b1 * G}) gave ${x.length} values, expected ${(b1 - b0) * G} faces of ${P}`);
      for (let b = 0; b < b1 - b0; b++) jobs.push({ x: x.slice(b * G * P, (b + 1) * G * P), labels: new Int32Array(G), n: G, gradScale: 1 });
      for (const r of await engine.run(params, jobs, 0)) {
        r.stats.forEach((st, i) => {
          const unbias = st.count > 1 ? st.count / (st.count - 1) : 1;
          for (let c = 0; c < st.mean.length; c++) {
            sums[i].mean[c] += st.mean[c];
            sums[i].variance[c] += st.variance[c] * unbias;
          }
        });
      }
    }
  } finally {
    await engine.close();
  }
  bn.forEach((l, i) => {
    l.weight("moving_mean").set(sums[i].mean.map((s) => s / batches));
    l.weight("moving_variance").set(sums[i].variance.map((s) => s / batches));
  });
  model.weightsChanged();
  return batches;
}

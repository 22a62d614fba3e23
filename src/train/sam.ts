// Sharpness-aware minimisation (Foret et al., ICLR 2021): a step's gradient is taken a second time, on the same
// ghost batches, at the weights moved uphill by rho along the normalised first gradient, and the optimiser applies
// that second gradient to the unmoved weights. It prefers minima whose neighbourhood is low too, which generalise
// better and are less swayed by wrong labels (FER2013's are noisy: FER+'s annotators disagree with 37 % of the
// Training labels). The second pass costs one more student forward and backward; the teachers' targets are reused.

import { ArgumentError } from "../errors.js";

/** The largest --sam rho taken: the moved weights lie rho away from the current ones in the parameter vector's norm. */
export const MAX_SAM_RHO = 10;

/**
 * w + rho·g/‖g‖ over the flat parameter block (‖g‖ summed in float64, in index order, so every worker count agrees);
 * w itself where g is 0. The batch-norm parameters move with the rest, as in Foret et al.'s code.
 */
export function samPoint(w: Float32Array, g: Float32Array, rho: number): Float32Array {
  if (w.length !== g.length) throw new ArgumentError(`samPoint: ${w.length} weights, ${g.length} gradients`);
  if (!(rho > 0 && rho <= MAX_SAM_RHO)) throw new ArgumentError(`samPoint: rho must be in (0, ${MAX_SAM_RHO}], found ${rho}`);
  let ss = 0;
  for (let i = 0; i < g.length; i++) ss += g[i] * g[i];
  const norm = Math.sqrt(ss);
  if (!(norm > 0 && Number.isFinite(norm))) return Float32Array.from(w);
  const s = rho / norm, out = new Float32Array(w.length);
  for (let i = 0; i < out.length; i++) out[i] = w[i] + s * g[i];
  return out;
}

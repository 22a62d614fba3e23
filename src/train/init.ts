import { ArgumentError } from "../errors.js";
import type { Model } from "../model.js";

// `train --init DIR`: a fresh run whose weights start from a saved model's instead of the seed's draw, to
// continue a trained ResEZAP under a new recipe or teacher (a fine-tune) at a fraction of a run's cost. The
// optimiser, the schedule and the epoch count start afresh; the seed still orders and augments the faces.

/**
 * Copies every weight of `from` (batch norm's moving statistics included) into `into`, the model the recipe
 * builds; throws naming the first weight whose name or shape differs. Returns the SHA-256 of the values
 * copied, which the run records: the weights it started from, whatever file held them.
 */
export async function initFrom(into: Model, from: Model, source: string, what: string): Promise<string> {
  const want = into.namedWeights(), have = from.namedWeights();
  const shape = (s: number[]) => `[${s.join(", ")}]`;
  for (let i = 0; i < Math.max(want.length, have.length); i++) {
    const w = want[i], h = have[i];
    if (!w || !h || w.name !== h.name || shape(w.shape) !== shape(h.shape)) {
      const found = h ? `${h.name} ${shape(h.shape)}` : "no more weights";
      const expected = w ? `${w.name} ${shape(w.shape)}` : "no more weights";
      throw new ArgumentError(`${what}: --init ${source}: weight ${i + 1} is ${found}, the recipe's model has ${expected} (--init takes a model of the run's architecture and --filters)`);
    }
  }
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha256");
  for (let i = 0; i < want.length; i++) {
    want[i].values.set(have[i].values);
    hash.update(new Uint8Array(have[i].values.buffer, have[i].values.byteOffset, have[i].values.byteLength));
  }
  into.weightsChanged();
  return hash.digest("hex");
}

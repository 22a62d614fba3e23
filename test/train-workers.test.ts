// Data-parallel training on worker_threads, run from the built package (dist/) as the CLI runs it: with a
// fixed seed, 0 (this thread), 1 and 2 workers give the same model bit for bit, because batch norm works
// on fixed-size ghost batches and the main thread sums their gradients in ghost order (src/train/parallel.ts).
import { describe, expect, it } from "vitest";
// @ts-ignore: the built package
import { resezap } from "../dist/resezap.js";
// @ts-ignore
import { REFERENCE_CONFIG, TrainingSession } from "../dist/train/loop.js";
// @ts-ignore
import { REFERENCE_AUGMENT } from "../dist/train/augment.js";
// @ts-ignore
import { loadFer2013 } from "../dist/train/fer2013.js";
// @ts-ignore
import { packParams } from "../dist/train/trainer.js";
// @ts-ignore
import { enableRelaxedSimd } from "../dist/engine/relaxed.js";
// @ts-ignore
import { trainModuleName } from "../dist/train/kernels.js";

// as the CLI does: the relaxed-SIMD build (fused multiply-add) where V8 has it, in this thread and the workers
await enableRelaxedSimd();

const SAMPLE = new URL("../fixtures/fer2013-sample.csv.gz", import.meta.url).pathname;

describe("data-parallel training", () => {
  it(`0, 1 and 2 workers give the same model after 2 steps of batch 32 (ghost 16, augmentation on; build ${trainModuleName()})`, async () => {
    const all = await loadFer2013(SAMPLE, ["Training"]);
    const d = { n: 64, pixels: all.pixels.slice(0, 64 * 2304), labels: all.labels.slice(0, 64) };
    const cfg = { ...REFERENCE_CONFIG, epochs: 1, batch: 32, ghost: 16, augment: REFERENCE_AUGMENT };
    const out: Float32Array[] = [], moving: Float32Array[] = [];
    for (const w of [0, 1, 2]) {
      const model = resezap({ seed: 5 });
      const s = new TrainingSession(model, cfg, 2, w);
      await s.epoch(d, 1);
      await s.close();
      out.push(packParams(model));
      moving.push(model.getLayer("block2_bn3").weight("moving_variance").slice());
    }
    expect(out[1]).toEqual(out[0]);
    expect(out[2]).toEqual(out[0]);
    expect(moving[2]).toEqual(moving[0]);
    expect(out[0]).not.toEqual(packParams(resezap({ seed: 5 })));
  });
});

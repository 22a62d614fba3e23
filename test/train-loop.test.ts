// The training loop on the fixture's rows, on this thread: the loss falls over a few steps; a checkpoint
// (model in the TF.js Layers format + optimiser state) reloads to the same outputs and state.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadLayersModel } from "../src/io/load.js";
import { saveLayersModel } from "../src/io/save.js";
import { resezap } from "../src/resezap.js";
import { NO_AUGMENT } from "../src/train/augment.js";
import { loadCheckpoint, saveCheckpoint, type EpochRecord } from "../src/train/checkpoint.js";
import { loadFer2013 } from "../src/train/fer2013.js";
import { REFERENCE_CONFIG, TrainingSession, type TrainConfig } from "../src/train/loop.js";
import { packParams } from "../src/train/trainer.js";
import { tempDir } from "./temp-dir.js";

const SAMPLE = new URL("../fixtures/fer2013-sample.csv.gz", import.meta.url).pathname;

describe("training loop", () => {
  it("the loss falls over a few steps on the same faces; the checkpoint reloads to the same outputs", async () => {
    const all = await loadFer2013(SAMPLE, ["Training"]);
    const d = { n: 16, pixels: all.pixels.slice(0, 16 * 2304), labels: all.labels.slice(0, 16) };
    const cfg: TrainConfig = { ...REFERENCE_CONFIG, epochs: 8, batch: 16, ghost: 8, lr: 3e-3, schedule: "constant", smoothing: 0, augment: NO_AUGMENT };
    const model = resezap({ seed: 3 });
    const s = new TrainingSession(model, cfg, 1, 0);
    const losses: number[] = [];
    const history: EpochRecord[] = [];
    for (let e = 1; e <= 8; e++) {
      const r = await s.epoch(d, e);
      losses.push(r.loss);
      history.push({ epoch: e, trainLoss: r.loss, trainAcc: r.accuracy, testAcc: 0, lr: cfg.lr, seconds: 0, imagesPerSecond: 0 });
    }
    await s.close();
    expect(losses[7]).toBeLessThan(losses[0] * 0.8);
    expect(s.opt.step).toBe(8);

    const dir = tempDir("ckpt");
    const state = { epoch: 8, globalStep: 8, stepsPerEpoch: 1, config: cfg, history, best: null, optimizerStep: 8 };
    await saveCheckpoint(dir, model, s.opt.getState(), state);
    await saveLayersModel(model, dir);
    const x = new Float32Array(d.pixels.slice(0, 4 * 2304)).map((v) => v / 255);
    const want = model.predict(x, 4);
    const back = await loadLayersModel(dir);
    expect(back.predict(x, 4)).toEqual(want);
    const ck = await loadCheckpoint(dir);
    expect(ck.model.predict(x, 4)).toEqual(want);
    expect(packParams(ck.model)).toEqual(packParams(model));
    expect(ck.opt.step).toBe(8);
    expect(ck.opt.m).toEqual(s.opt.getState().m);
    expect(ck.opt.v).toEqual(s.opt.getState().v);
    expect(ck.state.config.batch).toBe(16);
    expect(ck.state.history).toEqual(history);
    // moving statistics travel with the model (they are not in the parameter block)
    expect(ck.model.getLayer("block1_bn1").weight("moving_mean")).toEqual(model.getLayer("block1_bn1").weight("moving_mean"));
  });
});

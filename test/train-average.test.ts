// Weight averaging (src/train/average.ts, resezap average): the mean weights of several models, and batch norms
// measured again on faces — the first one against a float64 reference of its input, all of them against the
// training forward's own ghost-batch statistics, with any number of workers.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it, vi } from "vitest";
import { averageCommand } from "../src/cli/average.js";
import { trainCommand } from "../src/cli/train.js";
import { loadLayersModel } from "../src/io/load.js";
import { resezap } from "../src/resezap.js";
import { averageWeights, recomputeBatchNorm } from "../src/train/average.js";
import { augmentBatch, REFERENCE_AUGMENT } from "../src/train/augment.js";
import { FER_PIXELS, FER_SIDE, loadFer2013 } from "../src/train/fer2013.js";
import { Random } from "../src/util/random.js";
import { depthwise3x3Forward, pointwiseForward } from "../src/train/reference.js";
import { Trainer } from "../src/train/trainer.js";
import { tempDir } from "./temp-dir.js";

const SAMPLE = new URL("../fixtures/fer2013-sample.csv.gz", import.meta.url).pathname;

/** The sample's Training faces as grey / 255, parsed here rather than by the loader under test. */
function sampleFaces(): { n: number; x: Float32Array } {
  const rows = gunzipSync(readFileSync(SAMPLE)).toString("utf8").trim().split("\n").slice(1).filter((r) => r.endsWith("Training"));
  const x = new Float32Array(rows.length * FER_PIXELS);
  rows.forEach((r, i) => r.split(",")[1].split(" ").forEach((v, j) => (x[i * FER_PIXELS + j] = Number(v) / 255)));
  return { n: rows.length, x };
}
const slicer = (x: Float32Array) => (from: number, to: number) => x.slice(from * FER_PIXELS, to * FER_PIXELS);

describe("weight averaging", () => {
  it("each weight of the result is the float64 mean of the models' weights, rounded once", () => {
    const models = [1, 2, 3].map((seed) => resezap({ seed }));
    const before = models.map((m) => m.namedWeights().map((w) => Float64Array.from(w.values)));
    const avg = averageWeights(models, ["a", "b", "c"]);
    expect(avg).toBe(models[0]);
    avg.namedWeights().forEach((w, j) => {
      for (let i = 0; i < w.values.length; i += 7) expect(w.values[i], `${w.name}[${i}]`).toBe(Math.fround((before[0][j][i] + before[1][j][i] + before[2][j][i]) / 3));
    });
    // the seeds drew different kernels, so the mean differs from each
    expect(avg.getLayer("block2_sepconv1").weight("pointwise_kernel")[5]).not.toBe(Math.fround(before[1][10][5]));
  });

  it("refuses models of another architecture, naming the model and the first weight that differs", () => {
    expect(() => averageWeights([resezap({ seed: 1 }), resezap({ seed: 1, filters: [32, 64, 80] })], ["runs/a", "runs/b"])).toThrow(/average: runs\/b: weight \d+ is "block3_sepconv1\/pointwise_kernel" \[1, 1, 64, 80\], runs\/a's is "block3_sepconv1\/pointwise_kernel" \[1, 1, 64, 96\]: the models must share one architecture/);
    expect(() => averageWeights([], [])).toThrow(/no models to average/);
  });

  it("the first batch norm's statistics are the mean over ghost batches of its input's, computed in float64 from the faces", async () => {
    const { n, x } = sampleFaces();
    const model = resezap({ seed: 5 });
    const G = 32, batches = await recomputeBatchNorm(model, slicer(x), n, { ghost: G, workers: 0 });
    expect(batches).toBe(Math.floor(n / G));
    const conv = model.getLayer("block1_sepconv1");
    const C = 32, P = 46 * 46, mean = new Float64Array(C), variance = new Float64Array(C);
    for (let b = 0; b < batches; b++) {
      const dw = depthwise3x3Forward(x.subarray(b * G * FER_PIXELS, (b + 1) * G * FER_PIXELS), G, 48, 48, 1, conv.weight("depthwise_kernel"), null, 0);
      const y = pointwiseForward(dw, G * P, 1, conv.weight("pointwise_kernel"), C, conv.weight("bias"));
      for (let c = 0; c < C; c++) {
        let s = 0, s2 = 0;
        for (let i = c; i < y.length; i += C) s += y[i];
        const mu = s / (G * P);
        for (let i = c; i < y.length; i += C) s2 += (y[i] - mu) ** 2;
        mean[c] += mu / batches;
        variance[c] += s2 / (G * P - 1) / batches;
      }
    }
    const bn = model.getLayer("block1_bn1");
    for (let c = 0; c < C; c++) {
      expect(bn.weight("moving_mean")[c], `mean ${c}`).toBeCloseTo(mean[c], 5);
      expect(bn.weight("moving_variance")[c] / variance[c], `variance ${c}`).toBeCloseTo(1, 4);
    }
  });

  it("every batch norm gets the training forward's ghost-batch statistics, averaged, across chunks of work", async () => {
    const { n, x } = sampleFaces();
    // ghost 4: 75 ghost batches, more than one chunk of work on this thread (64)
    const G = 4, batches = Math.floor(n / G);
    const expected = resezap({ seed: 9 });
    const t = new Trainer(expected, G);
    t.loadFromModel();
    const sums = new Map<string, { m: Float64Array; v: Float64Array }>();
    for (let b = 0; b < batches; b++) {
      t.forwardBackward(x.slice(b * G * FER_PIXELS, (b + 1) * G * FER_PIXELS), new Int32Array(G), G, {});
      for (const st of t.batchStats()) {
        const s = sums.get(st.layer) ?? sums.set(st.layer, { m: new Float64Array(st.mean.length), v: new Float64Array(st.mean.length) }).get(st.layer)!;
        st.mean.forEach((v, c) => (s.m[c] += v));
        st.variance.forEach((v, c) => (s.v[c] += (v * st.count) / (st.count - 1)));
      }
    }
    expect(sums.size).toBe(10);
    const here = resezap({ seed: 9 });
    expect(await recomputeBatchNorm(here, slicer(x), n, { ghost: G, workers: 0 })).toBe(batches);
    for (const [layer, s] of sums) {
      const l = here.getLayer(layer);
      expect(Array.from(l.weight("moving_mean")), layer).toEqual(Array.from(s.m, (v) => Math.fround(v / batches)));
      expect(Array.from(l.weight("moving_variance")), layer).toEqual(Array.from(s.v, (v) => Math.fround(v / batches)));
    }
    // the other weights are untouched
    expect(here.getLayer("predictions").weight("kernel")).toEqual(resezap({ seed: 9 }).getLayer("predictions").weight("kernel"));
    await expect(recomputeBatchNorm(here, slicer(x), 3, { ghost: 4, workers: 0 })).rejects.toThrow(/3 faces, fewer than one ghost batch of 4/);
  });

  it("0, 1 and 2 workers give the same statistics bit for bit (the built package, as the CLI runs it)", async () => {
    const { n, x } = sampleFaces();
    const [{ resezap: build }, { recomputeBatchNorm: recompute }, { enableRelaxedSimd }] = await Promise.all([
      // @ts-ignore: the built package
      import("../dist/resezap.js"), import("../dist/train/average.js"), import("../dist/engine/relaxed.js"),
    ]);
    await enableRelaxedSimd();
    const stats = async (workers: number) => {
      const m = build({ seed: 9 });
      // ghost 4: 75 ghost batches, two chunks of work on one worker (64 each), one on two (128)
      await recompute(m, slicer(x), n, { ghost: 4, workers });
      return m.namedWeights().filter((w: { name: string }) => /moving_/.test(w.name)).map((w: { values: Float32Array }) => Array.from(w.values));
    };
    const [zero, one, two] = [await stats(0), await stats(1), await stats(2)];
    expect(zero.length).toBe(20);
    expect(one).toEqual(zero);
    expect(two).toEqual(zero);
  }, 60_000);

  it("resezap average: two epochs of a run into one model, its sources and PublicTest recorded; bad arguments in one line", async () => {
    const run = tempDir("avg-run"), out = join(tempDir("avg-out"), "m");
    await trainCommand(["--data", SAMPLE, "--out", run, "--batch", "32", "--workers", "0", "--limit", "64", "--epochs", "2", "--quiet"]);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const epochs = [join(run, "epochs/epoch-01"), join(run, "epochs/epoch-02")];
    await averageCommand(["--data", SAMPLE, "--out", out, "--workers", "0", "--bn-faces", "100", ...epochs]);
    const line = log.mock.calls.at(-1)![0] as string;
    log.mockRestore();
    expect(line).toMatch(/^average: 2 model\(s\) averaged, batch norms measured on the first 96 Training faces \(3 ghost batches of 32; the last 4 left out\); PublicTest \d+\.\d\d%; wrote /);
    const m = await loadLayersModel(out);
    const meta = m.userDefinedMetadata as { average: { models: { source: string; sha256: string }[]; bnFaces: number; ghost: number; publicTestAccuracy: number }; training?: unknown };
    expect(meta.average.models.map((x) => x.source)).toEqual(epochs);
    expect(meta.average.models[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.average.models[0].sha256).not.toBe(meta.average.models[1].sha256);
    expect(meta.average.bnFaces).toBe(96);
    expect(line).toContain(`PublicTest ${(100 * meta.average.publicTestAccuracy).toFixed(2)}%`);
    expect(meta.training).toBeUndefined();
    const [a, b] = [await loadLayersModel(epochs[0]), await loadLayersModel(epochs[1])];
    const k = (x: typeof m) => x.getLayer("predictions").weight("kernel");
    for (let i = 0; i < 50; i++) expect(k(m)[i]).toBe(Math.fround((k(a)[i] + k(b)[i]) / 2));

    // --bn-augment: the statistics of train's augmentation of the same faces, drawn in order from one seeded generator
    const stats = (x: typeof m) => x.namedWeights().filter((w) => /moving_/.test(w.name)).map((w) => Array.from(w.values));
    const plain = stats(m);
    const log3 = vi.spyOn(console, "log").mockImplementation(() => {});
    await averageCommand(["--data", SAMPLE, "--out", out, "--workers", "0", "--bn-faces", "100", "--bn-augment", "--seed", "7", ...epochs]);
    const line3 = log3.mock.calls.at(-1)![0] as string;
    log3.mockRestore();
    expect(line3).toMatch(/^average: 2 model\(s\) averaged, batch norms measured on the first 96 Training faces, augmented \(seed 7\) \(3 ghost batches of 32; the last 4 left out\); PublicTest /);
    const augmented = await loadLayersModel(out);
    expect((augmented.userDefinedMetadata as { average: { bnAugment: unknown } }).average.bnAugment).toEqual({ seed: 7, ...REFERENCE_AUGMENT });
    const expected = averageWeights([await loadLayersModel(epochs[0]), await loadLayersModel(epochs[1])], epochs);
    const pixels = (await loadFer2013(SAMPLE, ["Training"])).pixels, rng = new Random(7);
    const augmentedFaces = (from: number, to: number) => augmentBatch(pixels, Array.from({ length: to - from }, (_, i) => from + i), FER_SIDE, rng, REFERENCE_AUGMENT);
    await recomputeBatchNorm(expected, augmentedFaces, 100, { ghost: 32, workers: 0 });
    expect(stats(augmented)).toEqual(stats(expected));
    expect(stats(augmented)).not.toEqual(plain);
    expect(k(augmented)).toEqual(k(m));
    await expect(averageCommand(["--data", SAMPLE, "--out", out, "--seed", "7", epochs[0]])).rejects.toThrow(/^average: --seed 7 seeds --bn-augment's augmentation, which is off/);
    await expect(averageCommand(["--data", SAMPLE, "--out", out, "--bn-augment", "--seed", "-1", epochs[0]])).rejects.toThrow(/^average: --seed must be an integer ≥ 0, found "-1"/);
    expect(meta.average).toHaveProperty("bnAugment", null);

    // a quantized model (the package's) averages into a plain f32 model: its ranges were calibrated on other weights
    const shipped = new URL("../models/fer2013", import.meta.url).pathname;
    expect((await loadLayersModel(shipped)).userDefinedMetadata).toHaveProperty("resezapQuantization");
    const log2 = vi.spyOn(console, "log").mockImplementation(() => {});
    await averageCommand(["--data", SAMPLE, "--out", out, "--workers", "0", shipped, epochs[1]]);
    log2.mockRestore();
    expect((await loadLayersModel(out)).userDefinedMetadata).not.toHaveProperty("resezapQuantization");
    const noTraining = join(tempDir("avg-none"), "x.csv");
    writeFileSync(noTraining, gunzipSync(readFileSync(SAMPLE)).toString("utf8").split("\n").filter((r) => !r.endsWith("Training")).join("\n"));
    await expect(averageCommand(["--data", noTraining, "--out", out, epochs[0]])).rejects.toThrow(/x\.csv: no rows with Usage Training/);

    await expect(averageCommand(["--data", SAMPLE, "--out", out])).rejects.toThrow(/^average: expected one or more models to average/);
    await expect(averageCommand(["--out", out, epochs[0]])).rejects.toThrow(/^average: --data FILE is required/);
    await expect(averageCommand(["--data", SAMPLE, epochs[0]])).rejects.toThrow(/^average: --out DIR is required/);
    await expect(averageCommand(["--data", SAMPLE, "--out", out, "--bn-faces", "0", epochs[0]])).rejects.toThrow(/^average: --bn-faces must be an integer ≥ 1, found "0"/);
    await expect(averageCommand(["--data", SAMPLE, "--out", out, "--ghost", "1000", epochs[0]])).rejects.toThrow(/^average: 300 faces, fewer than one ghost batch of 1000/);
    await expect(averageCommand(["--data", SAMPLE, "--out", out, join(run, "no-such-epoch")])).rejects.toThrow(/no-such-epoch/);
  }, 60_000);
});

// train --sam: sharpness-aware minimisation. samPoint against a plain float64 reference; a SAM step of the loop against
// the same step done by hand on a Trainer (gradient, moved weights, gradient again, optimiser); the second pass's reused
// teacher targets against the teachers run again; and the CLI's run on 0 and 2 workers, in pieces, and its refusals.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { trainCommand } from "../src/cli/train.js";
import { loadLayersModel } from "../src/io/load.js";
import { resezap } from "../src/resezap.js";
import { NO_AUGMENT } from "../src/train/augment.js";
import { loadFer2013, toFloat } from "../src/train/fer2013.js";
import { mixSeed, REFERENCE_CONFIG, TrainingSession, type TrainConfig } from "../src/train/loop.js";
import { drawMix, mixPixels, mixTargets } from "../src/train/mix.js";
import { Optimizer } from "../src/train/optimizer.js";
import { runJobs, type GhostJob } from "../src/train/parallel.js";
import { samPoint } from "../src/train/sam.js";
import { teacherTargets } from "../src/train/teacher.js";
import { Trainer, packParams } from "../src/train/trainer.js";
import { Random, shuffle } from "../src/util/random.js";
import { tempDir } from "./temp-dir.js";
// @ts-ignore: the built package, whose workers load dist/train/worker.js (as the CLI runs them)
import { trainCommand as trainBuilt } from "../dist/cli/train.js";

const ROOT = new URL("..", import.meta.url).pathname;
const SAMPLE = join(ROOT, "fixtures/fer2013-sample.csv.gz");
const SHIPPED = join(ROOT, "models/fer2013"), REFERENCE = join(ROOT, "fixtures/reference-model");
const root = tempDir("sam");
const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe("samPoint", () => {
  it("is w + rho·g/‖g‖ with ‖g‖ in float64, w where g is 0, and refuses a bad rho or mismatched lengths", () => {
    const r = new Random(7);
    for (const n of [1, 3, 17, 1000]) {
      const w = Float32Array.from({ length: n }, () => r.uniform(-1, 1)), g = Float32Array.from({ length: n }, () => r.uniform(-1e-3, 1e-3));
      for (const rho of [0.01, 0.5, 2]) {
        const got = samPoint(w, g, rho);
        const norm = Math.sqrt(Array.from(g).reduce((a, v) => a + v * v, 0));
        for (let i = 0; i < n; i++) expect(Math.abs(got[i] - (w[i] + (rho * g[i]) / norm)), `n ${n} rho ${rho} i ${i}`).toBeLessThan(1e-6);
        // the move is rho long
        const moved = Math.sqrt(Array.from(got).reduce((a, v, i) => a + (v - w[i]) ** 2, 0));
        expect(Math.abs(moved - rho) / rho).toBeLessThan(1e-4);
      }
    }
    const w = Float32Array.of(1, 2, 3);
    expect(Array.from(samPoint(w, new Float32Array(3), 0.1))).toEqual([1, 2, 3]);
    expect(samPoint(w, new Float32Array(3), 0.1)).not.toBe(w);
    expect(() => samPoint(w, new Float32Array(2), 0.1)).toThrow(/3 weights, 2 gradients/);
    expect(() => samPoint(w, w, 0)).toThrow(/rho must be in \(0, 10\], found 0/);
    expect(() => samPoint(w, w, NaN)).toThrow(/found NaN/);
  });
});

describe("a sharpness-aware step", () => {
  it("is the optimiser's step with the gradient taken again at the moved weights, on the same batch", async () => {
    const all = await loadFer2013(SAMPLE, ["Training"]);
    const n = 16, d = { n, pixels: all.pixels.slice(0, n * 2304), labels: all.labels.slice(0, n) };
    // SGD, whose step is proportional to the gradient (Adam's first step is about its sign), one ghost batch
    const cfg: TrainConfig = {
      ...REFERENCE_CONFIG, epochs: 1, batch: n, ghost: n, lr: 0.05, schedule: "constant", smoothing: 0.1, augment: NO_AUGMENT,
      optimizer: { kind: "sgd", weightDecay: 0, momentum: 0.9, nesterov: true },
    };
    const stepped = async (c: TrainConfig) => {
      const model = resezap({ seed: 3 }), s = new TrainingSession(model, c, 1, 0);
      await s.epoch(d, 1);
      await s.close();
      return packParams(model);
    };
    const plain = await stepped(cfg), sam = await stepped({ ...cfg, sam: { rho: 0.5 } });

    // by hand, on the faces in the epoch's order (seed 1, epoch 1), so every sum runs as in the loop
    const order = shuffle(n, new Random(mixSeed(cfg.seed, 1, 1)));
    const w0 = packParams(resezap({ seed: 3 })), t = new Trainer(resezap({ seed: 3 }), n);
    const grad = (p: Float32Array) => runJobs(t, p, [{ x: toFloat(d, order), labels: Int32Array.from(order, (i) => d.labels[i]), n, gradScale: 1 }], 0.1)[0].grads;
    const g1 = grad(w0), g2 = grad(samPoint(w0, g1, 0.5));
    const stepWith = (g: Float32Array) => {
      const o = new Optimizer(w0.length, cfg.optimizer);
      o.setParams(w0);
      o.apply(g, cfg.lr);
      return o.params();
    };
    const wantSam = stepWith(g2), wantPlain = stepWith(g1);
    expect(same(plain, wantPlain)).toBe(true);
    expect(same(sam, wantSam)).toBe(true);
    const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    expect(maxDiff(sam, plain)).toBeGreaterThan(1e-3);
  }, 60_000);

  it("reuses the teachers' targets of the first pass: the same gradient as running them again, mixed or not", async () => {
    const teachers = [await loadLayersModel(SHIPPED), await loadLayersModel(REFERENCE)];
    const student = resezap({ seed: 4 }), t = new Trainer(student, 8), w = packParams(student), n = 8;
    const all = await loadFer2013(SAMPLE, ["Training"]);
    const x = toFloat({ n, pixels: all.pixels.slice(0, n * 2304), labels: all.labels.slice(0, n) });
    const labels = Int32Array.from(all.labels.slice(0, n));
    const mix = drawMix({ mixup: 0.4, prob: 1 }, n, 48, new Random(9))!;
    const xm = mixPixels(x, n, 48, mix);
    const jobs: [string, GhostJob, number, number][] = [
      ["unmixed, T 2", { x, labels, n, gradScale: 1 }, 0.5, 2],
      ["mixed, T 1", { x: xm, labels, n, gradScale: 1, soft: mixTargets(labels, undefined, 7, 0.1, 0, mix), teacherWeight: 0.5 }, 1, 1],
    ];
    for (const [what, job, softWeight, T] of jobs) {
      const first = runJobs(t, w, [job], 0.1, softWeight, T, teachers)[0];
      expect(first.targets, what).toBeDefined();
      if (!job.teacherWeight) expect(same(first.targets!, teacherTargets(teachers, x, n, T)), what).toBe(true);
      const moved = samPoint(w, first.grads, 0.3);
      const reused = runJobs(t, moved, [{ ...job, targets: first.targets }], 0.1, softWeight, T, teachers)[0];
      const rerun = runJobs(t, moved, [job], 0.1, softWeight, T, teachers)[0];
      expect(reused.targets, what).toBeUndefined();
      expect(reused.loss, what).toBe(rerun.loss);
      expect(same(reused.grads, rerun.grads), what).toBe(true);
      expect(same(reused.grads, first.grads), what).toBe(false);
    }
    // without teachers nothing is made
    expect(runJobs(t, w, [jobs[0][1]], 0.1)[0].targets).toBeUndefined();
  }, 60_000);
});

describe("train --sam", () => {
  const args = (out: string, extra: string[] = [], workers = "0") =>
    ["--data", SAMPLE, "--out", out, "--epochs", "2", "--batch", "16", "--workers", workers, "--limit", "48", "--seed", "5", "--quiet", ...extra];
  const weights = (dir: string) => readFileSync(join(dir, "checkpoint/group1-shard1of1.bin"));
  const sam = ["--sam", "0.05", "--optimizer", "adamw", "--teacher", `${SHIPPED},${REFERENCE}`, "--mixup", "0.3", "--mix-prob", "0.5"];

  it("trains the same model on 0 and 2 workers and in pieces, not the model without it; the log has the radius", async () => {
    const w0 = join(root, "w0"), w2 = join(root, "w2"), pieces = join(root, "pieces"), plain = join(root, "plain");
    await trainBuilt(args(w0, sam));
    await trainBuilt(args(w2, sam, "2"));
    expect(weights(w2).equals(weights(w0))).toBe(true);
    await trainBuilt(args(pieces, [...sam, "--until", "1"]));
    await trainBuilt(args(pieces, [...sam, "--resume"]));
    expect(weights(pieces).equals(weights(w0))).toBe(true);
    await trainBuilt(args(plain, sam.slice(2)));
    expect(weights(plain).equals(weights(w0))).toBe(false);
    expect(JSON.parse(readFileSync(join(w0, "log.jsonl"), "utf8").split("\n")[0]).config.sam).toEqual({ rho: 0.05 });
    expect(JSON.parse(readFileSync(join(plain, "log.jsonl"), "utf8").split("\n")[0]).config.sam).toBeUndefined();
  }, 240_000);

  it("refuses a radius out of range and a resume with another one, naming the option", async () => {
    await expect(trainCommand(args(join(root, "x1"), ["--sam", "0"]))).rejects.toThrow(/^train: --sam must be a radius in \(0, 10\], found "0"$/);
    await expect(trainCommand(args(join(root, "x2"), ["--sam", "11"]))).rejects.toThrow(/--sam must be a radius in \(0, 10\], found "11"/);
    await expect(trainCommand(args(join(root, "x3"), ["--sam", "wide"]))).rejects.toThrow(/--sam must be a radius in \(0, 10\], found "wide"/);
    const run = join(root, "refusals");
    await trainCommand(args(run, ["--sam", "0.1", "--until", "1"]));
    await expect(trainCommand(args(run, ["--sam", "0.2", "--resume"]))).rejects.toThrow(/^train: --sam 0\.2 differs from the run in .*refusals \(sam 0\.1\)/);
    const none = join(root, "none");
    await trainCommand(args(none, ["--until", "1"]));
    await expect(trainCommand(args(none, ["--sam", "0.1", "--resume"]))).rejects.toThrow(/--sam 0\.1 differs from the run in .*none \(sam 0\)/);
  }, 240_000);
});

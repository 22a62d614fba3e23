// Mixup and cutmix (src/train/mix.ts, `train --mixup/--cutmix/--mix-prob`): Beta draws with the right moments, the
// mixed pixels and targets against hand computations, the loss of a mixed batch against the f64 reference, and
// runs that mix: off is the plain run to the bit, any worker count and a resumed run give the same model, refusals.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { trainCommand } from "../src/cli/train.js";
import { TrainKernels } from "../src/train/kernels.js";
import { cutBox, drawMix, mixPixels, mixTargets, type BatchMix } from "../src/train/mix.js";
import * as ref from "../src/train/reference.js";
import { Random } from "../src/util/random.js";
import { tempDir } from "./temp-dir.js";

const SAMPLE = new URL("../fixtures/fer2013-sample.csv.gz", import.meta.url).pathname;
const root = tempDir("mix");

/** sample mean and variance, and the standard errors of each (from the sample's fourth central moment) */
function moments(xs: Float64Array): { mean: number; variance: number; seMean: number; seVariance: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  let m2 = 0, m4 = 0;
  for (const x of xs) {
    const d = (x - mean) ** 2;
    m2 += d;
    m4 += d * d;
  }
  m2 /= n;
  m4 /= n;
  return { mean, variance: m2, seMean: Math.sqrt(m2 / n), seVariance: Math.sqrt((m4 - m2 * m2) / n) };
}

/** The built package's training modules: 2 workers run dist/train/worker.js, as the CLI does. */
async function builtTraining() {
  // @ts-ignore: the built package
  const { REFERENCE_CONFIG, TrainingSession } = await import("../dist/train/loop.js");
  // @ts-ignore
  const { REFERENCE_AUGMENT } = await import("../dist/train/augment.js");
  // @ts-ignore
  const { loadFer2013 } = await import("../dist/train/fer2013.js");
  // @ts-ignore
  const { packParams } = await import("../dist/train/trainer.js");
  // @ts-ignore
  const { resezap } = await import("../dist/resezap.js");
  return { REFERENCE_CONFIG, TrainingSession, REFERENCE_AUGMENT, loadFer2013, packParams, resezap };
}

describe("Random.gamma and Random.beta", () => {
  const N = 20_000;

  it("Gamma(k) has mean k and variance k, over 20k draws (within 4 standard errors)", () => {
    const rng = new Random(11);
    for (const k of [0.2, 1, 4.5]) {
      const m = moments(Float64Array.from({ length: N }, () => rng.gamma(k)));
      expect(Math.abs(m.mean - k), `mean of Gamma(${k}): ${m.mean}`).toBeLessThan(4 * m.seMean);
      expect(Math.abs(m.variance - k), `variance of Gamma(${k}): ${m.variance}`).toBeLessThan(4 * m.seVariance);
    }
  });

  it("Beta(a, b) has mean a/(a+b) and variance ab/((a+b)²(a+b+1)), over 20k draws (within 4 standard errors)", () => {
    const rng = new Random(12);
    for (const [a, b] of [[0.2, 0.2], [1, 1], [2, 5], [10, 10]]) {
      const xs = Float64Array.from({ length: N }, () => rng.beta(a, b));
      expect(xs.every((x) => x >= 0 && x <= 1), `Beta(${a}, ${b}) in [0, 1]`).toBe(true);
      const m = moments(xs);
      const mean = a / (a + b), variance = (a * b) / ((a + b) ** 2 * (a + b + 1));
      expect(Math.abs(m.mean - mean), `mean of Beta(${a}, ${b}): ${m.mean}, expected ${mean}`).toBeLessThan(4 * m.seMean);
      expect(Math.abs(m.variance - variance), `variance of Beta(${a}, ${b}): ${m.variance}, expected ${variance}`).toBeLessThan(4 * m.seVariance);
    }
    // a tiny α: both gammas underflow, the draw is still 0 or 1, never NaN
    const tiny = Float64Array.from({ length: 200 }, () => rng.beta(1e-6, 1e-6));
    expect(tiny.every((x) => x === 0 || x === 1 || (x > 0 && x < 1))).toBe(true);
    expect(tiny.some((x) => x < 0.5) && tiny.some((x) => x > 0.5)).toBe(true);
  });
});

describe("mixing a batch", () => {
  const side = 48, per = side * side;
  const faces = (n: number, seed: number) => new Random(seed).fill(n * per, 0, 1);

  it("targets: λ·t_i + (1 − λ)·t_j by hand for a 2-row batch, with and without a soft row; each sums to 1", () => {
    const m: BatchMix = { kind: "mixup", lambda: 0.7, perm: Int32Array.from([1, 0]) };
    const e = 0.1 / 7;
    // labels angry (0) and fear (2), smoothing 0.1: t_0 = 0.9 on class 0 + ε/K, t_1 = 0.9 on class 2 + ε/K
    const t = mixTargets(Int32Array.from([0, 2]), undefined, 7, 0.1, 0, m);
    const want = [
      [0.63 + e, e, 0.27 + e, e, e, e, e],
      [0.27 + e, e, 0.63 + e, e, e, e, e],
    ];
    want.flat().forEach((v, i) => expect(Math.abs(t[i] - v), `target ${i}`).toBeLessThan(1e-7));
    // face 1 with a soft row (all on happy, 3), weight 0.5; face 0's row of zeros keeps its label alone
    const soft = Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    const s = mixTargets(Int32Array.from([0, 2]), soft, 7, 0.1, 0.5, m);
    // t_1 = 0.5·(0.9 on fear + ε/K) + 0.5·(1 on happy)
    const t1 = [e / 2, e / 2, 0.45 + e / 2, 0.5 + e / 2, e / 2, e / 2, e / 2];
    const t0 = [0.9 + e, e, e, e, e, e, e];
    const wantSoft = [t0.map((v, k) => 0.7 * v + 0.3 * t1[k]), t1.map((v, k) => 0.7 * v + 0.3 * t0[k])];
    wantSoft.flat().forEach((v, i) => expect(Math.abs(s[i] - v), `soft target ${i}`).toBeLessThan(1e-7));
    for (const x of [t, s]) for (let r = 0; r < 2; r++) expect(Math.abs(x.subarray(r * 7, r * 7 + 7).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
  });

  it("mixup: each face is λ·x_i + (1 − λ)·x_perm[i], perm a permutation of the batch", () => {
    const n = 8, x = faces(n, 1), before = x.slice();
    const m = drawMix({ mixup: 0.4, prob: 1 }, n, side, new Random(5))!;
    expect(m.kind).toBe("mixup");
    expect(m.lambda > 0 && m.lambda < 1).toBe(true);
    expect(Array.from(m.perm).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(m.perm)).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const y = mixPixels(x, n, side, m);
    expect(x).toEqual(before);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < per; k += 97) {
        const v = m.lambda * x[i * per + k] + (1 - m.lambda) * x[m.perm[i] * per + k];
        expect(Math.abs(y[i * per + k] - v), `face ${i} pixel ${k}`).toBeLessThan(1e-7);
      }
  });

  it("cutmix: a box of about 1 − λ around a random centre, clipped; inside from x_perm[i], outside x_i; λ from the box", () => {
    const rng = new Random(9);
    // λ = 0.75: sides ⌊48·0.5⌋ = 24, so the box is [c − 12, c + 12) clipped to the face, c in 0..47
    for (let t = 0; t < 200; t++) {
      const b = cutBox(0.75, side, rng);
      const c = b.r0 > 0 ? b.r0 + 12 : b.r1 - 12, d = b.q0 > 0 ? b.q0 + 12 : b.q1 - 12;
      expect(c >= 0 && c < side && d >= 0 && d < side).toBe(true);
      expect([b.r0, b.r1, b.q0, b.q1]).toEqual([Math.max(0, c - 12), Math.min(side, c + 12), Math.max(0, d - 12), Math.min(side, d + 12)]);
    }
    const empty = cutBox(1, side, rng);
    expect((empty.r1 - empty.r0) * (empty.q1 - empty.q0)).toBe(0);
    const n = 6, x = faces(n, 2);
    let kinds = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const m = drawMix({ cutmix: 1, prob: 1 }, n, side, new Random(seed))!;
      expect(m.kind).toBe("cutmix");
      const { r0, r1, q0, q1 } = m.box!;
      expect(m.lambda).toBe(1 - ((r1 - r0) * (q1 - q0)) / per);
      if (r1 > r0 && (r1 - r0) * (q1 - q0) < per) kinds++;
      const y = mixPixels(x, n, side, m);
      for (let i = 0; i < n; i++)
        for (let r = 0; r < side; r++)
          for (let q = 0; q < side; q++) {
            const inBox = r >= r0 && r < r1 && q >= q0 && q < q1;
            expect(y[i * per + r * side + q]).toBe(x[(inBox ? m.perm[i] : i) * per + r * side + q]);
          }
    }
    expect(kinds).toBeGreaterThan(10);
  });

  it("--mix-prob mixes that fraction of batches; with both α, each mixed batch is mixup or cutmix about evenly", () => {
    const rng = new Random(3);
    const draws = Array.from({ length: 2000 }, () => drawMix({ mixup: 1, cutmix: 1, prob: 0.3 }, 4, side, rng));
    const mixed = draws.filter((m) => m !== null);
    // binomial: sd √(2000·0.3·0.7) ≈ 20.5
    expect(Math.abs(mixed.length - 600)).toBeLessThan(4 * 20.5);
    const cut = mixed.filter((m) => m!.kind === "cutmix").length;
    expect(Math.abs(cut - mixed.length / 2)).toBeLessThan(4 * Math.sqrt(mixed.length / 4));
    expect(Array.from({ length: 50 }, () => drawMix({ mixup: 1, prob: 0 }, 4, side, rng)).every((m) => m === null)).toBe(true);
  });

  it("the loss and d(logits) of a mixed batch (its targets as soft rows, weight 1) equal λ·CE(y_i) + (1 − λ)·CE(y_j) in f64", () => {
    const k = new TrainKernels();
    const r = new Random(21);
    const N = 16, K = 7, eps = 0.1, w = 0.4;
    const z = Array.from(r.fill(N * K, -4, 4));
    const labels = Int32Array.from({ length: N }, () => r.int(0, K - 1));
    // soft rows: distributions, every fourth a row of zeros
    const soft = new Float32Array(N * K);
    for (let n = 0; n < N; n++) {
      if (n % 4 === 3) continue;
      const v = r.fill(K, 0.01, 1), s = v.reduce((a, b) => a + b, 0);
      v.forEach((x, j) => (soft[n * K + j] = x / s));
    }
    for (const seed of [1, 2, 3]) {
      const m = drawMix({ mixup: 0.5, prob: 1 }, N, 48, new Random(seed))!;
      const t = mixTargets(labels, soft, K, eps, w, m);
      const pd = k.alloc(N * K);
      const loss = k.softmaxCrossEntropy(k.upload(z), k.uploadI32(labels), N, K, eps, pd, k.upload(t), 1);
      // the reference, with the pair's labels and soft rows as two ordinary batches
      const softJ = new Float32Array(N * K);
      for (let n = 0; n < N; n++) softJ.set(soft.subarray(m.perm[n] * K, (m.perm[n] + 1) * K), n * K);
      const a = ref.softmaxCrossEntropy(z, labels, N, K, eps, soft, w);
      const b = ref.softmaxCrossEntropy(z, Int32Array.from(m.perm, (j) => labels[j]), N, K, eps, softJ, w);
      const l = m.lambda;
      expect(Math.abs(loss - (l * a.loss + (1 - l) * b.loss))).toBeLessThan(1e-6 * (1 + a.loss));
      const d = k.read(pd, N * K);
      for (let i = 0; i < N * K; i++) expect(Math.abs(d[i] - (l * a.dLogits[i] + (1 - l) * b.dLogits[i])), `seed ${seed} dLogits ${i}`).toBeLessThan(1e-7);
    }
  });
});

describe("train --mixup / --cutmix", () => {
  const args = (out: string, extra: string[] = []) =>
    ["--data", SAMPLE, "--out", out, "--epochs", "2", "--batch", "16", "--ghost", "8", "--workers", "0", "--limit", "48", "--seed", "5", "--quiet", ...extra];
  const weights = (dir: string) => readFileSync(join(dir, "checkpoint/group1-shard1of1.bin"));
  const start = (dir: string) => JSON.parse(readFileSync(join(dir, "log.jsonl"), "utf8").split("\n")[0]);

  it("off, or on with --mix-prob 0, trains the plain run's weights bit for bit; on changes them; the config has mix only when used", async () => {
    const plain = join(root, "plain"), p0 = join(root, "p0"), on = join(root, "on");
    await trainCommand(args(plain));
    await trainCommand(args(p0, ["--mixup", "1", "--mix-prob", "0"]));
    await trainCommand(args(on, ["--mixup", "0.2"]));
    expect(weights(p0).equals(weights(plain))).toBe(true);
    expect(weights(on).equals(weights(plain))).toBe(false);
    expect(start(plain).config.mix).toBeUndefined();
    expect(start(on).config.mix).toEqual({ mixup: 0.2, prob: 1 });
  }, 120_000);

  it("in pieces (mixup and cutmix switched, half the batches, soft targets): bit for bit one run; a resume refuses another mix", async () => {
    const { formatTeacherTargets } = await import("../src/train/soft-targets.js");
    const { writeFileSync } = await import("node:fs");
    const r = new Random(4), p = new Float32Array(300 * 7);
    for (let i = 0; i < 300; i++) {
      const v = r.fill(7, 0.01, 1), s = v.reduce((a, b) => a + b, 0);
      v.forEach((x, k) => (p[i * 7 + k] = x / s));
    }
    const teacher = join(root, "teacher.csv");
    writeFileSync(teacher, formatTeacherTargets(p, 300));
    const mix = ["--mixup", "0.4", "--cutmix", "1", "--mix-prob", "0.5", "--soft", teacher, "--epochs", "3"];
    const whole = join(root, "whole"), pieces = join(root, "pieces");
    await trainCommand(args(whole, mix));
    await trainCommand(args(pieces, [...mix, "--until", "1"]));
    await expect(trainCommand(args(pieces, [...mix.slice(2), "--mixup", "0.5", "--resume"]))).rejects.toThrow(/--mixup 0\.5 differs from the run in .*pieces \(mixup 0\.4\)/);
    await expect(trainCommand(args(pieces, ["--cutmix", "2", "--soft", teacher, "--epochs", "3", "--resume"]))).rejects.toThrow(/--cutmix 2 differs from the run .*\(cutmix 1\)/);
    await expect(trainCommand(args(pieces, [...mix.slice(0, 4), "--mix-prob", "1", ...mix.slice(6), "--resume"]))).rejects.toThrow(/--mix-prob 1 differs from the run .*\(mix-prob 0\.5\)/);
    await trainCommand(args(pieces, [...mix, "--until", "2", "--resume"]));
    await trainCommand(args(pieces, ["--soft", teacher, "--epochs", "3", "--resume"]));
    expect(weights(pieces).equals(weights(whole))).toBe(true);
    expect(readFileSync(join(pieces, "checkpoint/optimizer.bin")).equals(readFileSync(join(whole, "checkpoint/optimizer.bin")))).toBe(true);
    // a run that never mixed refuses a resume that would
    await expect(trainCommand(args(join(root, "plain"), ["--mixup", "1", "--resume"]))).rejects.toThrow(/--mixup 1 differs from the run .*\(mixup 0\)/);
  }, 180_000);

  it("0 and 2 workers (the built package, as the CLI runs it) give the same mixed model bit for bit", async () => {
    const { REFERENCE_CONFIG, TrainingSession, REFERENCE_AUGMENT, loadFer2013, packParams, resezap } = await builtTraining();
    const all = await loadFer2013(SAMPLE, ["Training"]);
    const d = { n: 64, pixels: all.pixels.slice(0, 64 * 2304), labels: all.labels.slice(0, 64) };
    const cfg = { ...REFERENCE_CONFIG, epochs: 1, batch: 32, ghost: 16, augment: REFERENCE_AUGMENT, mix: { mixup: 0.4, cutmix: 1, prob: 1 } };
    const out: Float32Array[] = [];
    for (const w of [0, 2]) {
      const model = resezap({ seed: 5 });
      const s = new TrainingSession(model, cfg, 2, w);
      await s.epoch(d, 1);
      await s.close();
      out.push(packParams(model));
    }
    expect(out[1]).toEqual(out[0]);
    expect(out[0]).not.toEqual(packParams(resezap({ seed: 5 })));
  }, 60_000);

  it("distillation at a temperature reaches the workers: 0 and 2 give the same model, another than at T = 1; mixing refused", async () => {
    const { REFERENCE_CONFIG, TrainingSession, REFERENCE_AUGMENT, loadFer2013, packParams, resezap } = await builtTraining();
    const all = await loadFer2013(SAMPLE, ["Training"]);
    const r = new Random(9), soft = new Float32Array(64 * 7);
    for (let i = 0; i < 64; i++) {
      let sum = 0;
      for (let k = 0; k < 7; k++) sum += soft[i * 7 + k] = 0.05 + r.next();
      for (let k = 0; k < 7; k++) soft[i * 7 + k] /= sum;
    }
    const d = { n: 64, pixels: all.pixels.slice(0, 64 * 2304), labels: all.labels.slice(0, 64), soft };
    const cfg = { ...REFERENCE_CONFIG, epochs: 1, batch: 32, ghost: 16, augment: REFERENCE_AUGMENT, softWeight: 0.5 };
    const train = async (c: typeof cfg, w: number) => {
      const model = resezap({ seed: 5 });
      const s = new TrainingSession(model, c, 2, w);
      await s.epoch(d, 1);
      await s.close();
      return packParams(model);
    };
    const hot0 = await train({ ...cfg, softTemperature: 3 }, 0), hot2 = await train({ ...cfg, softTemperature: 3 }, 2);
    expect(hot2).toEqual(hot0);
    expect(hot0).not.toEqual(await train(cfg, 2));
    expect(() => new TrainingSession(resezap({ seed: 5 }), { ...cfg, softTemperature: 3, mix: { mixup: 0.4, prob: 1 } }, 2, 0)).toThrow(/mixup\/cutmix with a teacher at temperature 3: distillation at T ≠ 1 needs unmixed batches/);
  }, 60_000);

  it("refuses α outside (0, 10], --mix-prob outside [0, 1] or without --mixup/--cutmix", async () => {
    const run = (extra: string[]) => trainCommand(args(join(root, "refused"), extra));
    for (const key of ["mixup", "cutmix"]) {
      await expect(run([`--${key}`, "0"])).rejects.toThrow(new RegExp(`^train: --${key} must be a number in \\(0, 10\\], found "0"$`));
      await expect(run([`--${key}`, "10.0001"])).rejects.toThrow(new RegExp(`^train: --${key} must be a number in \\(0, 10\\], found "10\\.0001"$`));
    }
    await expect(run(["--mixup", "1", "--mix-prob", "1.0001"])).rejects.toThrow(/^train: --mix-prob must be a probability in \[0, 1\], found "1\.0001"$/);
    await expect(run(["--mixup", "1", "--mix-prob", "-0.0001"])).rejects.toThrow(/^train: --mix-prob must be a probability in \[0, 1\], found "-0\.0001"$/);
    await expect(run(["--mix-prob", "0.5"])).rejects.toThrow(/^train: --mix-prob 0\.5 needs --mixup ALPHA or --cutmix ALPHA/);
  });
});

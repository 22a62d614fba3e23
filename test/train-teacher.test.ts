// train --teacher: teacher models run on each augmented ghost batch make its soft targets. Checked against a plain
// reference (each teacher's reference forward, softened by hand, averaged), against the same step given those targets
// as a file would give them, across worker counts, in pieces, and refused where the recipe or the teachers differ.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { trainCommand } from "../src/cli/train.js";
import { loadLayersModel } from "../src/io/load.js";
import { resezap } from "../src/resezap.js";
import { jobTeacherTargets, runJobs, type GhostJob } from "../src/train/parallel.js";
import { drawMix, mixPixels, mixTargets } from "../src/train/mix.js";
import { teacherTargets } from "../src/train/teacher.js";
import { Trainer, packParams } from "../src/train/trainer.js";
import { Random } from "../src/util/random.js";
import { tempDir } from "./temp-dir.js";
// @ts-ignore: the built package, whose workers load dist/train/worker.js (as the CLI runs them)
import { trainCommand as trainBuilt } from "../dist/cli/train.js";

const ROOT = new URL("..", import.meta.url).pathname;
const SAMPLE = join(ROOT, "fixtures/fer2013-sample.csv.gz");
const SHIPPED = join(ROOT, "models/fer2013"), REFERENCE = join(ROOT, "fixtures/reference-model");
const root = tempDir("teacher");

function faces(n: number, seed: number): Float32Array {
  const r = new Random(seed);
  // smooth random faces: a few blobs, so the teachers answer something other than their bias
  const x = new Float32Array(n * 48 * 48);
  for (let i = 0; i < n; i++) {
    const cx = r.uniform(10, 38), cy = r.uniform(10, 38), s = r.uniform(4, 14), b = r.uniform(0.1, 0.6);
    for (let y = 0; y < 48; y++) for (let q = 0; q < 48; q++) x[i * 2304 + y * 48 + q] = Math.min(1, b + 0.5 * Math.exp(-((y - cy) ** 2 + (q - cx) ** 2) / (2 * s * s)) + 0.05 * r.next());
  }
  return x;
}

describe("teacherTargets", () => {
  it("is the mean over teachers of softmax(z / T), z from each teacher's reference forward", async () => {
    const models = [await loadLayersModel(SHIPPED), await loadLayersModel(REFERENCE)];
    const n = 9, x = faces(n, 3);
    for (const T of [1, 2, 0.5]) {
      const got = teacherTargets(models, x, n, T);
      const ref = models.map((m) => m.predictReference(x, n));
      for (let i = 0; i < n; i++) {
        const want = new Array(7).fill(0);
        for (const p of ref) {
          const q = Array.from(p.subarray(i * 7, i * 7 + 7), (v) => Math.pow(v, 1 / T)), s = q.reduce((a, b) => a + b, 0);
          q.forEach((v, k) => (want[k] += v / s / models.length));
        }
        for (let k = 0; k < 7; k++) expect(Math.abs(got[i * 7 + k] - want[k]), `T ${T} face ${i} class ${k}`).toBeLessThan(2e-5);
      }
    }
    // a face's targets do not depend on the faces beside it (ghost batches on any number of workers agree)
    const one = teacherTargets(models, x.slice(4 * 2304, 5 * 2304), 1, 2), all = teacherTargets(models, x, n, 2);
    expect(Array.from(one)).toEqual(Array.from(all.subarray(28, 35)));
  }, 60_000);

  it("a step with teachers is the step with their targets given as soft targets; other teachers change it", async () => {
    const student = resezap({ seed: 4 }), teachers = [await loadLayersModel(SHIPPED), await loadLayersModel(REFERENCE)];
    const t = new Trainer(student, 8), p = packParams(student), n = 8, x = faces(n, 5);
    const labels = Int32Array.from({ length: n }, (_, i) => i % 7);
    const job: GhostJob = { x, labels, n, gradScale: 1 };
    const online = runJobs(t, p, [job], 0.1, 0.5, 2, teachers)[0];
    const given = runJobs(t, p, [{ ...job, soft: teacherTargets(teachers, x, n, 2) }], 0.1, 0.5, 2)[0];
    expect(online.loss).toBe(given.loss);
    expect(Buffer.from(online.grads.buffer).equals(Buffer.from(given.grads.buffer))).toBe(true);
    const oneTeacher = runJobs(t, p, [job], 0.1, 0.5, 2, teachers.slice(1))[0];
    expect(oneTeacher.loss).not.toBe(online.loss);
  }, 60_000);

  it("a mixed batch's target is its blended labels joined by the teachers' answer on the mixed face (function matching)", async () => {
    const student = resezap({ seed: 4 }), teachers = [await loadLayersModel(SHIPPED), await loadLayersModel(REFERENCE)];
    const t = new Trainer(student, 8), p = packParams(student), n = 8, x = faces(n, 6), w = 0.5, eps = 0.1;
    const labels = Int32Array.from({ length: n }, (_, i) => (3 * i) % 7);
    for (const kind of ["mixup", "cutmix"] as const) {
      const mix = drawMix(kind === "mixup" ? { mixup: 0.4, prob: 1 } : { cutmix: 1, prob: 1 }, n, 48, new Random(9))!;
      const xm = mixPixels(x, n, 48, mix);
      const job: GhostJob = { x: xm, labels, n, gradScale: 1, soft: mixTargets(labels, undefined, 7, eps, 0, mix), teacherWeight: w };
      // by hand: the pair's smoothed one-hot labels blended at λ, half of it, and half the teachers' mean on the mixed face
      const q = teacherTargets(teachers, xm, n, 1), got = jobTeacherTargets(job, teachers, 1);
      const smooth = (label: number, k: number) => (k === label ? 1 - eps : 0) + eps / 7;
      const labelPart = (i: number, k: number) => mix.lambda * smooth(labels[i], k) + (1 - mix.lambda) * smooth(labels[mix.perm[i]], k);
      for (let i = 0; i < n; i++) for (let k = 0; k < 7; k++)
        expect(Math.abs(got[i * 7 + k] - ((1 - w) * labelPart(i, k) + w * q[i * 7 + k])), `${kind} face ${i} class ${k}`).toBeLessThan(1e-7);
      // the teachers answered for the mixed face, not as a blend of their answers on the two faces
      const q0 = teacherTargets(teachers, x, n, 1);
      let apart = 0;
      for (let i = 0; i < n; i++) for (let k = 0; k < 7; k++)
        apart = Math.max(apart, Math.abs(got[i * 7 + k] - ((1 - w) * labelPart(i, k) + w * (mix.lambda * q0[i * 7 + k] + (1 - mix.lambda) * q0[mix.perm[i] * 7 + k]))));
      expect(apart, kind).toBeGreaterThan(1e-3);
      // and the step is the step given those targets at soft weight 1, bit for bit
      const online = runJobs(t, p, [job], eps, 1, 1, teachers)[0];
      const given = runJobs(t, p, [{ x: xm, labels, n, gradScale: 1, soft: got }], eps, 1, 1)[0];
      expect(online.loss).toBe(given.loss);
      expect(Buffer.from(online.grads.buffer).equals(Buffer.from(given.grads.buffer)), kind).toBe(true);
    }
  }, 60_000);
});

describe("train --teacher", () => {
  const args = (out: string, extra: string[] = [], workers = "0") =>
    ["--data", SAMPLE, "--out", out, "--epochs", "2", "--batch", "16", "--workers", workers, "--limit", "48", "--seed", "5", "--quiet", ...extra];
  const weights = (dir: string) => readFileSync(join(dir, "checkpoint/group1-shard1of1.bin"));
  const teach = ["--teacher", `${SHIPPED},${REFERENCE}`, "--temperature", "2"];

  it("trains the same model on 0 and 2 workers and in pieces; weight 0 is the plain run; the log names the teachers", async () => {
    const w0 = join(root, "w0"), w2 = join(root, "w2"), pieces = join(root, "pieces"), plain = join(root, "plain"), zero = join(root, "zero");
    await trainBuilt(args(w0, teach));
    await trainBuilt(args(w2, teach, "2"));
    expect(weights(w2).equals(weights(w0))).toBe(true);
    await trainBuilt(args(pieces, [...teach, "--until", "1"]));
    await trainBuilt(args(pieces, [...teach, "--resume"]));
    expect(weights(pieces).equals(weights(w0))).toBe(true);
    await trainBuilt(args(plain));
    await trainBuilt(args(zero, [...teach, "--soft-weight", "0"]));
    expect(weights(zero).equals(weights(plain))).toBe(true);
    expect(weights(w0).equals(weights(plain))).toBe(false);
    const start = JSON.parse(readFileSync(join(w0, "log.jsonl"), "utf8").split("\n")[0]);
    expect(start.config).toMatchObject({ teachers: 2, softWeight: 0.5, softTemperature: 2 });
    expect(start.teachers.map((t: { source: string }) => t.source)).toEqual([SHIPPED, REFERENCE]);
    expect(start.teachers[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    // temperature 1 leaves the field out, as a teacher file at T = 1 does
    const t1 = join(root, "t1");
    await trainCommand(args(t1, ["--teacher", SHIPPED, "--until", "1"]));
    expect(JSON.parse(readFileSync(join(t1, "log.jsonl"), "utf8").split("\n")[0]).config.softTemperature).toBeUndefined();
  }, 240_000);

  it("mixes with teachers: the same model on 0 and 2 workers, not the unmixed one", async () => {
    const mixed = ["--teacher", `${SHIPPED},${REFERENCE}`, "--mixup", "0.3", "--cutmix", "1"];
    const m0 = join(root, "m0"), m2 = join(root, "m2"), unmixed = join(root, "unmixed");
    await trainBuilt(args(m0, mixed));
    await trainBuilt(args(m2, mixed, "2"));
    expect(weights(m2).equals(weights(m0))).toBe(true);
    await trainBuilt(args(unmixed, mixed.slice(0, 2)));
    expect(weights(unmixed).equals(weights(m0))).toBe(false);
  }, 240_000);

  it("refuses --soft with it, --temperature without it, mixing at T ≠ 1, a resume without or with other teachers, and a teacher of another shape", async () => {
    const run = join(root, "refusals");
    await trainCommand(args(run, [...teach, "--until", "1"]));
    await expect(trainCommand(args(join(root, "x1"), [...teach, "--soft", "a.csv"]))).rejects.toThrow(/^train: --soft a\.csv with --teacher .*: the soft targets come from a file or from teacher models, give one$/);
    await expect(trainCommand(args(join(root, "x2"), ["--temperature", "2"]))).rejects.toThrow(/^train: --temperature needs --teacher DIR/);
    await expect(trainCommand(args(join(root, "x3"), ["--teacher", `${SHIPPED},`]))).rejects.toThrow(/--teacher .*: expected model folders separated by commas, found an empty name/);
    await expect(trainCommand(args(join(root, "x4"), [...teach, "--temperature", "0"]))).rejects.toThrow(/--temperature must be a number in \(0, 100\], found "0"/);
    await expect(trainCommand(args(join(root, "x5"), [...teach, "--mixup", "0.2"]))).rejects.toThrow(/mixup\/cutmix with a teacher at temperature 2: distillation at T ≠ 1 needs unmixed batches/);
    await expect(trainCommand(args(run, ["--resume"]))).rejects.toThrow(/^train: the run's recipe has 2 teacher model\(s\), 0 given \(give the --teacher models the run in .*refusals was trained with\)$/);
    await expect(trainCommand(args(run, ["--teacher", `${REFERENCE},${SHIPPED}`, "--resume"]))).rejects.toThrow(/^train: --teacher .*reference-model is not teacher 1 of the run in .*refusals \(its weights' SHA-256 [0-9a-f]{12}…; the run's .*fer2013: [0-9a-f]{12}…\)$/);
    await expect(trainCommand(args(run, [...teach.slice(0, 2), "--temperature", "3", "--resume"]))).rejects.toThrow(/--temperature 3 differs from the run .*\(temperature 2\)/);
    await expect(trainCommand(args(join(root, "x6"), ["--teacher", join(ROOT, "fixtures/faces")]))).rejects.toThrow(/^train: --teacher .*fixtures\/faces\/model\.json: cannot read the model/);
    // a run without teachers resumed with some
    const none = join(root, "none");
    await trainCommand(args(none, ["--until", "1"]));
    await expect(trainCommand(args(none, ["--teacher", SHIPPED, "--resume"]))).rejects.toThrow(/the run's recipe has 0 teacher model\(s\), 1 given/);
  }, 240_000);
});

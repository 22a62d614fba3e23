// train --teacher: teacher models run on each augmented ghost batch make its soft targets. Checked against a plain
// reference (each teacher's reference forward, softened by hand, averaged), against the same step given those targets
// as a file would give them, across worker counts, in pieces, and refused where the recipe or the teachers differ.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { trainCommand } from "../src/cli/train.js";
import { loadLayersModel } from "../src/io/load.js";
import { resezap } from "../src/resezap.js";
import { runJobs, type GhostJob } from "../src/train/parallel.js";
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

  it("refuses --soft with it, --temperature without it, mixing, a resume without or with other teachers, and a teacher of another shape", async () => {
    const run = join(root, "refusals");
    await trainCommand(args(run, [...teach, "--until", "1"]));
    await expect(trainCommand(args(join(root, "x1"), [...teach, "--soft", "a.csv"]))).rejects.toThrow(/^train: --soft a\.csv with --teacher .*: the soft targets come from a file or from teacher models, give one$/);
    await expect(trainCommand(args(join(root, "x2"), ["--temperature", "2"]))).rejects.toThrow(/^train: --temperature needs --teacher DIR/);
    await expect(trainCommand(args(join(root, "x3"), ["--teacher", `${SHIPPED},`]))).rejects.toThrow(/--teacher .*: expected model folders separated by commas, found an empty name/);
    await expect(trainCommand(args(join(root, "x4"), [...teach, "--temperature", "0"]))).rejects.toThrow(/--temperature must be a number in \(0, 100\], found "0"/);
    await expect(trainCommand(args(join(root, "x5"), ["--teacher", SHIPPED, "--mixup", "0.2"]))).rejects.toThrow(/mixup\/cutmix with teacher models: not supported/);
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

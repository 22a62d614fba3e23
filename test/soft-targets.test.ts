// Soft targets for training (src/train/soft-targets.ts, `train --soft`, `resezap soft-targets`): FER+ votes and
// teacher files read into FER2013's class order, every malformed file refused by name, the teacher file written
// from the models' own probabilities, and runs that use them resumed bit for bit or refused when the file changes.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it, vi } from "vitest";
import { softTargetsCommand } from "../src/cli/soft-targets.js";
import { soften } from "../src/train/teacher.js";
import { trainCommand } from "../src/cli/train.js";
import { loadLayersModel } from "../src/index.js";
import { loadFer2013 } from "../src/train/fer2013.js";
import { formatTeacherTargets, parseSoftTargets, readSoftTargets, FERPLUS_HEADER } from "../src/train/soft-targets.js";
import { tempDir } from "./temp-dir.js";

const ROOT = new URL("..", import.meta.url).pathname;
const SAMPLE = join(ROOT, "fixtures/fer2013-sample.csv.gz");
const root = tempDir("soft");
const EMO = "angry,disgust,fear,happy,sad,surprise,neutral";
const FERPLUS_HEAD = "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF";

/** FER+ rows: [usage, votes of neutral..fear, contempt, unknown, NF] */
const ferplus = (rows: [string, ...number[]][]) => [FERPLUS_HEAD, ...rows.map(([u, ...v], i) => `${u},fer${String(i).padStart(7, "0")}.png,${v.join(",")}`)].join("\n") + "\n";

/** a deterministic pseudo-random distribution per row */
function distributions(n: number, seed: number): Float32Array {
  const p = new Float32Array(n * 7);
  let s = seed;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < 7; k++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      sum += p[i * 7 + k] = 0.01 + s / 2147483648;
    }
    for (let k = 0; k < 7; k++) p[i * 7 + k] /= sum;
  }
  return p;
}

describe("soft-target files", () => {
  it("FER+ votes: Training rows only, the 7 classes moved to FER2013's order and renormalised; no vote in them → zeros", () => {
    expect(FERPLUS_HEAD.toLowerCase()).toBe(FERPLUS_HEADER);
    //                      neutral happy surpr sad anger disg fear contempt unknown NF
    const text = ferplus([
      ["Training", 4, 6, 0, 0, 0, 0, 0, 0, 0, 0],
      ["PublicTest", 10, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      ["Training", 0, 0, 1, 1, 1, 1, 1, 2, 1, 3],
      ["Training", 0, 0, 0, 0, 0, 0, 0, 1, 2, 7],
    ]);
    const s = parseSoftTargets(text, "votes.csv");
    expect(s.format).toBe("ferplus");
    expect(s.n).toBe(3);
    expect(s.missing).toBe(1);
    const row = (i: number) => Array.from(s.probs.subarray(i * 7, i * 7 + 7));
    // FER2013: angry disgust fear happy sad surprise neutral
    expect(row(0)).toEqual([0, 0, 0, 0.6, 0, 0, 0.4].map(Math.fround));
    expect(row(1)).toEqual([0.2, 0.2, 0.2, 0, 0.2, 0.2, 0].map(Math.fround));
    expect(row(2)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it("teacher files: written and read back to 7 significant digits, plain and gzipped", async () => {
    const p = distributions(5, 3);
    const text = formatTeacherTargets(p, 5);
    expect(text.split("\n").slice(0, 2)).toEqual(["resezap soft targets v1, 5 rows, split Training", EMO]);
    const s = parseSoftTargets(text, "t.csv");
    expect(s).toMatchObject({ n: 5, missing: 0, format: "teacher" });
    s.probs.forEach((v, i) => expect(Math.abs(v - p[i])).toBeLessThan(1e-6));
    const gz = join(root, "t.csv.gz");
    writeFileSync(gz, gzipSync(text));
    expect((await readSoftTargets(gz)).probs).toEqual(s.probs);
    expect(s.temperature).toBe(1);
    // a temperature other than 1 is stated on the first line and read back; 1 leaves the line as it always was
    const hot = formatTeacherTargets(p, 5, 2.5);
    expect(hot.split("\n")[0]).toBe("resezap soft targets v1, 5 rows, split Training, temperature 2.5");
    expect(parseSoftTargets(hot, "hot.csv")).toMatchObject({ n: 5, format: "teacher", temperature: 2.5 });
    expect(formatTeacherTargets(p, 5, 1)).toBe(text);
    const bad = (t: string) => () => parseSoftTargets(hot.replace("temperature 2.5", `temperature ${t}`), "hot.csv");
    expect(bad("0")).toThrow(/^hot\.csv: line 1: temperature "0", expected a number in \(0, 100\]$/);
    expect(bad("warm")).toThrow(/^hot\.csv: line 1: temperature "warm", expected a number in \(0, 100\]$/);
    expect(() => formatTeacherTargets(p, 5, -1)).toThrow(/soft targets: temperature -1, expected a number in \(0, 100\]/);
  });

  it("refuses a malformed file with one line naming the file, the row and what was expected", async () => {
    const teacher = (rows: string[], n = rows.length, classes = EMO) => [`resezap soft targets v1, ${n} rows, split Training`, classes, ...rows].join("\n");
    const ok = "0.1,0.1,0.1,0.1,0.1,0.1,0.4";
    const bad: [string, RegExp][] = [
      ["Usage,Image,neutral\n", /^x\.csv: first line is "Usage,Image,neutral", expected the FER\+ header/],
      [ferplus([["Training", 1, 2, 3, 4, 5, 6, 7, 0, 0]]), /^x\.csv: line 2 has 11 fields, expected 12/],
      [ferplus([["Training", 1, -1, 0, 0, 0, 0, 0, 0, 0, 0]]), /^x\.csv: line 2: vote "-1" in column happiness, expected a count ≥ 0/],
      [ferplus([["PublicTest", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]]), /^x\.csv: no Training rows/],
      [teacher([ok, ok], 3), /^x\.csv: 2 rows, its header says 3/],
      [teacher([ok], 1, "angry,disgust"), /^x\.csv: line 2 is "angry,disgust", expected the classes/],
      [teacher(["0.1,0.1,0.1,0.1,0.1,0.5"]), /^x\.csv: row 1 \(line 3\) has 6 values, expected 7/],
      [teacher([ok, "0.1,0.1,0.1,0.1,0.1,-0.1,0.6"]), /^x\.csv: row 2 \(line 4\): surprise is "-0\.1", expected a finite number ≥ 0/],
      [teacher([ok, "0.1,0.1,0.1,0.1,0.1,,0.5"]), /^x\.csv: row 2 \(line 4\): surprise is "", expected a finite number ≥ 0/],
      // the tolerance at its edge: 1 + 1e-3 passes, 1 + 1.1e-3 does not
      [teacher(["0.1,0.1,0.1,0.1,0.1,0.1,0.4011"]), /^x\.csv: row 1 \(line 3\) sums to 1\.0011\d*, expected 1 within 0\.001/],
    ];
    for (const [text, want] of bad) expect(() => parseSoftTargets(text, "x.csv"), want.source).toThrow(want);
    expect(parseSoftTargets(teacher(["0.1,0.1,0.1,0.1,0.1,0.1,0.40099"]), "x.csv").n).toBe(1);
    expect(parseSoftTargets(ferplus([["Training", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]), "x.csv").missing).toBe(1);
    const missing = join(root, "missing.csv");
    await expect(readSoftTargets(missing)).rejects.toThrow(/missing\.csv: cannot read \(ENOENT\)/);
    const corrupt = join(root, "corrupt.csv.gz");
    writeFileSync(corrupt, gzipSync("x").subarray(0, 12));
    await expect(readSoftTargets(corrupt)).rejects.toThrow(/corrupt\.csv\.gz: gzip data is corrupt/);
  });

  it("soften(p, T) is softmax(z / T) of the logits behind p", () => {
    const z = [1.5, -2, 0.3, 4, 0, -0.7, 2.2];
    const softmax = (v: number[]) => {
      const m = Math.max(...v), e = v.map((x) => Math.exp(x - m)), s = e.reduce((a, b) => a + b, 0);
      return e.map((x) => x / s);
    };
    for (const T of [0.5, 1, 2, 4]) {
      const p = Float32Array.from(softmax(z));
      soften(p, T);
      softmax(z.map((x) => x / T)).forEach((v, k) => expect(Math.abs(p[k] - v), `T ${T} class ${k}`).toBeLessThan(1e-6));
    }
  });
});

describe("resezap soft-targets", () => {
  const quiet = async (f: () => Promise<void>) => {
    const spy = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      await f();
      return spy.mock.calls.map((c) => String(c[0]));
    } finally {
      spy.mockRestore();
    }
  };

  it("writes the mean of the teachers' probabilities (softened by T) on each Training face, in file order", async () => {
    const out = join(root, "teacher.csv.gz");
    const model = join(ROOT, "models/fer2013"), ref = join(ROOT, "benchmarks/models/resezap-reference.onnx");
    const lines = await quiet(() => softTargetsCommand(["--data", SAMPLE, "--out", out, "--temperature", "2", model, ref]));
    expect(lines[0]).toMatch(/^soft-targets: 300 Training faces, 2 teacher\(s\), temperature 2; the mean's top class is the label on \d+\.\d\d% of them; wrote .*teacher\.csv\.gz$/);
    const s = await readSoftTargets(out);
    expect(s.n).toBe(300);
    expect(s.temperature).toBe(2);
    // computed here from predict on the Training rows (grey / 255), independently of the command's path
    const d = await loadFer2013(SAMPLE, ["Training"]);
    const x = Float32Array.from(d.pixels, (v) => v / 255);
    const { loadModel } = await import("../src/onnx/load.js");
    const probs = [await loadLayersModel(model), await loadModel(ref)].map((m) => m.predict(x, d.n));
    const soft2 = (p: Float32Array, i: number) => {
      const q = Array.from(p.subarray(i * 7, i * 7 + 7), (v) => Math.sqrt(v)), s = q.reduce((a, b) => a + b, 0);
      return q.map((v) => v / s);
    };
    for (let i = 0; i < d.n; i += 37) {
      const a = soft2(probs[0], i), b = soft2(probs[1], i);
      for (let k = 0; k < 7; k++) expect(Math.abs(s.probs[i * 7 + k] - (a[k] + b[k]) / 2), `row ${i} class ${k}`).toBeLessThan(2e-6);
    }
  }, 60_000);

  it("--ten-crop: each teacher's mean over the ten views (predictTenCrop); --tta with it is refused", async () => {
    const out = join(root, "teacher-ten.csv"), model = join(ROOT, "models/fer2013");
    const lines = await quiet(() => softTargetsCommand(["--data", SAMPLE, "--out", out, "--ten-crop", model]));
    expect(lines[0]).toMatch(/^soft-targets: 300 Training faces, 1 teacher\(s\) averaged over ten crops, temperature 1;/);
    const s = await readSoftTargets(out), d = await loadFer2013(SAMPLE, ["Training"]);
    const { predictTenCrop } = await import("../src/classify.js");
    const want = predictTenCrop(await loadLayersModel(model), Float32Array.from(d.pixels, (v) => v / 255), d.n, 48, 48, 1);
    for (let i = 0; i < d.n; i += 29) for (let k = 0; k < 7; k++) expect(Math.abs(s.probs[i * 7 + k] - want[i * 7 + k]), `row ${i} class ${k}`).toBeLessThan(2e-6);
    await expect(softTargetsCommand(["--data", SAMPLE, "--out", out, "--ten-crop", "--tta", model])).rejects.toThrow(/^soft-targets: --tta and --ten-crop: give one/);
  }, 60_000);

  it("refuses missing arguments, a bad temperature and a folder that does not exist before any work", async () => {
    const model = join(ROOT, "models/fer2013");
    const out = join(root, "t.csv");
    await expect(softTargetsCommand(["--out", out, model])).rejects.toThrow(/soft-targets: --data FILE is required/);
    await expect(softTargetsCommand(["--data", SAMPLE, model])).rejects.toThrow(/soft-targets: --out FILE is required/);
    await expect(softTargetsCommand(["--data", SAMPLE, "--out", out])).rejects.toThrow(/soft-targets: expected one or more teacher models/);
    await expect(softTargetsCommand(["--data", SAMPLE, "--out", out, "--temperature", "0", model])).rejects.toThrow(/--temperature must be a number in \(0, 100\], found "0"/);
    await expect(softTargetsCommand(["--data", SAMPLE, "--out", out, "--temperature", "100.5", model])).rejects.toThrow(/--temperature must be a number in \(0, 100\], found "100\.5"/);
    await expect(softTargetsCommand(["--data", SAMPLE, "--out", join(root, "no/such/dir/t.csv"), model])).rejects.toThrow(/--out .*t\.csv: folder .*no\/such\/dir does not exist/);
    await expect(softTargetsCommand(["--data", SAMPLE, "--out", out, join(ROOT, "models/yunet/face_detection_yunet.onnx")])).rejects.toThrow(/face_detection_yunet\.onnx/);
  });
});

describe("train --soft", () => {
  const args = (out: string, extra: string[] = []) =>
    ["--data", SAMPLE, "--out", out, "--epochs", "2", "--batch", "16", "--workers", "0", "--limit", "48", "--seed", "5", "--quiet", ...extra];
  const weights = (dir: string) => readFileSync(join(dir, "checkpoint/group1-shard1of1.bin"));
  let teacher = "", other = "";

  it("a soft weight of 0 trains the plain run's weights bit for bit; 0.5 changes them; FER+ votes run too", async () => {
    teacher = join(root, "teacher.csv");
    other = join(root, "other.csv");
    writeFileSync(teacher, formatTeacherTargets(distributions(300, 1), 300));
    writeFileSync(other, formatTeacherTargets(distributions(300, 2), 300));
    const plain = join(root, "plain"), w0 = join(root, "w0"), w5 = join(root, "w5");
    await trainCommand(args(plain));
    await trainCommand(args(w0, ["--soft", teacher, "--soft-weight", "0"]));
    await trainCommand(args(w5, ["--soft", teacher]));
    expect(weights(w0).equals(weights(plain))).toBe(true);
    expect(weights(w5).equals(weights(plain))).toBe(false);
    const start = JSON.parse(readFileSync(join(w5, "log.jsonl"), "utf8").split("\n")[0]);
    expect(start.config.softWeight).toBe(0.5);
    expect(start.soft).toMatchObject({ format: "teacher", rows: 300, missing: 0 });
    // FER+ votes: 300 Training rows, the first without a vote in the 7 classes
    const votes = join(root, "votes.csv");
    writeFileSync(votes, ferplus(Array.from({ length: 300 }, (_, i) => ["Training", ...(i === 0 ? [0, 0, 0, 0, 0, 0, 0, 0, 0, 10] : [i % 5, 3, 0, 1, i % 2, 0, 1, 0, 0, 0])] as [string, ...number[]])));
    const fp = join(root, "ferplus");
    await trainCommand(args(fp, ["--soft", votes, "--soft-weight", "1"]));
    expect(JSON.parse(readFileSync(join(fp, "log.jsonl"), "utf8").split("\n")[0]).soft).toMatchObject({ format: "ferplus", missing: 1 });
  }, 120_000);

  it("in pieces: bit for bit one run; a resume refuses another soft file, none, or another weight", async () => {
    const whole = join(root, "whole"), pieces = join(root, "pieces");
    await trainCommand(args(whole, ["--soft", teacher, "--soft-weight", "0.3"]));
    await trainCommand(args(pieces, ["--soft", teacher, "--soft-weight", "0.3", "--until", "1"]));
    await expect(trainCommand(args(pieces, ["--resume", "--soft", other, "--soft-weight", "0.3"]))).rejects.toThrow(/--soft .*other\.csv is not the soft-target file the run in .*pieces was trained on/);
    await expect(trainCommand(args(pieces, ["--resume"]))).rejects.toThrow(/the run in .*pieces was trained with soft targets \(\d+ bytes, SHA-256 [0-9a-f]{12}…\): give its --soft file/);
    await expect(trainCommand(args(pieces, ["--resume", "--soft", teacher, "--soft-weight", "0.5"]))).rejects.toThrow(/--soft-weight 0\.5 differs from the run/);
    await trainCommand(args(pieces, ["--resume", "--soft", teacher, "--soft-weight", "0.3"]));
    expect(weights(pieces).equals(weights(whole))).toBe(true);
    const plain = join(root, "plain");
    await expect(trainCommand(args(plain, ["--resume", "--soft", teacher]))).rejects.toThrow(/--soft .*teacher\.csv: the run in .*plain was trained without soft targets|--soft-weight .*differs from the run/);
  }, 120_000);

  it("a teacher at temperature T distils at T (Hinton's T² loss): recorded in the config, resumed bit for bit, refused with mixup", async () => {
    const hot = join(root, "hot.csv");
    writeFileSync(hot, formatTeacherTargets(distributions(300, 1), 300, 3));
    const t1 = join(root, "w5"), t3 = join(root, "t3"), pieces = join(root, "t3-pieces");
    await trainCommand(args(t3, ["--soft", hot]));
    const start = JSON.parse(readFileSync(join(t3, "log.jsonl"), "utf8").split("\n")[0]);
    expect(start.config).toMatchObject({ softWeight: 0.5, softTemperature: 3 });
    expect(start.soft).toMatchObject({ format: "teacher", temperature: 3 });
    // the same probabilities at temperature 1 (run w5 above) train other weights
    expect(weights(t3).equals(weights(t1))).toBe(false);
    expect(JSON.parse(readFileSync(join(t1, "log.jsonl"), "utf8").split("\n")[0]).config.softTemperature).toBeUndefined();
    await trainCommand(args(pieces, ["--soft", hot, "--until", "1"]));
    await trainCommand(args(pieces, ["--resume", "--soft", hot]));
    expect(weights(pieces).equals(weights(t3))).toBe(true);
    await expect(trainCommand(args(join(root, "t3-mix"), ["--soft", hot, "--mixup", "0.2"]))).rejects.toThrow(/--soft .*hot\.csv is a teacher at temperature 3; mixup\/cutmix need a temperature-1 teacher/);
  }, 120_000);

  it("refuses a soft file of another row count, --soft-weight out of [0, 1] or without --soft", async () => {
    const short = join(root, "short.csv");
    writeFileSync(short, formatTeacherTargets(distributions(299, 4), 299));
    await expect(trainCommand(args(join(root, "a"), ["--soft", short]))).rejects.toThrow(/short\.csv: 299 Training rows, expected 300 \(the Training rows of .*fer2013-sample\.csv\.gz, one per face in the same order\)/);
    await expect(trainCommand(args(join(root, "b"), ["--soft", teacher, "--soft-weight", "1.01"]))).rejects.toThrow(/--soft-weight must be a number in \[0, 1\], found "1\.01"/);
    await expect(trainCommand(args(join(root, "c"), ["--soft-weight", "0.5"]))).rejects.toThrow(/--soft-weight needs --soft FILE/);
  });
});

// FER2013 CSV reading (plain and gzipped, errors by row number), augmentation and schedules.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ResezapError } from "../src/errors.js";
import { augmentBatch, NO_AUGMENT, REFERENCE_AUGMENT } from "../src/train/augment.js";
import { mirrorFaces } from "../src/classify.js";
import { loadFer2013, loadFer2013Splits, toFloat } from "../src/train/fer2013.js";
import { learningRate, plateauAfterEpoch } from "../src/train/schedule.js";
import { Random } from "../src/util/random.js";
import { tempDir } from "./temp-dir.js";

const SAMPLE = new URL("../fixtures/fer2013-sample.csv.gz", import.meta.url).pathname;
const tmp = tempDir("fer");
const lines = gunzipSync(readFileSync(SAMPLE)).toString("utf8").trim().split("\n");

function withRows(edit: (rows: string[]) => void, name: string): string {
  const rows = lines.slice(0, 30);
  edit(rows);
  const f = join(tmp, name);
  writeFileSync(f, rows.join("\n") + "\n");
  return f;
}

describe("FER2013 CSV", () => {
  it("reads the fixture's splits, plain and gzipped alike", async () => {
    const s = await loadFer2013Splits(SAMPLE, ["Training", "PublicTest"]);
    expect(s.Training.n).toBe(300);
    expect(s.PublicTest.n).toBe(100);
    // the head of the original fer2013.csv: labels 0, 0, 2, 4, 6, first pixels 70 80 82
    expect(Array.from(s.Training.labels.slice(0, 5))).toEqual([0, 0, 2, 4, 6]);
    expect(Array.from(s.Training.pixels.slice(0, 3))).toEqual([70, 80, 82]);
    // the fixture is gzipped; the same rows as a plain CSV read the same
    const plain = join(tmp, "s.csv");
    writeFileSync(plain, gunzipSync(readFileSync(SAMPLE)));
    const g = await loadFer2013(plain, ["PublicTest"]);
    expect(g.pixels).toEqual(s.PublicTest.pixels);
    expect(g.labels).toEqual(s.PublicTest.labels);
    expect(toFloat(g, [0])[0]).toBeCloseTo(g.pixels[0] / 255, 7);
  });

  it("refuses a bad row with its number and what is wrong", async () => {
    const short = withRows((r) => (r[17] = r[17].replace(/ \d+,/, ",")), "short.csv");
    await expect(loadFer2013(short, ["Training"])).rejects.toThrow(/row 17: pixels has 2303 values, expected 2304$/);
    await expect(loadFer2013(short, ["Training"])).rejects.toBeInstanceOf(ResezapError);
    const label = withRows((r) => (r[3] = "9" + r[3].slice(1)), "label.csv");
    await expect(loadFer2013(label, ["Training"])).rejects.toThrow(/row 3: emotion is "9"/);
    // at the edge: 6 (neutral) is the last valid label, 7 the first invalid one
    const six = await loadFer2013(withRows((r) => (r[3] = "6" + r[3].slice(1)), "six.csv"), ["Training"]);
    expect(six.labels[2]).toBe(6);
    await expect(loadFer2013(withRows((r) => (r[3] = "7" + r[3].slice(1)), "seven.csv"), ["Training"])).rejects.toThrow(/row 3: emotion is "7", expected an integer 0\.\.6/);
    const big = withRows((r) => (r[5] = r[5].replace(/,(\d+) /, ",256 ")), "big.csv");
    await expect(loadFer2013(big, ["Training"])).rejects.toThrow(/row 5: pixel 1 is over 255/);
    const chr = withRows((r) => (r[6] = r[6].replace(/ (\d+) /, " x ")), "chr.csv");
    await expect(loadFer2013(chr, ["Training"])).rejects.toThrow(/row 6: pixels has the character "x"/);
    const fields = withRows((r) => (r[2] = r[2] + ",extra"), "fields.csv");
    await expect(loadFer2013(fields, ["Training"])).rejects.toThrow(/row 2: expected 3 fields/);
    const header = withRows((r) => (r[0] = "a,b,c"), "header.csv");
    await expect(loadFer2013(header, ["Training"])).rejects.toThrow(/header/);
    await expect(loadFer2013(SAMPLE, ["PrivateTest"])).rejects.toThrow(/no rows with Usage PrivateTest/);
    await expect(loadFer2013(join(tmp, "nope.csv"), ["Training"])).rejects.toThrow(/cannot open/);
  });
});

describe("augmentation and schedules", () => {
  it("no augmentation is the identity; flip mirrors; the reference ranges keep values in [0, 1]", async () => {
    const d = await loadFer2013(SAMPLE, ["PublicTest"]);
    const x = augmentBatch(d.pixels, [0, 1], 48, new Random(1), NO_AUGMENT);
    const plain = toFloat(d, [0, 1]);
    for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - plain[i])).toBeLessThan(1e-6);
    const f = mirrorFaces(plain, 2, 48, 48, 1);
    expect(f[47]).toBe(plain[0]);
    expect(mirrorFaces(f, 2, 48, 48, 1)).toEqual(plain);
    const a = augmentBatch(d.pixels, [0, 1, 2, 3], 48, new Random(7), REFERENCE_AUGMENT);
    const b = augmentBatch(d.pixels, [0, 1, 2, 3], 48, new Random(7), REFERENCE_AUGMENT);
    expect(a).toEqual(b);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThanOrEqual(1);
    let diff = 0;
    for (let i = 0; i < 2304; i++) diff += Math.abs(a[i] - plain[i]);
    expect(diff / 2304).toBeGreaterThan(0.005);
  });

  it("random erasing: off draws nothing (the reference's faces to the bit); on, one rectangle of 2–33 % becomes noise", async () => {
    const d = await loadFer2013(SAMPLE, ["PublicTest"]);
    const idx = Array.from({ length: 40 }, (_, i) => i);
    expect(augmentBatch(d.pixels, idx, 48, new Random(3), { ...REFERENCE_AUGMENT, erase: 0 })).toEqual(augmentBatch(d.pixels, idx, 48, new Random(3), REFERENCE_AUGMENT));
    // face by face, so each starts from the same random state with and without erasing
    const rng = new Random(9);
    for (const i of idx) {
      const state = new Random(0);
      Object.assign(state, structuredClone(rng));
      const plain = augmentBatch(d.pixels, [i], 48, state, REFERENCE_AUGMENT);
      const erased = augmentBatch(d.pixels, [i], 48, rng, { ...REFERENCE_AUGMENT, erase: 1 });
      let r0 = 48, r1 = -1, q0 = 48, q1 = -1, changed = 0;
      for (let p = 0; p < 2304; p++) {
        if (erased[p] === plain[p]) continue;
        changed++;
        const r = Math.floor(p / 48), q = p % 48;
        [r0, r1, q0, q1] = [Math.min(r0, r), Math.max(r1, r), Math.min(q0, q), Math.max(q1, q)];
        expect(erased[p]).toBeGreaterThanOrEqual(0);
        expect(erased[p]).toBeLessThan(1);
      }
      const box = (r1 - r0 + 1) * (q1 - q0 + 1);
      // the changed pixels fill their bounding box (noise equal to the old value is a 2^-24 chance a pixel)
      expect(changed, `face ${i}`).toBeGreaterThanOrEqual(box - 2);
      expect(box / 2304, `face ${i}`).toBeGreaterThan(0.02 * 0.7);
      expect(box / 2304, `face ${i}`).toBeLessThan(0.33 * 1.3);
    }
  });

  it("one-cycle rises from lr/25 to the peak at 15 % and falls to about lr/25e4; cosine falls to 0", () => {
    const o = { name: "one-cycle" as const, lr: 4e-3, total: 1000, warmup: 0.15 };
    expect(learningRate(o, 0)).toBeCloseTo(4e-3 / 25, 10);
    expect(learningRate(o, 149)).toBeCloseTo(4e-3, 10);
    expect(learningRate(o, 999)).toBeCloseTo(4e-3 / 25 / 1e4, 12);
    expect(learningRate(o, 500)).toBeLessThan(4e-3);
    const c = { name: "cosine" as const, lr: 0.1, total: 101 };
    expect(learningRate(c, 0)).toBeCloseTo(0.1, 10);
    expect(learningRate(c, 50)).toBeCloseTo(0.05, 10);
    expect(learningRate(c, 100)).toBeCloseTo(0, 10);
  });

  it("plateau: the rate is lr·factor^cuts, and `patience` epochs in a row without a new best make one cut", () => {
    expect(learningRate({ name: "plateau", lr: 4e-3, total: 100, factor: 0.5, reductions: 0 }, 99)).toBe(4e-3);
    expect(learningRate({ name: "plateau", lr: 4e-3, total: 100, factor: 0.5, reductions: 3 }, 0)).toBe(5e-4);
    const o = { patience: 3, factor: 0.5 };
    // best, stall, stall, best, stall ×3 (cut), stall ×3 (cut), best
    const seq = [true, false, false, true, false, false, false, false, false, false, true];
    const states = seq.reduce((acc, improved) => [...acc, plateauAfterEpoch(acc[acc.length - 1], improved, o)], [{ reductions: 0, bad: 0 }]).slice(1);
    expect(states.map((s) => s.reductions)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2]);
    expect(states.map((s) => s.bad)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 0]);
    expect(plateauAfterEpoch({ reductions: 0, bad: 0 }, false, { patience: 1, factor: 0.5 })).toEqual({ reductions: 1, bad: 0 });
  });
});

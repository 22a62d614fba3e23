import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { loadLayersModel } from "../src/io/load.js";
import { loadFer2013 } from "../src/train/fer2013.js";
import { predictFer } from "../src/train/evaluate.js";

// scripts/ensemble-eval.mjs --student backs docs/training.md's student–teacher agreement figures: recount them here.
const SAMPLE = "fixtures/fer2013-sample.csv.gz";
const run = (...args: string[]) => spawnSync(process.execPath, ["scripts/ensemble-eval.mjs", "--data", SAMPLE, ...args], { encoding: "utf8" });
const top = (p: Float32Array, i: number) => {
  let b = 0;
  for (let k = 1; k < 7; k++) if (p[i * 7 + k] > p[i * 7 + b]) b = k;
  return b;
};

describe("scripts/ensemble-eval.mjs --student", () => {
  it("counts the faces where the student gives the ensemble's answer, and where only one of them is right", async () => {
    const d = await loadFer2013(SAMPLE, ["PublicTest"]);
    const s = predictFer(await loadLayersModel("fixtures/reference-model"), d, false);
    const t = predictFer(await loadLayersModel("models/fer2013"), d, false);
    let agree = 0, studentOnly = 0, ensembleOnly = 0;
    for (let i = 0; i < d.n; i++) {
      const a = top(s, i), b = top(t, i), y = d.labels[i];
      agree += +(a === b);
      studentOnly += +(a === y && b !== y);
      ensembleOnly += +(b === y && a !== y);
    }
    // the two models differ on some of the 100 faces, so the count is not trivially all or none
    expect(agree).toBeGreaterThan(0);
    expect(agree).toBeLessThan(d.n);
    const r = run("--student", "fixtures/reference-model", "models/fer2013");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      `the ensemble's answer on ${((100 * agree) / d.n).toFixed(2)} % of the faces; right where the ensemble is wrong on ${studentOnly}, wrong where it is right on ${ensembleOnly}`,
    );
  });

  it("a model against itself agrees on every face; a missing student folder is refused in one line", () => {
    const self = run("--student", "models/fer2013", "models/fer2013");
    expect(self.stdout).toContain("the ensemble's answer on 100.00 % of the faces; right where the ensemble is wrong on 0, wrong where it is right on 0");
    const missing = run("--student", "no/such/model", "models/fer2013");
    expect(missing.status).not.toBe(0);
    expect(missing.stderr.trim()).toBe("ensemble-eval: no/such/model: no such model folder");
  });
});

describe("scripts/ensemble-eval.mjs --mirror", () => {
  it("counts the faces a model answers alike mirrored, and its accuracy on the mirror images", async () => {
    const d = await loadFer2013(SAMPLE, ["PublicTest"]);
    // the mirror image pixel by pixel: face i's pixel (y, x) is the original's (y, 47 − x)
    const pixels = d.pixels.map((_, j) => {
      const face = Math.floor(j / 2304), y = Math.floor((j % 2304) / 48), x = j % 48;
      return d.pixels[face * 2304 + y * 48 + (47 - x)];
    });
    const model = await loadLayersModel("fixtures/reference-model");
    const p = predictFer(model, d, false), q = predictFer(model, { ...d, pixels }, false);
    let same = 0, right = 0, rightMirrored = 0;
    for (let i = 0; i < d.n; i++) {
      same += +(top(p, i) === top(q, i));
      right += +(top(p, i) === d.labels[i]);
      rightMirrored += +(top(q, i) === d.labels[i]);
    }
    // the model answers some of the 100 faces otherwise mirrored, so the count is not trivially all or none
    expect(same).toBeGreaterThan(0);
    expect(same).toBeLessThan(d.n);
    const pct = (k: number) => `${((100 * k) / d.n).toFixed(2)} %`;
    const r = run("--mirror", "fixtures/reference-model");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      `fixtures/reference-model: the same answer on a face and its mirror image on ${pct(same)} of the faces; ${pct(right)} on the faces, ${pct(rightMirrored)} on the mirror images`,
    );
  });
});

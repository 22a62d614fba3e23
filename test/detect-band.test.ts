import { describe, expect, it } from "vitest";
import { FaceDetector, loadCascade } from "../src/detect/index.js";
import { detectorInternals } from "../src/detect/detector.js";
import { f32Above, f32Below, sumBand } from "../src/detect/band.js";
import { cascadeXml, grey, photo, scalarCandidates } from "./haar-helpers.js";

// The compiled and generic stump stages sum their leaves in f32 and leave the sums too near a threshold to the
// exact f64 stage (src/detect/band.ts). Here a stage whose f32 sum rounds onto the threshold while the exact sum lies just
// below it: every window must be rejected, as by the scalar scan; without the band every window would pass.
describe("compiled stage sums: the f32 sum and its exact fallback", () => {
  // stumps whose two leaves are equal: every window's stage sum is 1 + 3·2^−25 (not an f32: it rounds up to 1 + 2^−23)
  const stump = (f: number, v: number) => `<_><internalNodes>0 -1 ${f} 0.001</internalNodes><leafValues>${v} ${v}</leafValues></_>`;
  const target = Math.fround(1 + 2 ** -23);
  // a stage threshold text that OpenCV reads as 1 + 2^−23 once it takes 1e−5 off (cascade.ts does the same f32 steps)
  let thr = Math.fround(target + 1e-5);
  while (Math.fround(thr - Math.fround(1e-5)) < target) thr = Math.fround(thr * (1 + 2 ** -23));
  while (Math.fround(thr - Math.fround(1e-5)) > target) thr = Math.fround(thr * (1 - 2 ** -24));
  const xml = cascadeXml([
    `<_><maxWeakCount>3</maxWeakCount><stageThreshold>${thr}</stageThreshold><weakClassifiers>${stump(1, 1)}${stump(2, 2 ** -24)}${stump(3, 2 ** -25)}</weakClassifiers></_>`,
  ]);
  const img = { data: grey(90, 70, 3, true), width: 90, height: 70 };
  const withBand = (scale: number) => {
    const d = new FaceDetector({ cascade: loadCascade(xml), compile: "always" });
    detectorInternals(d).setAmbiguityScale(scale);
    return d;
  };

  it("the loaded stage is as intended: exact sum below the threshold, its f32 rounding on it and inside the band", () => {
    const c = loadCascade(xml);
    const thr = c.stageThreshold[0];
    expect(thr).toBe(target);
    const trees = Array.from({ length: c.stageTrees[0] }, (_, t) => c.treeFirstLeaf[c.stageFirstTree[0] + t]);
    const exact = trees.reduce((a, l) => a + c.leaves[l + 1], 0); // both leaves of each stump are equal
    expect(exact, "OpenCV's f64 sum rejects").toBeLessThan(thr);
    const rights = Math.fround(exact), diffs = trees.map((l) => Math.fround(c.leaves[l] - c.leaves[l + 1]));
    expect(rights, "the f32 sum would pass").toBe(thr);
    const band = sumBand(rights, diffs, thr);
    expect(band.lo <= rights && rights < band.hi, `band ${band.lo}..${band.hi}`).toBe(true);
    expect(rights).toBeGreaterThanOrEqual(sumBand(rights, diffs, thr, 0).hi); // closed, the band lets the f32 sum decide
  });

  it("every window rejected, as the scalar scan rejects it; with no band, all would pass", () => {
    const d = withBand(1);
    expect(scalarCandidates(d, img, { scaleFactor: 1.1 })).toEqual([]);
    expect(d.candidates(img, { scaleFactor: 1.1 })).toEqual([]);
    expect(d.lastScan.compiledScales).toBeGreaterThan(0);
    // the generic scan sums in f32 too (assembly/haar/stage4.ts), with the band packed beside the stage
    const generic = new FaceDetector({ cascade: loadCascade(xml), compile: "never" });
    expect(generic.candidates(img, { scaleFactor: 1.1 })).toEqual([]);
    expect(generic.lastScan.genericScales).toBeGreaterThan(0);
    // the band closed (a mutant of the compiled stage): the f32 sums decide alone, and wrongly
    const closed = withBand(0);
    expect(closed.candidates(img, { scaleFactor: 1.1 }).length).toBeGreaterThan(100);
  });

  it("every group through the exact stage (band wide open): the same candidates as the scalar scan", () => {
    const d = withBand(1e30);
    const generic = new FaceDetector({ compile: "never" });
    for (const f of ["obama_small.png", "knn_test_kit_with_rose.png"]) {
      const im = photo(f);
      for (const o of [{ scaleFactor: 1.1 }, { scaleFactor: 1.2, minSize: 60 }]) {
        const dd = new FaceDetector({ compile: "always" });
        detectorInternals(dd).setAmbiguityScale(1e30);
        const a = dd.candidates(im, o);
        expect(dd.lastScan.compiledScales).toBeGreaterThan(0);
        expect(a.length).toBeGreaterThan(0);
        expect(a).toEqual(generic.candidates(im, o));
      }
    }
    expect(d.candidates(img, { scaleFactor: 1.1 })).toEqual([]);
  });
});

describe("band.ts: the f32 neighbours of a number and the band of undecidable sums", () => {
  const f32bits = (v: number) => new Int32Array(new Float32Array([v]).buffer)[0];
  it("f32Below / f32Above: the nearest f32 on each side, the number itself when it is an f32", () => {
    for (const x of [1, -1, 0.1, -0.1, 1 + 2 ** -30, -(1 + 2 ** -30), 3e38, -3e38, 1e-40, -1e-40, 123.456]) {
      const lo = f32Below(x), hi = f32Above(x);
      expect(Math.fround(lo)).toBe(lo);
      expect(Math.fround(hi)).toBe(hi);
      expect(lo <= x && x <= hi).toBe(true);
      if (Math.fround(x) === x) expect([lo, hi]).toEqual([x, x]);
      else expect(Math.abs(f32bits(hi) - f32bits(lo))).toBe(1); // adjacent f32s around x
    }
    expect(f32Above(2 ** -160)).toBe(2 ** -149);
    expect(f32Below(-(2 ** -160))).toBe(-(2 ** -149));
  });
  it("sumBand: around the threshold, wider with more stumps and larger leaves; NaN past f32's range", () => {
    const a = sumBand(-1.5, [0.5, -0.25, 1], 0.75);
    expect(a.lo < 0.75 && a.hi > 0.75).toBe(true);
    const b = sumBand(-1.5, [0.5, -0.25, 1, 0.5, 0.5, 0.5], 0.75);
    expect(b.lo <= a.lo && b.hi >= a.hi).toBe(true);
    const c = sumBand(-150, [50, -25, 100], 0.75);
    expect(c.hi - c.lo).toBeGreaterThan(50 * (a.hi - a.lo));
    // the bound itself: (n + 2)·2^−24·B·1.01 (+1e−9) each side
    expect(a.hi - 0.75).toBeGreaterThanOrEqual(5 * 2 ** -24 * 3.25 * 1.01);
    expect(sumBand(3e38, [1e38], 0)).toEqual({ lo: NaN, hi: NaN });
    expect(sumBand(Infinity, [1], 0)).toEqual({ lo: NaN, hi: NaN });
    expect(sumBand(0, [NaN], 0)).toEqual({ lo: NaN, hi: NaN });
  });
});

import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FaceDetector, loadCascade } from "../src/detect/index.js";
import { detectorInternals, groupsPerRow } from "../src/detect/detector.js";
import { cascadeXml, grey, internalsAfterFrame, photo, scalarCandidates } from "./haar-helpers.js";

// Tree cascades of up to three nodes a tree take the grouped first stages and the queue too
// (assembly/haar/stage4.ts): every window against the scalar walk, and the candidates against the scalar scan.
describe("tree cascades in SIMD", () => {
  const shapes = [
    (f: number, t: number) => [`0 -1 ${f} ${t}`, 2], // one node
    (f: number, t: number) => [`1 0 ${f} ${t} -1 -2 ${(f + 1) % 4} ${-t}`, 3], // a node on the left
    (f: number, t: number) => [`0 1 ${f} ${t} -1 -2 ${(f + 2) % 4} ${t / 2}`, 3], // a node on the right
    (f: number, t: number) => [`1 2 ${f} ${t} 0 -1 ${(f + 1) % 4} ${-t} -2 -3 ${(f + 3) % 4} ${t}`, 4], // both
  ] as const;
  const xml = (() => {
    const stages: string[] = [];
    for (let s = 0; s < 10; s++) {
      const trees: string[] = [];
      for (let i = 0; i < 4 + 6 * s; i++) {
        const [nodes, leaves] = shapes[(s + i) % 4]((s * 3 + i) % 4, ((i % 7) - 3) * 0.002);
        const lv = Array.from({ length: leaves as number }, (_, k) => (0.2 - 0.1 * ((i * 3 + k * 7 + s) % 5) + (k === 0 ? 0.05 : 0)).toFixed(3)).join(" ");
        trees.push(`<_><internalNodes>${nodes}</internalNodes><leafValues>${lv}</leafValues></_>`);
      }
      stages.push(`<_><maxWeakCount>${trees.length}</maxWeakCount><stageThreshold>${(-0.4 + 0.08 * s).toFixed(2)}</stageThreshold><weakClassifiers>${trees.join("")}</weakClassifiers></_>`);
    }
    return cascadeXml(stages);
  })();

  it("every window's first stages equal the scalar walk's, and the candidates the scalar scan's", () => {
    const c = loadCascade(xml);
    expect(c.stumps).toBe(false);
    const d = new FaceDetector({ cascade: c });
    const img = { data: grey(151, 97, 5, true), width: 151, height: 97 };
    const { firstStages } = detectorInternals(d);
    const full = new Set<number>();
    for (const sf of [1.1, 1.3]) {
      const a = d.candidates(img, { scaleFactor: sf });
      expect(d.lastScan.genericScales).toBeGreaterThan(0);
      expect(d.lastScan.treeScales).toBe(0);
      expect(a.length).toBeGreaterThan(5);
      expect(a).toEqual(scalarCandidates(d, img, { scaleFactor: sf }));
      const t = internalsAfterFrame(d);
      // the grouped first stages, window by window (scale 1, step 2; then a scale ≥ 2, step 1)
      for (const s of d.scales(img, { scaleFactor: sf }).filter((_, k) => k === 0 || k === 6)) {
        const w = t.wasm, L = t.L;
        const ww = s.width + 1 - c.width, wh = s.height + 1 - c.height;
        const sqsum = L.sum + L.stride * (img.height + 1) * 4;
        let src = L.grey;
        if (s.width !== img.width) {
          w.resizeLinearExact(L.grey, img.width, img.height, L.resized, s.width, s.height, L.scratch);
          src = L.resized;
        }
        w.integral(src, s.width, s.height, L.sum, sqsum, L.stride);
        w.tiltedIntegral(src, s.width, s.height, sqsum + L.stride * (img.height + 1) * 4, L.stride, L.scratch);
        const groups = groupsPerRow(ww, s.step), rows = Math.ceil(wh / s.step);
        w.scanGroups(L.cascade, L.sum, L.stride, groups, rows, s.step, firstStages, L.res);
        const res = new Int32Array(w.memory.buffer, L.res, groups * rows * 8).slice();
        for (let r = 0; r < rows; r++) {
          for (let g = 0; g < groups; g++) {
            for (let k = 0; k < 4; k++) {
              if ((g * 4 + k) * s.step >= ww) continue; // past the row's last window
              const p = L.sum + (r * s.step * L.stride + (g * 4 + k) * s.step) * 4;
              const want = w.evalTreesTo(L.cascade, p, firstStages);
              if (res[(r * groups + g) * 8 + k] !== want) expect(res[(r * groups + g) * 8 + k], `window ${g * 4 + k}, ${r} at scale ${s.scale}`).toBe(want);
              full.add(w.evalTrees(L.cascade, p));
            }
          }
        }
      }
    }
    // windows accepted, and rejected both before and after the queue takes over
    const rs = [...full];
    expect(full.has(1) && rs.some((r) => r <= 0 && r > -firstStages) && rs.some((r) => r < -firstStages), `results ${rs}`).toBe(true);
  });

  it("compiled (jit.ts's tree stages): the scalar scan's candidates, over several frame widths", () => {
    const c = loadCascade(xml);
    const d = new FaceDetector({ cascade: c, compile: "always" });
    for (const [W, H, seed] of [[151, 97, 5], [120, 90, 6], [97, 61, 7]]) {
      const img = { data: grey(W, H, seed, true), width: W, height: H };
      for (const sf of [1.1, 1.3]) {
        const a = d.candidates(img, { scaleFactor: sf });
        expect(d.lastScan.compiledScales).toBeGreaterThan(0);
        expect(d.lastScan.genericScales + d.lastScan.treeScales).toBe(0);
        expect(a, `${W}×${H} scaleFactor ${sf}`).toEqual(scalarCandidates(d, img, { scaleFactor: sf }));
        if (W === 151) expect(a.length).toBeGreaterThan(5);
      }
    }
  });

  const alt2 = new URL("../../shared/models/haarcascades/haarcascade_frontalface_alt2.xml", import.meta.url);
  it.skipIf(!existsSync(alt2))("OpenCV's alt2 (from ../shared when present): the scalar scan's candidates on photos, generic and compiled", () => {
    const c = loadCascade(readFileSync(alt2, "utf8"));
    const d = new FaceDetector({ cascade: c, compile: "never" });
    const compiled = new FaceDetector({ cascade: c, compile: "always" });
    for (const f of ["obama_small.png", "knn_test_kit_with_rose.png"]) {
      const img = photo(f);
      for (const o of [{ scaleFactor: 1.1 }, { scaleFactor: 1.2, minSize: 60 }]) {
        const a = d.candidates(img, o);
        expect(d.lastScan.genericScales).toBeGreaterThan(0);
        expect(a).toEqual(scalarCandidates(d, img, o));
        expect(compiled.candidates(img, o)).toEqual(a);
        expect(compiled.lastScan.compiledScales).toBeGreaterThan(0);
      }
    }
  });
});

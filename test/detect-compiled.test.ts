import { describe, expect, it } from "vitest";
import { FaceDetector, loadCascade } from "../src/detect/index.js";
import { COMPILE_AFTER_FRAMES, detectorInternals, groupsPerRow } from "../src/detect/detector.js";
import { scaleList } from "../src/detect/scales.js";
import { cascadeXml, grey, internalsAfterFrame, photo, scalarCandidates } from "./haar-helpers.js";
import type { ImageLike } from "../src/image/types.js";

// The compiled cascade (src/detect/jit.ts) against the generic WASM scan it replaces: every window's result
// (accepted, the stage that rejected it, or refused for low variance) bit for bit, then the raw candidates
// and the grouped boxes on the fixture photos, over several frame widths (the compiled offsets depend on the
// integral images' stride) and both window steps.

/** Every window of every scale: the compiled stages' per-lane result against evalStumpsTo (the same stages, scalar). */
function compareWindows(d: FaceDetector, img: ImageLike, scaleFactor: number): { checked: number; results: Set<number>; full: Set<number>; stagesCompiled: number; queued: number } {
  d.candidates(img, { scaleFactor, minSize: 0 }); // lays out buffers, packs the cascade, converts to grey
  const t = internalsAfterFrame(d);
  const w = t.wasm, L = t.L, c = d.cascade;
  const { width: W, height: H } = img;
  const sqsum = L.sum + L.stride * (H + 1) * 4, tilted = sqsum + L.stride * (H + 1) * 4;
  const scales = scaleList(W, H, c.width, c.height, scaleFactor, [0, 0], [0, 0]);
  if (scales === "too-many") throw new Error("scales");
  let checked = 0, stagesCompiled = 0, queued = 0;
  const results = new Set<number>(), full = new Set<number>();
  for (const s of scales) {
    const ww = s.width + 1 - c.width, wh = s.height + 1 - c.height;
    if (ww <= 0 || wh <= 0) continue;
    let src = L.grey;
    if (s.width !== W || s.height !== H) {
      w.resizeLinearExact(L.grey, W, H, L.resized, s.width, s.height, L.scratch);
      src = L.resized;
    }
    w.integral(src, s.width, s.height, L.sum, sqsum, L.stride);
    if (c.hasTilted) w.tiltedIntegral(src, s.width, s.height, tilted, L.stride, L.scratch);
    const scan = t.compiledScan(L, s.step);
    expect(scan, "the cascade compiles").not.toBeNull();
    const groups = groupsPerRow(ww, s.step); // the last one partial: its lanes past ww are not compared
    const rows = Math.ceil(wh / s.step);
    scan!.scan(L.sum, groups, rows, L.res);
    stagesCompiled = scan!.stages;
    const res = new Int32Array(w.memory.buffer, L.res, groups * rows * 8).slice(); // per group: 4 results, 4 factors
    // the generic twin (assembly/haar/scan4.ts) writes the same 32 bytes per group, factors included
    w.scanGroups(L.cascade, L.sum, L.stride, groups, rows, s.step, scan!.stages, L.res);
    const generic = new Int32Array(w.memory.buffer, L.res, groups * rows * 8);
    for (let i = 0; i < res.length; i++) {
      const x = ((i >> 3) % groups) * 4 * s.step + (i & 3) * s.step; // value i & 7 of group i >> 3: lane i & 3
      if (x < ww && generic[i] !== res[i]) expect(generic[i], `generic, group ${i >> 3} value ${i & 7} at scale ${s.scale}`).toBe(res[i]);
    }
    for (let r = 0; r < rows; r++) {
      for (let g = 0; g < groups; g++) {
        for (let k = 0; k < 4; k++) {
          const x = g * 4 * s.step + k * s.step, y = r * s.step;
          if (x >= ww) continue;
          const want = w.evalStumpsTo(L.cascade, L.sum + (y * L.stride + x) * 4, scan!.stages);
          const got = res[(r * groups + g) * 8 + k];
          if (got !== want) expect(got, `window (${x}, ${y}) at scale ${s.scale}, ${W}×${H}`).toBe(want);
          checked++;
          results.add(want);
          full.add(w.evalStumps(L.cascade, L.sum + (y * L.stride + x) * 4));
        }
      }
    }
    // the compiled queue: the visited windows (OpenCV's rule: x moves an extra step after a window the first
    // stage rejects) that pass every stage it runs, in scan order
    new Int32Array(w.memory.buffer, L.res, groups * rows * 8).set(res);
    const n = scan!.run(L.queue, w.queueSurvivors(L.sum, L.stride, ww, wh, s.step, L.res, L.queue));
    const got = Array.from(new Int32Array(w.memory.buffer, L.queue, 2 * n).filter((_, i) => i % 2 === 0));
    const want: number[] = [];
    for (let y = 0; y < wh; y += s.step) {
      for (let x = 0; x < ww; x += s.step) {
        const p = L.sum + (y * L.stride + x) * 4;
        if (w.evalStumpsTo(L.cascade, p, scan!.end) === 1) want.push(p);
        if (w.evalStumpsTo(L.cascade, p, 1) === 0) x += s.step;
      }
    }
    expect(got, `queue after stages ${scan!.stages}..${scan!.end - 1} at scale ${s.scale}, ${W}×${H}`).toEqual(want);
    queued += want.length;
  }
  return { checked, results, full, stagesCompiled, queued };
}

describe("first stages, compiled and generic: every window's result equals evalStumpsTo's", () => {
  it.each([
    [97, 61, 1.1, false],
    [160, 120, 1.2, true],
    [203, 151, 1.15, true],
    [64, 48, 1.05, false],
  ])("%i×%i noise/blobs, scaleFactor %f", (W, H, sf, blocks) => {
    const d = new FaceDetector({ compile: "always" });
    const { checked } = compareWindows(d, { data: grey(W, H, W * 7 + H, blocks), width: W, height: H }, sf);
    expect(checked).toBeGreaterThan(500);
  });

  it("on a photo, steps 1 and 2", () => {
    const img = photo("obama_small.png");
    const { checked, results, full, stagesCompiled, queued } = compareWindows(new FaceDetector({ compile: "always" }), img, 1.1);
    expect(checked).toBeGreaterThan(10_000);
    // windows through the first stage, refused, and rejected by it; then rejected by the queue's stages, and
    // through all of them
    expect(stagesCompiled).toBe(1);
    expect(results.has(1) && results.has(-1) && results.has(0)).toBe(true);
    expect([...full].some((r) => r < -1) && queued > 0).toBe(true);
  });

  // A stump cascade with tilted and three-rectangle features and a rejecting first stage, so that the
  // compiled stages, the generic stages after them and every feature kind all run.
  it("a stump cascade with tilted and three-rectangle features", () => {
    const stump = (f: number, thr: number, l: number, r: number) => `<_><internalNodes>0 -1 ${f} ${thr}</internalNodes><leafValues>${l} ${r}</leafValues></_>`;
    const stage = (thr: number, stumps: string[]) => `<_><maxWeakCount>${stumps.length}</maxWeakCount><stageThreshold>${thr}</stageThreshold><weakClassifiers>${stumps.join("")}</weakClassifiers></_>`;
    const stages: string[] = [];
    for (let s = 0; s < 12; s++) {
      const st: string[] = [];
      for (let i = 0; i < 3 + 9 * s; i++) st.push(stump((s * 5 + i) % 4, ((i % 7) - 3) * 0.002, 0.3 - 0.05 * (i % 5), -0.2 + 0.07 * (i % 3)));
      stages.push(stage(-0.4 + 0.05 * s, st));
    }
    const xml = cascadeXml(stages);
    const c = loadCascade(xml);
    expect(c.stumps && c.hasTilted).toBe(true);
    const d = new FaceDetector({ cascade: c, compile: "always" });
    const img = { data: grey(131, 89, 99, true), width: 131, height: 89 };
    const { checked, results, full, stagesCompiled } = compareWindows(d, img, 1.1);
    expect(checked).toBeGreaterThan(5_000);
    // windows through the compiled stages, then rejected and accepted by the queued ones
    expect(results.has(1) && full.has(1) && Math.min(...full) < -stagesCompiled, `results ${[...full]}`).toBe(true);
    // and through the queued later stages, the same candidates as the generic scan
    const generic = new FaceDetector({ cascade: c, compile: false });
    for (const sf of [1.1, 1.25]) {
      const a = d.candidates(img, { scaleFactor: sf });
      expect(d.lastScan.compiledScales).toBeGreaterThan(0);
      expect(a.length).toBeGreaterThan(10);
      expect(a).toEqual(scalarCandidates(d, img, { scaleFactor: sf }));
      expect(generic.candidates(img, { scaleFactor: sf })).toEqual(a);
    }
  });
});

describe("compiled and generic first stages + queue: the candidates of the scalar scan", () => {
  const photos = ["obama-480p.png", "knn_test_kit_with_rose.png", "person_multi_det.png", "astronaut.png"];
  const crops = [0, 1, 3, 6]; // narrower frames: other strides
  const settings = [
    { scaleFactor: 1.1, minNeighbors: 3, minSize: 0 },
    { scaleFactor: 1.2, minNeighbors: 3, minSize: 60 },
  ];
  it.each(photos)("%s", (f) => {
    const full = photo(f);
    const compiled = new FaceDetector({ compile: "always" }), generic = new FaceDetector({ compile: false });
    for (const cut of crops) {
      const W = full.width - cut, H = full.height;
      const data = new Uint8ClampedArray(W * H * 4);
      for (let y = 0; y < H; y++) data.set(full.data.subarray(y * full.width * 4, (y * full.width + W) * 4), y * W * 4);
      const img = { data, width: W, height: H };
      for (const o of settings) {
        const a = compiled.candidates(img, o);
        expect(compiled.lastScan.compiledScales).toBeGreaterThan(0);
        expect(compiled.lastScan.genericScales).toBe(0);
        const b = generic.candidates(img, o);
        expect(generic.lastScan.compiledScales).toBe(0);
        expect(generic.lastScan.genericScales).toBeGreaterThan(0);
        expect(a, `${f} cut ${cut} ${JSON.stringify(o)}`).toEqual(b);
        if (cut % 3 === 0) expect(a, `${f} cut ${cut} ${JSON.stringify(o)}: scalar`).toEqual(scalarCandidates(generic, img, o));
        expect(compiled.detect(img, o)).toEqual(generic.detect(img, o));
      }
    }
  });
});

describe("when the cascade is compiled", () => {
  it("not at all where a leaf or a stage sum is beyond f32's range: the generic scan, OpenCV's f64 sums", () => {
    const stump = (f: number, l: string, r: string) => `<_><internalNodes>0 -1 ${f} 0.001</internalNodes><leafValues>${l} ${r}</leafValues></_>`;
    const stages = [
      `<_><maxWeakCount>2</maxWeakCount><stageThreshold>-0.5</stageThreshold><weakClassifiers>${stump(1, "0.3", "-0.4")}${stump(2, "0.2", "-0.3")}</weakClassifiers></_>`,
      `<_><maxWeakCount>2</maxWeakCount><stageThreshold>0.1</stageThreshold><weakClassifiers>${stump(3, "1e39", "-0.4")}${stump(0, "0.2", "-0.3")}</weakClassifiers></_>`,
    ];
    const c = loadCascade(cascadeXml(stages));
    expect(c.leaves.includes(Infinity)).toBe(true);
    const d = new FaceDetector({ cascade: c, compile: "always" });
    const im = { data: grey(90, 70, 8, true), width: 90, height: 70 };
    const a = d.candidates(im, { scaleFactor: 1.1 });
    expect(d.lastScan.compiledScales).toBe(0);
    expect(d.lastScan.genericScales).toBeGreaterThan(0);
    expect(a).toEqual(scalarCandidates(d, im, { scaleFactor: 1.1 }));
  });

  const img = { data: grey(120, 90, 4, true), width: 120, height: 90 };
  it('"auto" (the default) from the tenth frame of a size, "always" from the first, "never" and false not at all', () => {
    const auto = new FaceDetector();
    const counts = Array.from({ length: COMPILE_AFTER_FRAMES + 1 }, () => (auto.candidates(img, { scaleFactor: 1.1 }), auto.lastScan.compiledScales));
    expect(COMPILE_AFTER_FRAMES).toBe(10);
    expect(counts.map((n) => n > 0)).toEqual([...Array(COMPILE_AFTER_FRAMES - 1).fill(false), true, true]);
    expect(auto.lastScan.genericScales).toBe(0);
    // another size starts its own count
    auto.candidates({ data: grey(100, 80, 4, true), width: 100, height: 80 }, { scaleFactor: 1.1 });
    expect(auto.lastScan.compiledScales).toBe(0);
    const always = new FaceDetector({ compile: "always" });
    always.candidates(img, { scaleFactor: 1.1 });
    expect(always.lastScan.compiledScales).toBeGreaterThan(0);
    for (const mode of ["never", false] as const) {
      const never = new FaceDetector({ compile: mode });
      for (let i = 0; i < 4; i++) never.candidates(img, { scaleFactor: 1.1 });
      expect(never.lastScan.compiledScales).toBe(0);
    }
  });
  it("rejects an unknown mode, naming the option", () => {
    expect(() => new FaceDetector({ compile: "yes" as never })).toThrow(/compile: expected true, false, "auto", "always" or "never", found "yes"/);
  });
});

describe("compiled scans across frame sizes", () => {
  it("compiles a frame size once, also when other sizes come between", () => {
    const d = new FaceDetector({ compile: "always" });
    const t = detectorInternals(d);
    const scans = () => new Map([1, 2].map((step) => [step, t.compiledScan(t.layout!, step)]));
    const a = { data: grey(100, 80, 1, true), width: 100, height: 80 };
    const b = { data: grey(131, 89, 2, true), width: 131, height: 89 };
    const first = d.candidates(a, { scaleFactor: 1.1 });
    expect(d.lastScan.compiledScales).toBeGreaterThan(0);
    const kept = scans();
    for (const f of kept.values()) expect(f).not.toBeNull(); // steps 2 and 1
    d.candidates(b, { scaleFactor: 1.1 });
    for (const [step, f] of scans()) expect(f).not.toBe(kept.get(step)); // other stride, other code
    expect(d.candidates(a, { scaleFactor: 1.1 })).toEqual(first);
    for (const [step, f] of scans()) expect(f).toBe(kept.get(step));
  });
});

import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodePng } from "../src/image/png.js";
import { FaceDetector, loadCascade } from "../src/detect/index.js";
import { COMPILE_AFTER_FRAMES, groupsPerRow } from "../src/detect/detector.js";
import { f32Above, f32Below, sumBand } from "../src/detect/band.js";
import { scaleList } from "../src/detect/scales.js";
import { Bytes } from "../src/detect/wasm-emit.js";
import { cvRound, f32 } from "../src/detect/round.js";
import type { Box } from "../src/detect/group.js";

// The compiled cascade (src/detect/jit.ts) against the generic WASM scan it replaces: every window's result
// (accepted, the stage that rejected it, or refused for low variance) bit for bit, then the raw candidates
// and the grouped boxes on the fixture photos, over several frame widths (the compiled offsets depend on the
// integral images' stride) and both window steps.

const dir = new URL("../fixtures/faces/", import.meta.url);
const photo = (f: string) => decodePng(readFileSync(new URL(f, dir)), f);

interface Internals {
  wasm: {
    memory: WebAssembly.Memory;
    resizeLinearExact(src: number, sw: number, sh: number, dst: number, dw: number, dh: number, scratch: number): void;
    integral(src: number, w: number, h: number, sum: number, sqsum: number, stride: number): void;
    tiltedIntegral(src: number, w: number, h: number, tilted: number, stride: number, scratch: number): void;
    evalStumpsTo(cascade: number, p: number, s1: number): number;
    evalStumps(cascade: number, p: number): number;
    scan(cascade: number, sum: number, stride: number, ww: number, wh: number, step: number, out: number): number;
    queueSurvivors(sum: number, stride: number, ww: number, wh: number, step: number, res: number, queue: number): number;
    scanGroups(cascade: number, sum: number, stride: number, groups: number, rows: number, step: number, s1: number, res: number): void;
  };
  layout: { width: number; height: number; stride: number; grey: number; resized: number; sum: number; scratch: number; res: number; cascade: number; out: number; queue: number };
  compiledScan(L: unknown, step: number): { scan(sum: number, groups: number, rows: number, out: number): void; run(queue: number, n: number): number; stages: number; end: number } | null;
}

function grey(W: number, H: number, seed: number, blocks = false): Uint8Array {
  const px = new Uint8Array(W * H);
  let s = seed;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      // smooth blobs with noise: windows of every kind (flat ones refused, busy ones rejected at various stages)
      const base = blocks ? 128 + 100 * Math.sin(x / 7) * Math.cos(y / 5) : 0;
      px[y * W + x] = blocks ? Math.max(0, Math.min(255, Math.round(base + ((s >>> 24) - 128) / 8))) : s >>> 24;
    }
  }
  return px;
}

/**
 * A 20×20 cascade of the given stage elements over four features: a tilted one, two-rectangle ones and a
 * three-rectangle one, so that every kind of feature runs.
 */
function cascadeXml(stages: string[]): string {
  return `<opencv_storage><cascade type_id="opencv-cascade-classifier"><stageType>BOOST</stageType>
    <featureType>HAAR</featureType><height>20</height><width>20</width>
    <featureParams><maxCatCount>0</maxCatCount></featureParams>
    <stageNum>${stages.length}</stageNum><stages>${stages.join("")}</stages>
    <features>
      <_><rects><_>8 2 6 4 -1.</_><_>9 4 3 2 3.</_></rects><tilted>1</tilted></_>
      <_><rects><_>0 0 20 10 -1.</_><_>0 10 20 10 1.</_></rects><tilted>0</tilted></_>
      <_><rects><_>2 3 15 6 -1.</_><_>7 3 5 6 3.</_><_>2 5 15 2 2.</_></rects><tilted>0</tilted></_>
      <_><rects><_>4 1 12 18 -1.</_><_>4 7 12 6 3.</_></rects><tilted>0</tilted></_>
    </features></cascade></opencv_storage>`;
}

/**
 * The raw candidates from the plain scalar scan (scan.ts's scan: evalStumps window by window with OpenCV's
 * visiting rule), over the same pyramid as FaceDetector.candidates: the reference for the grouped first
 * stages + queue that detect() runs.
 */
function scalarCandidates(d: FaceDetector, img: { data: ArrayLike<number>; width: number; height: number }, options: object): Box[] {
  const scales = d.scales(img as never, options);
  d.scanScales(img as never, []); // buffers and grey
  const t = d as unknown as Internals;
  const w = t.wasm, L = t.layout, c = d.cascade;
  const sqsum = L.sum + L.stride * (img.height + 1) * 4, tilted = sqsum + L.stride * (img.height + 1) * 4;
  const out: Box[] = [];
  for (const s of scales) {
    const ww = s.width + 1 - c.width, wh = s.height + 1 - c.height;
    if (ww <= 0 || wh <= 0) continue;
    let src = L.grey;
    if (s.width !== img.width || s.height !== img.height) {
      w.resizeLinearExact(L.grey, img.width, img.height, L.resized, s.width, s.height, L.scratch);
      src = L.resized;
    }
    w.integral(src, s.width, s.height, L.sum, sqsum, L.stride);
    if (c.hasTilted) w.tiltedIntegral(src, s.width, s.height, tilted, L.stride, L.scratch);
    const n = w.scan(L.cascade, L.sum, L.stride, ww, wh, s.step, L.out);
    const xy = new Int32Array(w.memory.buffer, L.out, 2 * n);
    for (let i = 0; i < n; i++) out.push([cvRound(f32(xy[2 * i] * s.scale)), cvRound(f32(xy[2 * i + 1] * s.scale)), s.winW, s.winH]);
  }
  return out;
}

/** Every window of every scale: the compiled stages' per-lane result against evalStumpsTo (the same stages, scalar). */
function compareWindows(d: FaceDetector, img: { data: Uint8Array; width: number; height: number }, scaleFactor: number): { checked: number; results: Set<number>; full: Set<number>; stagesCompiled: number; queued: number } {
  d.candidates(img, { scaleFactor, minSize: 0 }); // lays out buffers, packs the cascade, converts to grey
  const t = d as unknown as Internals;
  const w = t.wasm, L = t.layout, c = d.cascade;
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
    (d as unknown as { ambiguityScale: number }).ambiguityScale = scale;
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
        (dd as unknown as { ambiguityScale: number }).ambiguityScale = 1e30;
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

describe("wasm-emit", () => {
  const hex = (f: (b: Bytes) => void) => {
    const b = new Bytes();
    f(b);
    return Array.from(b.view(), (x) => x.toString(16).padStart(2, "0")).join(" ");
  };
  it("encodes LEB128 as the spec's examples", () => {
    expect(hex((b) => b.u32(624485))).toBe("e5 8e 26");
    expect(hex((b) => b.u32(0))).toBe("00");
    expect(hex((b) => b.u32(0xffffffff))).toBe("ff ff ff ff 0f");
    expect(hex((b) => b.s32(-123456))).toBe("c0 bb 78");
    expect(hex((b) => b.s32(63))).toBe("3f");
    expect(hex((b) => b.s32(64))).toBe("c0 00");
    expect(hex((b) => b.s32(-64))).toBe("40");
    expect(hex((b) => b.s32(-65))).toBe("bf 7f");
    expect(hex((b) => b.s32(-2147483648))).toBe("80 80 80 80 78");
    expect(() => new Bytes().u32(-1)).toThrow(RangeError);
  });
});

describe("grey conversion (assembly/haar/grey.ts)", () => {
  // OpenCV 4.6's cvtColor RGB(A)2GRAY for 8-bit data, written out plainly
  const ref = (r: number, g: number, b: number) => (9798 * r + 19235 * g + 3735 * b + 16384) >> 15;
  it.each([
    [4, 1],
    [4, 15],
    [4, 16],
    [4, 1001],
    [3, 1001],
  ])("%i channels, %i pixels (sixteen at a time and the rest)", (ch, n) => {
    const d = new FaceDetector();
    const t = d as unknown as { wasm: { memory: WebAssembly.Memory; toGrey(src: number, n: number, ch: number, dst: number): void }; layout: { input: number; grey: number } | null };
    const W = n, H = 1;
    const data = new Uint8Array(W * H * ch);
    let s = 7 + n;
    for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
    data[0] = data[1] = data[2] = 255; // the largest sum
    // pixels right on the rounding boundary (9798·R + 19235·G + 3735·B ≡ 2^14 mod 2^15), where an off-by-one in
    // the rounding constant shows: B = (2^14 − 9798·R − 19235·G) · 3735⁻¹ mod 2^15, kept when it is a byte
    let inv = 1;
    while ((3735 * inv) % 32768 !== 1) inv += 2;
    const boundary: number[][] = [];
    for (let r = 0; r < 256 && boundary.length < 64; r++) {
      for (let g = 0; g < 256 && boundary.length < 64; g++) {
        const b = Number(((BigInt(16384 - 9798 * r - 19235 * g) % 32768n + 32768n) * BigInt(inv)) % 32768n);
        if (b < 256) boundary.push([r, g, b]);
      }
    }
    for (let i = 1; i < n; i++) data.set(boundary[i % boundary.length], i * ch);
    d.scanScales({ data, width: W, height: H }, []);
    const L = t.layout!;
    const got = new Uint8Array(t.wasm.memory.buffer, L.grey, n);
    for (let i = 0; i < n; i++) if (got[i] !== ref(data[i * ch], data[i * ch + 1], data[i * ch + 2])) expect(got[i], `pixel ${i}`).toBe(ref(data[i * ch], data[i * ch + 1], data[i * ch + 2]));
    expect(got[0]).toBe(255);
  });
});

describe("resize (assembly/haar/resize.ts): OpenCV's INTER_LINEAR_EXACT, four columns at a time", () => {
  // resize_bitExact for 8-bit grey, written out plainly: 8-bit fixed-point coefficients rounded (half to even, as
  // the kernel's f64 nearest) from f64, edges repeated, rows combined with (r0·(256 − c) + r1·c + 2^15) >> 16
  function reference(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
    const coef = (d: number, s: number, n: number): [number, number, number] => {
      const f = (1 / (d / s)) * (n + 0.5) - 0.5;
      const i = Math.floor(f);
      if (i < 0 || s === 1) return [0, 0, 0];
      if (i >= s - 1) return [s - 1, s - 1, 0];
      const x = (f - i) * 256;
      const r = Math.round(x);
      return [i, i + 1, r - x === 0.5 && r % 2 === 1 ? r - 1 : r];
    };
    const out = new Uint8Array(dw * dh);
    const hrow = (y: number) =>
      Array.from({ length: dw }, (_, x) => {
        const [a, b, c] = coef(dw, sw, x);
        return src[y * sw + a] * (256 - c) + src[y * sw + b] * c;
      });
    for (let y = 0; y < dh; y++) {
      const [r0, r1, c] = coef(dh, sh, y);
      const h0 = hrow(r0), h1 = hrow(r1);
      for (let x = 0; x < dw; x++) out[y * dw + x] = (h0[x] * (256 - c) + h1[x] * c + (1 << 15)) >> 16;
    }
    return out;
  }

  it.each([
    [97, 61, 80, 50],
    [160, 120, 133, 100],
    [203, 151, 37, 28], // shrink by 5.5: the scalar fallback
    [64, 48, 63, 47],
    [640, 480, 257, 193],
    [33, 9, 11, 3],
    [40, 30, 5, 4],
  ])("%i×%i → %i×%i", (sw, sh, dw, dh) => {
    const d = new FaceDetector();
    const t = d as unknown as Internals;
    const img = { data: grey(sw, sh, sw + 3 * sh, (sw + sh) % 2 === 0), width: sw, height: sh };
    d.scanScales(img, []);
    const L = t.layout;
    t.wasm.resizeLinearExact(L.grey, sw, sh, L.resized, dw, dh, L.scratch);
    const got = new Uint8Array(t.wasm.memory.buffer, L.resized, dw * dh);
    const want = reference(img.data, sw, sh, dw, dh);
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) expect(got[i], `pixel (${i % dw}, ${Math.floor(i / dw)})`).toBe(want[i]);
  });
});

describe("integral images (assembly/haar/integral.ts), four pixels at a time", () => {
  it.each([
    [1, 1],
    [3, 2],
    [4, 3],
    [7, 5],
    [64, 48],
    [97, 61],
    [131, 67],
  ])("%i×%i", (W, H) => {
    const d = new FaceDetector();
    const t = d as unknown as Internals;
    const img = { data: grey(W, H, W * 5 + H), width: W, height: H };
    img.data[0] = 255; // the largest pixel, squared
    d.scanScales(img, []);
    const L = t.layout;
    const plane = L.stride * (H + 1) * 4;
    t.wasm.integral(L.grey, W, H, L.sum, L.sum + plane, L.stride);
    const sum = new Int32Array(t.wasm.memory.buffer, L.sum, L.stride * (H + 1));
    const sq = new Int32Array(t.wasm.memory.buffer, L.sum + plane, L.stride * (H + 1));
    // entry (x, y): the sum over the pixels above and left of it, written out plainly
    for (let y = 0; y <= H; y++) {
      for (let x = 0; x <= W; x++) {
        let a = 0, b = 0;
        for (let yy = 0; yy < y; yy++) for (let xx = 0; xx < x; xx++) (a += img.data[yy * W + xx]), (b += img.data[yy * W + xx] ** 2);
        if (sum[y * L.stride + x] !== a) expect(sum[y * L.stride + x], `sum (${x}, ${y})`).toBe(a);
        if (sq[y * L.stride + x] !== (b | 0)) expect(sq[y * L.stride + x], `squares (${x}, ${y})`).toBe(b | 0);
      }
    }
  });
});

describe("compiled scans across frame sizes", () => {
  it("compiles a frame size once, also when other sizes come between", () => {
    const d = new FaceDetector({ compile: "always" });
    const t = d as unknown as { layout: unknown; compiledScan(L: unknown, step: number): unknown };
    const scans = () => new Map([1, 2].map((step) => [step, t.compiledScan(t.layout, step)]));
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
    const t = d as unknown as Internals & { wasm: { evalTreesTo(c: number, p: number, s1: number): number; evalTrees(c: number, p: number): number }; firstStages: number };
    const full = new Set<number>();
    for (const sf of [1.1, 1.3]) {
      const a = d.candidates(img, { scaleFactor: sf });
      expect(d.lastScan.genericScales).toBeGreaterThan(0);
      expect(d.lastScan.treeScales).toBe(0);
      expect(a.length).toBeGreaterThan(5);
      expect(a).toEqual(scalarCandidates(d, img, { scaleFactor: sf }));
      // the grouped first stages, window by window (scale 1, step 2; then a scale ≥ 2, step 1)
      for (const s of d.scales(img, { scaleFactor: sf }).filter((_, k) => k === 0 || k === 6)) {
        const w = t.wasm, L = t.layout;
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
        w.scanGroups(L.cascade, L.sum, L.stride, groups, rows, s.step, t.firstStages, L.res);
        const res = new Int32Array(w.memory.buffer, L.res, groups * rows * 8).slice();
        for (let r = 0; r < rows; r++) {
          for (let g = 0; g < groups; g++) {
            for (let k = 0; k < 4; k++) {
              if ((g * 4 + k) * s.step >= ww) continue; // past the row's last window
              const p = L.sum + (r * s.step * L.stride + (g * 4 + k) * s.step) * 4;
              const want = w.evalTreesTo(L.cascade, p, t.firstStages);
              if (res[(r * groups + g) * 8 + k] !== want) expect(res[(r * groups + g) * 8 + k], `window ${g * 4 + k}, ${r} at scale ${s.scale}`).toBe(want);
              full.add(w.evalTrees(L.cascade, p));
            }
          }
        }
      }
    }
    // windows accepted, and rejected both before and after the queue takes over
    const rs = [...full];
    expect(full.has(1) && rs.some((r) => r <= 0 && r > -t.firstStages) && rs.some((r) => r < -t.firstStages), `results ${rs}`).toBe(true);
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

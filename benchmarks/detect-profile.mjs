#!/usr/bin/env node
// Where a face detection's time goes, phase by phase, on the benchmark's 640×480 frame (benchmarks/detect.mjs),
// one thread: grey conversion, per scale the resize and the integral images, the first stages on groups of four
// neighbouring windows, queueing the survivors, the later stages over the queue (both compiled, src/detect/jit.ts),
// and grouping. Medians of per-frame sums over `frames` frames after warm-up. Also how long compiling the
// cascade for the frame takes (src/detect/jit.ts, then WebAssembly compilation and instantiation): the first
// time in this process (the compiler's own JavaScript still cold) and again once it has run.
//
//   node benchmarks/detect-profile.mjs [--frames 40]      → a table on stdout, JSON with --json
//
// Needs `npm run build`. It drives FaceDetector's internals (its WASM exports and buffers) the way
// FaceDetector.scanScales does, so its sum is a detect() without the JavaScript around the calls.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CASES, frame640x480 } from "./detect.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};

export async function profileDetect({ frames = 40 } = {}) {
  const { FaceDetector } = await import(join(root, "dist/detect/index.js"));
  const { finishBoxes, groupsPerRow } = await import(join(root, "dist/detect/detector.js"));
  const { cvRound, f32 } = await import(join(root, "dist/detect/round.js"));
  const img = await frame640x480();
  const out = {};
  // compile time: fresh detectors, each compiling at its first frame (compile "always"), timed against the same
  // frame on the same detector once compiled
  const compile = [];
  for (let k = 0; k < 4; k++) {
    const d = new FaceDetector({ compile: "always" });
    const o = CASES[1].options;
    const t0 = performance.now();
    d.detect(img, o);
    const t1 = performance.now();
    d.detect(img, o);
    compile.push(Math.round((t1 - t0 - (performance.now() - t1)) * 10) / 10);
  }
  out.compileMs = { first: compile[0], again: compile.slice(1) };
  for (const c of CASES) {
    const d = new FaceDetector({ compile: "always" });
    for (let i = 0; i < 20; i++) d.detect(img, c.options);
    const w = d.wasm, L = d.layout, cas = d.cascade;
    const scales = d.scales(img, c.options);
    const sqsum = L.sum + L.stride * (img.height + 1) * 4;
    const phases = ["grey", "resize", "integral", "first stages", "queueing", "later stages", "grouping"];
    const samples = Object.fromEntries(phases.map((p) => [p, []]));
    let windows = 0, queued = 0, firstStages = 0, visited = 0, stumps = 0;
    // stumps in stages 0..s−1 (a window rejected by stage s ran stageSums[s + 1])
    const stageSums = [0];
    for (const n of cas.stageTrees) stageSums.push(stageSums[stageSums.length - 1] + n);
    for (let f = 0; f < frames; f++) {
      const t = Object.fromEntries(phases.map((p) => [p, 0]));
      let t0 = performance.now();
      d.scanScales(img, []); // grey into WASM memory (and the layout, already made)
      t.grey += performance.now() - t0;
      const raw = [];
      for (const s of scales) {
        t0 = performance.now();
        if (s.width !== img.width || s.height !== img.height) w.resizeLinearExact(L.grey, img.width, img.height, L.resized, s.width, s.height, L.scratch);
        const src = s.width !== img.width || s.height !== img.height ? L.resized : L.grey;
        const t1 = performance.now();
        w.integral(src, s.width, s.height, L.sum, sqsum, L.stride);
        const t2 = performance.now();
        const ww = s.width + 1 - cas.width, wh = s.height + 1 - cas.height;
        const compiled = d.compiledScan(L, s.step);
        const groups = groupsPerRow(ww, s.step);
        compiled.scan(L.sum, groups, Math.ceil(wh / s.step), L.res);
        const t3 = performance.now();
        const q = w.queueSurvivors(L.sum, L.stride, ww, wh, s.step, L.res, L.queue);
        const t4 = performance.now();
        const n = w.runQueue(L.cascade, L.queue, compiled.run(L.queue, q), compiled.end, L.sum, L.stride, L.out); // (x, y) of the accepted
        const t5 = performance.now();
        t.resize += t1 - t0;
        t.integral += t2 - t1;
        t["first stages"] += t3 - t2;
        t.queueing += t4 - t3;
        t["later stages"] += t5 - t4;
        const xy = new Int32Array(w.memory.buffer, L.out, 2 * n);
        for (let i = 0; i < n; i++) raw.push([cvRound(f32(xy[2 * i] * s.scale)), cvRound(f32(xy[2 * i + 1] * s.scale)), s.winW, s.winH]);
        if (f === 0) {
          windows += Math.ceil(ww / s.step) * Math.ceil(wh / s.step);
          queued += q;
          firstStages = compiled.stages;
          // the work parity fixes: stumps evaluated over the visited windows (OpenCV's rule: x moves an extra
          // step after a window the first stage rejects), each until a stage rejects it
          for (let y = 0; y < wh; y += s.step) {
            for (let x = 0; x < ww; x += s.step) {
              visited++;
              const p = L.sum + (y * L.stride + x) * 4;
              const r = w.evalStumps(L.cascade, p);
              // −1 is both "refused for low variance" (no stump) and "rejected by stage 1": the first stage alone tells
              const refused = w.evalStumpsTo(L.cascade, p, 1) === -1;
              if (!refused) stumps += r > 0 ? stageSums[stageSums.length - 1] : stageSums[-r + 1];
              if (r === 0) x += s.step;
            }
          }
        }
      }
      t0 = performance.now();
      finishBoxes(raw, c.options.minNeighbors, img.width, img.height);
      t.grouping += performance.now() - t0;
      for (const p of phases) samples[p].push(t[p]);
    }
    const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
    const ms = Object.fromEntries(phases.map((p) => [p, Math.round(med(samples[p]) * 1000) / 1000]));
    const total = phases.reduce((a, p) => a + ms[p], 0);
    out[c.name] = { options: c.options, scales: scales.length, windows, visited, stumps, firstStages, queued, ms, total_ms: Math.round(total * 1000) / 1000 };
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await profileDetect({ frames: arg("--frames", 40) });
  if (process.argv.includes("--json")) console.log(JSON.stringify(r, null, 2));
  else {
    console.log(`compiling the cascade for the frame (one step): ${r.compileMs.first} ms the first time in this process, then ${r.compileMs.again.join(", ")} ms`);
    for (const [k, v] of Object.entries(r)) {
      if (k === "compileMs") continue;
      console.log(`${k} (${JSON.stringify(v.options)}): ${v.scales} scales, ${v.windows} windows (${v.visited} visited, ${v.stumps} stump evaluations), ${v.queued} queued after the first ${v.firstStages} stages`);
      for (const [p, m] of Object.entries(v.ms)) console.log(`  ${p.padEnd(13)} ${m.toFixed(3).padStart(8)} ms  ${((100 * m) / v.total_ms).toFixed(0).padStart(3)} %`);
      console.log(`  ${"total".padEnd(13)} ${v.total_ms.toFixed(3).padStart(8)} ms`);
    }
  }
}

#!/usr/bin/env node
// Any cascade's compiled scan against its generic one on the benchmark's 640×480 frame (benchmarks/detect.mjs),
// one thread, alternating in rounds in one process (the host drifts), at OpenCV's defaults and at the real-time
// settings; checks that both find the same boxes.
//
//   node benchmarks/detect-cascade.mjs [CASCADE.xml]    (default: the shipped haarcascade_frontalface_default.xml)
//   e.g. node benchmarks/detect-cascade.mjs ../shared/models/haarcascades/haarcascade_frontalface_alt2.xml
//
// Needs `npm run build`.
import { readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CASES, frame640x480 } from "./detect.mjs";
import { medianOf } from "./lib.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const file = process.argv[2] ?? join(root, "models/haarcascades/haarcascade_frontalface_default.xml");
const { FaceDetector, loadCascade } = await import(join(root, "dist/detect/index.js"));
const cascade = loadCascade(readFileSync(file, "utf8"), basename(file));
const img = await frame640x480();
for (const c of CASES) {
  const compiled = new FaceDetector({ cascade, compile: "always" }), generic = new FaceDetector({ cascade, compile: "never" });
  const same = JSON.stringify(compiled.detect(img, c.options)) === JSON.stringify(generic.detect(img, c.options));
  for (let i = 0; i < 20; i++) compiled.detect(img, c.options), generic.detect(img, c.options); // past V8's tier-up
  const t = { compiled: [], generic: [] };
  for (let r = 0; r < 8; r++) {
    for (const [k, d] of [["compiled", compiled], ["generic", generic]]) {
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) d.detect(img, c.options);
      t[k].push((performance.now() - t0) / 5);
    }
  }
  const ms = { compiled: medianOf(t.compiled), generic: medianOf(t.generic) };
  console.log(`${basename(file)} ${c.name} (${JSON.stringify(c.options)}): compiled ${ms.compiled.toFixed(2)} ms, generic ${ms.generic.toFixed(2)} ms, ×${(ms.generic / ms.compiled).toFixed(2)}; same boxes: ${same ? "yes" : "NO"}; compiled scales ${compiled.lastScan.compiledScales}`);
}

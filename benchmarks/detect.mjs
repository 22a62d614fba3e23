#!/usr/bin/env node
// Face detection benchmark: our Haar cascade detector (dist/detect, WASM) against OpenCV.js
// (@techstark/opencv-js, OpenCV's own C++ compiled to WASM, single-threaded) on a 640×480 photo, same
// cascade (haarcascade_frontalface_default.xml) and parameters, both from RGBA pixels to boxes:
//   - OpenCV's defaults: scaleFactor 1.1, minNeighbors 3, no minSize
//   - real-time settings: scaleFactor 1.2, minNeighbors 3, minSize 60×60
// Each side reuses its detector and buffers between calls, as a webcam loop would.
//
//   node benchmarks/detect.mjs [--quick]     → JSON on stdout, progress on stderr
//   import { benchDetect } from "./detect.mjs"; await benchDetect({ quick })
//
// Needs `npm run build` (imports ../dist/detect/index.js).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const log = (...a) => console.error("[detect]", ...a);

export const CASES = [
  { name: "opencv-defaults", options: { scaleFactor: 1.1, minNeighbors: 3, minSize: 0 } },
  { name: "realtime", options: { scaleFactor: 1.2, minNeighbors: 3, minSize: 60 } },
];

/** The 640×480 frame: the centre of fixtures/faces/obama-480p.png (853×480), face included. */
export async function frame640x480() {
  const { decodePng } = await import(join(root, "dist/image/png.js"));
  const src = decodePng(readFileSync(join(root, "fixtures/faces/obama-480p.png")), "obama-480p.png");
  const W = 640, H = 480, x0 = (src.width - W) >> 1;
  const data = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) data.set(src.data.subarray((y * src.width + x0) * 4, (y * src.width + x0 + W) * 4), y * W * 4);
  return { data, width: W, height: H };
}

async function loadOpenCV() {
  const cv = createRequire(import.meta.url)("@techstark/opencv-js");
  // The WASM runtime initialises asynchronously; its onRuntimeInitialized hook may already be taken, so poll.
  for (let t = 0; !cv.Mat; t += 20) {
    if (t > 60_000) throw new Error("OpenCV.js did not initialise within 60 s");
    await new Promise((res) => setTimeout(res, 20));
  }
  return { cv }; // wrapped: the module object is a thenable, and an async function would adopt it forever
}

function opencvDetector(cv, xml, img) {
  cv.FS_createDataFile("/", "cascade.xml", xml, true, false, false);
  const classifier = new cv.CascadeClassifier();
  if (!classifier.load("/cascade.xml")) throw new Error("OpenCV.js could not load the cascade");
  const rgba = new cv.Mat(img.height, img.width, cv.CV_8UC4);
  const grey = new cv.Mat();
  const faces = new cv.RectVector();
  return {
    detect(o) {
      rgba.data.set(img.data);
      cv.cvtColor(rgba, grey, cv.COLOR_RGBA2GRAY);
      const min = new cv.Size(o.minSize, o.minSize), max = new cv.Size(0, 0);
      classifier.detectMultiScale(grey, faces, o.scaleFactor, o.minNeighbors, 0, min, max);
      const out = [];
      for (let i = 0; i < faces.size(); i++) {
        const r = faces.get(i);
        out.push([r.x, r.y, r.width, r.height]);
      }
      return out.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    },
    dispose() {
      for (const m of [rgba, grey, faces, classifier]) m.delete();
    },
  };
}

export async function benchDetect({ quick = false } = {}) {
  const { FaceDetector } = await import(join(root, "dist/detect/index.js"));
  const img = await frame640x480();
  const xml = readFileSync(join(root, "models/haarcascades/haarcascade_frontalface_default.xml"), "utf8");
  const ours = new FaceDetector();
  const { cv } = await loadOpenCV();
  const theirs = opencvDetector(cv, xml, img);
  const opts = quick ? { time: 300, iterations: 5, warmupTime: 100, warmupIterations: 3 } : { time: 2000, iterations: 20, warmupTime: 500, warmupIterations: 10 };
  const result = { frame: "fixtures/faces/obama-480p.png, centre 640×480", cascade: "haarcascade_frontalface_default.xml", opencvjs: cv.getBuildInformation?.().match(/General configuration for OpenCV ([^\s=]+)/)?.[1] ?? "unknown", cases: {} };
  for (const c of CASES) {
    const a = ours.detect(img, c.options), b = theirs.detect(c.options);
    const same = JSON.stringify(a) === JSON.stringify(b);
    log(c.name, "ours", JSON.stringify(a), "opencv.js", JSON.stringify(b));
    const bench = new Bench(opts);
    bench.add("ours", () => ours.detect(img, c.options));
    bench.add("opencv.js", () => theirs.detect(c.options));
    await bench.run();
    const med = (name) => bench.tasks.find((t) => t.name === name).result.latency.p50;
    const o = med("ours"), t = med("opencv.js");
    result.cases[c.name] = { options: c.options, oursMs: round(o), opencvjsMs: round(t), speedup: round(t / o), sameBoxes: same, boxes: a };
    log(c.name, `ours ${o.toFixed(2)} ms, opencv.js ${t.toFixed(2)} ms, ×${(t / o).toFixed(2)}`);
  }
  theirs.dispose();
  return result;
}

const round = (v) => Math.round(v * 100) / 100;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await benchDetect({ quick: process.argv.includes("--quick") });
  console.log(JSON.stringify(r, null, 2));
  process.exit(0); // OpenCV.js's runtime keeps the event loop alive
}

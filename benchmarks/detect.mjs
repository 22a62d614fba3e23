#!/usr/bin/env node
// Face detection benchmark on a 640×480 photo, same cascade (haarcascade_frontalface_default.xml) and
// parameters for all, each from RGBA pixels to boxes, each reusing its detector and buffers between calls as
// a webcam loop would:
//   - ours, one thread (dist/detect: the cascade compiled for the frame — what a stream runs from its third
//     frame on, here from the first: compile "always" — first stages over every window, later ones over a queue)
//   - ours with the generic WASM scan (FaceDetector({ compile: false }): what runs where compiling is refused)
//   - ours on two threads (createDetectorPool({ workers: 1 }): the calling thread and one worker)
//   - OpenCV.js (@techstark/opencv-js: OpenCV's C++ compiled to WASM, one thread)
//   - native OpenCV, one thread (Debian's python3-opencv, benchmarks/peers/opencv-native.py; skipped where
//     no python3 imports cv2)
// at OpenCV's defaults (scaleFactor 1.1, minNeighbors 3, no minSize) and at real-time settings (1.2, 3, 60×60).
// The host's speed drifts (a VM), so the engines alternate: `rounds` rounds, each a tinybench run of every
// in-process engine then one native run; medians over all rounds' samples (native: of its rounds' medians).
//
//   node benchmarks/detect.mjs [--quick]     → JSON on stdout, progress on stderr
//   import { benchDetect } from "./detect.mjs"; await benchDetect({ quick })
//
// Needs `npm run build` (imports ../dist/).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { medianOf as median } from "./lib.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const log = (...a) => console.error("[detect]", ...a);
const CASCADE = join(root, "models/haarcascades/haarcascade_frontalface_default.xml");

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

// Native OpenCV through the first python3 that imports cv2: $RESEZAP_PYTHON, python3 on the PATH, then
// Debian's own /usr/bin/python3 (where apt installs python3-opencv). null where there is none.
function nativeOpenCV(img) {
  const script = join(root, "benchmarks/peers/opencv-native.py");
  if (!existsSync(script)) return null;
  const python = [process.env.RESEZAP_PYTHON, "python3", "/usr/bin/python3"]
    .filter(Boolean)
    .find((exe) => spawnSync(exe, ["-c", "import cv2"], { encoding: "utf8" }).status === 0);
  if (!python) return null;
  const dir = mkdtempSync(join(tmpdir(), "resezap-detect-"));
  const file = join(dir, "frame.rgba");
  writeFileSync(file, img.data);
  return {
    python,
    run(o, timeMs) {
      const args = [script, "--rgba", file, "--width", String(img.width), "--height", String(img.height), "--cascade", CASCADE];
      args.push("--scale-factor", String(o.scaleFactor), "--min-neighbors", String(o.minNeighbors), "--min-size", String(o.minSize), "--time-ms", String(timeMs));
      const r = spawnSync(python, args, { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`opencv-native.py failed: ${r.stderr.trim().split("\n").pop()}`);
      return JSON.parse(r.stdout.trim().split("\n").pop());
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}


export async function benchDetect({ quick = false } = {}) {
  const { FaceDetector } = await import(join(root, "dist/detect/index.js"));
  const { createDetectorPool } = await import(join(root, "dist/index.js"));
  const img = await frame640x480();
  const xml = readFileSync(CASCADE, "utf8");
  const ours = new FaceDetector({ compile: "always" });
  const generic = new FaceDetector({ compile: false });
  const pool = await createDetectorPool({ workers: 1, compile: "always" });
  const { cv } = await loadOpenCV();
  const theirs = opencvDetector(cv, xml, img);
  // native OpenCV (a python process a round) only in full runs: --quick must stay well under a minute
  const native = quick ? null : nativeOpenCV(img);
  const rounds = quick ? 1 : 4;
  const opts = quick ? { time: 150, iterations: 3, warmupTime: 50, warmupIterations: 2 } : { time: 500, iterations: 8, warmupTime: 100, warmupIterations: 3 };
  const result = {
    frame: "fixtures/faces/obama-480p.png, centre 640×480",
    cascade: "haarcascade_frontalface_default.xml",
    opencvjs: cv.getBuildInformation?.().match(/General configuration for OpenCV ([^\s=]+)/)?.[1] ?? "unknown",
    rounds,
    cases: {},
  };
  if (!native) {
    result.native = {
      skipped: quick
        ? "native OpenCV is timed in full runs only"
        : "no native OpenCV baseline: it needs a python3 that imports cv2 (apt install python3-opencv) and benchmarks/peers/opencv-native.py from the repository",
    };
  }
  const engines = {
    ours: (o) => ours.detect(img, o),
    generic: (o) => generic.detect(img, o),
    pool: (o) => pool.detect(img, o),
    opencvjs: (o) => theirs.detect(o),
  };
  try {
    for (const c of CASES) {
      const boxes = {};
      for (const [k, f] of Object.entries(engines)) boxes[k] = JSON.stringify(await f(c.options));
      const samples = Object.fromEntries(Object.keys(engines).map((k) => [k, []]));
      const nativeMs = [];
      let nativeBoxes = null;
      for (let r = 0; r < rounds; r++) {
        const bench = new Bench(opts);
        for (const [k, f] of Object.entries(engines)) bench.add(k, () => f(c.options));
        await bench.run();
        for (const t of bench.tasks) samples[t.name].push(...t.result.latency.samples);
        if (native) {
          const n = native.run(c.options, quick ? 300 : 1000);
          nativeMs.push(n.ms);
          nativeBoxes = JSON.stringify(n.boxes);
          result.native = { opencv: n.opencv, threads: n.threads, python: native.python };
        }
        log(c.name, `round ${r + 1}/${rounds}:`, bench.tasks.map((t) => `${t.name} ${t.result.latency.p50.toFixed(2)}`).join(", "), native ? `native ${nativeMs[r].toFixed(2)}` : "");
      }
      const ms = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
      const nat = native ? median(nativeMs) : null;
      result.cases[c.name] = {
        options: c.options,
        oursMs: round(ms.ours),
        genericMs: round(ms.generic),
        poolMs: round(ms.pool),
        opencvjsMs: round(ms.opencvjs),
        nativeMs: nat === null ? null : round(nat),
        speedup: round(ms.opencvjs / ms.ours),
        nativeSpeedup: nat === null ? null : round(nat / ms.ours),
        compiledSpeedup: round(ms.generic / ms.ours),
        poolSpeedup: round(ms.ours / ms.pool),
        // every engine found the same boxes
        sameBoxes: Object.values(boxes).every((b) => b === boxes.ours) && (nativeBoxes === null || nativeBoxes === boxes.ours),
        boxes: JSON.parse(boxes.ours),
      };
      log(c.name, JSON.stringify(result.cases[c.name]));
    }
  } finally {
    theirs.dispose();
    native?.dispose();
    await pool.close();
  }
  return result;
}

const round = (v) => Math.round(v * 100) / 100;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await benchDetect({ quick: process.argv.includes("--quick") });
  console.log(JSON.stringify(r, null, 2));
  process.exit(0); // OpenCV.js's runtime keeps the event loop alive
}

// The demo's pipeline, off the main thread: face detection (YuNet, or the Haar cascade with ?detector=haar) +
// ResEZAP classification on RGBA frames.
// A worker because the detector and the network compile and run their WASM synchronously, which would
// stall the page (and Chrome refuses synchronous compiles of large modules on the main thread).
//
// Messages in (each with an id, answered with the same id):
//   { type: "init", cascadeUrl, modelUrl, detector, yunetUrl } → { classNames, variant, detector }
//   { type: "frame", width, height, data, options }  → { faces, detectMs, classifyMs, totalMs, data }
//   { type: "bench", width, height, data, options, n, warmup } → { runs: [{ detectMs, classifyMs, totalMs }], faces, scan }
// data is the frame's RGBA ArrayBuffer, transferred both ways so no frame is copied.
// The library as one file: the minified bundle with the WASM inside (scripts/build-browser.mjs).
import { EmotionRecognizer, YuNetDetector, defaultNNVariant, recognize } from "../dist/resezap.browser.min.js";

let recognizer = null;

async function fetchOk(url, what) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} fetching the ${what}`);
  return res;
}

async function init({ cascadeUrl, modelUrl, detector = "yunet", yunetUrl }) {
  // Browsers have no fs to read the shipped files: the cascade's XML text goes in as the cascade option, YuNet's
  // bytes into YuNetDetector.fromBytes.
  if (detector === "haar") {
    recognizer = await EmotionRecognizer.load({ model: modelUrl, detector: "haar", cascade: await (await fetchOk(cascadeUrl, "cascade")).text() });
  } else {
    const yunet = YuNetDetector.fromBytes(new Uint8Array(await (await fetchOk(yunetUrl, "YuNet model")).arrayBuffer()), yunetUrl);
    recognizer = await EmotionRecognizer.load({ model: modelUrl, detector: yunet });
  }
  return { classNames: recognizer.model.classNames, variant: defaultNNVariant(), detector };
}

// One frame through recognize(), with its detector wrapped to time detection alone; the rest of the call
// (grey, crops, 48×48 resize, one batched network call) is reported as classification. recognize() itself
// does the work, so the demo shows exactly what the library returns.
function run(image, options) {
  let detectMs = 0;
  // the recognizer's detector with its detect() timed (its prototype kept, so recognize() knows which kind it is)
  const det = recognizer.detector;
  const timed = Object.create(det);
  timed.detect = (img, o) => {
    const t = performance.now();
    const found = det.detect(img, o);
    detectMs = performance.now() - t;
    return found;
  };
  const t0 = performance.now();
  const found = recognize(image, { ...options, model: recognizer.model, detector: timed });
  const totalMs = performance.now() - t0;
  const faces = found.map((f) => ({ box: f.box, label: f.label, score: f.probabilities[f.label], probabilities: f.probabilities, landmarks: f.landmarks }));
  return { faces, detectMs, classifyMs: totalMs - detectMs, totalMs };
}

function frameOf({ width, height, data }) {
  return { data: new Uint8ClampedArray(data), width, height, channels: 4 };
}

const handlers = {
  init,
  frame(msg) {
    return { ...run(frameOf(msg), msg.options), data: msg.data };
  },
  bench(msg) {
    const image = frameOf(msg);
    // warm-up first, so V8 has tiered the WASM and JS up before anything is timed
    for (let i = 0; i < (msg.warmup ?? 5); i++) run(image, msg.options);
    const runs = [];
    let faces = [];
    for (let i = 0; i < msg.n; i++) {
      const r = run(image, msg.options);
      runs.push({ detectMs: r.detectMs, classifyMs: r.classifyMs, totalMs: r.totalMs });
      faces = r.faces;
    }
    // how the detector scanned the last frame: compiled for the frame (compile "auto": from a size's tenth frame)
    // or the generic SIMD scan
    return { runs, faces, scan: { ...(recognizer.detector.lastScan ?? {}) } };
  },
};

self.onmessage = async ({ data: msg }) => {
  try {
    if (msg.type !== "init" && !recognizer) throw new Error("the worker was not initialised (send init first)");
    const handler = handlers[msg.type];
    if (!handler) throw new Error(`unknown message type ${msg.type}`);
    const result = await handler(msg);
    self.postMessage({ id: msg.id, ok: true, result }, result.data ? [result.data] : []);
  } catch (e) {
    self.postMessage({ id: msg.id, ok: false, error: String(e?.message ?? e) });
  }
};

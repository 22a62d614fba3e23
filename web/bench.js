// Browser benchmark page (benchmarks/browser.mjs opens it): the demo's worker pipeline run n times on one
// 640×480 frame, the same frame benchmarks/detect.mjs uses in Node (the centre of obama-480p.png), so the
// numbers compare. The result goes to #result and window.resezapBench.
import { Pipeline, DEFAULT_OPTIONS } from "./pipeline.js";
import { median } from "./stats.js";

const params = new URLSearchParams(location.search);
const n = Number(params.get("n") ?? 100), warmup = Number(params.get("warmup") ?? 10);
const detector = params.get("detector") === "haar" ? "haar" : "yunet";
const out = document.getElementById("result");

async function frame() {
  const res = await fetch("/fixtures/faces/obama-480p.png");
  if (!res.ok) throw new Error(`/fixtures/faces/obama-480p.png: HTTP ${res.status}`);
  // colorSpaceConversion "none": the PNG's pixels as stored, as pngjs gives them to Node
  const bitmap = await createImageBitmap(await res.blob(), { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  const W = 640, H = 480;
  const c = new OffscreenCanvas(W, H);
  const g = c.getContext("2d", { willReadFrequently: true });
  g.drawImage(bitmap, (bitmap.width - W) >> 1, 0, W, H, 0, 0, W, H);
  return g.getImageData(0, 0, W, H);
}

const r3 = (x) => Math.round(x * 1000) / 1000;

try {
  const pipeline = new Pipeline();
  const { variant } = await pipeline.init(detector);
  const options = DEFAULT_OPTIONS[detector];
  const { runs, faces, scan } = await pipeline.bench(await frame(), { n, warmup, options });
  const ms = { detect: r3(median(runs.map((r) => r.detectMs))), classify: r3(median(runs.map((r) => r.classifyMs))), total: r3(median(runs.map((r) => r.totalMs))) };
  window.resezapBench = {
    userAgent: navigator.userAgent,
    variant,
    frame: "fixtures/faces/obama-480p.png, centre 640×480",
    detector,
    settings: options,
    n,
    warmup,
    faces: faces.map(({ box, label }) => ({ box, label })),
    scan,
    medianMs: ms,
    fps: r3(1000 / ms.total),
  };
} catch (e) {
  window.resezapBench = { error: String(e?.message ?? e) };
}
out.textContent = JSON.stringify(window.resezapBench, null, 1);

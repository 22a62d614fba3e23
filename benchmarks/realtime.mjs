// The paper's real-time loop in Node: a 640×480 frame with one face, detection on every frame, then the
// faces classified in one batched call. Frames per second at the real-time detector settings (scaleFactor
// 1.2, minSize 60, minNeighbors 5) and at OpenCV's defaults, with the split between the two stages.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodePng, EmotionRecognizer } from "../dist/index.js";
import { classifyBoxes } from "../dist/recognize.js";
import { medianMs, round } from "./lib.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
export const REALTIME = { scaleFactor: 1.2, minSize: 60, minNeighbors: 5 };

/** 640×480 RGBA cut from the middle-right of fixtures/faces/obama-480p.png (853×480, one face). */
export function frame640() {
  const src = decodePng(readFileSync(join(HERE, "../fixtures/faces/obama-480p.png")), "obama-480p.png");
  const W = 640, H = 480, x0 = src.width - W;
  const data = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) data.set(src.data.subarray((y * src.width + x0) * 4, (y * src.width + x0 + W) * 4), y * W * 4);
  return { data, width: W, height: H, channels: 4 };
}

export async function benchRealtime(settings) {
  const r = await EmotionRecognizer.load({ detector: "haar" });
  const img = frame640();
  const out = {};
  for (const [name, opts] of [["realtime", REALTIME], ["opencv_defaults", {}]]) {
    // warm-up past the detector's compile ("auto": at a frame size's tenth frame) and the engine's tier-up after it
    for (let i = 0; i < 30; i++) r.detector.detect(img, opts);
    const boxes = r.detector.detect(img, opts);
    const total = await medianMs(() => r.recognize(img, opts), settings);
    const detect = await medianMs(() => r.detector.detect(img, opts), settings);
    const classify = await medianMs(() => classifyBoxes(r.model, img, boxes), settings);
    out[name] = { settings: opts, faces: boxes.length, frame_ms: round(total), detect_ms: round(detect), classify_ms: round(classify), fps: round(1000 / total, 1) };
  }
  // YuNet (the CNN detector, the default) on the whole frame, on a copy whose longest side is 320, and with
  // test-time averaging, flip and ten-crop (its cost is the classification column's growth over the plain row)
  const y = await EmotionRecognizer.load();
  for (const [name, opts] of [["yunet", {}], ["yunet_320", { longestSide: 320 }], ["yunet_tta", { tta: "flip" }], ["yunet_ten_crop", { tta: "ten-crop" }]]) {
    for (let i = 0; i < 5; i++) y.recognize(img, opts);
    const faces = y.recognize(img, opts);
    const total = await medianMs(() => y.recognize(img, opts), settings);
    const { tta = "none", ...detectOpts } = opts;
    const detect = await medianMs(() => y.detector.detect(img, detectOpts), settings);
    // classification measured on its own (a difference of two medians can be negative when detection drifts)
    const boxes = faces.map((f) => f.box);
    const classify = await medianMs(() => classifyBoxes(y.model, img, boxes, 0, {}, tta), settings);
    out[name] = { settings: { detector: "yunet", ...opts }, faces: faces.length, frame_ms: round(total), detect_ms: round(detect), classify_ms: round(classify), fps: round(1000 / total, 1) };
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { SETTINGS } = await import("./lib.mjs");
  console.log(JSON.stringify(await benchRealtime(process.argv.includes("--quick") ? SETTINGS.quick : SETTINGS.full), null, 2));
}

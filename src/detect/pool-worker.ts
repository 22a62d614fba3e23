// One worker of createDetectorPool(): a FaceDetector for the pool's cascade, scanning the scales it is sent.
import { parentPort, workerData } from "node:worker_threads";
import { errorAnswer } from "../errors.js";
import { FaceDetector } from "./detector.js";
import type { Scale } from "./scales.js";

const detector = new FaceDetector({ cascade: workerData.cascade, compile: workerData.compile });
parentPort!.on("message", (m: { id: number; data: Uint8Array; width: number; height: number; channels: 1 | 3 | 4; scales: Scale[] }) => {
  try {
    const hits = m.scales.length ? detector.scanScales({ data: m.data, width: m.width, height: m.height, channels: m.channels }, m.scales) : [];
    parentPort!.postMessage({ id: m.id, hits });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, ...errorAnswer(e) });
  }
});

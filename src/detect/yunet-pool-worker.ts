// One worker of createDetectorPool({ detector: "yunet" }): a YuNetDetector for the pool's model, detecting the frames it is sent.
import { parentPort, workerData } from "node:worker_threads";
import { errorAnswer } from "../errors.js";
import { YuNetDetector, type YuNetOptions } from "./yunet.js";

let detector: YuNetDetector | undefined;
let loadError: ReturnType<typeof errorAnswer> | undefined;
try {
  detector = YuNetDetector.fromBytes(workerData.model);
} catch (e) {
  loadError = errorAnswer(e);
}
parentPort!.on("message", (m: { id: number; ping?: boolean; data: Uint8Array; width: number; height: number; channels: 1 | 3 | 4; options: YuNetOptions }) => {
  if (loadError !== undefined) return parentPort!.postMessage({ id: m.id, ...loadError });
  try {
    const faces = m.ping ? [] : detector!.detect({ data: m.data, width: m.width, height: m.height, channels: m.channels }, m.options);
    parentPort!.postMessage({ id: m.id, faces });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, ...errorAnswer(e) });
  }
});

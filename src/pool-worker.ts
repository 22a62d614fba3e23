// One worker of createPool(): loads the model from in-memory artifacts and answers predict requests.
import { parentPort, workerData } from "node:worker_threads";
import { errorAnswer } from "./errors.js";
import { loadLayersModel } from "./io/load.js";

const model = await loadLayersModel({ modelJSON: workerData.modelJSON, weightData: workerData.weightData });
parentPort!.on("message", (m: { id: number; x: Float32Array; n: number }) => {
  try {
    const out = m.n ? model.predict(m.x, m.n) : new Float32Array(0);
    parentPort!.postMessage({ id: m.id, out }, [out.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ id: m.id, ...errorAnswer(e) });
  }
});

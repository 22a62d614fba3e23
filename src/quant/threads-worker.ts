// The second thread of TwoThreads (threads.ts) in Node: its own instance of the program's module on the shared
// memory, running workerLoop until POSTED turns negative.
import { parentPort, workerData } from "node:worker_threads";
import { DONE, FAILED, OP, POSTED, SLEEPING, workerLoop } from "./threads.js";

const { module, memory, ctrl } = workerData as { module: WebAssembly.Module; memory: WebAssembly.Memory; ctrl: Int32Array };
const abort = () => {
  throw new Error("WASM abort");
};
const ex = new WebAssembly.Instance(module, { env: { abort, memory } }).exports as { execOp(op: number): void };

parentPort!.postMessage("ready");
workerLoop((op) => ex.execOp(op), ctrl, [POSTED, DONE, OP, SLEEPING, FAILED]);

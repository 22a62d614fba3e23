// The second thread of TwoThreads (threads.ts): runs the op halves it is posted on its own instance of the
// program's module, on the shared memory, until POSTED turns negative.
import { parentPort, workerData } from "node:worker_threads";
import { DONE, FAILED, OP, POSTED, SLEEPING } from "./threads.js";

const { module, memory, ctrl } = workerData as { module: WebAssembly.Module; memory: WebAssembly.Memory; ctrl: Int32Array };
const abort = () => {
  throw new Error("WASM abort");
};
const ex = new WebAssembly.Instance(module, { env: { abort, memory } }).exports as { execOp(op: number): void };
/** Spins on POSTED this many times before it sleeps: long enough to span the gap between two ops. */
const SPIN = 1 << 16;

parentPort!.postMessage("ready");
let seen = 0;
for (;;) {
  let s = Atomics.load(ctrl, POSTED);
  for (let i = 0; s === seen && i < SPIN; i++) s = Atomics.load(ctrl, POSTED);
  if (s === seen) {
    Atomics.store(ctrl, SLEEPING, 1);
    Atomics.wait(ctrl, POSTED, seen);
    Atomics.store(ctrl, SLEEPING, 0);
    continue;
  }
  if (s < 0) break;
  seen = s;
  try {
    ex.execOp(Atomics.load(ctrl, OP));
  } catch {
    Atomics.store(ctrl, FAILED, 1);
  }
  Atomics.store(ctrl, DONE, s);
}

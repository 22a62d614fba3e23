// One example's integer program on two threads: this thread and one worker, each with an instance of the same
// module on one shared memory. Every op that split.ts cuts runs its first half here and its second half on
// the worker, and the two meet before the next op (spinning: an op takes 10–100 µs, a sleep and wake-up about
// as long); the others run here alone. In Node the worker is a worker_threads Worker (threads-worker.ts); in a
// cross-origin-isolated page, a Web Worker made from workerLoop's own source (no file to fetch, and the same
// loop), since SharedArrayBuffer exists there only.
//
// The meeting point is a small shared Int32Array: POSTED (a sequence number this thread raises with each op),
// OP (the worker's half), DONE (the sequence number the worker finished), SLEEPING (the worker waits in
// Atomics.wait after spinning a while with nothing posted, so an idle model costs no core), FAILED.
import { ResezapError } from "../errors.js";

export const POSTED = 0, DONE = 1, OP = 2, SLEEPING = 3, FAILED = 4;
const SLOTS = [POSTED, DONE, OP, SLEEPING, FAILED] as const;

/**
 * The worker's side: runs each half posted in ctrl[OP] until ctrl[POSTED] turns negative; spins a while on
 * POSTED, then sleeps in Atomics.wait. A browser worker gets this function as text, so it names nothing
 * outside itself (slots carries the indices above).
 */
export function workerLoop(execOp: (op: number) => void, ctrl: Int32Array, slots: readonly number[]): void {
  const [posted, done, op, sleeping, failed] = slots;
  let seen = 0;
  for (;;) {
    let s = Atomics.load(ctrl, posted);
    for (let i = 0; s === seen && i < 1 << 16; i++) s = Atomics.load(ctrl, posted);
    if (s === seen) {
      Atomics.store(ctrl, sleeping, 1);
      Atomics.wait(ctrl, posted, seen);
      Atomics.store(ctrl, sleeping, 0);
      continue;
    }
    if (s < 0) return;
    seen = s;
    try {
      execOp(Atomics.load(ctrl, op));
    } catch {
      Atomics.store(ctrl, failed, 1);
    }
    Atomics.store(ctrl, done, s);
  }
}

/** Whether this thread can start the worker: Node, or a page (or worker) with SharedArrayBuffer. */
export function twoThreadsPossible(): boolean {
  if (typeof process !== "undefined" && process.versions?.node) return true;
  return typeof Worker !== "undefined" && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

/** What TwoThreads needs of either kind of worker. */
interface WorkerHandle {
  terminate(): unknown;
}

/** One op of the program: `a` runs here; `b`, when there is one, on the worker at the same time. */
export interface SplitStep {
  a: number;
  b?: number;
}

/** How long this thread waits for the worker's half before it gives up: a worker that died must not hang it. */
const WORKER_TIMEOUT_MS = 10_000;

export class TwoThreads {
  private seq = 0;
  private closed = false;

  private constructor(
    private readonly worker: WorkerHandle,
    private readonly ctrl: Int32Array,
    private readonly execOp: (op: number) => void,
  ) {}

  /** Starts the worker on `memory` with `module` (instantiated there too) and waits until it is ready. */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, execOp: (op: number) => void): Promise<TwoThreads> {
    const ctrl = new Int32Array(new SharedArrayBuffer(32));
    if (!(typeof process !== "undefined" && process.versions?.node)) return TwoThreads.startWeb(module, memory, ctrl, execOp);
    const { Worker } = await import("node:worker_threads");
    const url = new URL(import.meta.url.endsWith(".ts") ? "./threads-worker.ts" : "./threads-worker.js", import.meta.url);
    const worker = new Worker(url, { workerData: { module, memory, ctrl } });
    await new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", (e) => reject(new ResezapError(`two threads: the worker did not start: ${e.message}`)));
    });
    worker.unref(); // an idle worker sleeps in Atomics.wait; it must not keep the process alive
    const pair = new TwoThreads(worker, ctrl, execOp);
    // a worker that dies later (its 'error' would otherwise crash the process) fails the next run() in one line
    worker.on("error", (e) => (pair.lost ??= e.message));
    worker.on("exit", (code) => (pair.lost ??= pair.closed ? undefined : `the worker exited (code ${code})`));
    return pair;
  }

  private static async startWeb(module: WebAssembly.Module, memory: WebAssembly.Memory, ctrl: Int32Array, execOp: (op: number) => void): Promise<TwoThreads> {
    const source = `onmessage = (e) => {
  const { module, memory, ctrl } = e.data;
  const ex = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error("WASM abort"); } } }).exports;
  postMessage("ready");
  (${workerLoop.toString()})((op) => ex.execOp(op), ctrl, ${JSON.stringify(SLOTS)});
};`;
    const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    const worker = new Worker(url);
    try {
      await new Promise<void>((resolve, reject) => {
        worker.onmessage = () => resolve();
        worker.onerror = (e) => reject(new ResezapError(`two threads: the worker did not start: ${e.message}`));
        worker.postMessage({ module, memory, ctrl });
      });
    } finally {
      URL.revokeObjectURL(url);
    }
    const pair = new TwoThreads(worker, ctrl, execOp);
    worker.onerror = (e) => (pair.lost ??= e.message || "the worker failed");
    return pair;
  }

  /** Why the worker is gone, once it is. */
  private lost: string | undefined;

  /** Runs the steps in order, each split one's halves at once on both threads. */
  run(steps: readonly SplitStep[]): void {
    if (this.closed) throw new ResezapError("two threads: used after close()");
    if (this.lost) throw new ResezapError(`two threads: ${this.lost}`);
    const c = this.ctrl;
    for (const s of steps) {
      if (s.b === undefined) {
        this.execOp(s.a);
        continue;
      }
      const seq = (this.seq = (this.seq % 0x3fffffff) + 1);
      Atomics.store(c, OP, s.b);
      Atomics.store(c, POSTED, seq);
      if (Atomics.load(c, SLEEPING)) Atomics.notify(c, POSTED);
      this.execOp(s.a);
      this.waitFor(seq);
    }
  }

  private waitFor(seq: number): void {
    const c = this.ctrl;
    for (let spin = 0; spin < 1 << 20; spin++) if (Atomics.load(c, DONE) === seq) return this.checkFailed();
    const deadline = Date.now() + WORKER_TIMEOUT_MS;
    // a page's main thread may not Atomics.wait: there it spins on, with the same deadline
    const canWait = typeof process !== "undefined" && !!process.versions?.node;
    for (;;) {
      const done = Atomics.load(c, DONE);
      if (done === seq) return this.checkFailed();
      if (Date.now() > deadline) throw new ResezapError(`two threads: the worker did not finish its half in ${WORKER_TIMEOUT_MS / 1000} s`);
      if (canWait) Atomics.wait(c, DONE, done, 1);
    }
  }

  private checkFailed(): void {
    if (Atomics.load(this.ctrl, FAILED)) throw new ResezapError("two threads: the worker's half of an op failed (WASM trap)");
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctrl, POSTED, -1);
    Atomics.notify(this.ctrl, POSTED);
    await this.worker.terminate();
  }
}

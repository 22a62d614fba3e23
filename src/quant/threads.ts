// One example's integer program on two threads: this thread and one worker, each with an instance of the same
// module on one shared memory. Every op that split.ts cuts runs its first half here and its second half on
// the worker, and the two meet before the next op (spinning: an op takes 10–100 µs, a sleep and wake-up about
// as long); the others run here alone. Node's worker_threads only, for now.
//
// The meeting point is a small shared Int32Array: POSTED (a sequence number this thread raises with each op),
// OP (the worker's half), DONE (the sequence number the worker finished), SLEEPING (the worker waits in
// Atomics.wait after spinning a while with nothing posted, so an idle model costs no core), FAILED.
import { ResezapError } from "../errors.js";

export const POSTED = 0, DONE = 1, OP = 2, SLEEPING = 3, FAILED = 4;

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
    private readonly worker: import("node:worker_threads").Worker,
    private readonly ctrl: Int32Array,
    private readonly execOp: (op: number) => void,
  ) {}

  /** Starts the worker on `memory` with `module` (instantiated there too) and waits until it is ready. */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, execOp: (op: number) => void): Promise<TwoThreads> {
    const { Worker } = await import("node:worker_threads");
    const ctrl = new Int32Array(new SharedArrayBuffer(32));
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
    for (;;) {
      const done = Atomics.load(c, DONE);
      if (done === seq) return this.checkFailed();
      if (Date.now() > deadline) throw new ResezapError(`two threads: the worker did not finish its half in ${WORKER_TIMEOUT_MS / 1000} s`);
      Atomics.wait(c, DONE, done, 1);
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

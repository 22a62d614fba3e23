// Errors across worker_threads (src/util/workers.ts, errors.ts): a worker's answer or death comes back as the
// library's error of that class, so the CLI prints it as one line; a worker that died refuses later requests
// instead of leaving them waiting; a ghost batch too large for the WASM memory names the ghost batch.
import { describe, expect, it } from "vitest";
// @ts-ignore: the built package, as the CLI runs it
import { startWorkers } from "../dist/util/workers.js";
// @ts-ignore
import { ArgumentError, LimitError, ResezapError } from "../dist/errors.js";
// @ts-ignore
import { createGradEngine } from "../dist/train/parallel.js";
// @ts-ignore
import { resezap } from "../dist/resezap.js";

const worker = (name: string) => new URL(`./workers/${name}`, import.meta.url);
/** A set of n test workers for body, closed after it whatever happens. */
async function withWorkers(name: string, n: number, body: (set: any) => Promise<void>): Promise<void> {
  const set = await startWorkers(worker(name), n, null);
  try {
    await body(set);
  } finally {
    await set.close();
  }
}
/** What a promise rejects with; a resolved one gives its value, which the class checks then refuse. */
const rejection = (p: Promise<unknown>) => p.then((v) => v as Error, (x: Error) => x);

describe("errors across worker threads", () => {
  it("a worker that dies at load rejects the request in flight and every later one, with its own class", async () => {
    await withWorkers("dies-at-load.mjs", 1, async (set) => {
      for (let k = 0; k < 3; k++) {
        const e = await rejection(set.call(0, {}));
        expect(e, `request ${k + 1}`).toBeInstanceOf(LimitError);
        expect(e.message).toBe("WASM memory: 2 bytes needed, over the limit of 1 (a test)");
      }
    });
  }, 20_000);

  it("a worker's error answers keep the library's class; a subclass from elsewhere and a bug come back as ResezapError", async () => {
    await withWorkers("answers-errors.mjs", 1, async (set) => {
      const answer = (kind: string) => rejection(set.call(0, { kind }));
      const arg = await answer("argument"), sub = await answer("subclass"), bug = await answer("bug");
      expect(arg).toBeInstanceOf(ArgumentError);
      expect(arg.message).toBe("bad x");
      expect(sub).toBeInstanceOf(ResezapError);
      expect(sub).not.toBeInstanceOf(ArgumentError);
      expect(sub.message).toBe("bad y");
      expect(bug).toBeInstanceOf(ResezapError);
      expect(bug.message).toBe("a bug");
    });
  }, 20_000);

  it("close() rejects the requests still in flight and every later one with a ResezapError saying so", async () => {
    const set = await startWorkers(worker("answers-errors.mjs"), 2, null);
    const inFlight = [rejection(set.call(0, { kind: "silent" })), rejection(set.call(1, { kind: "silent" }))];
    await set.close();
    for (const e of [...(await Promise.all(inFlight)), await rejection(set.call(1, { kind: "argument" }))]) {
      expect(e).toBeInstanceOf(ResezapError);
      expect(e.message).toBe("the workers were closed (close()) before answering this request");
    }
  }, 20_000);

  it.each([0, 1])("a ghost batch past the WASM memory limit is a LimitError naming the ghost batch (%i workers)", async (workers) => {
    // 1,000 faces a ghost batch need about 4 GB: refused when the arena would pass 1 GiB (its pages never touched)
    const e = await rejection(createGradEngine(resezap({ seed: 1 }), 1000, workers).then(async (g: { close(): Promise<void> }) => (await g.close(), g)));
    expect(e).toBeInstanceOf(LimitError);
    expect(e.message).toMatch(/^training on ghost batches of 1000 faces: WASM memory: \d+ bytes needed, over the limit of 1073741824 .*; a smaller ghost batch \(--ghost\) fits$/);
  }, 60_000);
});

// Two threads for one example (QuantizedModel.setThreads(2)): the same bits as one thread, on ResEZAP and on a
// model with stride 2, valid padding, odd sizes and channel counts that are not multiples of 8 (every op kind
// that split.ts cuts, cut at rows and pixels that are not round); the module rewritten to import a shared
// memory; the refusals. The worker loads dist/quant/threads-worker.js, so the models here come from the built
// package (npm test builds first), as test/pool-save's do.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it, vi } from "vitest";
import { Op, OP_WORDS } from "../src/abi/nn.js";
import { importSharedMemory } from "../src/engine/shared-memory.js";
import { instantiateShared, nnModuleName, relaxedSimdSupported, sharedMemory, sharedModule, wasmBytes, type NNVariant } from "../src/engine/wasm.js";
import { enableRelaxedSimd } from "../src/engine/relaxed.js";
import type { QuantizedModel } from "../src/quant/program.js";
import { splitOp } from "../src/quant/split.js";
import { Random } from "../src/util/random.js";
import { oddModel as srcOddModel } from "./quant-models.js";
import { modelToArtifacts } from "../src/io/save.js";

const lib = (await import(new URL("../dist/index.js", import.meta.url).href)) as typeof import("../src/index.js");
const { loadLayersModel, quantize } = lib;
const { TwoThreads } = (await import(new URL("../dist/quant/threads.js", import.meta.url).href)) as typeof import("../src/quant/threads.js");
/** quant-models' odd model as the built package's Model (its layers are dist's classes, which quantize() knows). */
const oddModel = (seed: number) => loadLayersModel(modelToArtifacts(srcOddModel(seed)));

await enableRelaxedSimd();
const variants: NNVariant[] = relaxedSimdSupported() ? ["simd", "relaxed"] : ["simd"];
const MODEL = new URL("../models/fer2013", import.meta.url).pathname;
const open: QuantizedModel[] = [];
afterAll(async () => {
  for (const m of open) await m.close();
});

function randomFaces(n: number, size: number, seed: number): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: n * size }, () => r.uniform(-0.2, 1.2));
}

describe("two threads for one example", () => {
  it("ResEZAP: the same outputs, bit for bit, in both builds; setThreads(1) goes back to one thread", async () => {
    const model = await loadLayersModel(MODEL);
    const x = randomFaces(12, 2304, 1);
    for (const variant of variants) {
      const one = quantize(model, x.subarray(0, 8 * 2304), { variant }), two = quantize(model, x.subarray(0, 8 * 2304), { variant });
      open.push(two);
      // two calls at once start one worker
      const start = vi.spyOn(TwoThreads, "start");
      const [a, b] = await Promise.all([two.setThreads(2), two.setThreads(2)]);
      expect(start).toHaveBeenCalledTimes(1);
      start.mockRestore();
      expect(a).toBe(two);
      expect(b).toBe(two);
      expect(two.threadCount).toBe(2);
      const want = one.predict(x, 12);
      expect(Array.from(two.predict(x, 12)), variant).toEqual(Array.from(want));
      await two.setThreads(1);
      expect(two.threadCount).toBe(1);
      expect(Array.from(two.predict(x.subarray(0, 2304))), variant).toEqual(Array.from(want.subarray(0, 7)));
    }
  });

  it("a model with stride 2, valid padding, odd sizes and 5, 7, 9 and 12 channels: the same bits, and every kind of op cut, in both programs", async () => {
    const model = await oddModel(3);
    const x = randomFaces(10, 13 * 11 * 5, 2);
    const cuts = { integer: [Op.QDepthwise, Op.QPointwise, Op.QAdd, Op.QPool], mixed: [Op.SeparableA16, Op.Pool] } as const;
    for (const program of ["integer", "mixed"] as const) {
      const one = quantize(model, x, { program }), two = quantize(model, x, { program });
      open.push(two);
      await two.setThreads(2);
      expect(Array.from(two.predict(x, 10)), program).toEqual(Array.from(one.predict(x, 10)));
      // the program holds each op kind that splitOp cuts, and each is cut
      const p = two as unknown as { arena: { i32: Int32Array }; prog: number; nOps: number };
      const cut = new Set<number>();
      for (let k = 0; k < p.nOps; k++) {
        const a = (p.prog >> 2) + k * OP_WORDS, w = Array.from(p.arena.i32.subarray(a, a + OP_WORDS));
        if (splitOp(w, () => 1 << 20)) cut.add(w[0]);
      }
      expect([...cut].sort(), program).toEqual([...cuts[program]].sort());
    }
  });

  it("splitOp: halves that cover the op's output once, at rows, 4-pixel tiles and 8-value vectors", () => {
    // QDepthwise x, H, W, C, zIn, w, q, out, Ho, Wo, stride, padT, padL, qmin, qmax: 7 output rows, stride 2
    const [d0, d1] = splitOp([Op.QDepthwise, 1000, 13, 11, 5, 3, 2000, 3000, 4000, 7, 6, 2, 1, 1, 0, 4095])!;
    expect(d0).toEqual([Op.QDepthwise, 1000, 13, 11, 5, 3, 2000, 3000, 4000, 3, 6, 2, 1, 1, 0, 4095]);
    expect(d1).toEqual([Op.QDepthwise, 1000, 13, 11, 5, 3, 2000, 3000, 4000 + 3 * 6 * 5 * 2, 4, 6, 2, 1 - 3 * 2, 1, 0, 4095]);
    // QPointwise x, P, C, w, q, out, F, qmin, qmax: 21 pixels → 8 and 13
    const [p0, p1] = splitOp([Op.QPointwise, 1000, 21, 5, 2000, 3000, 4000, 9, 0, 4095])!;
    expect(p0).toEqual([Op.QPointwise, 1000, 8, 5, 2000, 3000, 4000, 9, 0, 4095]);
    expect(p1).toEqual([Op.QPointwise, 1000 + 8 * 5 * 2, 13, 5, 2000, 3000, 4000 + 8 * 9 * 2, 9, 0, 4095]);
    // QAdd a, za, ma, b, zb, mb, n, out, zo, qmin, qmax: 100 values → 48 and 52
    const [a0, a1] = splitOp([Op.QAdd, 1000, 7, 99, 2000, 8, 98, 100, 3000, 9, 0, 4095])!;
    expect(a0[7]).toBe(48);
    expect(a1).toEqual([Op.QAdd, 1096, 7, 99, 2096, 8, 98, 52, 3096, 9, 0, 4095]);
    // SeparableA16 x, H, W, C, dw, w, q, out, F, pad, res, relu, scratch, rows, inv, zero, qmax, oy0, oy1: output
    // rows 0..6 → 0..2 and 3..6, the second half in the second scratch (3 rows · 9 · 5 floats, their u16 in 68 floats, 4 more)
    const [s0, s1] = splitOp([Op.SeparableA16, 1000, 9, 11, 5, 2000, 3000, 4000, 5000, 8, 0, 0, 1, 6000, 3, 77, 12, 4095, 0, 7])!;
    expect(s0).toEqual([Op.SeparableA16, 1000, 9, 11, 5, 2000, 3000, 4000, 5000, 8, 0, 0, 1, 6000, 3, 77, 12, 4095, 0, 3]);
    expect(s1).toEqual([Op.SeparableA16, 1000, 9, 11, 5, 2000, 3000, 4000, 5000, 8, 0, 0, 1, 6000 + 4 * (3 * 9 * 5 + 68 + 4), 3, 77, 12, 4095, 3, 7]);
    expect(splitOp([Op.SeparableA16, 1000, 3, 3, 5, 2000, 3000, 4000, 5000, 8, 1, 0, 1, 6000, 3, 77, 12, 4095, 2, 3])).toBeNull();
    // Pool (a mixed program's f32 pool) in, H, W, C, kh, kw, sh, sw, padT, padL, Ho, Wo, out, mode: 7 output rows
    // of stride 2 → 3 and 4, 4 bytes a value
    const [q0, q1] = splitOp([Op.Pool, 1000, 13, 11, 5, 2, 2, 2, 2, 1, 1, 7, 6, 4000, 0])!;
    expect(q0).toEqual([Op.Pool, 1000, 13, 11, 5, 2, 2, 2, 2, 1, 1, 3, 6, 4000, 0]);
    expect(q1).toEqual([Op.Pool, 1000, 13, 11, 5, 2, 2, 2, 2, 1 - 3 * 2, 1, 4, 6, 4000 + 3 * 6 * 5 * 4, 0]);
    // Separable (f32, valid padding) in, H, W, C, dw, pw, pb, out, F, pad, res, relu, scratch, rows: 9×11 input,
    // 7 output rows → 3 (input rows 0..4) and 4 (input rows 3..8), the second half in a scratch of its own
    const [f0, f1] = splitOp([Op.Separable, 1000, 9, 11, 1, 2000, 3000, 4000, 5000, 8, 0, 6000, 1, 7000, 2], (bytes) => 9000 + bytes)!;
    expect(f0).toEqual([Op.Separable, 1000, 5, 11, 1, 2000, 3000, 4000, 5000, 8, 0, 6000, 1, 7000, 2]);
    expect(f1).toEqual([Op.Separable, 1000 + 3 * 11 * 4, 6, 11, 1, 2000, 3000, 4000, 5000 + 3 * 9 * 8 * 4, 8, 0, 6000 + 3 * 9 * 8 * 4, 1, 9000 + 4 * 2 * 9 + 16, 2]);
    // not without a scratch for the second half, nor with padding "same"
    expect(splitOp([Op.Separable, 1000, 9, 11, 1, 2000, 3000, 4000, 5000, 8, 0, 6000, 1, 7000, 2])).toBeNull();
    expect(splitOp([Op.Separable, 1000, 9, 11, 1, 2000, 3000, 4000, 5000, 8, 1, 6000, 1, 7000, 2], () => 9000)).toBeNull();
    // too small to share, or not an op it cuts
    expect(splitOp([Op.QPointwise, 1000, 7, 5, 2000, 3000, 4000, 9, 0, 4095])).toBeNull();
    expect(splitOp([Op.QDepthwise, 1000, 3, 3, 5, 3, 2000, 3000, 4000, 1, 1, 1, 0, 0, 0, 4095])).toBeNull();
    expect(splitOp([Op.Softmax, 1000, 1, 7, 1000])).toBeNull();
  });

  it("the module rewritten to import a shared memory runs on it; what is not a module with one memory is refused", () => {
    const memory = sharedMemory(64);
    const ex = instantiateShared(sharedModule(nnModuleName("simd")), memory).exports as { memory: WebAssembly.Memory };
    expect(ex.memory).toBe(memory);
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(WebAssembly.Module.imports(sharedModule(nnModuleName("simd")))).toContainEqual({ module: "env", name: "memory", kind: "memory" });
    expect(() => importSharedMemory(Uint8Array.of(1, 2, 3), 10)).toThrow(/not a WebAssembly binary/);
    expect(() => importSharedMemory(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0), 10)).toThrow(/defines no memory/);
    const truncated = wasmBytes("nnSimd").slice(0, 200);
    expect(() => importSharedMemory(truncated, 10)).toThrow(/runs past/);
  });

  it("a worker that dies: the next predict fails in one line, it does not hang or crash the process", async () => {
    const model = await oddModel(6);
    const x = randomFaces(2, 13 * 11 * 5, 4);
    const qm = await quantize(model, x).setThreads(2);
    open.push(qm);
    await (qm as unknown as { threads: { pair: { worker: { terminate(): Promise<number> } } } }).threads.pair.worker.terminate();
    expect(() => qm.predict(x.subarray(0, 715))).toThrow(/^two threads: the worker exited \(code 1\)$/);
  });

  it("EmotionRecognizer.load({ threads: 2 }) runs each face on two threads, the same answers; close() stops the worker", async () => {
    const one = await lib.EmotionRecognizer.load(), two = await lib.EmotionRecognizer.load({ threads: 2 });
    const q = two.model as QuantizedModel;
    expect(q.threadCount).toBe(2);
    expect((one.model as QuantizedModel).threadCount).toBe(1);
    const file = "fixtures/faces/astronaut.png", image = lib.decodeImage(readFileSync(new URL(`../${file}`, import.meta.url)), file);
    const faces = two.recognize(image);
    expect(faces.length).toBeGreaterThan(0);
    expect(faces).toEqual(one.recognize(image));
    await two.close();
    expect(q.threadCount).toBe(1);
    expect(two.recognize(image)).toEqual(faces);
    await one.close(); // it started nothing: nothing to stop
    const model = await lib.loadLayersModel(MODEL);
    await expect(lib.EmotionRecognizer.load({ threads: 3 as 2 })).rejects.toThrow(/threads must be 1 or 2, found 3/);
    await expect(lib.EmotionRecognizer.load({ threads: "2" as unknown as 2 })).rejects.toThrow(/threads must be 1 or 2, found "2"/);
    await expect(lib.EmotionRecognizer.load({ threads: 2, f32: true })).rejects.toThrow(/threads 2 runs the quantized model/);
    await expect(lib.EmotionRecognizer.load({ model: lib.quantizedFromModel(model, MODEL), threads: 2 })).rejects.toThrow(/call setThreads\(2\) on the QuantizedModel passed in/);
  }, 60_000);

  it("setThreads refuses anything but 1 or 2", async () => {
    const model = await oddModel(4);
    const qm = quantize(model, randomFaces(4, 13 * 11 * 5, 3));
    await expect(qm.setThreads(3)).rejects.toThrow(/setThreads: threads must be 1 or 2, found 3/);
    await expect(qm.setThreads(0)).rejects.toThrow(/found 0/);
  });
});

// Parity of the peer engines' model with the reference: the committed ONNX export, run by
// onnxruntime-node, and the TF.js Layers fixture, run by TF.js's CPU backend, must both reproduce
// io.json. Only fixtures/ and benchmarks/models/ are read, so this passes on a fresh clone.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM script without type declarations
import { exportOnnx } from "../scripts/export-onnx.mjs";
// @ts-expect-error plain ESM module without type declarations
import { loadReferenceIO, maxAbsDiff } from "../benchmarks/peers/reference-io.mjs";

const modelDir = fileURLToPath(new URL("../fixtures/reference-model", import.meta.url));
const onnxPath = fileURLToPath(new URL("../benchmarks/models/resezap-reference.onnx", import.meta.url));
const TOLERANCE = 1e-5;

describe("ONNX export of the reference model", () => {
  it("the committed .onnx is what scripts/export-onnx.mjs produces from the fixture", async () => {
    const committed = new Uint8Array(await readFile(onnxPath));
    const fresh: Uint8Array = await exportOnnx(modelDir);
    // Byte equality: the peer benchmark times exactly the weights of the fixture.
    expect(Buffer.compare(Buffer.from(committed), Buffer.from(fresh))).toBe(0);
  });

  it("onnxruntime-node reproduces io.json's probabilities within 1e-5", async () => {
    const ort = await import("onnxruntime-node");
    const io = await loadReferenceIO(modelDir);
    const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    try {
      expect(session.inputNames).toEqual(["input"]);
      expect(session.outputNames).toEqual(["probabilities"]);
      const out = await session.run({ input: new ort.Tensor("float32", io.inputs, [io.n, 48, 48, 1]) });
      const probs = out.probabilities;
      expect(probs.dims).toEqual([io.n, 7]);
      const diff = maxAbsDiff(probs.data as Float32Array, io.probabilities);
      console.log(`onnxruntime-node vs io.json: max |Δp| = ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(TOLERANCE);
    } finally {
      await session.release();
    }
  });
});

describe("TF.js Layers loader on the fixture", () => {
  it("loadLayersModel (CPU backend) reproduces io.json's probabilities within 1e-5", async () => {
    // @ts-expect-error plain ESM module without type declarations
    const { createPeer } = await import("../benchmarks/peers/tfjs-cpu.mjs");
    const io = await loadReferenceIO(modelDir);
    const peer = await createPeer(modelDir);
    try {
      const probs: Float32Array = await peer.predict(io.inputs, io.n);
      expect(probs.length).toBe(io.n * 7);
      const diff = maxAbsDiff(probs, io.probabilities);
      console.log(`TF.js cpu vs io.json: max |Δp| = ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(TOLERANCE);
    } finally {
      peer.dispose();
    }
  });
});

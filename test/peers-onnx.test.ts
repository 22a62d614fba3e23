// Parity of the peer engines' model with the reference: the committed ONNX export, run by
// onnxruntime-node, and the TF.js Layers fixture, run by TF.js's CPU backend, must both reproduce
// io.json. Only fixtures/ and benchmarks/models/ are read, so this passes on a fresh clone.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { exportOnnx } from "../scripts/export-onnx.mjs";
import { loadReferenceIO, maxAbsDiff } from "../benchmarks/peers/reference-io.mjs";

const modelDir = fileURLToPath(new URL("../fixtures/reference-model", import.meta.url));
const onnxPath = fileURLToPath(new URL("../benchmarks/models/resezap-reference.onnx", import.meta.url));
const TOLERANCE = 1e-5;

// io.json holds PyTorch's probabilities for its inputs: an answer the exporter had no part in.
async function onnxMatchesIo(model: string | Uint8Array, what: string): Promise<void> {
  const ort = await import("onnxruntime-node");
  const io = await loadReferenceIO(modelDir);
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };
  const session = typeof model === "string" ? await ort.InferenceSession.create(model, opts) : await ort.InferenceSession.create(model, opts);
  try {
    expect(session.inputNames).toEqual(["input"]);
    expect(session.outputNames).toEqual(["probabilities"]);
    const out = await session.run({ input: new ort.Tensor("float32", io.inputs, [io.n, 48, 48, 1]) });
    const probs = out.probabilities;
    expect(probs.dims).toEqual([io.n, 7]);
    const diff = maxAbsDiff(probs.data as Float32Array, io.probabilities);
    console.log(`onnxruntime-node on ${what} vs io.json: max |Δp| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(TOLERANCE);
  } finally {
    await session.release();
  }
}

describe("ONNX export of the reference model", () => {
  it("scripts/export-onnx.mjs run now on the fixture: onnxruntime-node reproduces io.json within 1e-5", async () => {
    const fresh: Uint8Array = await exportOnnx(modelDir);
    await onnxMatchesIo(fresh, "a fresh export");
  });

  it("the committed .onnx the peer benchmark times: onnxruntime-node reproduces io.json within 1e-5", async () => {
    await onnxMatchesIo(onnxPath, "benchmarks/models/resezap-reference.onnx");
  });
});

describe("TF.js Layers loader on the fixture", () => {
  it("loadLayersModel (CPU backend) reproduces io.json's probabilities within 1e-5", async () => {
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

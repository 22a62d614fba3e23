// The whole network against an independent framework: the reference ResEZAP was trained in PyTorch and
// exported to the TF.js Layers format; io.json holds PyTorch's logits and probabilities for 16 inputs.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { enableRelaxedSimd, loadLayersModel, relaxedSimdSupported, resezap } from "../src/index.js";
import { expectClose } from "./helpers.js";

// relaxed SIMD is behind a flag in Node 20: turn it on so both builds are tested wherever V8 has it
await enableRelaxedSimd();
const DIR = new URL("../fixtures/reference-model/", import.meta.url);
const io = JSON.parse(readFileSync(new URL("io.json", DIR), "utf8")) as { inputs: number[][]; logits: number[][]; probabilities: number[][] };
const x = Float32Array.from(io.inputs.flat());
const expected = io.probabilities.flat();

describe("reference ResEZAP (PyTorch → TF.js Layers format)", () => {
  it("loads from a folder, with class names from userDefinedMetadata", async () => {
    const m = await loadLayersModel(new URL(".", DIR).pathname);
    expect(m.classNames).toEqual(["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]);
    expect(m.countParams()).toBe(54480);
    expect(m.inputShape).toEqual([48, 48, 1]);
  });

  for (const variant of relaxedSimdSupported() ? (["simd", "relaxed"] as const) : (["simd"] as const)) {
    it(`predict (${variant} build) reproduces PyTorch's probabilities within 1e-5, batch of 16 and one by one`, async () => {
      const m = (await loadLayersModel(new URL("model.json", DIR).pathname)).useVariant(variant);
      const p = m.predict(x);
      expect(p.length).toBe(16 * 7);
      let maxErr = 0;
      for (let i = 0; i < p.length; i++) maxErr = Math.max(maxErr, Math.abs(p[i] - expected[i]));
      expect(maxErr).toBeLessThan(1e-5);
      for (let i = 0; i < 16; i++) {
        const one = m.predict(x.subarray(i * 2304, (i + 1) * 2304));
        for (let k = 0; k < 7; k++) expect(Math.abs(one[k] - expected[i * 7 + k])).toBeLessThan(1e-5);
      }
    });
  }

  it("the plain TypeScript reference path agrees too (checks the layer references themselves)", async () => {
    const m = await loadLayersModel(DIR.pathname);
    expectClose(m.predictReference(x.subarray(0, 4 * 2304)), expected.slice(0, 28), 1e-5, "predictReference");
  });

  it("loads from memory ({modelJSON, weightData}) and from file: URLs", async () => {
    const json = JSON.parse(readFileSync(new URL("model.json", DIR), "utf8"));
    const bin = readFileSync(new URL("group1-shard1of1.bin", DIR));
    const m = await loadLayersModel({ modelJSON: json, weightData: bin });
    const m2 = await loadLayersModel(new URL("model.json", DIR));
    const a = m.predict(x.subarray(0, 2304)), b = m2.predict(x.subarray(0, 2304));
    for (let k = 0; k < 7; k++) expect(Math.abs(a[k] - expected[k])).toBeLessThan(1e-5);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it("resezap() builds the same graph: the reference weights drop in by name", async () => {
    const ref = await loadLayersModel(DIR.pathname);
    const m = resezap();
    expect(m.layers.map((l) => `${l.name}:${l.className}`)).toEqual(ref.layers.map((l) => `${l.name}:${l.className}`));
    for (const l of m.layers) for (const [k, v] of ref.getLayer(l.name).weights) l.weights.set(k, v);
    m.weightsChanged();
    const p = m.predict(x);
    for (let i = 0; i < p.length; i++) expect(Math.abs(p[i] - expected[i])).toBeLessThan(1e-5);
  });
});

// A quantized model saved in the TF.js Layers format: loaded back, it predicts what the in-memory QuantizedModel
// predicts, bit for bit; TF.js and loadLayersModel load the same files as the f32 model; a malformed or foreign
// quantization block is refused with its field named.
import { describe, it, expect } from "vitest";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { loadLayersModel } from "../src/io/load.js";
import { quantize } from "../src/quant/quantize.js";
import { loadQuantizedModel, loadRunnableModel, quantizedArtifacts, quantizedFromModel, saveQuantizedModel, QUANT_KEY } from "../src/quant/saved.js";
import { input, Model } from "../src/model.js";
import { Conv2D } from "../src/layers/conv.js";
import { QuantizedModel } from "../src/quant/program.js";
import { loadFer2013 } from "../src/train/fer2013.js";
import { decodeImage } from "../src/image/decode.js";
import { EmotionRecognizer, recognize } from "../src/recognize.js";

const SAMPLE = new URL("../fixtures/fer2013-sample.csv.gz", import.meta.url).pathname;
const MODEL = new URL("../models/fer2013", import.meta.url).pathname;
const faces = (d: { pixels: Uint8Array }, from: number, n: number) => Float32Array.from(d.pixels.subarray(from * 2304, (from + n) * 2304), (v) => v / 255);

describe("saveQuantizedModel / loadQuantizedModel", () => {
  it("round trip: the loaded model predicts the in-memory one's bits; loadLayersModel and TF.js read the f32 model", async () => {
    const model = await loadLayersModel(MODEL);
    const calib = faces(await loadFer2013(SAMPLE, ["Training"]), 0, 60), x = faces(await loadFer2013(SAMPLE, ["PublicTest"]), 0, 30);
    const f32 = model.predict(x, 30);
    const dir = await mkdtemp(join(tmpdir(), "resezap-qsave-"));
    try {
      for (const weightBits of [12, 8]) {
        const qm = quantize(model, calib, { weightBits });
        await saveQuantizedModel(qm, dir);
        const back = await loadQuantizedModel(dir);
        expect(back.spec.weightBits).toBe(weightBits);
        const want = qm.predict(x, 30), got = back.predict(x, 30);
        expect(Array.from(got), `weightBits ${weightBits}`).toEqual(Array.from(want));
        // a different answer from f32's somewhere: the quantized path, not the f32 one, was loaded
        expect(Array.from(got)).not.toEqual(Array.from(f32));
        const runnable = await loadRunnableModel(dir);
        expect(runnable).toBeInstanceOf(QuantizedModel);
        expect(Array.from(runnable.predict(x, 30))).toEqual(Array.from(want));
        expect(runnable.classNames).toEqual(model.classNames);
      }
      // the same files as an f32 model: this engine's loader, bit for bit, and TF.js's, to rounding
      const plain = await loadLayersModel(dir);
      expect(Array.from(plain.predict(x, 30))).toEqual(Array.from(f32));
      const json = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
      const bin = await readFile(join(dir, "group1-shard1of1.bin"));
      const tm = await tfl.loadLayersModel(tf.io.fromMemory({
        modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), userDefinedMetadata: json.userDefinedMetadata,
      }));
      const tp = (tm.predict(tf.tensor4d(x, [30, 48, 48, 1])) as tf.Tensor).dataSync();
      let worst = 0;
      for (let i = 0; i < f32.length; i++) worst = Math.max(worst, Math.abs(tp[i] - f32[i]));
      expect(worst).toBeLessThan(1e-4);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("EmotionRecognizer.load({ model: folder }) runs the quantized model; recognize() takes a QuantizedModel", async () => {
    const model = await loadLayersModel(MODEL);
    const qm = quantize(model, faces(await loadFer2013(SAMPLE, ["Training"]), 0, 20));
    const dir = await mkdtemp(join(tmpdir(), "resezap-qsave-"));
    try {
      await saveQuantizedModel(qm, dir);
      const r = await EmotionRecognizer.load({ model: dir });
      expect(r.model).toBeInstanceOf(QuantizedModel);
      const file = "fixtures/faces/astronaut.png", image = decodeImage(await readFile(new URL(`../${file}`, import.meta.url)), file);
      const got = r.recognize(image), want = recognize(image, { model: qm }), f32 = recognize(image, { model });
      expect(got.length).toBe(1);
      expect(got).toEqual(want);
      expect(got[0].probabilities).not.toEqual(f32[0].probabilities);
      expect(got[0].label).toBe(f32[0].label);
      await expect(loadRunnableModel(dir, { inputShape: [48, 48, 1] })).rejects.toThrow(/a quantized model runs at the input shape it was quantized for/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the package's model carries its quantization: EmotionRecognizer.load() runs it quantized, { f32: true } the f32 weights", async () => {
    const q = await EmotionRecognizer.load(), f = await EmotionRecognizer.load({ f32: true });
    expect(q.model).toBeInstanceOf(QuantizedModel);
    expect((q.model as QuantizedModel).programKind).toBe("mixed");
    expect(f.model).toBeInstanceOf(Model);
    const file = "fixtures/faces/astronaut.png", image = decodeImage(await readFile(new URL(`../${file}`, import.meta.url)), file);
    const model = await loadLayersModel(MODEL);
    expect(f.recognize(image)).toEqual(recognize(image, { model }));
    expect(q.recognize(image)).toEqual(recognize(image, { model: quantizedFromModel(model, MODEL) }));
    expect(q.recognize(image)[0].probabilities).not.toEqual(f.recognize(image)[0].probabilities);
    await expect(EmotionRecognizer.load({ f32: "yes" as unknown as boolean })).rejects.toThrow(/f32 must be true or false, found "yes"/);
    await expect(EmotionRecognizer.load({ model, f32: true })).rejects.toThrow(/f32 applies to a model it loads, not to one passed in/);
  });

  it("refuses a missing or malformed quantization block, naming the field", async () => {
    const model = await loadLayersModel(MODEL);
    const calib = faces(await loadFer2013(SAMPLE, ["Training"]), 0, 10);
    const { modelJSON, weightData } = quantizedArtifacts(quantize(model, calib));
    const refused = async (edit: (b: any, meta: any) => void) => {
      const json = JSON.parse(JSON.stringify(modelJSON));
      edit(json.userDefinedMetadata[QUANT_KEY], json.userDefinedMetadata);
      return loadQuantizedModel({ modelJSON: json, weightData }).then(() => "loaded", (e: Error) => e.message);
    };
    expect(await refused(() => {})).toBe("loaded");
    expect(await refused((b, m) => delete m[QUANT_KEY])).toMatch(/resezapQuantization is missing: not a quantized model/);
    expect(await refused((b) => (b.version = 2))).toMatch(/resezapQuantization\.version is 2; this engine runs version 1 only/);
    expect(await refused((b) => (b.kernels = "i8"))).toMatch(/resezapQuantization\.kernels is "i8"; this engine runs "a16"/);
    expect(await refused((b) => (b.weightBits = 13))).toMatch(/\.weightBits is 13, not an integer in 8\.\.12/);
    expect(await refused((b) => delete b.activations)).toMatch(/\.activations is missing or not a list/);
    expect(await refused((b) => b.activations.pop())).toMatch(/\.activations lists \d+ tensors; this engine's integer part of the model has \d+/);
    expect(await refused((b) => (b.activations[3].tensor = "x"))).toMatch(/\.activations\[3\]\.tensor is "x"; this engine's integer tensor 3 is ".+"/);
    expect(await refused((b) => (b.activations[2].scale = -1))).toMatch(/\.activations\[2\]\.scale is -1, not a positive finite f32/);
    expect(await refused((b) => (b.activations[2].scale = 0.1))).toMatch(/\.activations\[2\]\.scale is 0\.1, not a positive finite f32/);
    expect(await refused((b) => (b.activations[4].qmax = 100))).toMatch(/\.activations\[4\]\.qmax is 100, not 2\^b − 1/);
    expect(await refused((b) => (b.activations[4].zero = 4096))).toMatch(/\.activations\[4\]\.zero is 4096, not an integer in 0\.\.qmax \(4095\)/);
    expect(await refused((b) => (b.activations[0] = null))).toMatch(/\.activations\[0\] is null, not an object/);
    // the ranges at their edges: weightBits 8 (read back above) / 7; qmax 2^7 − 1 and 2^15 − 1 / 2^6 − 1 and
    // 2^16 − 1; zero 0 and qmax / −1 (qmax + 1 above)
    expect(await refused((b) => (b.weightBits = 7))).toMatch(/\.weightBits is 7, not an integer in 8\.\.12/);
    for (const qmax of [127, 32767]) expect(await refused((b) => Object.assign(b.activations[4], { qmax, zero: 0 })), `qmax ${qmax}`).toBe("loaded");
    for (const qmax of [63, 65535]) expect(await refused((b) => Object.assign(b.activations[4], { qmax, zero: 0 }))).toMatch(`.activations[4].qmax is ${qmax}, not 2^b − 1 with b in 7..15`);
    expect(await refused((b) => (b.activations[4].zero = b.activations[4].qmax))).toBe("loaded");
    expect(await refused((b) => (b.activations[4].zero = -1))).toMatch(/\.activations\[4\]\.zero is -1, not an integer in 0\.\.qmax \(4095\)/);
    // a block on a model of which this engine runs no layer on integers
    const x0 = input({ shape: [8, 8, 2] });
    const conv = new Model({ inputs: x0, outputs: new Conv2D({ filters: 4, kernelSize: 3 }).apply(x0) });
    conv.userDefinedMetadata = { [QUANT_KEY]: modelJSON.userDefinedMetadata![QUANT_KEY] };
    expect(() => quantizedFromModel(conv, "m.json")).toThrow(/^m\.json: userDefinedMetadata\.resezapQuantization: this engine runs no layer of the model on integers \(quantize: the first layer/);
  });
});

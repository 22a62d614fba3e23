// Whole Keras-style models against an independent framework: each model is built and given random weights in
// TF.js (tfjs-layers on its CPU backend), saved in the TF.js Layers format, loaded by this engine, and both run
// on the same random batch. Between them the models use every layer kind this engine loads from Keras, with
// strides, dilations, asymmetric "same" padding, depth multipliers, broadcasting merges and every activation.
import { describe, it, expect } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { loadLayersModel } from "../src/index.js";
import { Random } from "../src/util/random.js";
import { maxRelErr } from "./helpers.js";

tf.enableProdMode();
await tf.setBackend("cpu");

const TOL = 1e-4;

/** Random weights for every layer (batch-norm variances positive), so no layer is an identity by accident. */
function randomize(model: tfl.LayersModel, seed: number): void {
  const r = new Random(seed);
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (!ws.length) continue;
    layer.setWeights(ws.map((w, i) => {
      const n = w.size;
      const name = layer.weights[i].name;
      const v = new Float32Array(n);
      for (let k = 0; k < n; k++) v[k] = /variance/.test(name) ? r.uniform(0.5, 1.5) : r.uniform(-0.5, 0.5);
      return tf.tensor(v, w.shape);
    }));
  }
}

async function artifactsOf(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved!: tf.io.ModelArtifacts;
  await model.save(tf.io.withSaveHandler(async (a) => {
    saved = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
  }));
  return saved;
}

/** Runs both engines on n random examples and returns the max relative error. */
async function compare(model: tfl.LayersModel, seed: number, n = 3, lo = -1, hi = 1): Promise<number> {
  randomize(model, seed);
  const a = await artifactsOf(model);
  const ours = await loadLayersModel({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs as any, weightData: a.weightData as ArrayBuffer });
  const shape = model.inputs[0].shape.slice(1) as number[];
  const per = shape.reduce((x, y) => x * y, 1);
  const r = new Random(seed + 1);
  const x = new Float32Array(n * per);
  for (let i = 0; i < x.length; i++) x[i] = r.uniform(lo, hi);
  const want = await (model.predict(tf.tensor(x, [n, ...shape])) as tf.Tensor).data();
  const got = ours.predict(x, n);
  expect(got.length).toBe(want.length);
  return maxRelErr(got, want);
}

const L = tfl.layers;

describe("Keras models built in TF.js, run by this engine", () => {
  it("a mini-Xception (face_classification's shape): strided 1×1 residuals, separable blocks, max pooling 3×3/2 same", async () => {
    const inp = tfl.input({ shape: [32, 32, 1] });
    let x = L.conv2d({ filters: 8, kernelSize: 3, useBias: false }).apply(inp) as tfl.SymbolicTensor;
    x = L.batchNormalization().apply(x) as tfl.SymbolicTensor;
    x = L.activation({ activation: "relu" }).apply(x) as tfl.SymbolicTensor;
    x = L.conv2d({ filters: 8, kernelSize: 3, useBias: false }).apply(x) as tfl.SymbolicTensor;
    x = L.batchNormalization().apply(x) as tfl.SymbolicTensor;
    x = L.activation({ activation: "relu" }).apply(x) as tfl.SymbolicTensor;
    for (const f of [16, 32]) {
      let res = L.conv2d({ filters: f, kernelSize: 1, strides: 2, padding: "same", useBias: false }).apply(x) as tfl.SymbolicTensor;
      res = L.batchNormalization().apply(res) as tfl.SymbolicTensor;
      x = L.separableConv2d({ filters: f, kernelSize: 3, padding: "same", useBias: false }).apply(x) as tfl.SymbolicTensor;
      x = L.batchNormalization().apply(x) as tfl.SymbolicTensor;
      x = L.activation({ activation: "relu" }).apply(x) as tfl.SymbolicTensor;
      x = L.separableConv2d({ filters: f, kernelSize: 3, padding: "same", useBias: false }).apply(x) as tfl.SymbolicTensor;
      x = L.batchNormalization().apply(x) as tfl.SymbolicTensor;
      x = L.maxPooling2d({ poolSize: 3, strides: 2, padding: "same" }).apply(x) as tfl.SymbolicTensor;
      x = L.add().apply([x, res]) as tfl.SymbolicTensor;
    }
    x = L.conv2d({ filters: 7, kernelSize: 3, padding: "same" }).apply(x) as tfl.SymbolicTensor;
    x = L.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
    x = L.activation({ activation: "softmax" }).apply(x) as tfl.SymbolicTensor;
    expect(await compare(tfl.model({ inputs: inp, outputs: x }), 1)).toBeLessThan(TOL);
  });

  it("a MobileNet-style stack: Rescaling, stride-2 conv and depthwise, ReLU6, asymmetric ZeroPadding2D, Reshape, Dropout", async () => {
    const inp = tfl.input({ shape: [33, 30, 3] });
    let x = L.rescaling({ scale: 1 / 127.5, offset: -1 }).apply(inp) as tfl.SymbolicTensor;
    x = L.zeroPadding2d({ padding: [[0, 1], [0, 1]] }).apply(x) as tfl.SymbolicTensor;
    x = L.conv2d({ filters: 8, kernelSize: 3, strides: 2, useBias: false }).apply(x) as tfl.SymbolicTensor;
    x = L.batchNormalization().apply(x) as tfl.SymbolicTensor;
    x = L.reLU({ maxValue: 6 }).apply(x) as tfl.SymbolicTensor;
    x = L.depthwiseConv2d({ kernelSize: 3, padding: "same", useBias: false }).apply(x) as tfl.SymbolicTensor;
    x = L.batchNormalization().apply(x) as tfl.SymbolicTensor;
    x = L.activation({ activation: "relu6" }).apply(x) as tfl.SymbolicTensor;
    x = L.conv2d({ filters: 12, kernelSize: 1, useBias: false }).apply(x) as tfl.SymbolicTensor;
    x = L.batchNormalization().apply(x) as tfl.SymbolicTensor;
    x = L.reLU({ maxValue: 6 }).apply(x) as tfl.SymbolicTensor;
    x = L.zeroPadding2d({ padding: [[0, 1], [0, 1]] }).apply(x) as tfl.SymbolicTensor;
    x = L.depthwiseConv2d({ kernelSize: 3, strides: 2, useBias: false }).apply(x) as tfl.SymbolicTensor;
    x = L.batchNormalization().apply(x) as tfl.SymbolicTensor;
    x = L.reLU({ maxValue: 6 }).apply(x) as tfl.SymbolicTensor;
    x = L.conv2d({ filters: 16, kernelSize: 1 }).apply(x) as tfl.SymbolicTensor;
    x = L.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
    x = L.reshape({ targetShape: [1, 1, 16] }).apply(x) as tfl.SymbolicTensor;
    x = L.dropout({ rate: 0.001 }).apply(x) as tfl.SymbolicTensor;
    x = L.conv2d({ filters: 5, kernelSize: 1, padding: "same" }).apply(x) as tfl.SymbolicTensor;
    x = L.reshape({ targetShape: [5] }).apply(x) as tfl.SymbolicTensor;
    x = L.activation({ activation: "softmax" }).apply(x) as tfl.SymbolicTensor;
    expect(await compare(tfl.model({ inputs: inp, outputs: x }), 2, 3, 0, 255)).toBeLessThan(TOL);
  });

  it("kernels 2–7, strides 1–3, dilation, depth multipliers, and each activation as a conv's own", async () => {
    const inp = tfl.input({ shape: [23, 19, 5] });
    let x = L.conv2d({ filters: 6, kernelSize: 5, strides: 2, padding: "same", activation: "elu" }).apply(inp) as tfl.SymbolicTensor;
    x = L.conv2d({ filters: 7, kernelSize: [4, 2], padding: "same", activation: "selu" }).apply(x) as tfl.SymbolicTensor;
    x = L.conv2d({ filters: 6, kernelSize: 3, dilationRate: 2, padding: "same", activation: "tanh" }).apply(x) as tfl.SymbolicTensor;
    x = L.depthwiseConv2d({ kernelSize: 5, strides: 1, padding: "same", depthMultiplier: 2, activation: "sigmoid" }).apply(x) as tfl.SymbolicTensor;
    // (TF.js leaves a SeparableConv2D's depth_multiplier out of its saved config: layers.test.ts covers it)
    x = L.separableConv2d({ filters: 9, kernelSize: 3, strides: 2, padding: "same", activation: "softplus" }).apply(x) as tfl.SymbolicTensor;
    x = L.conv2d({ filters: 5, kernelSize: 2, padding: "valid", activation: "softsign" }).apply(x) as tfl.SymbolicTensor;
    x = L.depthwiseConv2d({ kernelSize: 3, strides: 3, padding: "same", activation: "hardSigmoid" }).apply(x) as tfl.SymbolicTensor;
    x = L.separableConv2d({ filters: 6, kernelSize: 7, dilationRate: 1, padding: "same", activation: "swish" }).apply(x) as tfl.SymbolicTensor;
    x = L.conv2d({ filters: 6, kernelSize: 1, activation: "mish" }).apply(x) as tfl.SymbolicTensor;
    x = L.conv2d({ filters: 6, kernelSize: 3, padding: "same", activation: "gelu" }).apply(x) as tfl.SymbolicTensor;
    x = L.conv2d({ filters: 4, kernelSize: 3, padding: "same", activation: "gelu_new" }).apply(x) as tfl.SymbolicTensor;
    x = L.flatten().apply(x) as tfl.SymbolicTensor;
    x = L.dense({ units: 6, activation: "relu6" }).apply(x) as tfl.SymbolicTensor;
    expect(await compare(tfl.model({ inputs: inp, outputs: x }), 3)).toBeLessThan(TOL);
  });

  it("merges (Multiply, Maximum, Minimum, Average of 2 and 3), broadcasting, concatenation on each axis, Permute, Cropping2D, UpSampling2D, pooling, advanced activations", async () => {
    const inp = tfl.input({ shape: [10, 9, 6] });
    const a = L.conv2d({ filters: 6, kernelSize: 1 }).apply(inp) as tfl.SymbolicTensor;
    const b = L.conv2d({ filters: 6, kernelSize: 3, padding: "same" }).apply(inp) as tfl.SymbolicTensor;
    // (tfjs-layers has no Subtract: layers.test.ts covers it)
    const s = L.average().apply([a, b]) as tfl.SymbolicTensor;
    const m = L.multiply().apply([s, b]) as tfl.SymbolicTensor;
    const mx = L.maximum().apply([m, a, b]) as tfl.SymbolicTensor;
    const mn = L.minimum().apply([mx, s]) as tfl.SymbolicTensor;
    const av = L.average().apply([mn, a, b]) as tfl.SymbolicTensor;
    // squeeze-and-excitation: [1, 1, C] times [H, W, C]
    let se = L.globalAveragePooling2d({}).apply(av) as tfl.SymbolicTensor;
    se = L.dense({ units: 6, activation: "sigmoid" }).apply(se) as tfl.SymbolicTensor;
    se = L.reshape({ targetShape: [1, 1, 6] }).apply(se) as tfl.SymbolicTensor;
    let x = L.multiply().apply([av, se]) as tfl.SymbolicTensor;
    x = L.leakyReLU({ alpha: 0.2 }).apply(x) as tfl.SymbolicTensor;
    const c1 = L.concatenate({ axis: -1 }).apply([x, a]) as tfl.SymbolicTensor;
    const c2 = L.concatenate({ axis: 1 }).apply([c1, c1]) as tfl.SymbolicTensor;
    x = L.concatenate({ axis: 2 }).apply([c2, c2]) as tfl.SymbolicTensor;
    x = L.permute({ dims: [2, 1, 3] }).apply(x) as tfl.SymbolicTensor;
    x = L.cropping2D({ cropping: [[1, 2], [3, 0]] }).apply(x) as tfl.SymbolicTensor;
    x = L.prelu({ sharedAxes: [1, 2] }).apply(x) as tfl.SymbolicTensor;
    x = L.averagePooling2d({ poolSize: 3, strides: 2, padding: "same" }).apply(x) as tfl.SymbolicTensor;
    x = L.upSampling2d({ size: [2, 3] }).apply(x) as tfl.SymbolicTensor;
    x = L.elu({}).apply(x) as tfl.SymbolicTensor;
    x = L.maxPooling2d({ poolSize: [2, 3], strides: [2, 2] }).apply(x) as tfl.SymbolicTensor;
    x = L.prelu({}).apply(x) as tfl.SymbolicTensor;
    x = L.reLU({ maxValue: 2 }).apply(x) as tfl.SymbolicTensor;
    x = L.conv2d({ filters: 3, kernelSize: 1 }).apply(x) as tfl.SymbolicTensor;
    x = L.globalMaxPooling2d({}).apply(x) as tfl.SymbolicTensor;
    expect(await compare(tfl.model({ inputs: inp, outputs: x }), 4)).toBeLessThan(TOL);
  });

  it("an MLP with a standalone batch norm and inference-identity layers, at batch 37", async () => {
    const model = tfl.sequential({
      layers: [
        L.dense({ inputShape: [20], units: 33, activation: "relu" }),
        L.gaussianNoise({ stddev: 0.3 }),
        L.batchNormalization(),
        L.dense({ units: 17, activation: "tanh" }),
        L.alphaDropout({ rate: 0.1 }),
        L.gaussianDropout({ rate: 0.1 }),
        L.dense({ units: 5, activation: "softmax" }),
      ],
    });
    expect(await compare(model, 5, 37)).toBeLessThan(TOL);
  });

  it("a fully convolutional model (free height and width) runs at the inputShape given at load and at any other (forInputShape), and is refused without one", async () => {
    const inp = tfl.input({ shape: [null, null, 3] as unknown as number[] });
    let x = L.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }).apply(inp) as tfl.SymbolicTensor;
    x = L.depthwiseConv2d({ kernelSize: 3, padding: "same" }).apply(x) as tfl.SymbolicTensor;
    x = L.conv2d({ filters: 2, kernelSize: 1 }).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: inp, outputs: x });
    randomize(model, 9);
    const a = await artifactsOf(model);
    const src = { modelTopology: a.modelTopology, weightSpecs: a.weightSpecs as any, weightData: a.weightData as ArrayBuffer };
    await expect(loadLayersModel(src)).rejects.toThrow(/input's shape \[null, null, 3\] leaves dimensions free; pass inputShape/);
    await expect(loadLayersModel(src, { inputShape: [20, 17, 4] })).rejects.toThrow(/inputShape \[20, 17, 4\] does not fit the model's input \[null, null, 3\]/);
    const first = await loadLayersModel(src, { inputShape: [20, 17, 3] });
    expect(() => first.forInputShape([20, 17, 4])).toThrow(/does not fit the model's input \[null, null, 3\]/);
    for (const [h, w] of [[20, 17], [9, 32], [31, 6]]) {
      const ours = first.forInputShape([h, w, 3]);
      expect(ours.inputShape).toEqual([h, w, 3]);
      const r = new Random(h), xs = new Float32Array(2 * h * w * 3).map(() => r.uniform(-1, 1));
      const want = await (model.predict(tf.tensor(xs, [2, h, w, 3])) as tf.Tensor).data();
      expect(maxRelErr(ours.predict(xs, 2), want)).toBeLessThan(TOL);
    }
  });
});

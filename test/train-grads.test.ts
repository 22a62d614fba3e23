// The training-mode forward and backward of the whole network (src/train/trainer.ts) against PyTorch:
// grads.json holds one step on 8 PublicTest faces (batch statistics, biased batch variance, mean
// cross-entropy without label smoothing) and every trainable weight's gradient in model.json's layouts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadLayersModel } from "../src/io/load.js";
import { Trainer } from "../src/train/trainer.js";
import { Activation, Add, Dense, GlobalMaxPooling2D, input, Model, ReLU, SeparableConv2D, type Layer } from "../src/index.js";
import { Random } from "../src/util/random.js";

const DIR = new URL("../fixtures/reference-model/", import.meta.url).pathname;
const g = JSON.parse(readFileSync(DIR + "grads.json", "utf8")) as {
  inputs: number[][];
  labels: number[];
  loss: number;
  gradients: Record<string, { shape: number[]; values: number[] }>;
};

const ZERO_BY_BN = (name: string) => /^(block\d_sepconv\d|dense_96)\/bias$/.test(name);

describe("Trainer against PyTorch's gradients (grads.json)", () => {
  it("loss and every parameter gradient match", async () => {
    const model = await loadLayersModel(DIR);
    const t = new Trainer(model, 8);
    t.loadFromModel();
    const x = Float32Array.from(g.inputs.flat());
    const r = t.forwardBackward(x, g.labels, 8);
    expect(Math.abs(r.loss - g.loss)).toBeLessThan(1e-5);
    const names = Object.keys(g.gradients);
    expect(names.sort()).toEqual(t.slots.map((s) => s.name).sort());
    for (const name of names) {
      const want = g.gradients[name];
      const got = t.gradOf(name);
      expect(got.length, name).toBe(want.values.length);
      // error relative to the gradient's own scale: sums of thousands of f32 products in both frameworks
      let scale = 0, err = 0;
      for (let i = 0; i < got.length; i++) {
        scale = Math.max(scale, Math.abs(want.values[i]));
        err = Math.max(err, Math.abs(got[i] - want.values[i]));
      }
      if (ZERO_BY_BN(name)) {
        // a bias right before a batch norm has gradient exactly 0 in exact arithmetic (the batch mean
        // removes it): both frameworks give rounding noise there, compare it with the noise level
        expect(Math.max(...got.map(Math.abs)), name).toBeLessThan(1e-5);
        expect(scale, name).toBeLessThan(1e-5);
        continue;
      }
      // PyTorch's and ours agree to about 1e-5 of each gradient's largest entry (f32 sums in different orders)
      expect(err / scale, `${name}: max abs error ${err}, scale ${scale}`).toBeLessThan(1e-4);
    }
  });

  it("a smaller batch in the same layout gives the same result as a trainer sized for it", async () => {
    const model = await loadLayersModel(DIR);
    const x = Float32Array.from(g.inputs.flat());
    const big = new Trainer(model, 8), small = new Trainer(model, 3);
    big.loadFromModel();
    small.loadFromModel();
    const a = big.forwardBackward(x, g.labels, 3), b = small.forwardBackward(x, g.labels, 3);
    expect(a.loss).toBe(b.loss);
    expect(Array.from(big.getGrads())).toEqual(Array.from(small.getGrads()));
  });

  it("the fused graph (padding into pooling, add into ReLU, dy handed on by the adds) matches the unfused one bit for bit", async () => {
    const model = await loadLayersModel(DIR);
    const x = Float32Array.from(g.inputs.flat());
    const fused = new Trainer(model, 8), plain = new Trainer(model, 8, undefined, true);
    fused.loadFromModel();
    plain.loadFromModel();
    // two steps, the second with label smoothing and a gradient scale, on the same instances
    for (const o of [{}, { smoothing: 0.1, gradScale: 0.5 }]) {
      const a = fused.forwardBackward(x, g.labels, 8, o), b = plain.forwardBackward(x, g.labels, 8, o);
      expect(a.loss).toBe(b.loss);
      expect(a.correct).toBe(b.correct);
      expect(Array.from(fused.logits())).toEqual(Array.from(plain.logits()));
      expect(Array.from(fused.getGrads())).toEqual(Array.from(plain.getGrads()));
      expect(fused.batchStats()).toEqual(plain.batchStats());
    }
  });

  it("Keras's ReLU layer trains as Activation(\"relu\") does (the same op, fused into the Add before it); other activations are refused by name", async () => {
    const build = (relu: () => Layer) => {
      const x0 = input({ shape: [6, 5, 2] });
      const a = new SeparableConv2D({ name: "s1", filters: 4, padding: "same" }).apply(x0);
      const b = new SeparableConv2D({ name: "s2", filters: 4, padding: "same" }).apply(a);
      const j = relu().apply(new Add({ name: "j" }).apply([a, b]));
      return new Model({ inputs: x0, outputs: new Dense({ name: "d", units: 3 }).apply(new GlobalMaxPooling2D({ name: "g" }).apply(j)), seed: 3 });
    };
    const m1 = build(() => new ReLU({ name: "r" })), m2 = build(() => new Activation({ name: "r", activation: "relu" }));
    const r = new Random(5), x = r.fill(4 * 60, 0, 1);
    const t1 = new Trainer(m1, 4), t2 = new Trainer(m2, 4);
    t1.loadFromModel();
    t2.loadFromModel();
    expect(t1.forwardBackward(x, [0, 1, 2, 0], 4).loss).toBe(t2.forwardBackward(x, [0, 1, 2, 0], 4).loss);
    expect(Array.from(t1.getGrads())).toEqual(Array.from(t2.getGrads()));
    const leaky = build(() => new ReLU({ name: "r", negativeSlope: 0.1 }));
    expect(() => new Trainer(leaky, 4)).toThrow(/Trainer: layer r: ReLU with these arguments is not supported in training \(relu, linear\)/);
  });
});

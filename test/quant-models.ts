// Models for the quantization tests: small, with what ResEZAP does not have.
import { SeparableConv2D } from "../src/layers/conv.js";
import { Activation, BatchNormalization, Dense, Dropout, Flatten } from "../src/layers/core.js";
import { Add } from "../src/layers/merge.js";
import { AveragePooling2D, ZeroPadding2D } from "../src/layers/pooling.js";
import { input, Model } from "../src/model.js";
import { Random } from "../src/util/random.js";

/** A small model with what ResEZAP does not have: stride 2, "valid" then "same", a ReLU without residual, a one-sided pad, C not a multiple of 8, a Dropout (an identity) inside. */
export function oddModel(seed: number): Model {
  const x0 = input({ shape: [13, 11, 5] });
  const a = new BatchNormalization({ epsilon: 1e-3 }).apply(new SeparableConv2D({ filters: 12, strides: 2, padding: "same" }).apply(x0));
  const b = new Activation({ activation: "relu" }).apply(new SeparableConv2D({ filters: 7, padding: "valid" }).apply(new Dropout({ rate: 0.5 }).apply(a)));
  const c = new SeparableConv2D({ filters: 12, padding: "same" }).apply(new SeparableConv2D({ filters: 9, padding: "same" }).apply(b));
  const cropA = new SeparableConv2D({ filters: 12, padding: "valid" }).apply(a);
  let x = new Activation({ activation: "relu" }).apply(new Add().apply([c, cropA]));
  x = new AveragePooling2D({ poolSize: 2, strides: 2 }).apply(new ZeroPadding2D({ padding: [[1, 0], [0, 1]] }).apply(x));
  x = new Dense({ units: 4, activation: "softmax" }).apply(new Flatten().apply(x));
  const m = new Model({ inputs: x0, outputs: x, seed });
  // batch norm statistics away from the identity, so folding them matters
  const r = new Random(seed);
  for (const l of m.layers) if (l instanceof BatchNormalization) for (const w of ["moving_mean", "moving_variance", "gamma", "beta"]) {
    const v = l.weight(w);
    for (let i = 0; i < v.length; i++) v[i] = w === "moving_variance" ? r.uniform(0.2, 3) : r.uniform(-1, 1);
  }
  m.weightsChanged();
  return m;
}

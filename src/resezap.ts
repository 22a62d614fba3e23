import { Conv2D, SeparableConv2D } from "./layers/conv.js";
import { Activation, BatchNormalization, Dense } from "./layers/core.js";
import type { SymbolicTensor } from "./layers/layer.js";
import { Add } from "./layers/merge.js";
import { AveragePooling2D, GlobalMaxPooling2D, ZeroPadding2D } from "./layers/pooling.js";
import { input, Model } from "./model.js";

/** FER2013's classes, in label order. */
export const EMOTIONS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"] as const;
export type Emotion = (typeof EMOTIONS)[number];

export interface ResEZAPOptions {
  /** "separable" (the paper's ResEZAP) or "normal" (the same network with normal 3×3 convolutions, for comparison). */
  conv?: "separable" | "normal";
  /** Seed of the weight initialisation. */
  seed?: number;
  /** Filters of the three blocks. */
  filters?: [number, number, number];
  classes?: number;
  /** Every batch norm's momentum (Keras's: moving = moving·m + batch·(1 − m)); what training updates the moving statistics with. Default 0.99. */
  bnMomentum?: number;
}

/**
 * ResEZAP as ../shared/RESEZAP.md reconstructs it: three residual blocks of three 3×3 convolutions
 * (32, 64, 96 filters), each block  x = BN(conv1(x)); r = x; x = BN(conv2(x)); x = BN(conv3(x)); x = ReLU(x + r),
 * then ZeroPadding2D(1) and AveragePooling2D 2×2/2; the first convolution of the network is "valid" (48 → 46),
 * the rest "same". Head: GlobalMaxPooling2D → Dense(96) → BN → Dense(7, softmax). Layer names are the
 * exported reference model's, so its weights load by name.
 */
export function resezap(options: ResEZAPOptions = {}): Model {
  const conv = options.conv ?? "separable";
  const filters = options.filters ?? [32, 64, 96];
  const classes = options.classes ?? EMOTIONS.length;
  const x0 = input({ shape: [48, 48, 1], name: "input_1" });
  let x: SymbolicTensor = x0;
  filters.forEach((f, bi) => {
    const b = bi + 1;
    const convLayer = (i: number) => {
      const args = { name: `block${b}_${conv === "separable" ? "sepconv" : "conv"}${i}`, filters: f, padding: (b === 1 && i === 1 ? "valid" : "same") as "valid" | "same" };
      return conv === "separable" ? new SeparableConv2D(args) : new Conv2D(args);
    };
    const bn = (i: number) => new BatchNormalization({ name: `block${b}_bn${i}`, epsilon: 1e-3, momentum: options.bnMomentum });
    x = bn(1).apply(convLayer(1).apply(x));
    const r = x;
    x = bn(2).apply(convLayer(2).apply(x));
    x = bn(3).apply(convLayer(3).apply(x));
    x = new Add({ name: `block${b}_add` }).apply([x, r]);
    x = new Activation({ name: `block${b}_relu`, activation: "relu" }).apply(x);
    x = new ZeroPadding2D({ name: `block${b}_pad`, padding: 1 }).apply(x);
    x = new AveragePooling2D({ name: `block${b}_pool`, poolSize: 2, strides: 2 }).apply(x);
  });
  x = new GlobalMaxPooling2D({ name: "global_max_pool" }).apply(x);
  x = new Dense({ name: "dense_96", units: filters[2] }).apply(x);
  x = new BatchNormalization({ name: "dense_bn", epsilon: 1e-3, momentum: options.bnMomentum }).apply(x);
  x = new Dense({ name: "predictions", units: classes, activation: "softmax" }).apply(x);
  const model = new Model({ inputs: x0, outputs: x, name: conv === "separable" ? "resezap" : "resezap_normal", seed: options.seed });
  model.classNames = classes === EMOTIONS.length ? [...EMOTIONS] : undefined;
  return model;
}

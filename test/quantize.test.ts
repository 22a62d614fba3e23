// quantize(): the "integer" program, a model's integer part on the *_a16 kernels, bit for bit against the
// TypeScript integer reference (src/reference/quantized-model.ts) end to end, in both builds, and the f32
// layers after it; the "mixed" program (the default): which layers it runs on integers, and how close; the refusals.
import { describe, it, expect } from "vitest";
import { loadLayersModel } from "../src/io/load.js";
import { SeparableConv2D, Conv2D } from "../src/layers/conv.js";
import { Dense, Flatten } from "../src/layers/core.js";
import { input, Model } from "../src/model.js";
import { quantize } from "../src/quant/quantize.js";
import { Op, OP_WORDS } from "../src/abi/nn.js";
import { integerPlan } from "../src/quant/graph.js";
import { integerPartRef } from "../src/reference/quantized-model.js";
import { loadFer2013 } from "../src/train/fer2013.js";
import { relaxedSimdSupported, type NNVariant } from "../src/engine/wasm.js";
import { enableRelaxedSimd } from "../src/engine/relaxed.js";
import { Random } from "../src/util/random.js";
import { oddModel } from "./quant-models.js";

await enableRelaxedSimd();
const variants: NNVariant[] = relaxedSimdSupported() ? ["simd", "relaxed"] : ["simd"];
const SAMPLE = new URL("../fixtures/fer2013-sample.csv.gz", import.meta.url).pathname;
const MODEL = new URL("../models/fer2013", import.meta.url).pathname;

const faces = (d: { pixels: Uint8Array }, from: number, n: number) => Float32Array.from(d.pixels.subarray(from * 2304, (from + n) * 2304), (v) => v / 255);
const argmax = (p: Float32Array) => p.indexOf(Math.max(...p));

describe("quantize (12-bit activations on the integer kernels)", () => {
  it("ResEZAP: the integer part is the reference's bit for bit, in both builds; the head's classes follow the f32 model's", async () => {
    const model = await loadLayersModel(MODEL);
    const data = await loadFer2013(SAMPLE, ["Training"]), test = await loadFer2013(SAMPLE, ["PublicTest"]);
    const plan = integerPlan(model);
    expect(plan.steps.map((s) => s.kind)).toEqual([...Array(3)].flatMap(() => ["separable", "separable", "separable", "pool"]));
    expect(plan.tail.map((s) => s.layer.className)).toEqual(["GlobalMaxPooling2D", "Dense", "Dense"]);
    const x = faces(test, 0, 40);
    const f32 = model.predict(x, 40);
    for (const variant of variants) {
      const qm = quantize(model, faces(data, 0, 100), { variant, program: "integer" });
      for (let i = 0; i < 3; i++) {
        const face = x.subarray(i * 2304, (i + 1) * 2304);
        const got = qm.boundary(face), want = integerPartRef(qm.spec, face);
        expect(got.length).toBe(1);
        expect(got[0].length).toBe(7 * 7 * 96);
        expect(new Set(got[0]).size, "a boundary of few distinct values would test little").toBeGreaterThan(100);
        expect(Array.from(got[0]), `${variant} face ${i}`).toEqual(Array.from(want[0]));
      }
      const q = qm.predict(x, 40);
      let agree = 0, worst = 0;
      for (let i = 0; i < 40; i++) {
        const a = f32.subarray(7 * i, 7 * i + 7), b = q.subarray(7 * i, 7 * i + 7);
        agree += +(argmax(a) === argmax(b));
        for (let k = 0; k < 7; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]));
      }
      expect(agree, variant).toBeGreaterThanOrEqual(38);
      // 12-bit activations move a probability by up to 0.08 on these 40 faces with the shipped weights; a wrong scale
      // or head moves it by far more
      expect(worst, variant).toBeLessThan(0.12);
    }
  });

  it("a model with stride 2, valid padding, a ReLU without residual, a one-sided pad: bit for bit at 9, 12 and 15 bits", () => {
    const model = oddModel(5);
    const plan = integerPlan(model);
    expect(plan.steps.map((s) => s.kind)).toEqual(["separable", "separable", "separable", "separable", "separable", "pool"]);
    expect(plan.tail.map((s) => s.layer.className)).toEqual(["Flatten", "Dense"]);
    const r = new Random(9);
    const x = Float32Array.from({ length: 20 * 13 * 11 * 5 }, () => r.uniform(-1, 2));
    for (const [bits, weightBits] of [[9, 8], [12, 12], [15, 10]]) {
      const qm = quantize(model, x.subarray(0, 16 * 715), { bits, weightBits, program: "integer" });
      let differ = 0;
      for (let i = 16; i < 20; i++) {
        const face = x.subarray(i * 715, (i + 1) * 715);
        const got = qm.boundary(face), want = integerPartRef(qm.spec, face);
        expect(Array.from(got[0]), `bits ${bits} example ${i}`).toEqual(Array.from(want[0]));
        const f = model.predict(face), q = qm.predict(face);
        differ = Math.max(differ, ...f.map((v, k) => Math.abs(v - q[k])));
      }
      expect(differ, `bits ${bits}`).toBeLessThan(bits === 9 ? 0.1 : 0.02);
    }
  });

  // The mixed program (the default): each kernel is bit for bit against its reference in kernels-int8.test.ts;
  // here, which layers it puts on integers, and that the whole model stays within the rounding of 12 bits.
  const opsOf = (qm: ReturnType<typeof quantize>) => {
    const p = qm.program();
    return Array.from({ length: p.nOps }, (_, k) => p.arena.i32[(p.prog >> 2) + k * OP_WORDS]);
  };
  it("mixed: ResEZAP's 8 separable layers of 32–96 channels on the integer pointwise; close to f32, in both builds", async () => {
    const model = await loadLayersModel(MODEL);
    const data = await loadFer2013(SAMPLE, ["Training"]), test = await loadFer2013(SAMPLE, ["PublicTest"]);
    const x = faces(test, 0, 40), f32 = model.predict(x, 40);
    for (const variant of variants) {
      const qm = quantize(model, faces(data, 0, 100), { variant });
      expect(qm.programKind).toBe("mixed");
      const ops = opsOf(qm);
      expect(ops.filter((o) => o === Op.SeparableA16).length, variant).toBe(8);
      expect(ops.filter((o) => o === Op.Separable).length, `${variant}: the 1-channel first layer stays f32`).toBe(1);
      expect(ops.some((o) => o >= Op.QQuantize && o <= Op.QPool), variant).toBe(false);
      expect(() => qm.boundary(x.subarray(0, 2304))).toThrow(/"mixed" program has no integer part/);
      const q = qm.predict(x, 40);
      let agree = 0, worst = 0;
      for (let i = 0; i < 40; i++) {
        const a = f32.subarray(7 * i, 7 * i + 7), b = q.subarray(7 * i, 7 * i + 7);
        agree += +(argmax(a) === argmax(b));
        for (let k = 0; k < 7; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]));
      }
      expect(agree, variant).toBeGreaterThanOrEqual(38);
      expect(worst, variant).toBeLessThan(0.12);
      expect(worst, `${variant}: some difference, or the integer pointwise did not run`).toBeGreaterThan(0);
    }
  });

  it("mixed: valid padding, a ReLU without residual, a residual join; stride 2 and < 8 channels stay f32", () => {
    const model = oddModel(5);
    const r = new Random(9);
    const x = Float32Array.from({ length: 20 * 13 * 11 * 5 }, () => r.uniform(-1, 2));
    const qm = quantize(model, x.subarray(0, 16 * 715));
    // the integer part's separable layers take 5 (stride 2), 12, 7, 9 and 12 channels: three have ≥ 8 and stride 1
    expect(opsOf(qm).filter((o) => o === Op.SeparableA16).length).toBe(3);
    const exact = quantize(model, x.subarray(0, 16 * 715), { program: "integer" });
    let differ = 0, fromInteger = 0;
    for (let i = 16; i < 20; i++) {
      const face = x.subarray(i * 715, (i + 1) * 715);
      const f = model.predict(face), q = qm.predict(face), e = exact.predict(face);
      differ = Math.max(differ, ...f.map((v, k) => Math.abs(v - q[k])));
      fromInteger = Math.max(fromInteger, ...e.map((v, k) => Math.abs(v - q[k])));
    }
    expect(differ).toBeLessThan(0.02);
    expect(fromInteger).toBeGreaterThan(0);
    expect(() => quantize(model, x.subarray(0, 715), { program: "fast" as never })).toThrow(/quantize: program is "fast"; expected one of "mixed", "integer"/);
  });

  it("refuses a model with no integer first layer, a calibration of the wrong length, bits out of range, sums that could overflow", () => {
    const x0 = input({ shape: [8, 8, 2] });
    const conv = new Model({ inputs: x0, outputs: new Conv2D({ filters: 4, kernelSize: 3 }).apply(x0) });
    expect(() => quantize(conv, new Float32Array(128))).toThrow(/first layer .*Conv2D.* has no integer kernel/);
    const model = oddModel(1);
    expect(() => quantize(model, new Float32Array(715 * 2 + 1))).toThrow(/not a whole number .* of 715-float examples/);
    expect(() => quantize(model, new Float32Array(715), { bits: 16 })).toThrow(/bits 16 is not an integer in 7..15/);
    expect(() => quantize(model, new Float32Array(715), { weightBits: 13 })).toThrow(/weightBits 13 is not an integer in 8..12/);
    // the other edges: 7 and 15 bits, 8 and 12 weight bits taken; 6 and 7 refused
    for (const bits of [7, 15]) expect(quantize(model, new Float32Array(715), { bits }).spec.params[0].qmax, `bits ${bits}`).toBe(2 ** bits - 1);
    expect(() => quantize(model, new Float32Array(715), { bits: 6 })).toThrow(/bits 6 is not an integer in 7..15/);
    for (const weightBits of [8, 12]) expect(quantize(model, new Float32Array(715), { weightBits }).spec.weightBits).toBe(weightBits);
    expect(() => quantize(model, new Float32Array(715), { weightBits: 7 })).toThrow(/weightBits 7 is not an integer in 8..12/);
    const nan = new Float32Array(715 * 2);
    nan[715 + 3] = NaN;
    expect(() => quantize(model, nan)).toThrow(/calibration float 718 \(example 1\) is NaN, not finite/);
    const y0 = input({ shape: [3, 3, 600] });
    const wide = new Model({ inputs: y0, outputs: new SeparableConv2D({ filters: 2, padding: "same" }).apply(y0) });
    expect(() => quantize(wide, new Float32Array(5400), { bits: 15 })).toThrow(/600 input channels of 15-bit activations could overflow/);
    // at the edge: 516 · (2^15 − 1) · 127 < 2^31 ≤ 517 · (2^15 − 1) · 127
    const sep = (C: number) => {
      const z0 = input({ shape: [3, 3, C] });
      return new Model({ inputs: z0, outputs: new SeparableConv2D({ filters: 2, padding: "same" }).apply(z0) });
    };
    expect(() => quantize(sep(516), new Float32Array(9 * 516), { bits: 15 })).not.toThrow();
    expect(() => quantize(sep(517), new Float32Array(9 * 517), { bits: 15 })).toThrow(/517 input channels of 15-bit activations could overflow/);
    // 12-bit activations: the pointwise weights narrowed to what 600 channels allow, (2^31 − 1) / (600·4095) → ±874
    const pw = quantize(wide, new Float32Array(5400), { bits: 12 }).spec.constants[0];
    expect(pw.kind === "separable" && Math.max(...Array.from(pw.pwq, Math.abs))).toBe(874);
  });
});

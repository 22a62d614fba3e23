// Subnormal f32 constants: a multiply with one runs tens of times slower on x86 and WebAssembly cannot turn on
// flush-to-zero, so the engine writes none into a program. runs/fer-100 (the 100-epoch model with L2 decay inside Adam) has thousands (the decay shrinks
// a dead channel's weights geometrically), which made its quantized depthwise layers three times slower.
import { describe, expect, it } from "vitest";
import { F32_MIN_NORMAL, flushSubnormals } from "../src/engine/pack.js";
import { loadLayersModel } from "../src/io/load.js";
import { quantize } from "../src/quant/quantize.js";
import { activationParams, depthwiseRequant, pointwiseRequant, QMAX12 } from "../src/quant/params.js";
import { Random } from "../src/util/random.js";

const MODEL = new URL("../runs/fer-100", import.meta.url).pathname;
const isSubnormal = (v: number) => v !== 0 && Math.abs(v) < F32_MIN_NORMAL;

describe("subnormal constants", () => {
  it("flushSubnormals zeroes exactly the subnormal values, and returns its argument when there are none", () => {
    const r = new Random(3);
    const v = Float32Array.from({ length: 1000 }, () => r.uniform(-2, 2));
    expect(flushSubnormals(v)).toBe(v);
    const subnormalAt = [0, 17, 500, 999];
    subnormalAt.forEach((i, k) => (v[i] = (k % 2 ? -1 : 1) * 2 ** -(127 + 5 * k)));
    v[1] = F32_MIN_NORMAL; // the smallest normal stays
    v[2] = -F32_MIN_NORMAL;
    const before = v.slice(), out = flushSubnormals(v);
    expect(out).not.toBe(v);
    expect(v).toEqual(before); // the model's own weights are not touched
    for (let i = 0; i < v.length; i++) expect(out[i]).toBe(subnormalAt.includes(i) ? 0 : v[i]);
  });

  it("a requantization never holds a subnormal mul or add; the others are the formula's", () => {
    const inp = activationParams(-1, 1, QMAX12), out = activationParams(-3, 3, QMAX12);
    const sw = Float32Array.of(0.01, 3e-44, 2e-40, 0.5), bias = Float32Array.of(0.1, 0, 1e-45, -0.2);
    for (const rq of [depthwiseRequant(4, sw, inp, bias, out), depthwiseRequant(4, sw, inp, bias, null), pointwiseRequant(new Int16Array(8).fill(1), 2, 4, sw, inp, bias, out)]) {
      expect([...rq.mul, ...rq.add].filter(isSubnormal)).toEqual([]);
      expect(rq.mul[1]).toBe(0);
      expect(rq.mul[2]).toBe(0);
      expect(rq.mul[0]).toBeGreaterThan(0);
      expect(rq.mul[3]).toBeGreaterThan(rq.mul[0]);
    }
    expect(depthwiseRequant(4, sw, inp, bias, null).add[2]).toBe(0);
  });

  it("a model with dead channels has subnormal weights, and its quantized program's constants have none", async () => {
    const model = await loadLayersModel(MODEL);
    let subnormal = 0;
    for (const l of model.layers) for (const w of l.weights.values()) subnormal += w.filter(isSubnormal).length;
    expect(subnormal).toBeGreaterThan(1000);
    const qm = quantize(model, new Float32Array(4 * 2304).map((_, i) => (i * 37) % 255 / 255));
    for (const c of qm.spec.constants) {
      if (c.kind !== "separable") continue;
      for (const rq of [c.dRq, c.yRq]) expect([...rq.mul, ...rq.add].filter(isSubnormal)).toEqual([]);
    }
  });
});

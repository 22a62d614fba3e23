// The layer API: graphs of every layer class, compiled to one WASM program, against the same graph run
// through each layer's plain TypeScript reference. Covers fusions (batch norm folded into conv and dense,
// ReLU into Add) and the paths ResEZAP itself does not take.
import { describe, expect, it } from "vitest";
import {
  Activation, Add, AveragePooling2D, BatchNormalization, Conv2D, Dense, DepthwiseConv2D, Dropout, Flatten,
  GlobalAveragePooling2D, GlobalMaxPooling2D, input, MaxPooling2D, Model, ReLU, resezap, SeparableConv2D, Softmax,
  ZeroPadding2D, ModelFormatError, ArgumentError, Subtract, ELU, UpSampling2D, Cropping2D, Normalization, Rescaling, PReLU, Concatenate,
  Permute, Reshape,
} from "../src/index.js";
import { BinaryKind, Op, OP_WORDS } from "../src/abi/nn.js";
import { ConstantOp } from "../src/layers/merge.js";
import { Resize } from "../src/layers/pooling.js";
import { Random } from "../src/util/random.js";
import { expectClose } from "./helpers.js";

/** Gives batch norms non-trivial statistics so folding is really exercised. */
function randomizeBN(m: Model, r: Random) {
  for (const l of m.layers) {
    if (l instanceof BatchNormalization) {
      const C = l.inputShapes[0][l.inputShapes[0].length - 1];
      l.weights.set("gamma", r.fill(C, 0.5, 1.5));
      l.weights.set("beta", r.fill(C, -0.5, 0.5));
      l.weights.set("moving_mean", r.fill(C, -0.3, 0.3));
      l.weights.set("moving_variance", r.fill(C, 0.2, 2));
    }
  }
  m.weightsChanged();
}

function check(m: Model, n: number, r: Random, tol = 2e-5) {
  const per = m.inputShape.reduce((a, b) => a * b, 1);
  const x = r.fill(n * per, 0, 1);
  expectClose(m.predict(x), m.predictReference(x), tol, m.name);
}

describe("layer graphs: WASM program vs TypeScript reference", () => {
  it("ResEZAP, separable and normal, random weights and batch-norm statistics", () => {
    const r = new Random(3);
    for (const conv of ["separable", "normal"] as const) {
      const m = resezap({ conv, seed: 5 });
      randomizeBN(m, r);
      check(m, 3, r);
    }
  });

  it("a residual join writes over the residual only where that is safe (its last use, not the op's input, whole 8-channel blocks)", () => {
    const r = new Random(8);
    const cases: [string, (x0: ReturnType<typeof input>) => ReturnType<typeof input>][] = [
      // ResEZAP's pattern: written in place
      ["in place", (x0) => {
        const a = new SeparableConv2D({ filters: 16, padding: "same" }).apply(x0);
        const b = new SeparableConv2D({ filters: 16, padding: "same" }).apply(a);
        return new Activation({ activation: "relu" }).apply(new Add().apply([new SeparableConv2D({ filters: 16, padding: "same" }).apply(b), a]));
      }],
      // the residual is the op's own input: must not be overwritten while the op still reads it
      ["residual is the input", (x0) => {
        const a = new Conv2D({ filters: 16, kernelSize: 1 }).apply(x0);
        return new Add().apply([new Dense({ units: 16 }).apply(a), a]);
      }],
      ["residual is the separable's input", (x0) => {
        const a = new Conv2D({ filters: 8, kernelSize: 1 }).apply(x0);
        return new Add().apply([new SeparableConv2D({ filters: 8, padding: "same" }).apply(a), a]);
      }],
      // the residual is read again later
      ["residual used again", (x0) => {
        const a = new SeparableConv2D({ filters: 8, padding: "same" }).apply(x0);
        const b = new SeparableConv2D({ filters: 8, padding: "same" }).apply(a);
        const j = new Add().apply([new SeparableConv2D({ filters: 8, padding: "same" }).apply(b), a]);
        return new Add().apply([j, a]);
      }],
      // a partial block of channels (12): the kernels finish it from memory after the store
      ["12 channels", (x0) => {
        const a = new SeparableConv2D({ filters: 12, padding: "same" }).apply(x0);
        const b = new SeparableConv2D({ filters: 12, padding: "same" }).apply(a);
        return new Add().apply([new SeparableConv2D({ filters: 12, padding: "same" }).apply(b), a]);
      }],
      ["dense, 12 units", (x0) => {
        const a = new Dense({ units: 12 }).apply(x0);
        const b = new Dense({ units: 12 }).apply(a);
        return new Add().apply([new Dense({ units: 12 }).apply(b), a]);
      }],
    ];
    for (const [name, build] of cases) {
      const x0 = input({ shape: [9, 11, 5] });
      const m = new Model({ inputs: x0, outputs: build(x0), name });
      check(m, 3, r);
    }
    // and ResEZAP's three joins do run in place: each separable op with a residual writes over it
    const p = resezap({ seed: 1 }).compiled();
    let joins = 0;
    for (let k = 0; k < p.nOps; k++) {
      const w = p.arena.i32.subarray((p.prog >> 2) + k * OP_WORDS, (p.prog >> 2) + (k + 1) * OP_WORDS);
      if (w[0] === Op.Separable && w[11] !== 0) {
        joins++;
        expect(w[8], "output pointer of a residual join").toBe(w[11]);
      }
    }
    expect(joins).toBe(3);
  });

  it("every other layer class, odd sizes and channel counts, both paddings", () => {
    const r = new Random(4);
    for (let k = 0; k < 6; k++) {
      const H = r.int(7, 21), W = r.int(7, 21), C = r.int(1, 11);
      const x0 = input({ shape: [H, W, C] });
      const pad = k % 2 ? "same" : "valid";
      let x = new Conv2D({ filters: r.int(1, 13), kernelSize: 3, padding: pad, activation: "relu" }).apply(x0);
      x = new BatchNormalization().apply(x);
      x = new DepthwiseConv2D({ padding: pad === "same" ? "valid" : "same" }).apply(x);
      x = new BatchNormalization().apply(x);
      const a = new ReLU().apply(x);
      const f = a.shape[2];
      const b = new SeparableConv2D({ filters: f, padding: "same" }).apply(a);
      const c = new Conv2D({ filters: f, kernelSize: 1 }).apply(a);
      x = new Add().apply([b, c, a]);
      x = new Activation({ activation: "relu" }).apply(x);
      x = new ZeroPadding2D({ padding: [[1, 0], [2, 1]] }).apply(x);
      x = new MaxPooling2D({ poolSize: [2, 3], strides: [1, 2], padding: pad }).apply(x);
      x = new AveragePooling2D({ poolSize: 3, strides: 2, padding: "same" }).apply(x);
      const g1 = new GlobalAveragePooling2D().apply(x);
      x = new Dense({ units: 9, activation: "relu" }).apply(new Dropout({ rate: 0.3 }).apply(g1));
      x = new BatchNormalization().apply(x);
      x = new Dense({ units: 5 }).apply(x);
      x = new Softmax().apply(x);
      const m = new Model({ inputs: x0, outputs: x, seed: k });
      randomizeBN(m, r);
      check(m, 2, r);
    }
  });

  it("Flatten, Dense on an image (pointwise on the last axis), GlobalMaxPooling2D, output taken mid-graph", () => {
    const r = new Random(5);
    const x0 = input({ shape: [5, 6, 3] });
    let x = new Dense({ units: 4 }).apply(x0);
    const g = new GlobalMaxPooling2D().apply(x);
    x = new Flatten().apply(x);
    x = new Dense({ units: 3, activation: "softmax" }).apply(x);
    check(new Model({ inputs: x0, outputs: x }), 4, r);
    check(new Model({ inputs: x0, outputs: g }), 4, r);
  });

  it("what TF.js cannot check (keras-parity.test.ts covers the rest): Subtract, separable depth multipliers, ReLU's threshold and slope, ELU's alpha, bilinear upsampling, keepdims, Normalization", () => {
    const r = new Random(21);
    for (let k = 0; k < 6; k++) {
      const H = r.int(3, 14), W = r.int(3, 14), C = r.int(1, 11);
      const x0 = input({ shape: [H, W, C] });
      const a = new Conv2D({ filters: 5, kernelSize: r.int(1, 4), strides: r.int(1, 2), padding: "same", activation: "hard_swish" }).apply(x0);
      const b = new SeparableConv2D({ filters: 5, kernelSize: r.int(2, 5), strides: 1 + (k % 3), padding: "same", depthMultiplier: 1 + (k % 3) }).apply(x0);
      const [hb, wb] = b.shape, [ha, wa] = a.shape;
      // strides differ, so bring b to a's size: crop it, or pad it
      const dh = hb - ha, dw = wb - wa;
      const bb = dh >= 0 && dw >= 0 ? new Cropping2D({ cropping: [[0, dh], [0, dw]] }).apply(b)
        : new ZeroPadding2D({ padding: [[0, Math.max(0, -dh)], [Math.max(0, -dw), 0]] }).apply(
          dh > 0 || dw > 0 ? new Cropping2D({ cropping: [[0, Math.max(0, dh)], [0, Math.max(0, dw)]] }).apply(b) : b);
      let y = new Subtract().apply([a, bb]);
      y = new ReLU({ maxValue: 1.5, negativeSlope: 0.3, threshold: -0.2 }).apply(y);
      y = new ELU({ alpha: 0.6 }).apply(y);
      y = new UpSampling2D({ size: [2, 3], interpolation: "bilinear" }).apply(y);
      y = new Normalization({ mean: Array.from(r.fill(5, -1, 1)), variance: Array.from(r.fill(5, 0.5, 2)) }).apply(y);
      const g = new GlobalAveragePooling2D().apply(y);
      check(new Model({ inputs: x0, outputs: g }), 2, r);
    }
    const keep = new GlobalMaxPooling2D();
    keep.keepdims = true;
    const x1 = input({ shape: [5, 4, 3] });
    const m = new Model({ inputs: x1, outputs: new Dense({ units: 2 }).apply(keep.apply(x1)) });
    expect(m.outputShape).toEqual([1, 1, 2]);
    check(m, 2, r);
  });

  it("what ONNX import builds on: explicit pads, ceil-mode and count-include-pad pooling, Resize's modes, constant operands, several outputs", () => {
    const r = new Random(33);
    for (let k = 0; k < 8; k++) {
      const H = r.int(4, 15), W = r.int(4, 15), C = r.int(1, 9);
      const x0 = input({ shape: [H, W, C] });
      const pads: [[number, number], [number, number]] = [[r.int(0, 2), r.int(0, 2)], [r.int(0, 2), r.int(0, 2)]];
      const a = new Conv2D({ filters: 6, kernelSize: [r.int(1, 4), r.int(1, 4)], strides: r.int(1, 2), pads }).apply(x0);
      const b = new DepthwiseConv2D({ kernelSize: 3, pads: [[1, 0], [0, 1]], depthMultiplier: 2 }).apply(a);
      const p = (k % 2 ? new MaxPooling2D({ poolSize: 3, strides: 2, pads: [[1, 1], [1, 0]], ceilMode: true })
        : new AveragePooling2D({ poolSize: 2, strides: 2, pads: [[1, 0], [0, 1]], countIncludePad: k % 4 === 0 })).apply(b);
      const coords = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"] as const;
      const rs = new Resize({ size: [r.int(1, 20), r.int(1, 20)], mode: k % 3 ? "linear" : "nearest", coord: coords[k % 5], nearestMode: k % 2 ? "floor" : "round_prefer_ceil" }).apply(p);
      const [, , Cr] = rs.shape;
      const c1 = new ConstantOp({ kind: BinaryKind.Mul, constant: r.fill(Cr, 0.5, 2), constantShape: [1, 1, Cr] }).apply(rs);
      const c2 = new ConstantOp({ kind: BinaryKind.Sub, constant: Float32Array.of(0.25), constantShape: [1], constantFirst: true }).apply(c1);
      const m = new Model({ inputs: x0, outputs: [c2, new GlobalMaxPooling2D().apply(c1), a] });
      const x = r.fill(2 * H * W * C, -1, 1);
      const got = m.predictOutputs(x, 2), want = m.predictReferenceOutputs(x, 2);
      expect(got.length).toBe(3);
      got.forEach((g, i) => expectClose(g, want[i], 2e-5, `case ${k} output ${i}`));
      expectClose(m.predict(x, 2), want[0], 2e-5, `case ${k} predict`);
    }
  });

  it("a row-wise model (an MLP) runs a batch as matrix rows: 150 examples (64 + 64 + 22) equal the reference and one-by-one predicts", () => {
    const r = new Random(41);
    const x0 = input({ shape: [37] });
    let h = new Dense({ units: 29, activation: "relu" }).apply(x0);
    h = new BatchNormalization().apply(h);
    const skip = new Dense({ units: 29 }).apply(h);
    h = new Activation({ activation: "gelu" }).apply(new Add().apply([new Dense({ units: 29 }).apply(h), skip]));
    const m = new Model({ inputs: x0, outputs: new Dense({ units: 7, activation: "softmax" }).apply(new Dropout({ rate: 0.2 }).apply(h)) });
    randomizeBN(m, r);
    expect(m.rowWise()).toBe(true);
    expect(resezap().rowWise()).toBe(false);
    const x = r.fill(150 * 37, -1, 1);
    const all = m.predict(x, 150);
    expectClose(all, m.predictReference(x, 150), 2e-5, "rows vs reference");
    const one = new Float32Array(150 * 7);
    for (let i = 0; i < 150; i++) one.set(m.predict(x.subarray(i * 37, (i + 1) * 37), 1), i * 7);
    expectClose(all, one, 1e-6, "rows vs one by one");
  });

  it("per-channel maps of 1–7 channels (RGB means and scales) run as vectors over lcm(C, 4) values: the same as the reference, whether the image divides into them or not", () => {
    const r = new Random(57);
    for (const C of [1, 2, 3, 5, 6, 7]) {
      for (const [H, W] of [[4, 6], [5, 3], [1, 1]]) {
        const x0 = input({ shape: [H, W, C] });
        let y = new Rescaling({ scale: Array.from(r.fill(C, 0.5, 2)), offset: Array.from(r.fill(C, -1, 1)) }).apply(x0);
        y = new Normalization({ mean: Array.from(r.fill(C, -1, 1)), variance: Array.from(r.fill(C, 0.5, 2)) }).apply(y);
        y = new ConstantOp({ kind: BinaryKind.Div, constant: r.fill(C, 0.5, 2), constantShape: [1, 1, C] }).apply(y);
        const p = new PReLU({ sharedAxes: [1, 2] });
        y = p.apply(y);
        const m = new Model({ inputs: x0, outputs: y });
        p.weights.set("alpha", r.fill(C, 0.1, 0.5));
        m.weightsChanged();
        check(m, 3, r, 1e-6);
      }
    }
  });

  it("layer arguments at their edges: the last valid value taken, the first invalid refused", () => {
    const edges = (what: string, make: (v: number) => unknown, ok: number[], bad: number[]) => {
      for (const v of ok) expect(() => make(v), `${what} ${v}`).not.toThrow();
      for (const v of bad) expect(() => make(v), `${what} ${v}`).toThrow(ModelFormatError);
    };
    edges("Dropout rate", (rate) => new Dropout({ rate }), [0, 0.9999], [-0.0001, 1]);
    edges("BatchNormalization epsilon", (epsilon) => new BatchNormalization({ epsilon }), [1e-30], [0]);
    edges("UpSampling2D size", (v) => new UpSampling2D({ size: [v, 1] }), [1], [0]);
    // a pair of integers in 0..16384 (pairOf, every kernel, stride, pool and padding)
    edges("ZeroPadding2D padding", (v) => new ZeroPadding2D({ padding: [v, 0] } as never), [0, 16384], [-1, 16385]);
    edges("Resize size", (v) => new Resize({ size: [v, 4], mode: "nearest", coord: "asymmetric" }), [1, 16384], [0, 16385]);
    edges("Resize scales", (v) => new Resize({ size: [4, 4], mode: "nearest", coord: "asymmetric", scales: [v, 1] }), [1e-9], [0, Infinity]);
    edges("ReLU max_value", (v) => ReLU.fromConfig({ name: "r", max_value: v }), [0], [-0.0001]);
    edges("MaxPooling2D pool_size", (v) => new MaxPooling2D({ poolSize: [v, 2], strides: 1 }), [1], [0]);
    edges("MaxPooling2D strides", (v) => new MaxPooling2D({ poolSize: 2, strides: [2, v] }), [1], [0]);
    edges("PReLU shared_axes", (v) => new PReLU({ sharedAxes: [v] }), [1], [0]);
    // Permute: a permutation of 1..n with n ≤ 4; Reshape: sizes ≥ 1, one -1 at most
    expect(new Permute({ dims: [4, 3, 2, 1] }).dims).toEqual([4, 3, 2, 1]);
    for (const dims of [[5, 4, 3, 2, 1], [2, 3], []]) expect(() => new Permute({ name: "p", dims }), `${dims}`).toThrow(`layer p: dims must be a permutation of 1..n (n ≤ 4), found ${JSON.stringify(dims)}`);
    edges("Reshape size", (v) => new Reshape({ targetShape: [v, -1] }), [1], [0, -2]);
    expect(() => new Reshape({ name: "r", targetShape: [-1, -1] })).toThrow("layer r: target_shape must be positive integers with at most one -1, found [-1,-1]");
    // a shared axis up to the input's rank (3, batch excluded)
    edges("PReLU shared axis of a rank-3 input", (v) => new PReLU({ sharedAxes: [v] }).apply(input({ shape: [4, 4, 2] })), [3], [4]);
    // Concatenate's axis on inputs of rank 3 (4 with the batch): 1..3 or -3..-1; 0 is the batch
    const a = input({ shape: [4, 4, 2] }), b = input({ shape: [4, 4, 2] });
    edges("Concatenate axis", (axis) => new Concatenate({ axis }).apply([a, b]), [1, 3, -1, -3], [0, 4, -4]);
  });

  it("input sizes and counts at their edges: the smallest input that fits taken, one less refused", () => {
    const at = (h: number, w = 4) => input({ shape: [h, w, 1] });
    // a 3×3 kernel (5×5 dilated by 2), a 3×3 pool, 2 of 3 rows cropped
    expect(new Conv2D({ filters: 1, kernelSize: 3 }).apply(at(3)).shape).toEqual([1, 2, 1]);
    expect(() => new Conv2D({ name: "c", filters: 1, kernelSize: 3 }).apply(at(2))).toThrow('layer c: input 2×4 is too small for the 3×3 convolution (padding "valid")');
    expect(new Conv2D({ filters: 1, kernelSize: 3, dilationRate: [2, 1] }).apply(at(5)).shape).toEqual([1, 2, 1]);
    expect(() => new Conv2D({ name: "d", filters: 1, kernelSize: 3, dilationRate: [2, 1] }).apply(at(4))).toThrow(/layer d: input 4×4 is too small/);
    expect(new MaxPooling2D({ poolSize: 3, strides: 1 }).apply(at(3)).shape).toEqual([1, 2, 1]);
    expect(() => new MaxPooling2D({ name: "p", poolSize: 3, strides: 1 }).apply(at(2))).toThrow("layer p: input 2×4 is smaller than the pool 3×3");
    expect(new Cropping2D({ cropping: [[1, 1], [0, 0]] }).apply(at(3)).shape).toEqual([1, 4, 1]);
    expect(() => new Cropping2D({ name: "k", cropping: [[1, 1], [0, 0]] }).apply(at(2))).toThrow("layer k: cropping [[1,1],[0,0]] leaves nothing of a 2×4 input");
    // a merge takes 2 inputs or more; an input's and a Dense layer's sizes are 1..65,536
    expect(new Add().apply([at(2), at(2)]).shape).toEqual([2, 4, 1]);
    expect(() => new Add({ name: "a" }).apply([at(2)])).toThrow("layer a (Add): expected at least 2 inputs, found 1");
    for (const v of [1, 65536]) expect(input({ shape: [v, 1] }).shape, `input ${v}`).toEqual([v, 1]);
    for (const v of [0, 65537]) expect(() => input({ shape: [v, 1] }), `input ${v}`).toThrow(`input shape must be integers in 1..65536 (batch dimension excluded), found [${v},1]`);
    for (const v of [1, 65536]) expect(new Dense({ units: v }).units).toBe(v);
    for (const v of [0, 65537]) expect(() => new Dense({ name: "u", units: v })).toThrow(`layer u: units must be an integer in 1..65536, found ${v}`);
  });

  it("refuses what does not fit, naming the layer", () => {
    const x0 = input({ shape: [4, 4, 2] });
    expect(() => new SeparableConv2D({ name: "big", filters: 2, kernelSize: 33 })).toThrow(/big: kernel_size \[33,33\] is not supported \(each in 1..31\)/);
    expect(() => new Conv2D({ name: "fast", filters: 2, strides: 5 })).toThrow(/fast: strides \[5,5\] is not supported \(each in 1..4\)/);
    expect(() => new Conv2D({ name: "both", filters: 2, strides: 2, dilationRate: 2 })).toThrow(/both: strides \[2,2\] with dilation_rate \[2,2\]/);
    // each at its edge: 1 and the maximum are taken, 0 and one past the maximum refused
    for (const [field, key, max] of [["kernel_size", "kernelSize", 31], ["strides", "strides", 4], ["dilation_rate", "dilationRate", 8]] as const) {
      for (const v of [1, max]) expect(() => new Conv2D({ filters: 2, [key]: [v, 1] }), `${key} ${v}`).not.toThrow();
      for (const v of [0, max + 1]) expect(() => new Conv2D({ name: "edge", filters: 2, [key]: [1, v] })).toThrow(`layer edge: ${field} [1,${v}] is not supported (each in 1..${max})`);
    }
    expect(() => new Add({ name: "join" }).apply([x0, new Conv2D({ filters: 3, padding: "same" }).apply(x0)])).toThrow(ModelFormatError);
    expect(() => new Dense({ name: "d", units: 0 })).toThrow(/layer d: units/);
    expect(() => new Activation({ name: "act", activation: "erf" as any })).toThrow(/act: activation "erf" is not supported \(expected one of linear, relu/);
    const tiny = input({ shape: [2, 2, 1] });
    expect(() => new Conv2D({ name: "c", filters: 1 }).apply(tiny)).toThrow(/c: input 2×2 is too small/);
  });

  it("predict refuses a wrong-sized or non-finite batch", () => {
    const m = resezap();
    expect(() => m.predict(new Float32Array(2305))).toThrow(ArgumentError);
    expect(() => m.predict(new Float32Array(2304).fill(NaN))).toThrow(/value 0 is NaN/);
    expect(m.predict(new Float32Array(0)).length).toBe(0);
    expect(m.forInputShape([48, 48, 1])).toBe(m);
    expect(() => m.forInputShape([64, 64, 1])).toThrow(/forInputShape: the model's input is fixed at \[48, 48, 1\], not \[64, 64, 1\]/);
    expect(m.predict(new Float32Array(3 * 2304)).length).toBe(21);
  });

  it("a batch bigger than one WASM chunk gives the same rows as one by one", () => {
    const m = resezap({ seed: 9 });
    const r = new Random(6);
    const n = 300;
    const x = r.fill(n * 2304, 0, 1);
    const all = m.predict(x);
    for (const i of [0, 255, 256, 299]) {
      const one = m.predict(x.subarray(i * 2304, (i + 1) * 2304));
      expect(Array.from(all.subarray(i * 7, i * 7 + 7))).toEqual(Array.from(one));
    }
  });
});

// ONNX import against onnxruntime-node: this project's ResEZAP export, YuNet (models/yunet, two input sizes),
// and small graphs written here with src/onnx/proto.ts's encoder that use every supported op and attribute
// (grouped and strided convolutions, explicit and automatic pads, pooling modes, Resize's modes, broadcasting
// with constants, layout changes, the constant subgraphs PyTorch writes), each run by both engines on the same
// random input.
import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as ort from "onnxruntime-node";
import { ModelFormatError, ArgumentError } from "../src/errors.js";
import { LIMITS } from "../src/limits.js";
import { foldedSize } from "../src/onnx/convert.js";
import { loadModel, loadOnnxModel } from "../src/onnx/load.js";
import { DataType, graph, model, node, tensor, valueInfo } from "../src/onnx/proto.js";
import { Random } from "../src/util/random.js";
import { maxRelErr } from "./helpers.js";
import { tempDir } from "./temp-dir.js";

const ROOT = new URL("..", import.meta.url).pathname;
const TOL = 1e-4;

async function compare(bytes: Uint8Array, dims: number[], seed: number, lo = -1, hi = 1): Promise<number> {
  const r = new Random(seed);
  const x = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < x.length; i++) x[i] = r.uniform(lo, hi);
  const ours = (await loadOnnxModel(bytes)).run(x, dims);
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const want = await s.run({ [s.inputNames[0]]: new ort.Tensor("float32", x, dims) });
  let worst = 0;
  for (const name of s.outputNames) {
    expect(ours[name].dims, name).toEqual([...want[name].dims]);
    const e = maxRelErr(ours[name].data, want[name].data as Float32Array);
    if (e > TOL) console.log(`output ${name} [${ours[name].dims}]: max relative error ${e}`);
    worst = Math.max(worst, e);
  }
  return worst;
}

/** A graph written with the encoder: nodes, float initializers, one float input, the named outputs. */
function build(spec: {
  nodes: ReturnType<typeof node>[];
  inits?: Record<string, { dims: number[]; data: Float32Array | BigInt64Array }>;
  input: (number | string)[];
  outputs: string[];
  opset?: number;
}): Uint8Array {
  const initializers = Object.entries(spec.inits ?? {}).map(([name, t]) => tensor(name, t.dims, t.data));
  return model({
    graph: graph({ name: "g", nodes: spec.nodes, initializers, inputs: [valueInfo("x", spec.input)], outputs: spec.outputs.map((o) => valueInfo(o, null)) }),
    opset: spec.opset ?? 13, producerName: "resezap-test", producerVersion: "1",
  });
}

const r = new Random(77);
const w = (...dims: number[]) => ({ dims, data: r.fill(dims.reduce((a, b) => a * b, 1), -0.5, 0.5) });
const i64 = (...v: number[]) => ({ dims: [v.length], data: BigInt64Array.from(v.map(BigInt)) });

describe("ONNX import vs onnxruntime-node", () => {
  it("this project's ResEZAP export (benchmarks/models/resezap-reference.onnx), batch 3", async () => {
    const bytes = readFileSync(join(ROOT, "benchmarks/models/resezap-reference.onnx"));
    expect(await compare(bytes, [3, 48, 48, 1], 1, 0, 1)).toBeLessThan(1e-5);
  });

  it("YuNet at two input sizes (free height and width), all 12 raw outputs", async () => {
    const bytes = readFileSync(join(ROOT, "models/yunet/face_detection_yunet.onnx"));
    expect(await compare(bytes, [1, 3, 160, 128], 2, 0, 255)).toBeLessThan(TOL);
    expect(await compare(bytes, [1, 3, 96, 224], 3, 0, 255)).toBeLessThan(TOL);
  });

  it("convolutions: group 1 and depthwise (multiplier 1 and 2), strides, dilations, explicit and SAME_UPPER/SAME_LOWER pads", async () => {
    const bytes = build({
      input: [1, 3, "h", "w"],
      nodes: [
        node("Conv", ["x", "w1", "b1"], ["c1"], "c1", { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 2, 1] }),
        node("Relu", ["c1"], ["r1"], "r1"),
        node("Conv", ["r1", "w2"], ["c2"], "c2", { group: 8, pads: [1, 1, 1, 1] }),
        node("Conv", ["c2", "w3", "b3"], ["c3"], "c3", { group: 8, auto_pad: "SAME_UPPER", strides: [2, 1], kernel_shape: [5, 4] }),
        node("Clip", ["c3", "lo", "hi"], ["k3"], "k3"),
        node("Conv", ["k3", "w4", "b4"], ["c4"], "c4", { dilations: [2, 2], pads: [2, 1, 1, 2] }),
        node("Conv", ["c4", "w6"], ["c6"], "c6", { auto_pad: "SAME_LOWER", strides: [2, 2], kernel_shape: [2, 2] }),
        node("LeakyRelu", ["c6"], ["l4"], "l4", { alpha: { float: 0.1 } }),
        node("Conv", ["l4", "w5"], ["c5"], "c5", { kernel_shape: [1, 1], strides: [2, 2] }),
        node("HardSwish", ["c5"], ["y"], "y"),
      ],
      inits: {
        w1: w(8, 3, 3, 3), b1: w(8), w2: w(8, 1, 3, 3), w3: w(16, 1, 5, 4), b3: w(16), lo: { dims: [], data: Float32Array.of(-0.3) }, hi: { dims: [], data: Float32Array.of(0.4) },
        w4: w(6, 16, 3, 3), b4: w(6), w6: w(6, 6, 2, 2), w5: w(5, 6, 1, 1),
      },
      outputs: ["y", "c2"],
      opset: 14,
    });
    expect(await compare(bytes, [1, 3, 31, 22], 4)).toBeLessThan(TOL);
    expect(await compare(bytes, [1, 3, 16, 17], 5)).toBeLessThan(TOL);
  });

  it("batch norm, activations, PRelu, constant and broadcast Add/Sub/Mul/Div/Max/Min (a tensor divided by a per-channel tensor too), pooling of every kind", async () => {
    const bytes = build({
      input: [1, 4, 13, 11],
      nodes: [
        node("BatchNormalization", ["x", "g", "be", "m", "v"], ["bn"], "bn", { epsilon: { float: 1e-3 } }),
        node("ReduceMean", ["x"], ["sum2"], "sum2", { axes: [2, 3], keepdims: 1 }),
        node("Sigmoid", ["sum2"], ["s2"], "s2"),
        node("Add", ["s2", "two"], ["sq"], "sq"),
        node("Sigmoid", ["bn"], ["s"], "s"),
        node("Mul", ["bn", "s"], ["sw"], "sw"),
        node("Mul", ["sw", "cc"], ["m1"], "m1"),
        node("Sub", ["half", "m1"], ["s1"], "s1"),
        node("Div", ["s1", "three"], ["d1"], "d1"),
        node("Add", ["d1", "bn"], ["a1"], "a1"),
        node("PRelu", ["a1", "slope"], ["p1"], "p1"),
        node("Tanh", ["p1"], ["t1"], "t1"),
        node("HardSigmoid", ["t1"], ["h1"], "h1", { alpha: { float: 0.3 }, beta: { float: 0.4 } }),
        node("Max", ["h1", "t1"], ["mx"], "mx"),
        node("Min", ["mx", "cc"], ["mn0"], "mn0"),
        node("Div", ["mn0", "sq"], ["dv"], "dv"),
        node("Add", ["dv", "mn0"], ["mn"], "mn"),
        node("MaxPool", ["mn"], ["mp"], "mp", { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }),
        node("AveragePool", ["mn"], ["ap"], "ap", { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1], count_include_pad: 1 }),
        node("AveragePool", ["mn"], ["ap2"], "ap2", { kernel_shape: [2, 2], auto_pad: "SAME_UPPER" }),
        node("GlobalAveragePool", ["ap2"], ["ga"], "ga"),
        node("GlobalMaxPool", ["mp"], ["gm"], "gm"),
        node("Add", ["ap", "ga"], ["apg"], "apg"),
        node("ReduceMean", ["apg"], ["rm"], "rm", { axes: [2, 3], keepdims: 0 }),
        node("Elu", ["rm"], ["e1"], "e1", { alpha: { float: 0.5 } }),
        node("Softplus", ["e1"], ["y"], "y"),
      ],
      inits: {
        g: w(4), be: w(4), m: w(4), v: { dims: [4], data: Float32Array.of(0.5, 1, 1.5, 2) }, cc: w(1, 4, 1, 1), half: { dims: [], data: Float32Array.of(0.5) },
        three: { dims: [1], data: Float32Array.of(3) }, slope: w(4, 1, 1), two: { dims: [], data: Float32Array.of(2) },
      },
      outputs: ["y", "gm", "ap", "mp"],
    });
    expect(await compare(bytes, [1, 4, 13, 11], 6)).toBeLessThan(TOL);
  });

  it("Resize (every coordinate mode, nearest roundings, linear), Concat on each axis, Pad, Transpose, Reshape, Flatten, Gemm, MatMul, Softmax", async () => {
    const coords = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"];
    const nearest = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"];
    const nodes: ReturnType<typeof node>[] = [node("Relu", ["x"], ["x0"], "x0")];
    const resized: string[] = [];
    coords.forEach((c, i) => {
      nodes.push(node("Resize", ["x0", "", "scales"], [`n${i}`], `n${i}`, { mode: "nearest", coordinate_transformation_mode: c, nearest_mode: nearest[i % 4] }));
      if (c !== "tf_half_pixel_for_nn") nodes.push(node("Resize", ["x0", "", "", "sizes"], [`l${i}`], `l${i}`, { mode: "linear", coordinate_transformation_mode: c }));
      resized.push(`n${i}`);
    });
    nodes.push(
      node("Concat", resized, ["cat1"], "cat1", { axis: 1 }),
      node("Concat", ["l0", "l1", "l2", "l3"], ["cat2"], "cat2", { axis: 2 }),
      node("Pad", ["cat2", "pads"], ["pd"], "pd", { mode: "constant" }),
      node("Concat", ["pd", "pd"], ["cat3"], "cat3", { axis: 3 }),
      node("Transpose", ["cat1"], ["tr"], "tr", { perm: [0, 2, 1, 3] }),
      node("Reshape", ["tr", "shape"], ["rs"], "rs"),
      node("Flatten", ["cat3"], ["fl"], "fl", { axis: 1 }),
      node("Gemm", ["fl", "gw", "gb"], ["gm"], "gm", { transB: 1, alpha: { float: 0.5 } }),
      node("MatMul", ["gm", "mw"], ["mm"], "mm"),
      node("Softmax", ["mm"], ["y"], "y", { axis: -1 }),
    );
    const fl = 3 * (4 * 6 + 1) * (2 * 10); // cat3: [1, 3, 4·6 + 1 (pad), 2·10]
    const bytes = build({
      input: [1, 3, 5, 4],
      nodes,
      inits: {
        scales: { dims: [4], data: Float32Array.of(1, 1, 2.5, 1.75) }, sizes: i64(1, 3, 6, 10), pads: i64(0, 0, 1, 0, 0, 0, 0, 0),
        shape: i64(1, -1, 4), gw: w(9, fl), gb: w(9), mw: w(9, 7),
      },
      outputs: ["y", "rs", "cat1", "cat2", "cat3", "n0", "n1", "n2", "n3", "n4", "l0", "l1", "l2", "l3"],
    });
    expect(await compare(bytes, [1, 3, 5, 4], 7)).toBeLessThan(TOL);
  });

  it("older opsets: Upsample (opset 9) and Resize (opset 10) with scales as their second input, Clip with attributes (opset 10)", async () => {
    for (const [op, opset] of [["Upsample", 9], ["Resize", 10]] as const) {
      const bytes = build({
        input: [1, 2, 5, 3], opset,
        nodes: [
          node("Clip", ["x"], ["c"], "c", { min: { float: -0.5 }, max: { float: 0.7 } }),
          node(op, ["c", "scales"], ["y"], "up", { mode: "nearest" }),
        ],
        inits: { scales: { dims: [4], data: Float32Array.of(1, 1, 2, 3) } },
        outputs: ["y"],
      });
      expect(await compare(bytes, [1, 2, 5, 3], 9), `${op} opset ${opset}`).toBeLessThan(TOL);
    }
  });

  it("the constant subgraphs PyTorch writes (Shape, Gather, Unsqueeze, Concat, Reshape, ConstantOfShape, Slice, Cast, Constant) fold at load", async () => {
    const bytes = build({
      input: [1, 2, "h", "w"],
      opset: 13,
      nodes: [
        node("Conv", ["x", "cw"], ["c"], "c", { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
        node("Shape", ["c"], ["shp"], "shp"),
        node("Constant", [], ["zero"], "zero", { value: tensor("zero", [], BigInt64Array.of(0n)) }),
        node("Gather", ["shp", "zero"], ["n"], "n", { axis: 0 }),
        node("Unsqueeze", ["n", "ax0"], ["n1"], "n1"),
        node("Constant", [], ["minus1"], "minus1", { value: tensor("minus1", [1], BigInt64Array.of(-1n)) }),
        node("Concat", ["n1", "minus1"], ["newshape"], "newshape", { axis: 0 }),
        node("Reshape", ["c", "newshape"], ["flat"], "flat"),
        node("Slice", ["shp", "st", "en"], ["hw"], "hw"),
        node("Cast", ["hw"], ["hwf"], "hwf", { to: DataType.FLOAT }),
        node("ConstantOfShape", ["one"], ["ones"], "ones", { value: tensor("v", [1], Float32Array.of(2)) }),
        node("ReduceMax", ["c"], ["rmx"], "rmx", { axes: [2, 3], keepdims: 1 }),
        node("Squeeze", ["rmx", "ax23"], ["sq"], "sq"),
        node("Mul", ["sq", "ones"], ["sq2"], "sq2"),
        node("Unsqueeze", ["sq2", "ax0"], ["us"], "us"),
        node("Identity", ["flat"], ["y"], "y"),
        node("Dropout", ["us"], ["z"], "z"),
      ],
      inits: { cw: w(3, 2, 3, 3), ax0: i64(0), st: i64(2), en: i64(4), one: i64(3), ax23: i64(2, 3) },
      outputs: ["y", "z"],
    });
    expect(await compare(bytes, [1, 2, 7, 9], 8)).toBeLessThan(TOL);
  });
});

describe("ONNX import refuses what it does not run, by name", () => {
  const one = (n: ReturnType<typeof node>, inits = {}) => build({ input: [1, 4, 8, 8], nodes: [n], inits, outputs: ["y"] });
  it("an unsupported op, a grouped convolution, a non-zero Pad, a Softmax over H", async () => {
    await expect(loadOnnxModel(one(node("LpNormalization", ["x"], ["y"], "lpn"))).then((m) => m.run(new Float32Array(256), [1, 4, 8, 8])))
      .rejects.toThrow(/node lpn \(LpNormalization\): operator LpNormalization is not supported \(supported: Conv, /);
    await expect(loadOnnxModel(one(node("Conv", ["x", "w"], ["y"], "grp", { group: 2 }), { w: w(4, 2, 3, 3) })).then((m) => m.run(new Float32Array(256), [1, 4, 8, 8])))
      .rejects.toThrow(/node grp \(Conv\): group 2 with 4 input channels is not supported/);
    await expect(loadOnnxModel(one(node("Pad", ["x", "p", "v"], ["y"], "pad"), { p: i64(0, 0, 1, 1, 0, 0, 1, 1), v: { dims: [], data: Float32Array.of(1) } })).then((m) => m.run(new Float32Array(256), [1, 4, 8, 8])))
      .rejects.toThrow(/node pad \(Pad\): Pad mode "constant" value 1 is not supported/);
    await expect(loadOnnxModel(one(node("Softmax", ["x"], ["y"], "sm", { axis: 2 }))).then((m) => m.run(new Float32Array(256), [1, 4, 8, 8])))
      .rejects.toThrow(/node sm \(Softmax\): Softmax over axis 2/);
    await expect(loadOnnxModel(new Uint8Array([8, 1, 0x3a, 0xff, 0xff]))).rejects.toThrow(ModelFormatError);
  });

  it("Gather indices at their edges (folded at load): 3 and -4 of a rank-4 shape taken, 4 and -5 refused", async () => {
    // y = x reshaped to [1, shape(x)[k], -1]
    const gather = (k: number) => loadOnnxModel(build({
      input: [1, 4, 8, 8],
      nodes: [node("Shape", ["x"], ["shp"], "shp"), node("Gather", ["shp", "k"], ["g"], "gat", { axis: 0 }), node("Concat", ["one", "g", "m1"], ["to"], "cat", { axis: 0 }), node("Reshape", ["x", "to"], ["y"], "r")],
      inits: { k: i64(k), one: i64(1), m1: i64(-1) },
      outputs: ["y"],
    })).then((m) => m.run(new Float32Array(256), [1, 4, 8, 8]).y.dims);
    expect(await gather(3)).toEqual([1, 8, 32]);
    expect(await gather(-4)).toEqual([1, 1, 256]);
    for (const k of [4, -5]) await expect(gather(k)).rejects.toThrow(`node gat (Gather): Gather index ${k} outside [0, 4)`);
  });

  it(`constants folded at load at their edge: ${LIMITS.maxFoldedElements} elements taken, one more refused`, async () => {
    const max = LIMITS.maxFoldedElements;
    // the check every fold makes before allocating, at the edge (folding 2^24 values for real takes 128 MB)
    expect(foldedSize("c", [max])).toBe(max);
    expect(foldedSize("c", [4096, 4096])).toBe(max);
    for (const dims of [[max + 1], [4097, 4096]]) expect(() => foldedSize("c", dims)).toThrow(`c [${dims}], over ${max} elements (LIMITS.maxFoldedElements)`);
    // each fold, one row over, refused by name before its values exist
    type Part = readonly [ReturnType<typeof node>, Record<string, ReturnType<typeof i64>>];
    const zeros = (out: string, ...dims: number[]): Part =>
      [node("ConstantOfShape", [`${out}_shape`], [out], out, { value: tensor("v", [1], BigInt64Array.of(0n)) }), { [`${out}_shape`]: i64(...dims) }];
    const fold = (parts: Part[], last: ReturnType<typeof node>[] = []) => loadOnnxModel(build({
      input: [1, 4, 8, 8], outputs: ["y"],
      nodes: [...parts.map((p) => p[0]), ...last, node("Relu", ["x"], ["y"], "relu")],
      inits: Object.assign({}, ...parts.map((p) => p[1])),
    })).then((m) => m.run(new Float32Array(256), [1, 4, 8, 8]));
    const over = (what: string) => `${what}, over ${max} elements (LIMITS.maxFoldedElements)`;
    await expect(fold([zeros("big", 4097, 4096)])).rejects.toThrow(over("node big (ConstantOfShape): ConstantOfShape of [4097,4096]"));
    await expect(fold([zeros("a", 4097, 1), zeros("b", 1, 4096)], [node("Add", ["a", "b"], ["s"], "sum")]))
      .rejects.toThrow(over("node sum (Add): constants of shapes [4097,1] and [1,4096] broadcast to [4097,4096]"));
    await expect(fold([zeros("d", 4097, 1, 1), zeros("i", 4096)], [node("Gather", ["d", "i"], ["g"], "gat", { axis: 1 })]))
      .rejects.toThrow(over("node gat (Gather): Gather to [4097,4096,1]"));
    await expect(fold([zeros("p", 1, 4096)], [node("Concat", Array(4097).fill("p"), ["j"], "cat", { axis: 0 })]))
      .rejects.toThrow(over("node cat (Concat): Concat of constants to [4097,4096]"));
  });

  it(`the input's fixed dims at their edges: ${LIMITS.maxTensorElements} elements and size 1 read, one more and 0 refused, at load`, async () => {
    const relu = (dims: number[]) => loadOnnxModel(build({ input: dims, nodes: [node("Relu", ["x"], ["y"], "relu")], outputs: ["y"] }));
    expect((await relu([1, 1, 8192, 8192])).inputDims).toEqual([1, 1, 8192, 8192]);
    expect((await relu([1, 1, 1, 1])).inputDims).toEqual([1, 1, 1, 1]);
    await expect(relu([1, 1, 8192, 8193])).rejects.toThrow(new RegExp(`input x has dims \\[1, 1, 8192, 8193\\], over ${LIMITS.maxTensorElements} elements \\(LIMITS\\.maxTensorElements\\)$`));
    await expect(relu([1, 1, 0, 8])).rejects.toThrow(/input x has dims \[1, 1, 0, 8\], expected positive sizes/);
  });

  it("axes and constant ranks at their edges: the last axis and -rank taken, rank and -rank - 1 refused; a constant of the tensor's rank taken, one more refused", async () => {
    // y = x reshaped to [1, shape(x)[3 along axis a], -1]: Gather on the rank-1 shape
    const gather = (a: number) => loadOnnxModel(build({
      input: [1, 4, 8, 8],
      nodes: [node("Shape", ["x"], ["shp"], "shp"), node("Gather", ["shp", "k"], ["g"], "gat", { axis: a }), node("Concat", ["one", "g", "m1"], ["to"], "cat", { axis: 0 }), node("Reshape", ["x", "to"], ["y"], "r")],
      inits: { k: i64(3), one: i64(1), m1: i64(-1) },
      outputs: ["y"],
    })).then((m) => m.run(new Float32Array(256), [1, 4, 8, 8]).y.dims);
    for (const a of [0, -1]) expect(await gather(a), `axis ${a}`).toEqual([1, 8, 32]);
    for (const a of [1, -2]) await expect(gather(a)).rejects.toThrow(`node gat (Gather): axis ${a} is outside a tensor of rank 1`);
    const add = (dims: number[]) => loadOnnxModel(one(node("Add", ["x", "c"], ["y"], "add"), { c: w(...dims) })).then((m) => m.run(new Float32Array(256), [1, 4, 8, 8]).y.dims);
    expect(await add([1, 4, 1, 1])).toEqual([1, 4, 8, 8]);
    await expect(add([1, 1, 4, 1, 1])).rejects.toThrow("node add (Add): constant operand: constant of rank 5 against a tensor of rank 4");
  });

  it("pooling pads at their edges: one less than the kernel taken, the kernel's size refused", async () => {
    const pool = (p: number) => loadOnnxModel(build({ input: [1, 4, 8, 8], nodes: [node("MaxPool", ["x"], ["y"], "mp", { kernel_shape: [3, 3], pads: [p, 0, 0, 0] })], outputs: ["y"] }))
      .then((m) => m.run(new Float32Array(256), [1, 4, 8, 8]));
    expect((await pool(2)).y.dims).toEqual([1, 4, 8, 6]);
    await expect(pool(3)).rejects.toThrow(/node mp \(MaxPool\): pads \[3, 0, 0, 0\] must be smaller than kernel_shape \[3,3\]/);
  });

  it("Conv pads at their edges: 0 and 1024 taken, -1 and 1025 refused", async () => {
    const conv = (p: number) => loadOnnxModel(one(node("Conv", ["x", "w"], ["y"], "c", { pads: [p, 0, 0, 0] }), { w: w(1, 4, 1, 1) })).then((m) => m.run(new Float32Array(256), [1, 4, 8, 8]));
    expect((await conv(0)).y.dims).toEqual([1, 1, 8, 8]);
    expect((await conv(1024)).y.dims).toEqual([1, 1, 1032, 8]);
    for (const p of [-1, 1025]) await expect(conv(p)).rejects.toThrow(new RegExp(`node c \\(Conv\\): pads \\[${p},0,0,0\\] must be 4 integers in 0\\.\\.1024`));
  });

  it("wrong input sizes, and loadModel picks the format by content", async () => {
    const yunet = await loadOnnxModel(join(ROOT, "models/yunet/face_detection_yunet.onnx"));
    expect(() => yunet.run(new Float32Array(10), [1, 3, 4, 4])).toThrow(ArgumentError);
    expect(() => yunet.run(new Float32Array(2 * 16 * 16), [1, 2, 16, 16])).toThrow(/input input is \[1, 3, height, width\], found dims \[1, 2, 16, 16\]/);
    // opset 7 is the oldest read, 6 is refused
    const relu = (opset: number) => build({ input: [1, 2, 3, 3], nodes: [node("Relu", ["x"], ["y"], "relu")], outputs: ["y"], opset });
    expect((await loadOnnxModel(relu(7))).run(new Float32Array(18).fill(-1), [1, 2, 3, 3]).y.data.every((v) => v === 0)).toBe(true);
    await expect(loadOnnxModel(relu(6))).rejects.toThrow(/: opset 6 is not supported \(7 and later/);
    // a free height or width at its edges: 16,384 is taken, 16,385 and 0 refused; 1 passes the range check and is
    // refused by the graph itself (its pooling needs more)
    for (const [h, w] of [[16384, 32], [32, 16384]]) expect(yunet.forSize(h, w).model.inputShape).toEqual([h, w, 3]);
    expect(() => yunet.forSize(16385, 32)).toThrow(/input height must be an integer in 1\.\.16384, found 16385$/);
    expect(() => yunet.forSize(32, 16385)).toThrow(/input width must be an integer in 1\.\.16384, found 16385$/);
    expect(() => yunet.forSize(0, 32)).toThrow(/input height must be an integer in 1\.\.16384, found 0$/);
    expect(() => yunet.forSize(1, 32)).toThrow(/node MaxPool_5 \(MaxPool\): .* input 1×16 is smaller/);
    await expect(loadModel(join(ROOT, "models/yunet/face_detection_yunet.onnx"))).rejects.toThrow(/free height or width.*pass inputSize/);
    const m = await loadModel(join(ROOT, "models/yunet/face_detection_yunet.onnx"), { inputSize: [64, 96] });
    expect(m.inputShape).toEqual([64, 96, 3]);
    expect(m.outputs.length).toBe(12);
    const res = await loadModel(join(ROOT, "benchmarks/models/resezap-reference.onnx"));
    expect(res.inputShape).toEqual([48, 48, 1]);
    const keras = await loadModel(join(ROOT, "models/reference"));
    expect(keras.inputShape).toEqual([48, 48, 1]);
  });

  it(`a file, a download or bytes over LIMITS.maxOnnxBytes are refused before they are read`, async () => {
    // one byte over (the limit itself, and the check they share, are tested in onnx-proto.test.ts); a sparse file
    // and a Content-Length cost no memory
    const over = LIMITS.maxOnnxBytes + 1, refusal = (what: string) => `${what}: ${over} bytes, over the limit of ${LIMITS.maxOnnxBytes} (LIMITS.maxOnnxBytes)`;
    const file = join(tempDir("onnx-size"), "big.onnx");
    writeFileSync(file, "");
    truncateSync(file, over);
    await expect(loadOnnxModel(file)).rejects.toThrow(refusal(file));
    await expect(loadModel(file)).rejects.toThrow(refusal(file));
    await expect(loadOnnxModel(new Uint8Array(over))).rejects.toThrow(refusal("model.onnx"));
    const { createServer } = await import("node:http");
    const server = createServer((_, res) => {
      res.writeHead(200, { "Content-Length": String(over) });
      res.write(new Uint8Array(16));
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/big.onnx`;
    try {
      await expect(loadOnnxModel(url)).rejects.toThrow(refusal(url));
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("loadModel over HTTP: an ONNX file under a name without .onnx is told by its bytes, a model.json by its name", async () => {
    const { createServer } = await import("node:http");
    const files: Record<string, string> = {
      "/detector": join(ROOT, "models/yunet/face_detection_yunet.onnx"),
      "/ref/model.json": join(ROOT, "models/reference/model.json"),
      "/ref/group1-shard1of1.bin": join(ROOT, "models/reference/group1-shard1of1.bin"),
    };
    const server = createServer((req, res) => {
      const f = files[req.url ?? ""];
      if (!f) return void res.writeHead(404).end();
      res.writeHead(200).end(readFileSync(f));
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const y = await loadModel(`${base}/detector`, { inputSize: [64, 64] });
      expect(y.outputs.length).toBe(12);
      const k = await loadModel(`${base}/ref/model.json`);
      expect(k.inputShape).toEqual([48, 48, 1]);
    } finally {
      server.close();
    }
  });
});

// The ONNX protobuf layer (src/onnx/proto.ts): what the encoder writes decodes to what was written, the real
// files decode to what their writers put in them (cross-checked with onnxruntime-node), and hostile bytes end in
// a ModelFormatError or LimitError of one line, quickly, never in anything else.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LimitError, ModelFormatError } from "../src/errors.js";
import { LIMITS } from "../src/limits.js";
import {
  AttributeType,
  DataType,
  decodeModel,
  F,
  graph,
  MAX_GRAPH_DEPTH,
  MAX_ONNX_MESSAGES,
  model,
  node,
  ProtoWriter,
  tensor,
  tensorValues,
  valueInfo,
  Wire,
  type OnnxAttributeValue,
  type OnnxModelProto,
  type OnnxTensorProto,
} from "../src/onnx/proto.js";
import { Random } from "../src/util/random.js";
import { readLayersModel } from "../scripts/lib/tfjs-layers-model.mjs";

const path = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const REFERENCE = path("../benchmarks/models/resezap-reference.onnx");
const REFERENCE_DIR = path("../fixtures/reference-model");
// YuNet is committed under models/yunet; ../shared/models/yunet holds the same file in the project's workspace.
const YUNET = [path("../models/yunet/face_detection_yunet.onnx"), path("../../shared/models/yunet/face_detection_yunet.onnx")].find(existsSync) ?? "models/yunet/face_detection_yunet.onnx";

/** Runs fn, which must throw exactly `cls` with a one-line message matching re; returns the message. */
function fails(fn: () => unknown, cls: typeof ModelFormatError | typeof LimitError, re: RegExp): string {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, "expected a throw").toBeDefined();
  expect((err as Error).constructor, String(err)).toBe(cls);
  const msg = (err as Error).message;
  expect(msg).not.toMatch(/[\n\r]/);
  expect(msg).toMatch(re);
  return msg;
}

/** The message format every decoder error keeps. */
const FORMAT = (file: string) => new RegExp(`^${file.replace(/\./g, "\\.")}: .+ at byte \\d+: (expected .+, found .+|external data .+)$`);

/** A model around one graph. */
const wrap = (g: ProtoWriter, extra: Partial<Parameters<typeof model>[0]> = {}) =>
  model({ graph: g, producerName: "test", producerVersion: "1", ...extra });
const tinyGraph = (initializers: ProtoWriter[] = [], nodes = [node("Relu", ["x"], ["y"], "relu")]) =>
  graph({ name: "g", nodes, initializers, inputs: [valueInfo("x", [1, 3])], outputs: [valueInfo("y", [1, 3])] });
const tiny = (initializers: ProtoWriter[] = []) => wrap(tinyGraph(initializers));

function attr(m: OnnxModelProto, nodeIndex: number, name: string): OnnxAttributeValue {
  const a = m.graph.nodes[nodeIndex].attributes.find((x) => x.name === name);
  if (!a) throw new Error(`no attribute ${name}`);
  return a.value;
}
const values = (t: OnnxTensorProto) => Array.from(tensorValues(t, "t.onnx").values);

describe("round trips: the encoder's models decode to what was written", () => {
  it("attributes of every kind", () => {
    const sub = graph({ name: "body", nodes: [node("Identity", ["a"], ["b"], "id")], initializers: [], inputs: [valueInfo("a", [2])], outputs: [valueInfo("b", [2])] });
    const sub2 = graph({ name: "body2", nodes: [node("Neg", ["a"], ["b"], "neg")], initializers: [], inputs: [], outputs: [] });
    const bytes = wrap(
      tinyGraph([], [
        node("Custom", ["x"], ["y"], "all", {
          int: 3,
          negative: -1, // a 10-byte varint
          big: 2 ** 53 - 1,
          float: 0.5,
          integralFloat: { float: 1 },
          string: "constant ünïcode",
          emptyString: "",
          ints: [1, -2, 3],
          emptyInts: { ints: [] },
          floats: { floats: [0.25, -1.5] },
          strings: { strings: ["a", "é", ""] },
          tensor: tensor("t", [2], new Float32Array([1.5, -2])),
          tensors: { tensors: [tensor("u", [1], BigInt64Array.of(-7n)), tensor("v", [], new Float32Array([3]))] },
          graph: { graph: sub },
          graphs: { graphs: [sub, sub2] },
        }, { domain: "com.example", docString: "every kind" }),
      ]),
    );
    const m = decodeModel(bytes, "t.onnx");
    const n = m.graph.nodes[0];
    expect([n.opType, n.name, n.domain, n.docString, n.inputs, n.outputs]).toEqual(["Custom", "all", "com.example", "every kind", ["x"], ["y"]]);
    expect(n.attributes.map((a) => a.name)).toEqual(["int", "negative", "big", "float", "integralFloat", "string", "emptyString", "ints", "emptyInts", "floats", "strings", "tensor", "tensors", "graph", "graphs"]);
    expect(attr(m, 0, "int")).toEqual({ kind: "int", value: 3 });
    expect(attr(m, 0, "negative")).toEqual({ kind: "int", value: -1 });
    expect(attr(m, 0, "big")).toEqual({ kind: "int", value: 2 ** 53 - 1 });
    expect(attr(m, 0, "float")).toEqual({ kind: "float", value: 0.5 });
    expect(attr(m, 0, "integralFloat")).toEqual({ kind: "float", value: 1 });
    expect(attr(m, 0, "string")).toEqual({ kind: "string", value: "constant ünïcode" });
    expect(attr(m, 0, "emptyString")).toEqual({ kind: "string", value: "" });
    expect(attr(m, 0, "ints")).toEqual({ kind: "ints", value: [1, -2, 3] });
    expect(attr(m, 0, "emptyInts")).toEqual({ kind: "ints", value: [] });
    expect(attr(m, 0, "floats")).toEqual({ kind: "floats", value: [0.25, -1.5] });
    expect(attr(m, 0, "strings")).toEqual({ kind: "strings", value: ["a", "é", ""] });
    const t = attr(m, 0, "tensor");
    if (t.kind !== "tensor") throw new Error(t.kind);
    expect([t.value.name, t.value.dims, values(t.value)]).toEqual(["t", [2], [1.5, -2]]);
    const ts = attr(m, 0, "tensors");
    if (ts.kind !== "tensors") throw new Error(ts.kind);
    expect(ts.value.map((x) => [x.name, x.dataType, x.dims, values(x)])).toEqual([["u", DataType.INT64, [1], [-7]], ["v", DataType.FLOAT, [], [3]]]);
    const g = attr(m, 0, "graph");
    if (g.kind !== "graph") throw new Error(g.kind);
    expect([g.value.name, g.value.nodes[0].opType, g.value.inputs[0].tensorType]).toEqual(["body", "Identity", { elemType: DataType.FLOAT, shape: [2] }]);
    const gs = attr(m, 0, "graphs");
    if (gs.kind !== "graphs") throw new Error(gs.kind);
    expect(gs.value.map((x) => x.nodes[0].opType)).toEqual(["Identity", "Neg"]);
    // the type field is kept as written
    expect(n.attributes.map((a) => a.type)).toEqual([2, 2, 2, 1, 1, 3, 3, 7, 7, 6, 8, 4, 9, 5, 10]);
  });

  it("initializers of every numeric type, in raw_data, in the typed fields unpacked, and packed", () => {
    const f16 = Uint16Array.of(0x3c00, 0xc000, 0x3800, 0x7bff, 0x7c00, 0x0001, 0x8000); // 1, -2, 0.5, 65504, ∞, 2^-24, -0
    const bf16 = Uint16Array.of(0x3f80, 0xc040, 0x4049); // 1, -3, 3.140625
    const cases: [string, number[], Parameters<typeof tensor>[2], number | undefined, number[]][] = [
      ["f32", [2, 2], Float32Array.of(1, -2.5, 3.25, 1e-8), undefined, [1, -2.5, 3.25, Math.fround(1e-8)]],
      ["f64", [3], Float64Array.of(0.1, -1e300, 5e-324), undefined, [0.1, -1e300, 5e-324]],
      ["i8", [3], Int8Array.of(-128, 0, 127), undefined, [-128, 0, 127]],
      ["u8", [2], Uint8Array.of(0, 255), undefined, [0, 255]],
      ["i16", [2], Int16Array.of(-32768, 32767), undefined, [-32768, 32767]],
      ["u16", [2], Uint16Array.of(0, 65535), undefined, [0, 65535]],
      ["i32", [3], Int32Array.of(-(2 ** 31), 0, 2 ** 31 - 1), undefined, [-(2 ** 31), 0, 2 ** 31 - 1]],
      ["u32", [2], Uint32Array.of(0, 2 ** 32 - 1), undefined, [0, 2 ** 32 - 1]],
      ["i64", [4], BigInt64Array.of(-1n, 0n, 2n ** 53n - 1n, -(2n ** 53n) + 1n), undefined, [-1, 0, 2 ** 53 - 1, -(2 ** 53) + 1]],
      // INT64_MAX (Slice's "to the end") rounds to the nearest double
      ["i64max", [1], BigInt64Array.of(2n ** 63n - 1n), undefined, [2 ** 63]],
      ["u64", [2], BigUint64Array.of(0n, 2n ** 64n - 1n), undefined, [0, 2 ** 64]],
      ["bool", [3], Uint8Array.of(1, 0, 1), DataType.BOOL, [1, 0, 1]],
      ["f16", [7], f16, DataType.FLOAT16, [1, -2, 0.5, 65504, Infinity, 2 ** -24, -0]],
      ["bf16", [3], bf16, DataType.BFLOAT16, [1, -3, 3.140625]],
      ["scalar", [], Float32Array.of(7), undefined, [7]],
      ["empty", [0, 3], new Float32Array(0), undefined, []],
    ];
    for (const storage of ["raw", "typed", "packed"] as const) {
      const inits = cases.map(([name, dims, data, dataType]) => tensor(name, dims, data, { dataType, storage }));
      const m = decodeModel(tiny(inits), `${storage}.onnx`);
      expect(m.graph.initializers.map((t) => t.name)).toEqual(cases.map((c) => c[0]));
      m.graph.initializers.forEach((t, i) => {
        const [name, dims, data, dataType, expected] = cases[i];
        expect(t.dims, name).toEqual(dims);
        expect(t.dataType, name).toBe(dataType ?? { Float32Array: 1, Float64Array: 11, Int8Array: 3, Uint8Array: 2, Int16Array: 5, Uint16Array: 4, Int32Array: 6, Uint32Array: 12, BigInt64Array: 7, BigUint64Array: 13 }[data.constructor.name]);
        expect(t.rawData !== null, name).toBe(storage === "raw");
        const v = tensorValues(t, `${storage}.onnx`);
        expect(v.dims).toEqual(dims);
        expect(v.values).toBeInstanceOf(Float64Array);
        expect(Array.from(v.values), `${storage} ${name}`).toEqual(expected);
      });
    }
    // negative zero survives
    const z = decodeModel(tiny([tensor("z", [1], Uint16Array.of(0x8000), { dataType: DataType.FLOAT16 })]), "z.onnx");
    expect(Object.is(tensorValues(z.graph.initializers[0], "z.onnx").values[0], -0)).toBe(true);
    const nan = decodeModel(tiny([tensor("n", [1], Uint16Array.of(0x7e00), { dataType: DataType.FLOAT16, storage: "typed" })]), "n.onnx");
    expect(tensorValues(nan.graph.initializers[0], "n.onnx").values[0]).toBeNaN();
  });

  it("packed and unpacked repeated fields written by hand decode alike", () => {
    const T = F.tensor;
    const floats = [1.5, -2, 0.25, 8];
    const packedBytes = new Uint8Array(16);
    floats.forEach((v, i) => new DataView(packedBytes.buffer).setFloat32(i * 4, v, true));
    // dims packed too (onnx.proto does not declare dims packed; a parser must accept both)
    const packed = new ProtoWriter().packedVarints(T.dims, [2, 2]).int(T.dataType, DataType.FLOAT).string(T.name, "packed").lenDelimited(T.floatData, packedBytes);
    const unpacked = new ProtoWriter().int(T.dims, 2).int(T.dims, 2).int(T.dataType, DataType.FLOAT).string(T.name, "unpacked");
    for (const v of floats) unpacked.float(T.floatData, v);
    // mixed: one packed run then unpacked values, as a concatenation of two serialisations would give
    const mixed = new ProtoWriter().int(T.dims, 4).int(T.dataType, DataType.INT64).string(T.name, "mixed").packedVarints(T.int64Data, [5n, -6n]).int(T.int64Data, 7).int(T.int64Data, -8);
    // attribute ints and floats packed by hand
    const A = F.attribute;
    const packedAttr = new ProtoWriter().string(A.name, "pads").packedVarints(A.ints, [0, 1, -1, 2]).int(A.type, AttributeType.INTS);
    const floatRun = new Uint8Array(8);
    new DataView(floatRun.buffer).setFloat32(0, 0.5, true);
    new DataView(floatRun.buffer).setFloat32(4, -4, true);
    const packedFloats = new ProtoWriter().string(A.name, "scales").lenDelimited(A.floats, floatRun).int(A.type, AttributeType.FLOATS);
    const n = new ProtoWriter().string(F.node.input, "x").string(F.node.output, "y").string(F.node.opType, "Pad").message(F.node.attribute, packedAttr).message(F.node.attribute, packedFloats);
    const g = graph({ name: "g", nodes: [n], initializers: [packed, unpacked, mixed], inputs: [], outputs: [] });
    const m = decodeModel(wrap(g), "packed.onnx");
    const [a, b, c] = m.graph.initializers;
    expect([a.dims, a.floatData, values(a)]).toEqual([[2, 2], floats, floats]);
    expect([b.dims, b.floatData, values(b)]).toEqual([[2, 2], floats, floats]);
    expect([c.dims, values(c)]).toEqual([[4], [5, -6, 7, -8]]);
    expect(attr(m, 0, "pads")).toEqual({ kind: "ints", value: [0, 1, -1, 2] });
    expect(attr(m, 0, "scales")).toEqual({ kind: "floats", value: [0.5, -4] });
  });

  it("value_info with dim_value, dim_param, neither, and unknown rank; model and graph fields", () => {
    const g = graph({
      name: "shapes",
      docString: "graph doc",
      nodes: [node("Identity", ["x"], ["y"], "id")],
      initializers: [],
      inputs: [valueInfo("x", ["batch", 3, null, 224])],
      outputs: [valueInfo("y", null, DataType.INT64)],
      valueInfos: [valueInfo("scalar", []), valueInfo("z", [0, "n"], DataType.FLOAT16)],
    });
    const bytes = model({
      graph: g,
      irVersion: 7,
      opset: 12,
      opsetImports: [{ domain: "com.microsoft", version: 1 }],
      producerName: "prod",
      producerVersion: "9.9",
      domain: "org.example",
      modelVersion: 42,
      docString: "model doc",
      metadata: { classes: '["a","b"]', empty: "" },
    });
    const m = decodeModel(bytes, "shapes.onnx");
    expect({ ...m, graph: undefined }).toEqual({
      irVersion: 7,
      opsetImports: [{ domain: "", version: 12 }, { domain: "com.microsoft", version: 1 }],
      producerName: "prod",
      producerVersion: "9.9",
      domain: "org.example",
      modelVersion: 42,
      docString: "model doc",
      metadataProps: [{ key: "classes", value: '["a","b"]' }, { key: "empty", value: "" }],
      graph: undefined,
    });
    expect([m.graph.name, m.graph.docString]).toEqual(["shapes", "graph doc"]);
    const info = (v: (typeof m.graph.inputs)[number]) => [v.name, v.typeKind, v.tensorType];
    expect(m.graph.inputs.map(info)).toEqual([["x", "tensor", { elemType: DataType.FLOAT, shape: ["batch", 3, null, 224] }]]);
    expect(m.graph.outputs.map(info)).toEqual([["y", "tensor", { elemType: DataType.INT64, shape: null }]]);
    expect(m.graph.valueInfos.map(info)).toEqual([
      ["scalar", "tensor", { elemType: DataType.FLOAT, shape: [] }],
      ["z", "tensor", { elemType: DataType.FLOAT16, shape: [0, "n"] }],
    ]);
  });

  it("unknown fields of every wire type are skipped; non-tensor types and old attributes without a type are read", () => {
    const unknown = (w: ProtoWriter) => w.int(99, 12345).double(98, 1.5).string(97, "future").float(96, 2).int(536870911, 1);
    const vi = unknown(new ProtoWriter().string(F.valueInfo.name, "seq").message(F.valueInfo.type, new ProtoWriter().message(F.type.sequenceType, new ProtoWriter())));
    const oldAttr = unknown(new ProtoWriter().string(F.attribute.name, "axis").int(F.attribute.i, 2)); // no type field
    const oldFloats = new ProtoWriter().string(F.attribute.name, "fs").float(F.attribute.floats, 1).float(F.attribute.floats, 2);
    const sparse = new ProtoWriter().string(F.attribute.name, "sp").message(F.attribute.sparseTensor, new ProtoWriter()).int(F.attribute.type, AttributeType.SPARSE_TENSOR);
    const n = unknown(new ProtoWriter().string(F.node.input, "x").string(F.node.output, "y").string(F.node.opType, "Concat").message(F.node.attribute, oldAttr).message(F.node.attribute, oldFloats).message(F.node.attribute, sparse));
    const t = unknown(tensor("w", [2], Float32Array.of(1, 2)));
    const g = unknown(new ProtoWriter().message(F.graph.node, n).string(F.graph.name, "g").message(F.graph.initializer, t).message(F.graph.input, vi));
    const m = decodeModel(unknown(new ProtoWriter().bytes(wrap(g))).finish(), "unknown.onnx");
    expect(m.graph.nodes[0].attributes.map((a) => [a.name, a.type, a.value])).toEqual([
      ["axis", 0, { kind: "int", value: 2 }],
      ["fs", 0, { kind: "floats", value: [1, 2] }],
      ["sp", AttributeType.SPARSE_TENSOR, { kind: "unsupported", type: AttributeType.SPARSE_TENSOR }],
    ]);
    expect(values(m.graph.initializers[0])).toEqual([1, 2]);
    expect([m.graph.inputs[0].name, m.graph.inputs[0].typeKind, m.graph.inputs[0].tensorType]).toEqual(["seq", "sequence", null]);
  });
});

describe("the real files", () => {
  it("resezap-reference.onnx decodes to what scripts/export-onnx.mjs wrote from the fixture", async () => {
    const m = decodeModel(readFileSync(REFERENCE), "resezap-reference.onnx");
    expect([m.irVersion, m.opsetImports, m.producerName, m.producerVersion]).toEqual([8, [{ domain: "", version: 13 }], "resezap scripts/export-onnx.mjs", "1"]);
    expect(m.metadataProps).toEqual([{ key: "classes", value: JSON.stringify(["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]) }]);
    const g = m.graph;
    const ops: Record<string, number> = {};
    for (const n of g.nodes) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
    expect(g.nodes.length).toBe(47);
    expect(ops).toEqual({ Transpose: 1, Conv: 18, BatchNormalization: 10, Add: 3, Relu: 3, Pad: 3, AveragePool: 3, GlobalMaxPool: 1, Flatten: 1, Gemm: 2, Softmax: 1, Identity: 1 });
    expect(g.nodes[0]).toMatchObject({ opType: "Transpose", inputs: ["input"], outputs: ["input/nchw"] });
    expect(g.nodes.at(-1)).toMatchObject({ opType: "Identity", outputs: ["probabilities"] });
    expect(attr(m, 0, "perm")).toEqual({ kind: "ints", value: [0, 3, 1, 2] });
    const softmax = g.nodes.findIndex((n) => n.opType === "Softmax");
    expect(attr(m, softmax, "axis")).toEqual({ kind: "int", value: -1 });
    expect(g.inputs.map((v) => [v.name, v.tensorType])).toEqual([["input", { elemType: DataType.FLOAT, shape: ["N", 48, 48, 1] }]]);
    expect(g.outputs.map((v) => [v.name, v.tensorType])).toEqual([["probabilities", { elemType: DataType.FLOAT, shape: ["N", 7] }]]);

    // Every Keras weight is an initializer with the layout export-onnx.mjs gives it, values exact.
    const { weights } = await readLayersModel(REFERENCE_DIR);
    const inits = new Map(g.initializers.map((t) => [t.name, tensorValues(t, "resezap-reference.onnx")]));
    expect(g.initializers.length).toBe(74);
    for (const [name, w] of weights as Map<string, { shape: number[]; data: Float32Array }>) {
      const t = inits.get(name);
      expect(t, name).toBeDefined();
      const s = w.shape;
      const dims = name.endsWith("depthwise_kernel") ? [s[2], 1, s[0], s[1]] : name.endsWith("pointwise_kernel") ? [s[3], s[2], 1, 1] : s;
      expect(t!.dims, name).toEqual(dims);
      expect(t!.type).toBe(DataType.FLOAT);
      // separable kernels are transposed to ONNX's layout; every other weight is stored as is
      if (!name.endsWith("_kernel")) expect(Array.from(t!.values), name).toEqual(Array.from(w.data));
    }
    const pads = g.initializers.filter((t) => t.dataType === DataType.INT64);
    expect(pads.map((t) => [t.name, values(t)])).toEqual(["block1_pad/pads", "block2_pad/pads", "block3_pad/pads"].map((n) => [n, [0, 0, 1, 1, 0, 0, 1, 1]]));
  });

  it("onnxruntime-node sees the same inputs and outputs", async () => {
    const ort = await import("onnxruntime-node");
    const ORT_TYPE: Record<number, string> = { [DataType.FLOAT]: "float32", [DataType.INT64]: "int64", [DataType.FLOAT16]: "float16" };
    const files = [REFERENCE, ...(existsSync(YUNET) ? [YUNET] : [])];
    for (const file of files) {
      const g = decodeModel(readFileSync(file), file).graph;
      const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
      try {
        expect(session.inputNames).toEqual(g.inputs.map((v) => v.name));
        expect(session.outputNames).toEqual(g.outputs.map((v) => v.name));
        const meta = (vs: typeof g.inputs) => vs.map((v) => ({ name: v.name, isTensor: true, type: ORT_TYPE[v.tensorType!.elemType], shape: v.tensorType!.shape }));
        // ORT's JS API exposes names, element types and shapes, symbolic dims included (not metadata_props)
        expect(JSON.parse(JSON.stringify(session.inputMetadata))).toEqual(meta(g.inputs));
        expect(JSON.parse(JSON.stringify(session.outputMetadata))).toEqual(meta(g.outputs));
      } finally {
        await session.release();
      }
    }
  });

  const haveYunet = existsSync(YUNET);
  if (!haveYunet) console.log(`skipping the YuNet checks: ${YUNET} is absent`);
  it.skipIf(!haveYunet)("YuNet (OpenCV Model Zoo) decodes: IR 6, opset 11, 53 Conv, 12 outputs, 53,121 parameters", () => {
    const m = decodeModel(readFileSync(YUNET), "face_detection_yunet.onnx");
    const g = m.graph;
    expect([m.irVersion, m.opsetImports, m.producerName, m.producerVersion]).toEqual([6, [{ domain: "", version: 11 }], "pytorch", "1.7"]);
    const ops: Record<string, number> = {};
    for (const n of g.nodes) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
    expect(ops).toEqual({ Conv: 53, Relu: 15, MaxPool: 4, Resize: 2, Add: 2, Sigmoid: 6, Reshape: 12, Transpose: 12 });
    console.log(`YuNet input ${g.inputs[0].name}: [${g.inputs[0].tensorType!.shape!.map((d) => JSON.stringify(d)).join(", ")}]`);
    // height and width are symbolic (dim_param), batch and channels fixed
    expect(g.inputs.map((v) => [v.name, v.tensorType])).toEqual([["input", { elemType: DataType.FLOAT, shape: [1, 3, "height", "width"] }]]);
    const names = ["cls", "obj", "bbox", "kps"].flatMap((k) => [8, 16, 32].map((s) => `${k}_${s}`));
    const last = { cls: 1, obj: 1, bbox: 4, kps: 10 };
    // All twelve outputs name their anchor axis "anchors", although the three strides have different counts.
    expect(g.outputs.map((v) => [v.name, v.tensorType!.shape])).toEqual(names.map((n) => [n, [1, "anchors", last[n.split("_")[0] as keyof typeof last]]]));
    // 53,121 = 53,112 float weights (BN folded into the 53 convs: weights and biases) + the 9 int64 elements of
    // the three Reshape target shapes [1, -1, 1], [1, -1, 4], [1, -1, 10]; the Resize roi is an empty float tensor.
    const all = g.initializers.map((t) => tensorValues(t, "yunet"));
    const count = (ts: typeof all) => ts.reduce((a, t) => a + t.values.length, 0);
    expect(g.initializers.length).toBe(112);
    expect(count(all)).toBe(53121);
    expect(count(all.filter((t) => t.type === DataType.FLOAT))).toBe(53112);
    expect(all.filter((t) => t.type === DataType.INT64).map((t) => Array.from(t.values))).toEqual([[1, -1, 1], [1, -1, 4], [1, -1, 10]]);
    const resize = g.nodes.filter((n) => n.opType === "Resize");
    const byName = new Map(all.map((t) => [t.name, t]));
    for (const n of resize) {
      expect(n.inputs.length).toBe(3); // X, roi, scales (no sizes)
      expect(byName.get(n.inputs[1])!.dims).toEqual([0]);
      expect(Array.from(byName.get(n.inputs[2])!.values)).toEqual([1, 1, 2, 2]);
      expect(Object.fromEntries(n.attributes.map((a) => [a.name, a.value]))).toEqual({
        coordinate_transformation_mode: { kind: "string", value: "asymmetric" },
        cubic_coeff_a: { kind: "float", value: -0.75 },
        mode: { kind: "string", value: "nearest" },
        nearest_mode: { kind: "string", value: "floor" },
      });
    }
    const groups = g.nodes.filter((n) => n.opType === "Conv").map((n) => n.attributes.find((a) => a.name === "group")!.value);
    expect(groups.filter((v) => v.kind === "int" && v.value > 1).length).toBe(20); // depthwise convs
  });
});

describe("hostile bytes end in ModelFormatError or LimitError", () => {
  /** Decodes, then converts every initializer: success, or a typed one-line error. */
  function attempt(bytes: Uint8Array, file: string): "ok" | "format" | "limit" {
    try {
      const m = decodeModel(bytes, file);
      for (const t of m.graph.initializers) if (t.dataType !== DataType.STRING) tensorValues(t, file);
      return "ok";
    } catch (e) {
      if (!(e instanceof ModelFormatError) && !(e instanceof LimitError)) throw new Error(`${file}: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
      expect(e.message).not.toMatch(/[\n\r]/);
      expect(e.message).toMatch(FORMAT(file));
      return e instanceof LimitError ? "limit" : "format";
    }
  }

  it("truncated files, at many cut points", () => {
    const full = new Uint8Array(readFileSync(REFERENCE));
    const rng = new Random(7);
    const cuts = new Set<number>();
    for (let i = 0; i < 400; i++) cuts.add(i);
    for (let i = full.length - 400; i < full.length; i++) cuts.add(i);
    for (let i = 0; i < 400; i++) cuts.add(rng.int(0, full.length - 1));
    let decoded = 0;
    const t0 = performance.now();
    for (const cut of cuts) {
      const part = full.subarray(0, cut);
      try {
        const m = decodeModel(part, "cut.onnx");
        // Protobuf has no end marker: only a cut between two top-level fields after graph and opset_import (here,
        // before metadata_props) leaves a complete model, which must then be the whole graph.
        expect(m.metadataProps).toEqual([]);
        expect(m.graph.nodes.length).toBe(47);
        decoded++;
      } catch (e) {
        expect(e, `cut at ${cut}: ${e}`).toBeInstanceOf(ModelFormatError);
        expect((e as Error).message).toMatch(FORMAT("cut.onnx"));
      }
    }
    const ms = performance.now() - t0;
    console.log(`${cuts.size} cuts: ${decoded} decoded (the metadata boundary), the rest refused; ${(ms / cuts.size).toFixed(2)} ms a cut`);
    expect(decoded).toBeLessThanOrEqual(1);
    fails(() => decodeModel(full.subarray(0, 0), "cut.onnx"), ModelFormatError, /^cut\.onnx: ModelProto at byte 0: expected an ONNX model, found an empty file$/);
    fails(() => decodeModel(full.subarray(0, 1), "cut.onnx"), ModelFormatError, /^cut\.onnx: ModelProto\.ir_version at byte 1: expected a complete varint, found the end of the file$/);
    fails(() => decodeModel(full.subarray(0, 1000), "cut.onnx"), ModelFormatError, /^cut\.onnx: ModelProto\.graph at byte \d+: expected a length of at most \d+ bytes \(to the end of the file\), found length \d+$/);
  });

  it("random byte flips (seeded), on a small model of every field and on the reference model", () => {
    const small = wrap(
      graph({
        name: "g",
        nodes: [
          node("Conv", ["x", "w"], ["y"], "conv", { group: 1, pads: [1, 1, 1, 1], alpha: 0.5, mode: "nearest", t: tensor("c", [2], Int32Array.of(1, -1)), fs: { floats: [1, 2] }, ss: { strings: ["a"] } }),
          node("If", ["y"], ["z"], "if", { then_branch: { graph: tinyGraph() } }),
        ],
        initializers: [tensor("w", [2, 2], Float32Array.of(1, 2, 3, 4)), tensor("p", [2], BigInt64Array.of(1n, -1n), { storage: "packed" }), tensor("h", [2], Uint16Array.of(0x3c00, 0), { dataType: DataType.FLOAT16, storage: "typed" })],
        inputs: [valueInfo("x", ["N", 3, null, 4])],
        outputs: [valueInfo("z", [1])],
        valueInfos: [valueInfo("y", [1, 2])],
      }),
      { metadata: { k: "v" } },
    );
    const reference = new Uint8Array(readFileSync(REFERENCE));
    const rng = new Random(2024);
    for (const [name, base, n] of [["small.onnx", small, 3000], ["ref.onnx", reference, 300]] as const) {
      const tally = { ok: 0, format: 0, limit: 0 };
      let slowest = 0;
      for (let i = 0; i < n; i++) {
        const b = base.slice();
        const flips = rng.int(1, 4);
        for (let k = 0; k < flips; k++) {
          const at = rng.int(0, b.length - 1);
          b[at] = rng.next() < 0.5 ? b[at] ^ (1 << rng.int(0, 7)) : rng.int(0, 255);
        }
        const t0 = performance.now();
        tally[attempt(b, name)]++;
        slowest = Math.max(slowest, performance.now() - t0);
      }
      console.log(`${name}: ${n} mutants: ${JSON.stringify(tally)}, slowest ${slowest.toFixed(1)} ms`);
      expect(tally.format).toBeGreaterThan(0);
      expect(slowest).toBeLessThan(500);
    }
  });

  it("a length prefix of 2^31, and of 2^64 − 1", () => {
    const head = new ProtoWriter().int(F.model.irVersion, 8).tag(F.model.graph, Wire.LEN).varint(2 ** 31).bytes(new Uint8Array(16)).finish();
    fails(() => decodeModel(head, "len.onnx"), ModelFormatError, /^len\.onnx: ModelProto\.graph at byte 2: expected a length of at most 16 bytes \(to the end of the file\), found length 2147483648$/);
    // inside an initializer: raw_data claims 2^31 bytes
    const t = new ProtoWriter().int(F.tensor.dims, 4).int(F.tensor.dataType, 1).tag(F.tensor.rawData, Wire.LEN).varint(2 ** 31).bytes(new Uint8Array(16));
    fails(() => decodeModel(tiny([t]), "len.onnx"), ModelFormatError, /^len\.onnx: TensorProto\.raw_data at byte \d+: expected a length of at most \d+ bytes \(to the end of the enclosing message at byte \d+\), found length 2147483648$/);
    const huge = new ProtoWriter().tag(F.model.graph, Wire.LEN).varint(-1n).finish();
    fails(() => decodeModel(huge, "len.onnx"), ModelFormatError, /found length 18446744073709551615$/);
  });

  it("an 11-byte varint, and a 10-byte one over 64 bits", () => {
    const eleven = Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    fails(() => decodeModel(eleven, "v.onnx"), ModelFormatError, /^v\.onnx: ModelProto\.ir_version at byte 1: expected a varint of at most 10 bytes, found a continuation bit on its 10th byte$/);
    const over = Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02);
    fails(() => decodeModel(over, "v.onnx"), ModelFormatError, /^v\.onnx: ModelProto\.ir_version at byte 1: expected a varint of at most 64 bits, found 10th byte 0x2$/);
    // a tag that is itself an endless varint
    fails(() => decodeModel(new Uint8Array(64).fill(0x80), "v.onnx"), ModelFormatError, /^v\.onnx: ModelProto field tag at byte 0: expected a varint of at most 10 bytes/);
  });

  it(`graphs nested in attributes: ${MAX_GRAPH_DEPTH} deep decode, deeper (up to 1000) are refused`, () => {
    const nested = (depth: number): Uint8Array => {
      let g = tinyGraph();
      for (let i = 0; i < depth; i++) g = graph({ name: `g${i}`, nodes: [node("If", ["c"], ["o"], `if${i}`, { then_branch: { graph: g } })], initializers: [], inputs: [], outputs: [] });
      return wrap(g);
    };
    const ok = decodeModel(nested(MAX_GRAPH_DEPTH), "deep.onnx");
    expect(attr(ok, 0, "then_branch").kind).toBe("graph");
    fails(() => decodeModel(nested(MAX_GRAPH_DEPTH + 1), "deep.onnx"), LimitError, /^deep\.onnx: GraphProto at byte \d+: expected graphs nested at most 16 deep in attributes, found deeper nesting$/);
    const deep = nested(1000);
    const t0 = performance.now();
    fails(() => decodeModel(deep, "deep.onnx"), LimitError, /graphs nested at most 16 deep/);
    expect(performance.now() - t0).toBeLessThan(100);
  });

  it("external data and other unsupported storage", () => {
    const ext = new ProtoWriter()
      .int(F.tensor.dims, 2)
      .int(F.tensor.dataType, DataType.FLOAT)
      .string(F.tensor.name, "conv.weight")
      .message(F.tensor.externalData, new ProtoWriter().string(1, "location").string(2, "weights.bin"))
      .int(F.tensor.dataLocation, 1);
    fails(() => decodeModel(tiny([ext]), "ext.onnx"), ModelFormatError, /^ext\.onnx: tensor "conv\.weight" at byte \d+: external data is not supported: save the model with weights inside \(.*location "weights\.bin"\)$/);
    const locOnly = new ProtoWriter().int(F.tensor.dims, 2).int(F.tensor.dataType, DataType.FLOAT).string(F.tensor.name, "w").int(F.tensor.dataLocation, 1);
    fails(() => decodeModel(tiny([locOnly]), "ext.onnx"), ModelFormatError, /external data is not supported: save the model with weights inside/);
    const segment = new ProtoWriter().string(F.tensor.name, "s").message(F.tensor.segment, new ProtoWriter().int(1, 0).int(2, 1));
    fails(() => decodeModel(tiny([segment]), "seg.onnx"), ModelFormatError, /TensorProto\.segment at byte \d+: expected a whole tensor, found a segment/);
    const sparse = new ProtoWriter().message(F.graph.node, node("Relu", ["x"], ["y"], "r")).message(F.graph.sparseInitializer, new ProtoWriter());
    fails(() => decodeModel(wrap(sparse), "sp.onnx"), ModelFormatError, /GraphProto\.sparse_initializer at byte \d+: expected dense initializers, found a sparse initializer/);
  });

  it("value counts that do not match the dims", () => {
    const raw = new ProtoWriter().int(F.tensor.dims, 2).int(F.tensor.dims, 3).int(F.tensor.dataType, DataType.FLOAT).string(F.tensor.name, "w").lenDelimited(F.tensor.rawData, new Uint8Array(20));
    fails(() => decodeModel(tiny([raw]), "n.onnx"), ModelFormatError, /^n\.onnx: tensor "w" at byte \d+: expected 24 bytes of raw_data \(6 FLOAT values for dims \[2, 3\]\), found 20$/);
    const typed = tensor("w", [5], Float32Array.of(1, 2, 3, 4, 5), { storage: "typed" }).int(F.tensor.dims, 3); // dims now [5, 3]
    fails(() => decodeModel(tiny([typed]), "n.onnx"), ModelFormatError, /^n\.onnx: tensor "w" at byte \d+: expected 15 FLOAT values for dims \[5, 3\] in float_data, found 5$/);
    const both = tensor("w", [1], Float32Array.of(1)).float(F.tensor.floatData, 1);
    fails(() => decodeModel(tiny([both]), "n.onnx"), ModelFormatError, /expected raw_data or float_data, found raw_data and float_data$/);
    const wrongField = new ProtoWriter().int(F.tensor.dims, 1).int(F.tensor.dataType, DataType.FLOAT).string(F.tensor.name, "w").int(F.tensor.int64Data, 1);
    fails(() => decodeModel(tiny([wrongField]), "n.onnx"), ModelFormatError, /expected the values of a FLOAT tensor in float_data, found int64_data$/);
    const negative = new ProtoWriter().int(F.tensor.dims, -2).int(F.tensor.dataType, DataType.FLOAT).string(F.tensor.name, "w");
    fails(() => decodeModel(tiny([negative]), "n.onnx"), ModelFormatError, /tensor "w" at byte \d+: expected non-negative integer dims, found \[-2\]$/);
    // a zero anywhere makes an empty tensor, however large the other dims
    const zero = decodeModel(tiny([tensor("z", [65536, 65536, 0], new Float32Array(0))]), "n.onnx");
    expect(values(zero.graph.initializers[0])).toEqual([]);
    const packedOdd = new ProtoWriter().int(F.tensor.dims, 1).int(F.tensor.dataType, DataType.FLOAT).lenDelimited(F.tensor.floatData, new Uint8Array(5));
    fails(() => decodeModel(tiny([packedOdd]), "n.onnx"), ModelFormatError, /TensorProto\.float_data at byte \d+: expected a packed length that is a multiple of 4, found length 5$/);
    // tensorValues checks hand-made tensors too, and refuses non-numeric types
    const m = decodeModel(tiny([tensor("ok", [2], Float32Array.of(1, 2))]), "n.onnx");
    const t = m.graph.initializers[0];
    fails(() => tensorValues({ ...t, dims: [3] }, "n.onnx"), ModelFormatError, /^n\.onnx: tensor "ok" at byte \d+: expected 12 bytes of raw_data \(3 FLOAT values for dims \[3\]\), found 8$/);
    fails(() => tensorValues({ ...t, dataType: DataType.STRING }, "n.onnx"), ModelFormatError, /expected a numeric data type .*, found STRING$/);
  });

  it("wrong wire types, unknown wire types, bad tags, bad UTF-8, integers past 2^53, missing parts", () => {
    fails(() => decodeModel(new ProtoWriter().int(F.model.graph, 1).finish(), "w.onnx"), ModelFormatError, /^w\.onnx: ModelProto\.graph at byte 0: expected wire type 2 \(length-delimited\), found wire type 0 \(varint\)$/);
    fails(() => decodeModel(new ProtoWriter().string(F.model.irVersion, "8").finish(), "w.onnx"), ModelFormatError, /ModelProto\.ir_version at byte 0: expected wire type 0 \(varint\), found wire type 2/);
    const badAttr = new ProtoWriter().string(F.attribute.name, "a").float(F.attribute.ints, 1);
    const n = new ProtoWriter().string(F.node.opType, "X").message(F.node.attribute, badAttr);
    fails(() => decodeModel(wrap(graph({ name: "g", nodes: [n], initializers: [], inputs: [], outputs: [] })), "w.onnx"), ModelFormatError, /AttributeProto\.ints at byte \d+: expected wire type 0 \(varint\) or packed \(wire type 2 \(length-delimited\)\), found wire type 5 \(32-bit\)$/);
    fails(() => decodeModel(Uint8Array.of(0x0f, 0), "w.onnx"), ModelFormatError, /ModelProto field 1 at byte 0: expected wire type 0, 1, 2 or 5 \(ONNX uses no groups\), found wire type 7 \(invalid\)$/);
    fails(() => decodeModel(Uint8Array.of(0x0b, 0x0c), "w.onnx"), ModelFormatError, /found wire type 3 \(start group\)$/);
    fails(() => decodeModel(Uint8Array.of(0x02, 0x00), "w.onnx"), ModelFormatError, /ModelProto field tag at byte 0: expected a field number in 1–536870911, found tag 2 \(field 0\)$/);
    fails(() => decodeModel(Uint8Array.of(0x08, 0x08, 0x12, 0x02, 0xc3, 0x28), "w.onnx"), ModelFormatError, /ModelProto\.producer_name at byte 4: expected UTF-8 text, found invalid UTF-8$/);
    const bigAttr = new ProtoWriter().string(F.attribute.name, "axis").int(F.attribute.i, 2n ** 60n).int(F.attribute.type, AttributeType.INT);
    const n2 = new ProtoWriter().string(F.node.opType, "X").message(F.node.attribute, bigAttr);
    fails(() => decodeModel(wrap(graph({ name: "g", nodes: [n2], initializers: [], inputs: [], outputs: [] })), "w.onnx"), ModelFormatError, /AttributeProto\.i at byte \d+: expected an integer within ±\(2\^53 − 1\), found 1152921504606846976$/);
    const minAttr = new ProtoWriter().string(F.attribute.name, "ends").int(F.attribute.ints, 1).int(F.attribute.ints, -(2n ** 63n)).int(F.attribute.type, AttributeType.INTS);
    const n3 = new ProtoWriter().string(F.node.opType, "Slice").message(F.node.attribute, minAttr);
    fails(() => decodeModel(wrap(graph({ name: "g", nodes: [n3], initializers: [], inputs: [], outputs: [] })), "w.onnx"), ModelFormatError, /AttributeProto\.ints at byte \d+: .*found -9223372036854775808$/);
    const noOp = new ProtoWriter().string(F.node.name, "nameless\nop");
    fails(() => decodeModel(wrap(graph({ name: "g", nodes: [noOp], initializers: [], inputs: [], outputs: [] })), "w.onnx"), ModelFormatError, /^w\.onnx: node "nameless\\nop" at byte \d+: expected an op_type \(field 4\), found none$/);
    const ambiguous = new ProtoWriter().string(F.attribute.name, "a").int(F.attribute.i, 1).float(F.attribute.f, 1);
    const n4 = new ProtoWriter().string(F.node.opType, "X").message(F.node.attribute, ambiguous);
    fails(() => decodeModel(wrap(graph({ name: "g", nodes: [n4], initializers: [], inputs: [], outputs: [] })), "w.onnx"), ModelFormatError, /attribute "a" at byte \d+: expected one value field, or a type \(field 20\), found no type and values of kinds FLOAT, INT$/);
    // missing parts of a model
    fails(() => decodeModel(new ProtoWriter().int(F.model.irVersion, 8).finish(), "w.onnx"), ModelFormatError, /^w\.onnx: ModelProto\.graph \(field 7\) at byte 2: expected a graph, found none in the file/);
    fails(() => decodeModel(new ProtoWriter().message(F.model.graph, tinyGraph()).finish(), "w.onnx"), ModelFormatError, /ModelProto\.ir_version \(field 1\) at byte \d+: expected an IR version/);
    fails(() => decodeModel(new ProtoWriter().int(F.model.irVersion, 8).message(F.model.graph, tinyGraph()).finish(), "w.onnx"), ModelFormatError, /ModelProto\.opset_import \(field 8\) at byte \d+: expected at least one operator set/);
    // a PNG is not an ONNX model
    fails(() => decodeModel(readFileSync(path("../fixtures/faces/knn_test_kit_with_rose.png")), "face.png"), ModelFormatError, FORMAT("face.png"));
  });

  it(`more than MAX_ONNX_MESSAGES (${MAX_ONNX_MESSAGES}) messages and strings are refused`, () => {
    // 2 bytes each: an empty GraphProto.input (tag 0x5a, length 0)
    const inputs = new Uint8Array(2 * (MAX_ONNX_MESSAGES + 1));
    for (let i = 0; i < inputs.length; i += 2) inputs[i] = (F.graph.input << 3) | Wire.LEN;
    const bytes = wrap(new ProtoWriter().message(F.graph.node, node("Relu", [], [], "")).bytes(inputs));
    const t0 = performance.now();
    fails(() => decodeModel(bytes, "many.onnx"), LimitError, /^many\.onnx: GraphProto\.input at byte \d+: expected at most 1000000 messages and strings in one file, found more$/);
    console.log(`refused ${MAX_ONNX_MESSAGES + 1} messages after ${(performance.now() - t0).toFixed(0)} ms`);
  });

  it("limits: file size, node count, tensor elements", () => {
    fails(() => decodeModel(new Uint8Array(LIMITS.maxOnnxBytes + 1), "big.onnx"), LimitError, /^big\.onnx: 268435457 bytes, over the limit of 268435456 \(LIMITS\.maxOnnxBytes\)$/);
    const g = new ProtoWriter();
    const relu = node("Relu", [], [], "");
    for (let i = 0; i <= LIMITS.maxOnnxNodes; i++) g.message(F.graph.node, relu);
    fails(() => decodeModel(wrap(g), "nodes.onnx"), LimitError, /^nodes\.onnx: GraphProto\.node at byte \d+: expected at most 10000 nodes \(LIMITS\.maxOnnxNodes\), found more$/);
    const huge = new ProtoWriter().int(F.tensor.dims, 65536).int(F.tensor.dims, 65536).int(F.tensor.dataType, DataType.FLOAT).string(F.tensor.name, "huge").lenDelimited(F.tensor.rawData, new Uint8Array(4));
    const t0 = performance.now();
    fails(() => decodeModel(tiny([huge]), "huge.onnx"), LimitError, /^huge\.onnx: tensor "huge" at byte \d+: expected at most 67108864 elements \(LIMITS\.maxTensorElements\), found dims \[65536, 65536\]$/);
    expect(performance.now() - t0).toBeLessThan(50);
  });
});

import { gunzipSync } from "node:zlib";
// The valid inputs the fuzzer mutates, built once per run from the repository's fixtures. Small versions are
// made alongside the real files (crops re-encoded, a few generated cascades, a few-filter model) so that
// ten thousand cases per parser run in minutes; the real files stay in the mix so their structure
// (progressive JPEG, Keras-exported JSON, OpenCV's XML layout) is mutated too.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { Rng } from "./rng.mjs";

// The ONNX encoder (ProtoWriter helpers) of the built library: src/index.ts does not export it, and the small
// graphs below are only bytes, so the vitest suite (which loads the library from src/) uses it too.
let onnxEncoder = null;
try {
  onnxEncoder = await import(new URL("../../../dist/onnx/proto.js", import.meta.url).href);
} catch {
  // reported by onnxBases() when the "onnx" target is used without a build
}

export function loadBases(root, lib) {
  const f = (p) => join(root, p);
  return {
    png: pngBases(f),
    jpeg: jpegBases(f),
    cascade: cascadeBases(f),
    model: modelBases(f, lib),
    fer: ferBases(f),
    // built on first use (it needs dist/), once
    get onnx() {
      const v = onnxBases(f);
      Object.defineProperty(this, "onnx", { value: v });
      return v;
    },
  };
}

function crop(img, x0, y0, w, h) {
  const data = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) img.data.copy(data, y * w * 4, ((y0 + y) * img.width + x0) * 4, ((y0 + y) * img.width + x0 + w) * 4);
  return { width: w, height: h, data };
}

function pngBases(f) {
  const real = readFileSync(f("fixtures/faces/obama_small.png"));
  const img = PNG.sync.read(real);
  const out = [{ name: "obama_small.png", bytes: new Uint8Array(real), weight: 1 }];
  // every colour type pngjs writes, at sizes small enough to decode in well under a millisecond
  for (const [w, h] of [[24, 24], [37, 13], [1, 1]]) {
    const c = crop(img, 100, 60, w, h);
    for (const colorType of [0, 2, 4, 6]) {
      const p = new PNG({ width: w, height: h, colorType, inputColorType: 6, inputHasAlpha: true });
      p.data = c.data;
      out.push({ name: `crop${w}x${h}-ct${colorType}.png`, bytes: new Uint8Array(PNG.sync.write(p, { colorType, inputColorType: 6, inputHasAlpha: true })), weight: 3 });
    }
  }
  return out;
}

function jpegBases(f) {
  const real = readFileSync(f("fixtures/faces-jpeg/astronaut.jpg"));
  const img = jpeg.decode(real, { useTArray: true, formatAsRGBA: true });
  const out = [{ name: "astronaut.jpg", bytes: new Uint8Array(real), weight: 1 }];
  const buf = { width: img.width, height: img.height, data: Buffer.from(img.data) };
  for (const [w, h, q] of [[16, 16, 90], [33, 17, 50], [8, 8, 10], [48, 40, 75]]) {
    const c = crop(buf, 200, 100, w, h);
    out.push({ name: `crop${w}x${h}-q${q}.jpg`, bytes: new Uint8Array(jpeg.encode(c, q).data), weight: 4 });
  }
  return out;
}

// Cascades in OpenCV's layout, generated with a fixed seed: stumps and trees, 1–3 rectangles, some tilted,
// so the tree and tilted paths of the reader and the packer are mutated too.
function genCascade(rng, { trees, tilted }) {
  const W = 24, H = 24;
  const nf = 3 + rng.int(6);
  const feats = [];
  for (let i = 0; i < nf; i++) {
    const tilt = tilted && i % 2 === 1;
    const rects = [];
    for (let r = 0, n = 2 + rng.int(2); r < n; r++) {
      const w = 1 + rng.int(6), h = 1 + rng.int(6);
      // tilted rectangles run down-left and down-right from (x, y): need x ≥ h, x + w ≤ W, y + w + h ≤ H
      const x = tilt ? h + rng.int(W - h - w + 1) : rng.int(W - w + 1);
      const y = tilt ? rng.int(H - w - h + 1) : rng.int(H - h + 1);
      rects.push(`          ${x} ${y} ${w} ${h} ${r === 0 ? -1 : rng.pick([2, 3])}.</_>`);
    }
    feats.push(`    <_>\n      <rects>\n        <_>\n${rects.join("\n        <_>\n")}</rects>${tilt ? "\n      <tilted>1</tilted>" : ""}</_>`);
  }
  const stages = [];
  for (let s = 0, ns = 1 + rng.int(3); s < ns; s++) {
    const weak = [];
    for (let k = 0, nk = 1 + rng.int(3); k < nk; k++) {
      const nodes = trees ? 1 + rng.int(3) : 1;
      // node k's children: a later node or a leaf (−leaf index); a chain keeps every node reachable
      const inn = [];
      for (let j = 0; j < nodes; j++) inn.push(`${j + 1 < nodes ? j + 1 : -nodes} ${-j} ${rng.int(nf)} ${(rng.next() * 0.02 - 0.01).toExponential(8)}`);
      const leaves = Array.from({ length: nodes + 1 }, () => (rng.next() * 2 - 1).toFixed(6));
      weak.push(`        <_>\n          <internalNodes>\n            ${inn.join("\n            ")}</internalNodes>\n          <leafValues>\n            ${leaves.join(" ")}</leafValues></_>`);
    }
    stages.push(`    <_>\n      <maxWeakCount>${weak.length}</maxWeakCount>\n      <stageThreshold>${(rng.next() - 0.5).toExponential(8)}</stageThreshold>\n      <weakClassifiers>\n${weak.join("\n")}</weakClassifiers></_>`);
  }
  return `<?xml version="1.0"?>
<opencv_storage>
<cascade type_id="opencv-cascade-classifier"><stageType>BOOST</stageType>
  <featureType>HAAR</featureType>
  <height>${H}</height>
  <width>${W}</width>
  <stageParams>
    <maxWeakCount>3</maxWeakCount></stageParams>
  <featureParams>
    <maxCatCount>0</maxCatCount></featureParams>
  <stageNum>${stages.length}</stageNum>
  <stages>
${stages.join("\n")}</stages>
  <features>
${feats.join("\n")}</features></cascade>
</opencv_storage>
`;
}

function cascadeBases(f) {
  const rng = new Rng(7);
  const out = [];
  for (let i = 0; i < 6; i++) out.push({ name: `gen${i}.xml`, text: genCascade(rng, { trees: i % 2 === 1, tilted: i >= 3 }), weight: 10 });
  // the real 930 KB file parses in about half a second here, so it is mutated rarely
  out.push({ name: "haarcascade_frontalface_default.xml", text: readFileSync(f("models/haarcascades/haarcascade_frontalface_default.xml"), "utf8"), weight: 0.1 });
  return out;
}

function modelBases(f, lib) {
  const ref = { name: "reference-model", json: readFileSync(f("fixtures/reference-model/model.json"), "utf8"), bin: new Uint8Array(readFileSync(f("fixtures/reference-model/group1-shard1of1.bin"))), weight: 1 };
  // the same architecture with 2/3/4 filters: every layer kind of the real model, 1/100 of the weights
  const tiny = lib.modelToArtifacts(lib.resezap({ filters: [2, 3, 4], seed: 3 }));
  return [ref, { name: "resezap-tiny", json: JSON.stringify(tiny.modelJSON), bin: new Uint8Array(tiny.weightData), weight: 6 }];
}

function ferBases(f) {
  const lines = gunzipSync(readFileSync(f("fixtures/fer2013-sample.csv.gz"))).toString("utf8").split("\n");
  // header + a few rows of each split; the whole 3.4 MB sample per case would make 10,000 cases take an hour
  const train = lines.slice(1).filter((l) => l.endsWith("Training")).slice(0, 3);
  const pub = lines.slice(1).filter((l) => l.endsWith("PublicTest")).slice(0, 2);
  return [
    { name: "fer-5rows.csv", text: [lines[0], ...train, ...pub].join("\n") + "\n", weight: 3 },
    { name: "fer-crlf.csv", text: [lines[0], train[0], pub[0]].join("\r\n") + "\r\n", weight: 1 },
  ];
}

// ONNX: the two real files (this project's export, YuNet) and small graphs written with the encoder, between
// them every op family the importer converts, at sizes where a case loads, converts and runs in milliseconds.
// `side` is the height and width a free-size input is run at.
function onnxBases(f) {
  if (!onnxEncoder) throw new Error("the onnx fuzz target needs the build: dist/onnx/proto.js did not load (npm run build)");
  const { graph, model, node, tensor, valueInfo } = onnxEncoder;
  const rng = new Rng(11);
  const prod = (d) => d.reduce((a, b) => a * b, 1);
  const w = (...dims) => ({ dims, data: Float32Array.from({ length: prod(dims) }, () => rng.next() - 0.5) });
  const f32 = (dims, ...v) => ({ dims, data: Float32Array.from(v) });
  const i64 = (...v) => ({ dims: [v.length], data: BigInt64Array.from(v.map(BigInt)) });
  const encode = (name, { input, nodes, inits = {}, outputs, opset = 13 }) => ({
    name,
    weight: 4,
    side: 16,
    bytes: model({
      graph: graph({
        name: name.replace(/\.onnx$/, ""),
        nodes: nodes.map(([op, ins, outs, attrs]) => node(op, ins, outs, outs[0], attrs ?? {})),
        initializers: Object.entries(inits).map(([n, t]) => tensor(n, t.dims, t.data)),
        inputs: [valueInfo("x", input)],
        outputs: outputs.map((o) => valueInfo(o, null)),
      }),
      opset,
      producerName: "resezap-fuzz",
      producerVersion: "1",
    }),
  });
  const real = (p, side) => ({ name: p.split("/").pop(), bytes: new Uint8Array(readFileSync(f(p))), weight: 1, side });
  return [
    real("benchmarks/models/resezap-reference.onnx", 48),
    // YuNet's three strides need 32 px or more a side
    real("models/yunet/face_detection_yunet.onnx", 64),
    encode("conv.onnx", {
      input: [1, 3, "h", "w"],
      nodes: [
        ["Conv", ["x", "w1", "b1"], ["c1"], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 2, 1] }],
        ["Relu", ["c1"], ["r1"]],
        ["Conv", ["r1", "w2"], ["c2"], { group: 8, kernel_shape: [3, 3], pads: [1, 1, 1, 1] }],
        ["Conv", ["c2", "w3", "b3"], ["c3"], { group: 8, auto_pad: "SAME_UPPER", strides: [2, 1], kernel_shape: [3, 3] }],
        ["Conv", ["c3", "w4"], ["y"], { dilations: [2, 2], pads: [2, 2, 2, 2], kernel_shape: [3, 3] }],
      ],
      inits: { w1: w(8, 3, 3, 3), b1: w(8), w2: w(8, 1, 3, 3), w3: w(16, 1, 3, 3), b3: w(16), w4: w(4, 16, 3, 3) },
      outputs: ["y", "c2"],
    }),
    encode("pool.onnx", {
      input: [1, 4, 12, 12],
      nodes: [
        ["BatchNormalization", ["x", "g", "be", "m", "v"], ["bn"], { epsilon: { float: 1e-3 } }],
        ["MaxPool", ["bn"], ["mp"], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }],
        ["AveragePool", ["bn"], ["ap"], { kernel_shape: [2, 2], strides: [2, 2], count_include_pad: 1 }],
        ["GlobalAveragePool", ["ap"], ["ga"]],
        ["Mul", ["mp", "ga"], ["mg"]],
        ["GlobalMaxPool", ["mg"], ["gm"]],
        ["Sigmoid", ["gm"], ["y"]],
      ],
      inits: { g: w(4), be: w(4), m: w(4), v: f32([4], 0.5, 1, 1.5, 2) },
      outputs: ["y", "ap", "mg"],
    }),
    encode("resize.onnx", {
      input: [1, 3, "h", "w"],
      nodes: [
        ["Conv", ["x", "cw"], ["c"], { kernel_shape: [1, 1] }],
        ["Resize", ["c", "", "scales"], ["up"], { mode: "nearest" }],
        ["MaxPool", ["up"], ["dn"], { kernel_shape: [2, 2], strides: [2, 2] }],
        ["Resize", ["c", "", "", "sizes"], ["fx"], { mode: "linear", coordinate_transformation_mode: "align_corners" }],
        ["Concat", ["c", "dn"], ["cat"], { axis: 1 }],
        ["Concat", ["fx", "fx"], ["cat2"], { axis: 3 }],
      ],
      inits: { cw: w(4, 3, 1, 1), scales: f32([4], 1, 1, 2, 2), sizes: i64(1, 4, 8, 8) },
      outputs: ["cat", "cat2", "up"],
    }),
    encode("head.onnx", {
      input: [1, 3, 16, 16],
      nodes: [
        ["Conv", ["x", "w", "b"], ["c"], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
        ["AveragePool", ["c"], ["p"], { kernel_shape: [2, 2], strides: [2, 2] }],
        ["Transpose", ["p"], ["t"], { perm: [0, 2, 3, 1] }],
        ["Reshape", ["t", "shape"], ["r"]],
        ["Gemm", ["r", "gw", "gb"], ["g"], { transB: 1 }],
        ["Relu", ["g"], ["gr"]],
        ["MatMul", ["gr", "mw"], ["mm"]],
        ["Softmax", ["mm"], ["y"], { axis: -1 }],
        ["Flatten", ["p"], ["fl"], { axis: 1 }],
      ],
      inits: { w: w(4, 3, 3, 3), b: w(4), shape: i64(1, -1), gw: w(10, 64), gb: w(10), mw: w(10, 5) },
      outputs: ["y", "fl"],
    }),
    encode("constsub.onnx", {
      input: [1, 2, "h", "w"],
      nodes: [
        ["Conv", ["x", "cw"], ["c"], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }],
        ["Shape", ["c"], ["shp"]],
        ["Constant", [], ["zero"], { value: tensor("zero", [], BigInt64Array.of(0n)) }],
        ["Gather", ["shp", "zero"], ["n"], { axis: 0 }],
        ["Unsqueeze", ["n", "ax0"], ["n1"]],
        ["Concat", ["n1", "minus1"], ["newshape"], { axis: 0 }],
        ["Reshape", ["c", "newshape"], ["flat"]],
        ["Slice", ["shp", "st", "en"], ["hw"]],
        ["Cast", ["hw"], ["hwf"], { to: 1 }],
        ["ConstantOfShape", ["one"], ["ones"], { value: tensor("v", [1], Float32Array.of(2)) }],
        ["ReduceMax", ["c"], ["rmx"], { axes: [2, 3], keepdims: 1 }],
        ["Squeeze", ["rmx", "ax23"], ["sq"]],
        ["Mul", ["sq", "ones"], ["sq2"]],
        ["Unsqueeze", ["sq2", "ax0"], ["us"]],
        ["Identity", ["flat"], ["y"]],
      ],
      inits: { cw: w(3, 2, 3, 3), ax0: i64(0), minus1: i64(-1), st: i64(2), en: i64(4), one: i64(3), ax23: i64(2, 3) },
      outputs: ["y", "us"],
    }),
    encode("plain.onnx", {
      input: [1, 12],
      opset: 11,
      nodes: [
        ["Gemm", ["x", "w1", "b1"], ["h"]],
        ["Relu", ["h"], ["hr"]],
        ["Unsqueeze", ["hr"], ["u"], { axes: [1] }],
        ["Reshape", ["u", "shape"], ["r"]],
        ["Transpose", ["r"], ["t"], { perm: [0, 2, 1] }],
        ["Softmax", ["t"], ["s"], { axis: 2 }],
        ["Flatten", ["s"], ["y"], { axis: 1 }],
        ["MatMul", ["hr", "w2"], ["z"]],
        ["Softmax", ["z"], ["zs"], { axis: 1 }],
      ],
      inits: { w1: w(12, 8), b1: w(8), shape: i64(1, 2, 4), w2: w(8, 3) },
      outputs: ["y", "zs"],
    }),
    encode("multi.onnx", {
      input: [1, 3, "h", "w"],
      nodes: [
        ["Pad", ["x", "pads"], ["p"], { mode: "constant" }],
        ["Conv", ["p", "w"], ["c"], { kernel_shape: [3, 3] }],
        ["Clip", ["c", "lo", "hi"], ["k"]],
        ["LeakyRelu", ["k"], ["l"], { alpha: { float: 0.1 } }],
        ["Sub", ["l", "half"], ["s"]],
        ["Div", ["s", "three"], ["d"]],
        ["PRelu", ["d", "slope"], ["pr"]],
        ["HardSigmoid", ["pr"], ["hs"], { alpha: { float: 0.3 }, beta: { float: 0.4 } }],
        ["Tanh", ["c"], ["tc"]],
        ["Max", ["hs", "tc"], ["mx"]],
        ["ReduceMean", ["mx"], ["rm"], { axes: [2, 3], keepdims: 0 }],
        ["Softmax", ["rm"], ["y"], { axis: -1 }],
      ],
      inits: {
        pads: i64(0, 0, 1, 1, 0, 0, 1, 1), w: w(6, 3, 3, 3), lo: f32([], -0.3), hi: f32([], 0.4), half: f32([], 0.5), three: f32([1], 3), slope: w(6, 1, 1),
      },
      outputs: ["y", "mx", "c", "hs"],
    }),
  ];
}

export function pickBase(rng, list) {
  const total = list.reduce((s, b) => s + b.weight, 0);
  let r = rng.next() * total;
  for (const b of list) if ((r -= b.weight) < 0) return b;
  return list[list.length - 1];
}

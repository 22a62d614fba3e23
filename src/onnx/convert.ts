import { BinaryKind } from "../abi/nn.js";
import { ModelFormatError } from "../errors.js";
import { LIMITS } from "../limits.js";
import { Act } from "../abi/nn.js";
import { reluSpec, activationSpec, type ActivationSpec } from "../layers/activation.js";
import { Conv2D, DepthwiseConv2D } from "../layers/conv.js";
import { Activation, BatchNormalization, Dense, Permute, PReLU, Reshape } from "../layers/core.js";
import { size, type Shape, type SymbolicTensor } from "../layers/layer.js";
import { Add, Concatenate, ConstantOp, Divide, Maximum, Minimum, Multiply, Subtract } from "../layers/merge.js";
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, Resize, ZeroPadding2D } from "../layers/pooling.js";
import type { CoordMode, NearestMode } from "../engine/resize-tables.js";
import { Model, input } from "../model.js";
import { convGeometry } from "../reference/conv.js";

// ONNX graph → this engine's layer graph, for one input height × width (ONNX models may leave them free).
// Tensors keep one of two layouts:
// - "image": a 4-D NCHW value [1, C, H, W] held as this engine's NHWC [H, W, C] (what every conv produces);
// - "plain": row-major in ONNX's own axis order, batch dropped (vectors, reshaped and transposed values).
// A value moves from image to plain with one Permute ([H, W, C] → [C, H, W]) only where an op needs ONNX's
// order (Reshape, Flatten, a Transpose that is not NCHW→NHWC); the other way round before a conv or pool.
// Constant subgraphs (Shape, Gather, Slice, Cast, Concat of constants, …) are evaluated here, in float64.

/** The parts of onnx.proto that conversion reads (src/onnx/proto.ts decodes them). */
export interface OnnxNode {
  opType: string;
  domain?: string;
  name: string;
  input: string[];
  output: string[];
  attrs: Map<string, AttrValue>;
}
export type AttrValue = number | string | number[] | string[] | ConstTensor | { subgraph: true };
export interface ConstTensor {
  dims: number[];
  values: Float64Array;
  isFloat: boolean;
}
export interface OnnxGraph {
  file: string;
  opset: number;
  nodes: OnnxNode[];
  initializers: Map<string, ConstTensor>;
  input: { name: string; dims: (number | string | null)[] };
  outputs: string[];
  /** metadata_props */
  metadata: Map<string, string>;
}

type Value =
  | { kind: "const"; c: ConstTensor }
  | { kind: "tensor"; t: SymbolicTensor; dims: number[]; layout: "image" | "plain" };

const IMAGE_ORDER = [2, 3, 1]; // NHWC buffer axes, as ONNX (NCHW) axis numbers

/** An output's ONNX dims (batch 1 first) and how its values are laid out in the engine's result. */
export interface OutputLayout {
  name: string;
  dims: number[];
  layout: "image" | "plain";
}

/** The graph as a Model for inputs of height × width, and each output's layout. */
export function convertGraph(g: OnnxGraph, height: number, width: number): { model: Model; inputLayout: "image" | "plain"; outputs: OutputLayout[] } {
  const values = new Map<string, Value>();
  for (const [name, c] of g.initializers) values.set(name, { kind: "const", c });
  const [n, ...rest] = g.input.dims;
  if (g.input.dims.length < 2) throw new ModelFormatError(`${g.file}: input ${g.input.name} has rank ${g.input.dims.length}, expected [N, …]`);
  if (typeof n === "number" && n !== 1) throw new ModelFormatError(`${g.file}: input ${g.input.name} has batch ${n}; export with batch 1 or a free batch dimension`);
  // ONNX axes 2 and 3 take the size asked for; every other axis must be fixed
  const dims = [1, ...rest.map((d, i) => (i === 1 && rest.length === 3 ? height : i === 2 && rest.length === 3 ? width : d))];
  const free = dims.findIndex((d) => typeof d !== "number");
  if (free >= 0) throw new ModelFormatError(`${g.file}: input ${g.input.name} dimension ${free} (${JSON.stringify(g.input.dims[free])}) is not fixed; only height and width (axes 2, 3) may be free`);
  const inputLayout = inputIsImage(g) ? "image" : "plain";
  const nd = dims as number[];
  // errors from the layers name the layer; here they also name the file and the node or part of the graph
  const named = <T>(what: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof ModelFormatError && !e.message.startsWith(g.file)) throw new ModelFormatError(`${g.file}: ${what}: ${e.message}`);
      throw e;
    }
  };
  const x0 = named(`input ${g.input.name} [${nd.join(", ")}]`, () => input({ shape: inputLayout === "image" ? [nd[2], nd[3], nd[1]] : nd.slice(1), name: sanitize(g.input.name) }));
  values.set(g.input.name, { kind: "tensor", t: x0, dims: nd, layout: inputLayout });
  let counter = 0;
  const ctx: Ctx = { g, values, name: (node, what) => `${sanitize(node.name || node.output[0])}${what ? "_" + what : ""}_${counter++}` };
  for (const node of g.nodes) named(`node ${node.name || node.output[0]} (${node.opType})`, () => convertNode(ctx, node));
  const outs = g.outputs.map((o) => {
    const v = values.get(o);
    if (!v) throw new ModelFormatError(`${g.file}: output ${o} is never computed`);
    if (v.kind === "const") throw new ModelFormatError(`${g.file}: output ${o} is a constant; this engine returns tensors computed from the input`);
    return v;
  });
  const model = named("graph", () => new Model({ inputs: x0, outputs: outs.map((v) => v.t), name: g.file }));
  return { model, inputLayout, outputs: outs.map((v, i) => ({ name: g.outputs[i], dims: v.dims, layout: v.layout })) };
}

/** NCHW image input: rank 4 and first used by a spatial op (a model that starts with a Transpose or Reshape is not). */
function inputIsImage(g: OnnxGraph): boolean {
  if (g.input.dims.length !== 4) return false;
  const first = g.nodes.find((nd) => nd.input.includes(g.input.name));
  return !!first && ["Conv", "MaxPool", "AveragePool", "BatchNormalization", "Resize", "Upsample", "Pad", "GlobalAveragePool", "GlobalMaxPool"].includes(first.opType);
}



interface Ctx {
  g: OnnxGraph;
  values: Map<string, Value>;
  name(node: OnnxNode, what?: string): string;
}

function sanitize(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, "_") || "node";
}

// ---- constants ----

function constOf(v: Value | undefined, what: string): ConstTensor {
  if (!v) throw new ModelFormatError(`${what} is missing`);
  if (v.kind !== "const") throw new ModelFormatError(`${what} must be a constant (an initializer or a folded constant subgraph)`);
  return v.c;
}

function ints(c: ConstTensor): number[] {
  return Array.from(c.values, (v) => Number(v));
}

function konst(dims: number[], values: ArrayLike<number>, isFloat = true): Value {
  return { kind: "const", c: { dims, values: Float64Array.from(values), isFloat } };
}

function attrInt(node: OnnxNode, name: string, dflt: number): number {
  const v = node.attrs.get(name);
  if (v === undefined) return dflt;
  if (typeof v !== "number") throw new ModelFormatError(`attribute ${name} must be a number, found ${JSON.stringify(v).slice(0, 40)}`);
  return v;
}
function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const v = node.attrs.get(name);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number")) throw new ModelFormatError(`attribute ${name} must be a list of integers`);
  return v as number[];
}
function attrStr(node: OnnxNode, name: string, dflt: string): string {
  const v = node.attrs.get(name);
  if (v === undefined) return dflt;
  if (typeof v !== "string") throw new ModelFormatError(`attribute ${name} must be a string`);
  return v;
}

// ---- layouts ----

type TensorValue = Extract<Value, { kind: "tensor" }>;

function tensorOf(ctx: Ctx, node: OnnxNode, i: number): TensorValue {
  const name = node.input[i];
  const v = ctx.values.get(name);
  if (!v) throw new ModelFormatError(`input ${i} (${name}) is not computed before this node`);
  if (v.kind !== "tensor") throw new ModelFormatError(`input ${i} (${name}) is a constant where a tensor computed from the model's input is expected`);
  return v;
}

/** The value in ONNX's own order (image → [C, H, W] by a Permute). */
function toPlain(ctx: Ctx, node: OnnxNode, v: TensorValue): TensorValue {
  if (v.layout === "plain") return v;
  const t = new Permute({ name: ctx.name(node, "to_nchw"), dims: [3, 1, 2] }).apply(v.t);
  return { kind: "tensor", t, dims: v.dims, layout: "plain" };
}

/** A 4-D value as an NHWC image (plain [C, H, W] → [H, W, C] by a Permute). */
function toImage(ctx: Ctx, node: OnnxNode, v: TensorValue): TensorValue {
  if (v.layout === "image") return v;
  if (v.dims.length !== 4 || v.dims[0] !== 1) throw new ModelFormatError(`expected a 4-D [1, C, H, W] input, found [${v.dims.join(", ")}]`);
  const t = new Permute({ name: ctx.name(node, "to_nhwc"), dims: [2, 3, 1] }).apply(v.t);
  return { kind: "tensor", t, dims: v.dims, layout: "image" };
}

function setOut(ctx: Ctx, node: OnnxNode, v: Value, k = 0): void {
  ctx.values.set(node.output[k], v);
}

function image(t: SymbolicTensor): TensorValue {
  const [H, W, C] = t.shape;
  return { kind: "tensor", t, dims: [1, C, H, W], layout: "image" };
}

/** A constant that broadcasts against a tensor value, re-laid out to the tensor's layout (batch dropped). */
function constFor(v: TensorValue, c: ConstTensor, what: string): { values: Float32Array; shape: Shape } {
  const rank = v.dims.length;
  if (c.dims.length > rank) throw new ModelFormatError(`${what}: constant of rank ${c.dims.length} against a tensor of rank ${rank}`);
  const dims = [...Array(rank - c.dims.length).fill(1), ...c.dims];
  if (dims[0] !== 1) throw new ModelFormatError(`${what}: a constant with a batch dimension of ${dims[0]}`);
  if (v.layout === "plain") return { values: Float32Array.from(c.values), shape: dims.slice(1) };
  // NCHW [1, C, H, W] → NHWC [H, W, C]
  const [, C, H, W] = dims;
  const out = new Float32Array(C * H * W);
  for (let cc = 0; cc < C; cc++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[(y * W + x) * C + cc] = c.values[(cc * H + y) * W + x];
  return { values: out, shape: [H, W, C] };
}

// ---- constant folding ----

function broadcastDims(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length), out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1, y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new ModelFormatError(`constant shapes [${a}] and [${b}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** The elements of a constant to be folded, refused over LIMITS.maxFoldedElements before its values are allocated. */
export function foldedSize(what: string, dims: readonly number[]): number {
  const n = size(dims);
  if (n > LIMITS.maxFoldedElements) throw new ModelFormatError(`${what} [${dims}], over ${LIMITS.maxFoldedElements} elements (LIMITS.maxFoldedElements)`);
  return n;
}

function foldBinary(a: ConstTensor, b: ConstTensor, f: (x: number, y: number) => number): ConstTensor {
  const dims = broadcastDims(a.dims, b.dims), n = foldedSize(`constants of shapes [${a.dims}] and [${b.dims}] broadcast to`, dims);
  const idx = (c: ConstTensor, i: number) => {
    const d = [...Array(dims.length - c.dims.length).fill(1), ...c.dims];
    let rem = i, k = 0, stride = 1;
    const coords: number[] = [];
    for (let j = dims.length - 1; j >= 0; j--) { coords[j] = rem % dims[j]; rem = Math.floor(rem / dims[j]); }
    for (let j = dims.length - 1; j >= 0; j--) { k += (d[j] === 1 ? 0 : coords[j]) * stride; stride *= d[j]; }
    return k;
  };
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = f(a.values[idx(a, i)], b.values[idx(b, i)]);
  return { dims, values, isFloat: a.isFloat || b.isFloat };
}

function normAxis(a: number, rank: number, what = "axis"): number {
  const r = a < 0 ? a + rank : a;
  if (!Number.isInteger(r) || r < 0 || r >= rank) throw new ModelFormatError(`${what} ${a} is outside a tensor of rank ${rank}`);
  return r;
}

/** Reshape's target with 0 (copy) and −1 (infer) resolved. */
function reshapeDims(dims: number[], target: number[], allowZero: boolean): number[] {
  const out = target.map((d, i) => (d === 0 && !allowZero ? dims[i] : d));
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1), n = size(dims);
  if (out.filter((d) => d === -1).length > 1) throw new ModelFormatError(`Reshape to [${target}] has more than one -1`);
  const r = out.map((d) => (d === -1 ? n / known : d));
  if (!r.every((d) => Number.isInteger(d) && d >= 0) || size(r) !== n) throw new ModelFormatError(`cannot reshape [${dims}] to [${target}]`);
  return r;
}

function sliceConst(c: ConstTensor, starts: number[], ends: number[], axes: number[], steps: number[]): ConstTensor {
  const dims = [...c.dims], ranges = dims.map((d) => ({ start: 0, step: 1, count: d }));
  axes.forEach((a0, i) => {
    const a = normAxis(a0, dims.length), d = dims[a], step = steps[i] ?? 1;
    if (step === 0) throw new ModelFormatError("Slice with step 0");
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    let s = starts[i] < 0 ? starts[i] + d : starts[i], e = ends[i] < 0 ? ends[i] + d : ends[i];
    if (step > 0) { s = clamp(s, 0, d); e = clamp(e, 0, d); } else { s = clamp(s, 0, d - 1); e = clamp(e, -1, d - 1); }
    const count = Math.max(0, Math.ceil((e - s) / step));
    ranges[a] = { start: s, step, count };
    dims[a] = count;
  });
  const values = new Float64Array(size(dims));
  const strides = c.dims.map((_, i) => c.dims.slice(i + 1).reduce((x, y) => x * y, 1));
  for (let i = 0; i < values.length; i++) {
    let rem = i, src = 0;
    for (let j = dims.length - 1; j >= 0; j--) {
      const k = rem % dims[j];
      rem = Math.floor(rem / dims[j]);
      src += (ranges[j].start + k * ranges[j].step) * strides[j];
    }
    values[i] = c.values[src];
  }
  return { dims, values, isFloat: c.isFloat };
}

// ---- the ops ----

const UNARY: Record<string, (n: OnnxNode) => ActivationSpec> = {
  Relu: () => reluSpec(),
  LeakyRelu: (n) => reluSpec(Infinity, floatAttr(n, "alpha", 0.01)),
  Sigmoid: () => activationSpec("sigmoid"),
  Tanh: () => activationSpec("tanh"),
  Softplus: () => activationSpec("softplus"),
  Softsign: () => activationSpec("softsign"),
  Elu: (n) => ({ kind: Act.Elu, params: [floatAttr(n, "alpha", 1), 0, 0, 0] }),
  Selu: (n) => ({ kind: Act.Selu, params: [floatAttr(n, "alpha", 1.67326319217681884765625), floatAttr(n, "gamma", 1.05070102214813232421875), 0, 0] }),
  HardSigmoid: (n) => ({ kind: Act.HardSigmoid, params: [floatAttr(n, "alpha", 0.2), floatAttr(n, "beta", 0.5), 0, 0] }),
  HardSwish: () => ({ kind: Act.HardSwish, params: [1 / 6, 0.5, 0, 0] }),
  Mish: () => activationSpec("mish"),
  Gelu: (n) => activationSpec(attrStr(n, "approximate", "none") === "tanh" ? "gelu_new" : "gelu"),
};

function floatAttr(n: OnnxNode, name: string, dflt: number): number {
  const v = n.attrs.get(name);
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ModelFormatError(`attribute ${name} must be a finite number`);
  return v;
}

const BINARY: Record<string, { kind: BinaryKind; f: (x: number, y: number) => number }> = {
  Add: { kind: BinaryKind.Add, f: (x, y) => x + y },
  Sub: { kind: BinaryKind.Sub, f: (x, y) => x - y },
  Mul: { kind: BinaryKind.Mul, f: (x, y) => x * y },
  Div: { kind: BinaryKind.Div, f: (x, y) => x / y },
  Max: { kind: BinaryKind.Max, f: Math.max },
  Min: { kind: BinaryKind.Min, f: Math.min },
};

/** What the importer supports, for the "not supported" line. */
export const ONNX_OPS = ["Conv", "BatchNormalization", "Relu", "Clip", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Softplus",
  "Softsign", "Elu", "Selu", "Mish", "Gelu", "Add", "Sub", "Mul", "Div", "Max", "Min", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
  "ReduceMean", "ReduceMax", "Resize", "Upsample", "Concat", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Gemm", "MatMul", "Softmax",
  "Pad", "Identity", "Dropout", "Cast", "Constant", "ConstantOfShape", "Shape", "Gather", "Slice"];

function convertNode(ctx: Ctx, node: OnnxNode): void {
  const { values } = ctx;
  if (node.domain && node.domain !== "ai.onnx" && node.domain !== "") throw new ModelFormatError(`operator domain "${node.domain}" is not supported (the default ONNX domain only)`);
  const op = node.opType;
  for (const [k, v] of node.attrs) if (v && typeof v === "object" && "subgraph" in v) throw new ModelFormatError(`attribute ${k}: subgraph attributes (If/Loop) are not supported`);
  // a name not computed yet (missing, a later node's output, the node's own: a cycle) is never read as absent
  const unknown = node.input.findIndex((i) => i !== "" && !values.has(i));
  if (unknown >= 0) throw new ModelFormatError(`input ${unknown} (${node.input[unknown]}) is not computed before this node`);
  const ins = node.input.map((i) => (i === "" ? undefined : values.get(i)));
  const allConst = ins.every((v) => v === undefined || v.kind === "const");

  // constant subgraphs, folded
  if (op === "Constant") {
    const t = node.attrs.get("value");
    if (t && typeof t === "object" && "dims" in t) return setOut(ctx, node, { kind: "const", c: t });
    const f = node.attrs.get("value_float"), fs = node.attrs.get("value_floats"), i = node.attrs.get("value_int"), is = node.attrs.get("value_ints");
    if (typeof f === "number") return setOut(ctx, node, konst([], [f]));
    if (Array.isArray(fs)) return setOut(ctx, node, konst([fs.length], fs as number[]));
    if (typeof i === "number") return setOut(ctx, node, konst([], [i], false));
    if (Array.isArray(is)) return setOut(ctx, node, konst([is.length], is as number[], false));
    throw new ModelFormatError("a Constant without a tensor or number value is not supported");
  }
  if (op === "Shape") {
    const v = ins[0];
    if (!v) throw new ModelFormatError("input is missing");
    const dims = v.kind === "const" ? v.c.dims : v.dims;
    return setOut(ctx, node, konst([dims.length], dims, false));
  }
  if (op === "Identity" || op === "Dropout" || (op === "Cast" && !allConst)) {
    const v = ins[0];
    if (!v) throw new ModelFormatError("input is missing");
    if (op === "Cast" && attrInt(node, "to", 1) !== 1) throw new ModelFormatError(`Cast of a computed tensor to type ${attrInt(node, "to", 1)} is not supported (float only)`);
    return setOut(ctx, node, v);
  }
  if (allConst && op !== "Constant") return setOut(ctx, node, { kind: "const", c: foldConst(node, ins.map((v) => v?.kind === "const" ? v.c : undefined)) });

  if (UNARY[op]) {
    const x = tensorOf(ctx, node, 0);
    return setOut(ctx, node, { ...x, t: new Activation({ name: ctx.name(node), spec: UNARY[op](node) }).apply(x.t) });
  }
  switch (op) {
    case "Conv": return setOut(ctx, node, convertConv(ctx, node));
    case "BatchNormalization": {
      const x = tensorOf(ctx, node, 0);
      const C = x.dims[1];
      if (x.dims.length !== 4 && x.dims.length !== 2) throw new ModelFormatError(`BatchNormalization of a rank-${x.dims.length} tensor is not supported`);
      const xi = x.dims.length === 4 ? toImage(ctx, node, x) : x;
      const bn = new BatchNormalization({ name: ctx.name(node), epsilon: floatAttr(node, "epsilon", 1e-5) });
      const w = (i: number, what: string) => {
        const c = constOf(ins[i], `${what} (input ${i})`);
        if (c.values.length !== C) throw new ModelFormatError(`${what} has ${c.values.length} values for ${C} channels`);
        return Float32Array.from(c.values);
      };
      bn.weights.set("gamma", w(1, "scale"));
      bn.weights.set("beta", w(2, "bias"));
      bn.weights.set("moving_mean", w(3, "mean"));
      bn.weights.set("moving_variance", w(4, "var"));
      return setOut(ctx, node, { ...xi, t: bn.apply(xi.t) });
    }
    case "Clip": {
      const x = tensorOf(ctx, node, 0);
      const bound = (i: number, what: string) => {
        const c = constOf(ins[i], `${what} (input ${i})`);
        if (c.values.length !== 1) throw new ModelFormatError(`${what} (input ${i}) must be one value, found ${c.values.length}`);
        return c.values[0];
      };
      const lo = node.input[1] ? bound(1, "min") : floatAttr(node, "min", -Infinity);
      const hi = node.input[2] ? bound(2, "max") : floatAttr(node, "max", Infinity);
      if (lo === 0) return setOut(ctx, node, { ...x, t: new Activation({ name: ctx.name(node), spec: reluSpec(hi) }).apply(x.t) });
      let t = x.t;
      if (lo !== -Infinity) t = new ConstantOp({ name: ctx.name(node, "min"), kind: BinaryKind.Max, constant: Float32Array.of(lo), constantShape: [1] }).apply(t);
      if (hi !== Infinity) t = new ConstantOp({ name: ctx.name(node, "max"), kind: BinaryKind.Min, constant: Float32Array.of(hi), constantShape: [1] }).apply(t);
      return setOut(ctx, node, { ...x, t });
    }
    case "PRelu": {
      const x = tensorOf(ctx, node, 0);
      const slope = constFor(x, constOf(ins[1], "slope (input 1)"), "slope");
      const layer = new PReLU({ name: ctx.name(node), sharedAxes: x.t.shape.map((_, i) => i + 1).filter((i) => (slope.shape[i - 1] ?? 1) === 1 && x.t.shape[i - 1] !== 1) });
      const t = layer.apply(x.t);
      const want = layer.weightSpecs([x.t.shape])[0].shape;
      if (size(want) !== slope.values.length) throw new ModelFormatError(`slope of shape [${slope.shape}] does not broadcast per channel or per element`);
      layer.weights.set("alpha", slope.values);
      return setOut(ctx, node, { ...x, t });
    }
    case "Add": case "Sub": case "Mul": case "Div": case "Max": case "Min": return setOut(ctx, node, convertBinary(ctx, node, ins));
    case "MaxPool": case "AveragePool": return setOut(ctx, node, convertPool(ctx, node));
    case "GlobalAveragePool": case "GlobalMaxPool": {
      const x = toImage(ctx, node, tensorOf(ctx, node, 0));
      const layer = op === "GlobalAveragePool" ? new GlobalAveragePooling2D({ name: ctx.name(node) }) : new GlobalMaxPooling2D({ name: ctx.name(node) });
      layer.keepdims = true;
      return setOut(ctx, node, image(layer.apply(x.t)));
    }
    case "ReduceMean": case "ReduceMax": {
      const x = tensorOf(ctx, node, 0);
      const axes = (attrInts(node, "axes") ?? (node.input[1] ? ints(constOf(ins[1], "axes (input 1)")) : [])).map((a) => normAxis(a, x.dims.length)).sort();
      if (x.dims.length !== 4 || axes.join() !== "2,3") throw new ModelFormatError(`${op} over axes [${axes}] is not supported (the spatial axes [2, 3] of an NCHW tensor)`);
      const xi = toImage(ctx, node, x);
      const layer = op === "ReduceMean" ? new GlobalAveragePooling2D({ name: ctx.name(node) }) : new GlobalMaxPooling2D({ name: ctx.name(node) });
      const keep = attrInt(node, "keepdims", 1) === 1;
      layer.keepdims = keep;
      const t = layer.apply(xi.t);
      return setOut(ctx, node, keep ? image(t) : { kind: "tensor", t, dims: [1, x.dims[1]], layout: "plain" });
    }
    case "Resize": case "Upsample": return setOut(ctx, node, convertResize(ctx, node, ins));
    case "Concat": return setOut(ctx, node, convertConcat(ctx, node));
    case "Reshape": case "Flatten": case "Squeeze": case "Unsqueeze": {
      const x = tensorOf(ctx, node, 0);
      let dims: number[];
      if (op === "Reshape") dims = reshapeDims(x.dims, ints(constOf(ins[1], "shape (input 1)")), attrInt(node, "allowzero", 0) === 1);
      else if (op === "Flatten") {
        const a = normAxis(attrInt(node, "axis", 1), x.dims.length + 1);
        dims = [size(x.dims.slice(0, a)), size(x.dims.slice(a))];
      } else {
        const axes = attrInts(node, "axes") ?? (node.input[1] ? ints(constOf(ins[1], "axes (input 1)")) : undefined);
        dims = op === "Squeeze" ? squeeze(x.dims, axes) : unsqueeze(x.dims, axes ?? []);
      }
      if (dims[0] !== 1) throw new ModelFormatError(`${op} to [${dims}] moves the batch axis; this engine keeps batch 1 first`);
      // an image reshaped to [1, C, H, W] again stays an image; anything else goes to ONNX's order first
      if (x.layout === "image" && dims.join() === x.dims.join()) return setOut(ctx, node, x);
      const p = toPlain(ctx, node, x);
      return setOut(ctx, node, { kind: "tensor", t: new Reshape({ name: ctx.name(node), targetShape: dims.slice(1) }).apply(p.t), dims, layout: "plain" });
    }
    case "Transpose": {
      const x = tensorOf(ctx, node, 0);
      const perm = attrInts(node, "perm") ?? x.dims.map((_, i) => x.dims.length - 1 - i);
      if (perm[0] !== 0) throw new ModelFormatError(`Transpose perm [${perm}] moves the batch axis`);
      const dims = perm.map((p) => x.dims[p]);
      // NCHW → NHWC of an image is its buffer as it is
      if (x.layout === "image" && perm.slice(1).join() === IMAGE_ORDER.join()) {
        return setOut(ctx, node, { kind: "tensor", t: new Reshape({ name: ctx.name(node), targetShape: dims.slice(1) }).apply(x.t), dims, layout: "plain" });
      }
      const p = toPlain(ctx, node, x);
      if (perm.every((v, i) => v === i)) return setOut(ctx, node, p);
      return setOut(ctx, node, { kind: "tensor", t: new Permute({ name: ctx.name(node), dims: perm.slice(1) }).apply(p.t), dims, layout: "plain" });
    }
    case "Gemm": case "MatMul": return setOut(ctx, node, convertDense(ctx, node, ins));
    case "Softmax": {
      const x = tensorOf(ctx, node, 0);
      const rank = x.dims.length, axis = normAxis(attrInt(node, "axis", ctx.g.opset >= 13 ? -1 : 1), rank);
      // before opset 13, Softmax flattens from axis on: the same as the last axis only when that is all there is
      const last = x.layout === "image" ? axis === 1 : axis === rank - 1 || (ctx.g.opset < 13 && x.dims.slice(axis + 1).every((d) => d === 1));
      if (!last) throw new ModelFormatError(`Softmax over axis ${axis} of [${x.dims}] is not supported (the last axis, or the channels of an image)`);
      return setOut(ctx, node, { ...x, t: new Activation({ name: ctx.name(node), activation: "softmax" }).apply(x.t) });
    }
    case "Pad": {
      const x = toImage(ctx, node, tensorOf(ctx, node, 0));
      const mode = attrStr(node, "mode", "constant");
      const pads = attrInts(node, "pads") ?? ints(constOf(ins[1], "pads (input 1)"));
      const value = node.input[2] ? constOf(ins[2], "constant_value (input 2)").values[0] : floatAttr(node, "value", 0);
      if (mode !== "constant" || value !== 0) throw new ModelFormatError(`Pad mode "${mode}" value ${value} is not supported (constant zeros)`);
      if (pads.length !== 8 || pads[0] || pads[1] || pads[4] || pads[5] || pads.some((p) => p < 0)) throw new ModelFormatError(`Pad pads [${pads}] is not supported (non-negative, height and width only)`);
      return setOut(ctx, node, image(new ZeroPadding2D({ name: ctx.name(node), padding: [[pads[2], pads[6]], [pads[3], pads[7]]] }).apply(x.t)));
    }
    default:
      throw new ModelFormatError(`operator ${op} is not supported (supported: ${ONNX_OPS.join(", ")})`);
  }
}

function squeeze(dims: number[], axes: number[] | undefined): number[] {
  const drop = new Set((axes ?? dims.map((d, i) => (d === 1 && i > 0 ? i : -1)).filter((i) => i >= 0)).map((a) => normAxis(a, dims.length)));
  for (const a of drop) if (dims[a] !== 1) throw new ModelFormatError(`Squeeze of axis ${a} of size ${dims[a]}`);
  return dims.filter((_, i) => !drop.has(i));
}

function unsqueeze(dims: number[], axes: number[]): number[] {
  const rank = dims.length + axes.length, add = new Set(axes.map((a) => normAxis(a, rank)));
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(add.has(i) ? 1 : dims[k++]);
  return out;
}

function foldConst(node: OnnxNode, cs: (ConstTensor | undefined)[]): ConstTensor {
  const op = node.opType;
  const need = (i: number, what: string) => {
    const c = cs[i];
    if (!c) throw new ModelFormatError(`${what} (input ${i}) is missing`);
    return c;
  };
  if (BINARY[op]) return foldBinary(need(0, "A"), need(1, "B"), BINARY[op].f);
  switch (op) {
    case "Cast": {
      const c = need(0, "input"), to = attrInt(node, "to", 1);
      const isFloat = to === 1 || to === 10 || to === 11 || to === 16;
      return { dims: c.dims, values: isFloat ? c.values : c.values.map((v) => (to === 9 ? (v !== 0 ? 1 : 0) : Math.trunc(v))), isFloat };
    }
    case "ConstantOfShape": {
      const dims = ints(need(0, "shape"));
      const v = node.attrs.get("value");
      const t = v && typeof v === "object" && !Array.isArray(v) && "values" in v ? v : undefined;
      if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new ModelFormatError(`ConstantOfShape of [${dims}]: expected non-negative dims`);
      return { dims, values: new Float64Array(foldedSize("ConstantOfShape of", dims)).fill(t ? t.values[0] : 0), isFloat: t ? t.isFloat : true };
    }
    case "Gather": {
      const data = need(0, "data"), idx = need(1, "indices"), axis = normAxis(attrInt(node, "axis", 0), data.dims.length);
      const outer = size(data.dims.slice(0, axis)), inner = size(data.dims.slice(axis + 1)), d = data.dims[axis];
      const outDims = [...data.dims.slice(0, axis), ...idx.dims, ...data.dims.slice(axis + 1)];
      foldedSize("Gather to", outDims);
      const out: number[] = [];
      for (let o = 0; o < outer; o++) for (const i0 of idx.values) {
        const i = i0 < 0 ? i0 + d : i0;
        if (i < 0 || i >= d) throw new ModelFormatError(`Gather index ${i0} outside [0, ${d})`);
        for (let k = 0; k < inner; k++) out.push(data.values[(o * d + i) * inner + k]);
      }
      return { dims: [...data.dims.slice(0, axis), ...idx.dims, ...data.dims.slice(axis + 1)], values: Float64Array.from(out), isFloat: data.isFloat };
    }
    case "Slice": {
      const data = need(0, "data");
      const starts = attrInts(node, "starts") ?? ints(need(1, "starts")), ends = attrInts(node, "ends") ?? ints(need(2, "ends"));
      const axes = attrInts(node, "axes") ?? (cs[3] ? ints(cs[3]) : starts.map((_, i) => i)), steps = cs[4] ? ints(cs[4]) : starts.map(() => 1);
      return sliceConst(data, starts, ends, axes, steps);
    }
    case "Concat": {
      const parts = cs.filter((c): c is ConstTensor => !!c);
      if (!parts.length) throw new ModelFormatError("Concat without inputs");
      const axis = normAxis(attrInt(node, "axis", 0), parts[0].dims.length);
      if (parts.some((p) => p.dims.length !== parts[0].dims.length || p.dims.some((d, i) => i !== axis && d !== parts[0].dims[i]))) {
        throw new ModelFormatError(`Concat of constants [${parts.map((p) => p.dims.join(", ")).join("], [")}] along axis ${axis}: shapes differ outside the axis`);
      }
      const dims = [...parts[0].dims];
      dims[axis] = parts.reduce((s, p) => s + p.dims[axis], 0);
      foldedSize("Concat of constants to", dims);
      const outer = size(parts[0].dims.slice(0, axis));
      const out: number[] = [];
      for (let o = 0; o < outer; o++) for (const p of parts) {
        const inner = size(p.dims.slice(axis));
        for (let k = 0; k < inner; k++) out.push(p.values[o * inner + k]);
      }
      return { dims, values: Float64Array.from(out), isFloat: parts.some((p) => p.isFloat) };
    }
    case "Unsqueeze": case "Squeeze": case "Reshape": case "Flatten": {
      const c = need(0, "data");
      const axes = attrInts(node, "axes") ?? (cs[1] ? ints(cs[1]) : undefined);
      const dims = op === "Unsqueeze" ? unsqueeze(c.dims, axes ?? []) : op === "Squeeze" ? squeeze(c.dims, axes)
        : op === "Reshape" ? reshapeDims(c.dims, ints(need(1, "shape")), attrInt(node, "allowzero", 0) === 1)
        : [size(c.dims.slice(0, attrInt(node, "axis", 1))), size(c.dims.slice(attrInt(node, "axis", 1)))];
      return { dims, values: c.values, isFloat: c.isFloat };
    }
    case "Identity": case "Dropout": return need(0, "input");
    default:
      throw new ModelFormatError(`operator ${op} on constants is not supported (folded at load: Constant, ConstantOfShape, Shape, Gather, Slice, Cast, Concat, Reshape, Squeeze, Unsqueeze, Add, Sub, Mul, Div)`);
  }
}

/** ONNX pads [t, l, b, r] and auto_pad, as Keras padding where they agree with it, else explicit pads. */
function padsOf(node: OnnxNode, H: number, W: number, k: [number, number], s: [number, number], d: [number, number]): { padding: "valid" | "same"; pads?: [[number, number], [number, number]] } {
  const auto = attrStr(node, "auto_pad", "NOTSET");
  const same = [convGeometry(H, k[0], s[0], d[0], "same"), convGeometry(W, k[1], s[1], d[1], "same")];
  if (auto === "VALID") return { padding: "valid" };
  if (auto === "SAME_UPPER") return { padding: "same" };
  if (auto === "SAME_LOWER") return { padding: "valid", pads: [[same[0].padAfter, same[0].padBefore], [same[1].padAfter, same[1].padBefore]] };
  if (auto !== "NOTSET") throw new ModelFormatError(`auto_pad "${auto}" is not supported`);
  const p = attrInts(node, "pads") ?? [0, 0, 0, 0];
  if (p.length !== 4 || p.some((v) => !Number.isInteger(v) || v < 0 || v > 1024)) throw new ModelFormatError(`pads [${p}] must be 4 integers in 0..1024`);
  if (p.every((v) => v === 0)) return { padding: "valid" };
  if (p[0] === same[0].padBefore && p[2] === same[0].padAfter && p[1] === same[1].padBefore && p[3] === same[1].padAfter) return { padding: "same" };
  return { padding: "valid", pads: [[p[0], p[2]], [p[1], p[3]]] };
}

function pair(node: OnnxNode, name: string, dflt: number): [number, number] {
  const v = attrInts(node, name);
  if (!v) return [dflt, dflt];
  if (v.length !== 2) throw new ModelFormatError(`attribute ${name} [${v}] must have 2 values (2-D spatial ops only)`);
  return [v[0], v[1]];
}

function convertConv(ctx: Ctx, node: OnnxNode): Value {
  const x = toImage(ctx, node, tensorOf(ctx, node, 0));
  const W = constOf(ctx.values.get(node.input[1]), "weights (input 1)");
  const B = node.input[2] ? constOf(ctx.values.get(node.input[2]), "bias (input 2)") : undefined;
  if (W.dims.length !== 4) throw new ModelFormatError(`weights of rank ${W.dims.length}: only 2-D convolutions (weights [M, C/group, kH, kW]) are supported`);
  const [M, Cg, kh, kw] = W.dims, [H, Wd, C] = x.t.shape;
  const group = attrInt(node, "group", 1);
  const ks = attrInts(node, "kernel_shape");
  if (ks && (ks[0] !== kh || ks[1] !== kw)) throw new ModelFormatError(`kernel_shape [${ks}] differs from the weights' [${kh}, ${kw}]`);
  const s = pair(node, "strides", 1), d = pair(node, "dilations", 1);
  const pad = padsOf(node, H, Wd, [kh, kw], s, d);
  if (B && B.values.length !== M) throw new ModelFormatError(`bias has ${B.values.length} values for ${M} output channels`);
  const bias = B ? Float32Array.from(B.values) : undefined;
  const common = { name: ctx.name(node), kernelSize: [kh, kw] as [number, number], strides: s, dilationRate: d, padding: pad.padding, pads: pad.pads, useBias: !!bias };
  if (group === 1) {
    if (Cg !== C) throw new ModelFormatError(`weights expect ${Cg} input channels, the input has ${C}`);
    const layer = new Conv2D({ ...common, filters: M });
    const t = layer.apply(x.t);
    // [M, C, kh, kw] → Keras [kh, kw, C, M]
    const k = new Float32Array(kh * kw * C * M);
    for (let m = 0; m < M; m++) for (let c = 0; c < C; c++) for (let y = 0; y < kh; y++) for (let xx = 0; xx < kw; xx++)
      k[((y * kw + xx) * C + c) * M + m] = W.values[((m * C + c) * kh + y) * kw + xx];
    layer.weights.set("kernel", k);
    if (bias) layer.weights.set("bias", bias);
    return image(t);
  }
  if (group === C && Cg === 1 && M % C === 0) {
    const mult = M / C;
    const layer = new DepthwiseConv2D({ ...common, depthMultiplier: mult });
    const t = layer.apply(x.t);
    // [C·mult, 1, kh, kw] → Keras [kh, kw, C, mult]; output channel c·mult + j is ONNX's group c, filter j
    const k = new Float32Array(kh * kw * M);
    for (let o = 0; o < M; o++) for (let y = 0; y < kh; y++) for (let xx = 0; xx < kw; xx++) k[(y * kw + xx) * M + o] = W.values[(o * kh + y) * kw + xx];
    layer.weights.set("depthwise_kernel", k);
    if (bias) layer.weights.set("bias", bias);
    return image(t);
  }
  throw new ModelFormatError(`group ${group} with ${C} input channels is not supported (group 1, or depthwise: group = input channels)`);
}

function convertPool(ctx: Ctx, node: OnnxNode): Value {
  const x = toImage(ctx, node, tensorOf(ctx, node, 0));
  const k = pair(node, "kernel_shape", 0);
  if (!(k[0] >= 1 && k[1] >= 1)) throw new ModelFormatError("kernel_shape is missing");
  const s = pair(node, "strides", 1), d = pair(node, "dilations", 1);
  if (d[0] !== 1 || d[1] !== 1) throw new ModelFormatError(`dilations [${d}] in pooling are not supported`);
  if (node.output.length > 1 && node.output[1]) throw new ModelFormatError("MaxPool's Indices output is not supported");
  const [H, W] = x.t.shape;
  // always explicit pads: Keras's "same" pooling is the same windows, but ceil_mode and count_include_pad need them
  const pad = padsOf(node, H, W, k, s, [1, 1]);
  const gy = convGeometry(H, k[0], s[0], 1, "same"), gx = convGeometry(W, k[1], s[1], 1, "same");
  const pads: [[number, number], [number, number]] = pad.pads ?? (pad.padding === "same" ? [[gy.padBefore, gy.padAfter], [gx.padBefore, gx.padAfter]] : [[0, 0], [0, 0]]);
  // a window wholly in the padding has no input (MaxPool gave -Infinity); ONNX Runtime refuses these pads too
  if (pads.some(([b, a], i) => b >= k[i] || a >= k[i])) throw new ModelFormatError(`pads [${pads[0][0]}, ${pads[1][0]}, ${pads[0][1]}, ${pads[1][1]}] must be smaller than kernel_shape [${k}]`);
  const args = {
    name: ctx.name(node), poolSize: k, strides: s, padding: "valid" as const, pads,
    ceilMode: attrInt(node, "ceil_mode", 0) === 1, countIncludePad: attrInt(node, "count_include_pad", 0) === 1,
  };
  const layer = node.opType === "MaxPool" ? new MaxPooling2D(args) : new AveragePooling2D(args);
  return image(layer.apply(x.t));
}

function convertBinary(ctx: Ctx, node: OnnxNode, ins: (Value | undefined)[]): Value {
  const { kind } = BINARY[node.opType];
  const [a, b] = ins;
  if (!a || !b) throw new ModelFormatError("needs two inputs");
  if (a.kind === "tensor" && b.kind === "tensor") {
    let va = a, vb = b;
    if (va.layout !== vb.layout) {
      if (va.dims.length === 4 && vb.dims.length === 4) { va = toImage(ctx, node, va); vb = toImage(ctx, node, vb); }
      else { va = toPlain(ctx, node, va); vb = toPlain(ctx, node, vb); }
    }
    const dims = broadcastDims(va.dims, vb.dims);
    const name = ctx.name(node);
    const layer = kind === BinaryKind.Add ? new Add({ name }) : kind === BinaryKind.Sub ? new Subtract({ name }) : kind === BinaryKind.Mul ? new Multiply({ name })
      : kind === BinaryKind.Div ? new Divide({ name }) : kind === BinaryKind.Max ? new Maximum({ name }) : new Minimum({ name });
    if (va.dims.length !== vb.dims.length) throw new ModelFormatError(`operands of rank ${va.dims.length} and ${vb.dims.length}`);
    return { kind: "tensor", t: layer.apply([va.t, vb.t]), dims, layout: va.layout };
  }
  const x = (a.kind === "tensor" ? a : b) as TensorValue, c = (a.kind === "const" ? a : b) as Extract<Value, { kind: "const" }>;
  const k = constFor(x, c.c, "constant operand");
  return { ...x, t: new ConstantOp({ name: ctx.name(node), kind, constant: k.values, constantShape: k.shape, constantFirst: a.kind === "const" }).apply(x.t) };
}

function convertResize(ctx: Ctx, node: OnnxNode, ins: (Value | undefined)[]): Value {
  const x = toImage(ctx, node, tensorOf(ctx, node, 0));
  const [, C, H, W] = x.dims;
  const opsetUpsample = node.opType === "Upsample";
  // Upsample (opset 7–9) and Resize of opset 10 take scales as input 1; Resize from opset 11 as input 2 (after roi)
  const scalesAt = opsetUpsample || ctx.g.opset < 11 ? 1 : 2;
  const sc0 = ins[scalesAt];
  const scalesIn = sc0 && sc0.kind === "const" && sc0.c.values.length ? sc0.c : sc0 && sc0.kind === "tensor" ? constOf(sc0, `scales (input ${scalesAt})`) : undefined;
  const sizesIn = !opsetUpsample && ins[3] ? constOf(ins[3], "sizes (input 3)") : undefined;
  let Ho: number, Wo: number, scales: [number, number] | undefined;
  if (sizesIn) {
    const sz = ints(sizesIn);
    if (sz.length !== 4 || sz[0] !== 1 || sz[1] !== C) throw new ModelFormatError(`sizes [${sz}] must resize height and width only`);
    [Ho, Wo] = [sz[2], sz[3]];
  } else if (scalesIn) {
    const sc = Array.from(scalesIn.values);
    if (sc.length !== 4 || sc[0] !== 1 || sc[1] !== 1) throw new ModelFormatError(`scales [${sc}] must resize height and width only`);
    [Ho, Wo] = [Math.floor(H * sc[2]), Math.floor(W * sc[3])];
    scales = [sc[2], sc[3]];
  } else {
    const v = node.attrs.get("scales");
    const sc = Array.isArray(v) ? (v as number[]) : undefined;
    if (!sc || sc.length !== 4) throw new ModelFormatError("neither scales nor sizes is given");
    [Ho, Wo] = [Math.floor(H * sc[2]), Math.floor(W * sc[3])];
    scales = [sc[2], sc[3]];
  }
  const mode = attrStr(node, "mode", "nearest");
  if (mode !== "nearest" && mode !== "linear" && mode !== "bilinear") throw new ModelFormatError(`mode "${mode}" is not supported (nearest, linear)`);
  const coord = (opsetUpsample || ctx.g.opset < 11 ? "asymmetric" : attrStr(node, "coordinate_transformation_mode", "half_pixel")) as CoordMode;
  if (!["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"].includes(coord)) {
    throw new ModelFormatError(`coordinate_transformation_mode "${coord}" is not supported`);
  }
  const nearestMode = (opsetUpsample || ctx.g.opset < 11 ? "floor" : attrStr(node, "nearest_mode", "round_prefer_floor")) as NearestMode;
  if (!["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"].includes(nearestMode)) throw new ModelFormatError(`nearest_mode "${nearestMode}" is not supported`);
  const layer = new Resize({ name: ctx.name(node), size: [Ho, Wo], mode: mode === "nearest" ? "nearest" : "linear", coord, nearestMode, scales });
  return image(layer.apply(x.t));
}

function convertConcat(ctx: Ctx, node: OnnxNode): Value {
  let xs = node.input.map((_, i) => tensorOf(ctx, node, i));
  const rank = xs[0].dims.length, axis = normAxis(attrInt(node, "axis", 1), rank);
  const allImage = xs.every((v) => v.layout === "image");
  if (!allImage) xs = xs.map((v) => toPlain(ctx, node, v));
  const dims = [...xs[0].dims];
  dims[axis] = xs.reduce((s, v) => s + v.dims[axis], 0);
  if (axis === 0) throw new ModelFormatError("Concat along the batch axis is not supported");
  // Keras axes count the batch: an image's NCHW axis 1 (C) is its last, 2 (H) is 1, 3 (W) is 2
  const kerasAxis = allImage ? [0, 3, 1, 2][axis] : axis;
  const t = new Concatenate({ name: ctx.name(node), axis: kerasAxis }).apply(xs.map((v) => v.t));
  return { kind: "tensor", t, dims, layout: allImage ? "image" : "plain" };
}

function convertDense(ctx: Ctx, node: OnnxNode, ins: (Value | undefined)[]): Value {
  const x = toPlain(ctx, node, tensorOf(ctx, node, 0));
  const B = constOf(ins[1], "B (input 1)");
  if (B.dims.length !== 2) throw new ModelFormatError(`B of shape [${B.dims}]: a 2-D constant is supported`);
  const isGemm = node.opType === "Gemm";
  if (isGemm && attrInt(node, "transA", 0)) throw new ModelFormatError("Gemm with transA = 1 is not supported");
  const transB = isGemm && attrInt(node, "transB", 0) === 1;
  const alpha = isGemm ? floatAttr(node, "alpha", 1) : 1, beta = isGemm ? floatAttr(node, "beta", 1) : 1;
  const [K, N] = transB ? [B.dims[1], B.dims[0]] : B.dims;
  if (x.dims[x.dims.length - 1] !== K) throw new ModelFormatError(`A has ${x.dims[x.dims.length - 1]} columns, B has ${K} rows`);
  const kernel = new Float32Array(K * N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) kernel[k * N + n] = alpha * (transB ? B.values[n * K + k] : B.values[k * N + n]);
  const C = isGemm && ins[2] ? constOf(ins[2], "C (input 2)") : undefined;
  let bias: Float32Array | undefined;
  if (C) {
    if (C.values.length !== N && C.values.length !== 1) throw new ModelFormatError(`C of shape [${C.dims}] does not broadcast to ${N} columns`);
    bias = Float32Array.from({ length: N }, (_, i) => beta * C.values[C.values.length === 1 ? 0 : i]);
  }
  const layer = new Dense({ name: ctx.name(node), units: N, useBias: !!bias });
  const t = layer.apply(x.t);
  layer.weights.set("kernel", kernel);
  if (bias) layer.weights.set("bias", bias);
  return { kind: "tensor", t, dims: [...x.dims.slice(0, -1), N], layout: "plain" };
}

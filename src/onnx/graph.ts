import { LimitError, ModelFormatError } from "../errors.js";
import { LIMITS } from "../limits.js";
import type { AttrValue, ConstTensor, OnnxGraph, OnnxNode } from "./convert.js";
import { DataType, decodeModel, tensorValues, type OnnxAttributeValue, type OnnxTensorProto } from "./proto.js";

// A decoded ModelProto → the graph convertGraph() reads: attributes by name, initializers as float64 values,
// the opset of the default domain, the one input that is not an initializer. What conversion cannot run at all
// (no default-domain opset, opset below 7, several inputs, a graph input that is not a float tensor) is refused here.

const FLOAT_TYPES = new Set<number>([DataType.FLOAT, DataType.FLOAT16, DataType.DOUBLE, DataType.BFLOAT16]);

export function graphOf(bytes: Uint8Array, file: string): OnnxGraph {
  const m = decodeModel(bytes, file);
  const g = m.graph;
  const opsetId = m.opsetImports.find((o) => o.domain === "" || o.domain === "ai.onnx");
  if (!opsetId) throw new ModelFormatError(`${file}: no opset_import for the default ONNX domain`);
  if (opsetId.version < 7) throw new ModelFormatError(`${file}: opset ${opsetId.version} is not supported (7 and later; 11+ tested)`);
  if (g.nodes.length > LIMITS.maxOnnxNodes) throw new ModelFormatError(`${file}: ${g.nodes.length} nodes, over the limit of ${LIMITS.maxOnnxNodes}`);
  // names and strings from the file are quoted raw in messages (and run()'s result keys): a control character (a
  // newline) in one would break a message's one line, so such a file is refused here, before any is quoted
  const strings = [
    ...[...g.inputs, ...g.outputs].flatMap((v) => [v.name, ...(v.tensorType?.shape ?? []).filter((d): d is string => typeof d === "string")]),
    ...g.initializers.map((t) => t.name),
    ...g.nodes.flatMap((n) => [n.name, n.opType, n.domain, ...n.inputs, ...n.outputs, ...n.attributes.flatMap((a) => [a.name, ...(a.value.kind === "string" ? [a.value.value] : a.value.kind === "strings" ? a.value.value : [])])]),
  ];
  const control = strings.find((s) => /[\u0000-\u001f\u007f]/.test(s));
  if (control !== undefined) throw new ModelFormatError(`${file}: the name or string ${JSON.stringify(control.slice(0, 80))} contains a control character`);
  const initializers = new Map<string, ConstTensor>();
  for (const t of g.initializers) initializers.set(t.name, constOf(t, file));
  const inputs = g.inputs.filter((i) => !initializers.has(i.name));
  if (inputs.length !== 1) {
    throw new ModelFormatError(`${file}: ${inputs.length} graph inputs (${inputs.map((i) => i.name).join(", ")}); this engine runs single-input models`);
  }
  const inp = inputs[0];
  if (inp.typeKind !== "tensor" || !inp.tensorType || !inp.tensorType.shape) {
    throw new ModelFormatError(`${file}: input ${inp.name} is not a tensor of known rank`);
  }
  if (!FLOAT_TYPES.has(inp.tensorType.elemType)) throw new ModelFormatError(`${file}: input ${inp.name} has element type ${inp.tensorType.elemType}, expected a float tensor`);
  const declared = inp.tensorType.shape, fixed = declared.filter((d): d is number => typeof d === "number");
  if (fixed.some((d) => !Number.isSafeInteger(d) || d < 1)) throw new ModelFormatError(`${file}: input ${inp.name} has dims [${declared.join(", ")}], expected positive sizes (or names for free ones)`);
  if (fixed.reduce((a, b) => a * b, 1) > LIMITS.maxTensorElements) throw new LimitError(`${file}: input ${inp.name} has dims [${declared.join(", ")}], over ${LIMITS.maxTensorElements} elements (LIMITS.maxTensorElements)`);
  // each value is assigned once (ONNX's SSA rule): a node output may not redefine the input, an initializer or
  // another node's output (the later one silently won)
  const defined = new Set<string>([...g.inputs.map((i) => i.name), ...g.initializers.map((t) => t.name)]);
  for (const n of g.nodes) {
    for (const o of n.outputs) {
      if (o !== "" && defined.has(o)) throw new ModelFormatError(`${file}: node ${n.name || n.outputs[0]} (${n.opType}) output ${o} is already defined; each value is assigned once`);
      defined.add(o);
    }
  }
  const nodes: OnnxNode[] = g.nodes.map((n) => {
    const attrs = new Map<string, AttrValue>();
    for (const a of n.attributes) attrs.set(a.name, attrValue(a.value, `${file}: node ${n.name || n.outputs[0]} (${n.opType}) attribute ${a.name}`));
    return { opType: n.opType, domain: n.domain, name: n.name, input: n.inputs, output: n.outputs, attrs };
  });
  if (g.outputs.length === 0) throw new ModelFormatError(`${file}: the graph has no outputs`);
  return {
    file, opset: opsetId.version, nodes, initializers,
    input: { name: inp.name, dims: inp.tensorType.shape },
    outputs: g.outputs.map((o) => o.name),
    metadata: new Map(m.metadataProps.map((p) => [p.key, p.value])),
  };
}

function constOf(t: OnnxTensorProto, file: string): ConstTensor {
  const v = tensorValues(t, file);
  return { dims: v.dims, values: v.values, isFloat: FLOAT_TYPES.has(v.type) };
}

function attrValue(v: OnnxAttributeValue, where: string): AttrValue {
  switch (v.kind) {
    case "float": case "int": case "string": case "floats": case "ints": case "strings":
      return v.value;
    case "tensor":
      return constOf(v.value, where);
    case "graph": case "graphs":
      return { subgraph: true };
    default:
      throw new ModelFormatError(`${where}: attribute type ${v.kind === "tensors" ? "TENSORS" : (v as { type: number }).type} is not supported`);
  }
}

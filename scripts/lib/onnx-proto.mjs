// Minimal protobuf writer for the subset of onnx.proto that a small CNN needs.
// Hand-written so that exporting to ONNX costs no dependency (no protobufjs, no Python).
// Field numbers are from onnx/onnx.proto (IR version 8). ONNX is proto2, so repeated
// scalars are written unpacked, one tag per value; every protobuf parser accepts that.

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

export const DataType = Object.freeze({ FLOAT: 1, INT64: 7 });
const AttrType = Object.freeze({ FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, INTS: 7 });

const utf8 = new TextEncoder();

/** Growable byte buffer with protobuf primitives. */
class Writer {
  constructor() {
    this.chunks = [];
    this.length = 0;
  }
  bytes(b) {
    this.chunks.push(b);
    this.length += b.length;
    return this;
  }
  // Varints via BigInt so that negative int64 (two's complement, 10 bytes) is right too.
  varint(value) {
    let v = BigInt.asUintN(64, BigInt(value));
    const out = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    return this.bytes(Uint8Array.from(out));
  }
  tag(field, wire) {
    return this.varint((field << 3) | wire);
  }
  int(field, value) {
    return this.tag(field, WIRE_VARINT).varint(value);
  }
  float(field, value) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.tag(field, WIRE_FIXED32).bytes(b);
  }
  lenDelimited(field, payload) {
    return this.tag(field, WIRE_LEN).varint(payload.length).bytes(payload);
  }
  string(field, s) {
    return this.lenDelimited(field, utf8.encode(s));
  }
  message(field, writer) {
    return this.lenDelimited(field, writer.finish());
  }
  finish() {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** TensorProto. `data` is a Float32Array or BigInt64Array, stored as little-endian raw_data. */
export function tensor(name, dims, data) {
  const dataType = data instanceof Float32Array ? DataType.FLOAT : DataType.INT64;
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`tensor ${name}: dims ${dims} hold ${count} values, got ${data.length}`);
  const w = new Writer();
  for (const d of dims) w.int(1, d); // dims
  w.int(2, dataType); // data_type
  w.string(8, name); // name
  // raw_data must be little-endian; copy through a DataView so big-endian hosts are right too.
  const raw = new Uint8Array(data.length * data.BYTES_PER_ELEMENT);
  const view = new DataView(raw.buffer);
  if (dataType === DataType.FLOAT) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  w.lenDelimited(9, raw); // raw_data
  return w;
}

/** AttributeProto from a JS value: integer → INT, non-integer number → FLOAT, int array → INTS, string → STRING. */
function attribute(name, value) {
  const w = new Writer().string(1, name);
  if (Array.isArray(value)) {
    for (const v of value) w.int(8, v); // ints
    w.int(20, AttrType.INTS);
  } else if (typeof value === "string") {
    w.string(4, value).int(20, AttrType.STRING);
  } else if (value instanceof Writer) {
    w.message(5, value).int(20, AttrType.TENSOR);
  } else if (typeof value === "object" && value !== null && "float" in value) {
    // Explicit float wrapper, for floats that happen to be integral (e.g. alpha: 1).
    w.float(2, value.float).int(20, AttrType.FLOAT);
  } else if (Number.isInteger(value)) {
    w.int(3, value).int(20, AttrType.INT);
  } else {
    w.float(2, value).int(20, AttrType.FLOAT);
  }
  return w;
}

/** NodeProto. attrs: plain object of name → value (see attribute()). */
export function node(opType, inputs, outputs, name, attrs = {}) {
  const w = new Writer();
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, name);
  w.string(4, opType);
  for (const [k, v] of Object.entries(attrs)) w.message(5, attribute(k, v));
  return w;
}

/** ValueInfoProto for a float tensor; a string dim is symbolic (dim_param), a number is fixed (dim_value). */
export function valueInfo(name, dims, elemType = DataType.FLOAT) {
  const shape = new Writer();
  for (const d of dims) {
    const dim = new Writer();
    if (typeof d === "string") dim.string(2, d);
    else dim.int(1, d);
    shape.message(1, dim);
  }
  const tensorType = new Writer().int(1, elemType).message(2, shape);
  const type = new Writer().message(1, tensorType);
  return new Writer().string(1, name).message(2, type);
}

/** GraphProto. */
export function graph({ name, nodes, initializers, inputs, outputs, docString }) {
  const w = new Writer();
  for (const n of nodes) w.message(1, n);
  w.string(2, name);
  for (const t of initializers) w.message(5, t);
  if (docString) w.string(10, docString);
  for (const i of inputs) w.message(11, i);
  for (const o of outputs) w.message(12, o);
  return w;
}

/** ModelProto, serialised. */
export function model({ graph: g, irVersion = 8, opset = 13, producerName, producerVersion, docString, metadata = {} }) {
  const w = new Writer();
  w.int(1, irVersion);
  w.string(2, producerName);
  w.string(3, producerVersion);
  if (docString) w.string(6, docString);
  w.message(7, g);
  w.message(8, new Writer().string(1, "").int(2, opset)); // opset_import: default domain
  for (const [k, v] of Object.entries(metadata)) {
    w.message(14, new Writer().string(1, k).string(2, v)); // metadata_props (StringStringEntryProto)
  }
  return w.finish();
}

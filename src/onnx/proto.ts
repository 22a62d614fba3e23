import { ArgumentError, LimitError, ModelFormatError } from "../errors.js";
import { LIMITS } from "../limits.js";

// ONNX protobuf: a bounds-checked decoder, and the small encoder that scripts/export-onnx.mjs writes with
// (scripts/lib/onnx-proto.mjs re-exports this module from dist/).
//
// Hand-written for the subset of onnx/onnx.proto the library needs, instead of protobufjs: no dependency and no
// generated code in the browser bundle, and every length and count is checked against the remaining bytes and
// LIMITS before anything is allocated, which is what the project's fuzzer demands. onnx.proto is stable and we
// read about 40 fields. Reader and writer share one table of field numbers (F), so they cannot drift.
//
// Decoding rules: unknown fields are skipped (forward compatibility); a known field with the wrong wire type, a
// varint over 10 bytes (or 64 bits), a length past the end of its enclosing message, a wire type that is not 0,
// 1, 2 or 5, and graphs nested in attributes deeper than MAX_GRAPH_DEPTH are each a ModelFormatError or
// LimitError of one line: `${file}: <what> at byte <offset>: expected ..., found ...`. Repeated numbers are
// accepted packed and unpacked. Nothing depends on Node: this runs in browsers as is.

// ---------------------------------------------------------------------------------------------------------------
// Field numbers (onnx/onnx.proto), wire types and enums
// ---------------------------------------------------------------------------------------------------------------

/** Protobuf wire types. Groups (3, 4) are not used by ONNX and are refused. */
export const Wire = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/** Field numbers of the onnx.proto messages this module reads or writes; shared by decoder and encoder. */
export const F = {
  model: {
    irVersion: 1,
    producerName: 2,
    producerVersion: 3,
    domain: 4,
    modelVersion: 5,
    docString: 6,
    graph: 7,
    opsetImport: 8,
    metadataProps: 14,
  },
  operatorSetId: { domain: 1, version: 2 },
  stringStringEntry: { key: 1, value: 2 },
  graph: { node: 1, name: 2, initializer: 5, docString: 10, input: 11, output: 12, valueInfo: 13, sparseInitializer: 15 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5, docString: 6, domain: 7 },
  attribute: {
    name: 1,
    f: 2,
    i: 3,
    s: 4,
    t: 5,
    g: 6,
    floats: 7,
    ints: 8,
    strings: 9,
    tensors: 10,
    graphs: 11,
    docString: 13,
    tp: 14,
    typeProtos: 15,
    type: 20,
    refAttrName: 21,
    sparseTensor: 22,
    sparseTensors: 23,
  },
  tensor: {
    dims: 1,
    dataType: 2,
    segment: 3,
    floatData: 4,
    int32Data: 5,
    stringData: 6,
    int64Data: 7,
    name: 8,
    rawData: 9,
    doubleData: 10,
    uint64Data: 11,
    docString: 12,
    externalData: 13,
    dataLocation: 14,
  },
  valueInfo: { name: 1, type: 2, docString: 3 },
  type: { tensorType: 1, sequenceType: 4, mapType: 5, denotation: 6, opaqueType: 7, sparseTensorType: 8, optionalType: 9 },
  typeTensor: { elemType: 1, shape: 2 },
  tensorShape: { dim: 1 },
  dimension: { dimValue: 1, dimParam: 2, denotation: 3 },
} as const;

/** TensorProto.DataType. */
export const DataType = Object.freeze({
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const);

/** AttributeProto.AttributeType. */
export const AttributeType = Object.freeze({
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const);

/** TensorProto.DataLocation.EXTERNAL */
const DATA_LOCATION_EXTERNAL = 1;

/** Name of a TensorProto.DataType number, for messages ("FLOAT", "type 99"). */
function dataTypeName(type: number): string {
  for (const [k, v] of Object.entries(DataType)) if (v === type) return k;
  return `type ${type}`;
}

/** Name of an AttributeProto.AttributeType number, for messages ("INTS", "type 99"). */
function attributeTypeName(type: number): string {
  for (const [k, v] of Object.entries(AttributeType)) if (v === type) return k;
  return `type ${type}`;
}

/** Graphs inside attributes (If/Loop/Scan bodies) nested deeper than this are refused (LimitError). */
export const MAX_GRAPH_DEPTH = 16;
/**
 * Most messages and strings one file may decode to (nodes, attributes, tensors, value infos, dims, names). Each
 * costs 50–200 bytes of JS heap but can take as little as 2 bytes of file, so without a cap a 256 MiB file could
 * build gigabytes of objects. Large real CNNs have a few tens of thousands.
 */
export const MAX_ONNX_MESSAGES = 1_000_000;

// ---------------------------------------------------------------------------------------------------------------
// Decoded messages
// ---------------------------------------------------------------------------------------------------------------

/** OperatorSetIdProto. An empty domain is the default ONNX domain ("ai.onnx"). */
export interface OnnxOpsetId {
  domain: string;
  version: number;
}

export interface OnnxModelProto {
  irVersion: number;
  opsetImports: OnnxOpsetId[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  graph: OnnxGraphProto;
  /** metadata_props, in file order */
  metadataProps: { key: string; value: string }[];
}

export interface OnnxGraphProto {
  name: string;
  docString: string;
  nodes: OnnxNodeProto[];
  initializers: OnnxTensorProto[];
  inputs: OnnxValueInfoProto[];
  outputs: OnnxValueInfoProto[];
  valueInfos: OnnxValueInfoProto[];
  /** byte offset of the graph's field tag in the file (0 for none) */
  offset: number;
}

export interface OnnxNodeProto {
  name: string;
  opType: string;
  /** "" is the default ONNX domain */
  domain: string;
  /** tensor names; "" marks an omitted optional input */
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttributeProto[];
  docString: string;
  offset: number;
}

/**
 * An attribute's value, by kind. f and i are both numbers but keep their kind (an INT attribute where a FLOAT is
 * expected is an importer's call). Subgraphs are decoded (so they are bounds-checked like the rest) but an
 * importer without control flow refuses them: "subgraph attributes (If/Loop) are not supported". Sparse tensors,
 * type protos and attribute types newer than this decoder are "unsupported", with the type number.
 */
export type OnnxAttributeValue =
  | { kind: "float"; value: number }
  | { kind: "int"; value: number }
  | { kind: "string"; value: string }
  | { kind: "tensor"; value: OnnxTensorProto }
  | { kind: "floats"; value: number[] }
  | { kind: "ints"; value: number[] }
  | { kind: "strings"; value: string[] }
  | { kind: "tensors"; value: OnnxTensorProto[] }
  | { kind: "graph"; value: OnnxGraphProto }
  | { kind: "graphs"; value: OnnxGraphProto[] }
  | { kind: "unsupported"; type: number };

export interface OnnxAttributeProto {
  name: string;
  /** AttributeProto.type as written (0 in old files that leave it out; the kind is then inferred) */
  type: number;
  refAttrName: string;
  docString: string;
  value: OnnxAttributeValue;
  offset: number;
}

/**
 * TensorProto as stored. Values are in rawData (a view into the decoded bytes, not a copy) or in the typed field
 * that onnx.proto assigns to the data type; tensorValues() checks and converts them. 64-bit integers of the typed
 * fields are rounded to the nearest double (see tensorValues).
 */
export interface OnnxTensorProto {
  name: string;
  /** each a non-negative safe integer; [] is a scalar */
  dims: number[];
  dataType: number;
  docString: string;
  rawData: Uint8Array | null;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  uint64Data: number[];
  doubleData: number[];
  stringData: Uint8Array[];
  offset: number;
}

/** One dimension: dim_value (a number), dim_param (a symbolic name) or neither (null, unknown). */
export type OnnxDim = number | string | null;

export interface OnnxTensorType {
  /** a TensorProto.DataType */
  elemType: number;
  /** null when the shape (even the rank) is unknown */
  shape: OnnxDim[] | null;
}

export interface OnnxValueInfoProto {
  name: string;
  docString: string;
  /** which TypeProto alternative is set; only "tensor" has a tensorType */
  typeKind: "tensor" | "sequence" | "map" | "opaque" | "sparse_tensor" | "optional" | "none";
  tensorType: OnnxTensorType | null;
  offset: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------------------------------------------

const WIRE_NAMES = ["varint", "64-bit", "length-delimited", "start group", "end group", "32-bit", "invalid", "invalid"];
const wireName = (w: number): string => `wire type ${w} (${WIRE_NAMES[w]})`;
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const TWO_32 = 4294967296;

/** A name from the file, quoted for a one-line message: control characters escaped, at most 80 characters. */
function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}

class Reader {
  pos = 0;
  /** the last varint, as unsigned 32-bit halves */
  lo = 0;
  hi = 0;
  /** the last tag */
  field = 0;
  wire = 0;
  nodes = 0;
  messages = 0;
  values = 0;
  readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    readonly file: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(at: number, what: string, expected: string, found: string): never {
    throw new ModelFormatError(`${this.file}: ${what} at byte ${at}: expected ${expected}, found ${found}`);
  }

  limit(at: number, what: string, expected: string, found: string): never {
    throw new LimitError(`${this.file}: ${what} at byte ${at}: expected ${expected}, found ${found}`);
  }

  /** "the end of the file" or "the end of the enclosing message at byte N" */
  private endName(end: number): string {
    return end === this.buf.length ? "the end of the file" : `the end of the enclosing message at byte ${end}`;
  }

  /** Reads a varint (at most 10 bytes, at most 64 bits) into lo/hi. */
  varint(end: number, what: string): void {
    const buf = this.buf;
    const start = this.pos;
    let p = start, b = 0, lo = 0, hi = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (p >= end) this.fail(start, what, "a complete varint", this.endName(end));
      b = buf[p++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = p;
        this.lo = lo >>> 0;
        this.hi = 0;
        return;
      }
    }
    if (p >= end) this.fail(start, what, "a complete varint", this.endName(end));
    b = buf[p++];
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >>> 4;
    if (b >= 0x80) {
      for (let shift = 3; ; shift += 7) {
        if (p >= end) this.fail(start, what, "a complete varint", this.endName(end));
        b = buf[p++];
        if (shift === 31) {
          if (b >= 0x80) this.fail(start, what, "a varint of at most 10 bytes", "a continuation bit on its 10th byte");
          if (b > 1) this.fail(start, what, "a varint of at most 64 bits", `10th byte 0x${b.toString(16)}`);
        }
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.pos = p;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** lo/hi as an unsigned decimal string (for messages) */
  private u64String(): string {
    return ((BigInt(this.hi) << 32n) | BigInt(this.lo)).toString();
  }

  /** Reads a tag into field/wire; refuses field 0, fields past 2^29 − 1, groups and wire types 6 and 7. */
  tag(end: number, msg: string): void {
    const at = this.pos;
    this.varint(end, `${msg} field tag`);
    const field = this.lo >>> 3;
    if (this.hi !== 0 || field === 0) this.fail(at, `${msg} field tag`, "a field number in 1–536870911", `tag ${this.u64String()} (field ${this.hi ? "over 2^29" : 0})`);
    const wire = this.lo & 7;
    if (wire === Wire.SGROUP || wire === Wire.EGROUP || wire > Wire.I32) {
      this.fail(at, `${msg} field ${field}`, "wire type 0, 1, 2 or 5 (ONNX uses no groups)", wireName(wire));
    }
    this.field = field;
    this.wire = wire;
  }

  expectWire(at: number, what: string, expected: number): void {
    if (this.wire !== expected) this.fail(at, what, wireName(expected), wireName(this.wire));
  }

  /** Reads a length prefix and returns the end of the payload, checked against end. */
  len(end: number, what: string, at: number): number {
    this.varint(end, what);
    const room = end - this.pos;
    if (this.hi !== 0 || this.lo > room) {
      this.fail(at, what, `a length of at most ${room} bytes (to ${this.endName(end)})`, `length ${this.u64String()}`);
    }
    return this.pos + this.lo;
  }

  /** Skips a field of an unknown number. */
  skip(end: number, what: string, at: number): void {
    switch (this.wire) {
      case Wire.VARINT:
        this.varint(end, what);
        return;
      case Wire.I64:
        this.fixed(end, 8, what, at);
        return;
      case Wire.I32:
        this.fixed(end, 4, what, at);
        return;
      default:
        this.pos = this.len(end, what, at);
    }
  }

  /** Advances past n bytes of a fixed-width value; returns where they start. */
  fixed(end: number, n: number, what: string, at: number): number {
    const p = this.pos;
    if (end - p < n) this.fail(at, what, `${n} bytes`, `${end - p} before ${this.endName(end)}`);
    this.pos = p + n;
    return p;
  }

  /** Counts one decoded message or string against MAX_ONNX_MESSAGES. */
  item(at: number, what: string): void {
    if (++this.messages > MAX_ONNX_MESSAGES) this.limit(at, what, `at most ${MAX_ONNX_MESSAGES} messages and strings in one file`, "more");
  }

  /** Counts n numbers of repeated fields against LIMITS.maxTensorElements. */
  countValues(n: number, at: number, what: string): void {
    this.values += n;
    if (this.values > LIMITS.maxTensorElements) {
      this.limit(at, what, `at most ${LIMITS.maxTensorElements} numbers in repeated fields (LIMITS.maxTensorElements)`, "more");
    }
  }

  /** lo/hi as a signed int64, refused unless a safe integer. */
  private safeInt64(at: number, what: string): number {
    const v = (this.hi | 0) * TWO_32 + this.lo;
    if (!Number.isSafeInteger(v)) {
      const exact = BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
      this.fail(at, what, "an integer within ±(2^53 − 1)", exact.toString());
    }
    return v;
  }

  /** A non-repeated int64 (or int32/enum read as int64), refused unless a safe integer. */
  int64(end: number, what: string, at: number): number {
    this.expectWire(at, what, Wire.VARINT);
    this.varint(end, what);
    return this.safeInt64(at, what);
  }

  /** A non-repeated int32 or enum: the low 32 bits, as protobuf reads them. */
  int32(end: number, what: string, at: number): number {
    this.expectWire(at, what, Wire.VARINT);
    this.varint(end, what);
    return this.lo | 0;
  }

  float(end: number, what: string, at: number): number {
    this.expectWire(at, what, Wire.I32);
    return this.view.getFloat32(this.fixed(end, 4, what, at), true);
  }

  bytes(end: number, what: string, at: number): Uint8Array {
    this.expectWire(at, what, Wire.LEN);
    const e = this.len(end, what, at);
    const b = this.buf.subarray(this.pos, e);
    this.pos = e;
    return b;
  }

  string(end: number, what: string, at: number): string {
    this.expectWire(at, what, Wire.LEN);
    const e = this.len(end, what, at);
    const s = this.utf8(this.pos, e, what);
    this.pos = e;
    return s;
  }

  utf8(start: number, end: number, what: string): string {
    const buf = this.buf;
    if (end - start <= 64) {
      let s = "";
      let i = start;
      for (; i < end && buf[i] < 0x80; i++) s += String.fromCharCode(buf[i]);
      if (i === end) return s;
    }
    try {
      return utf8Decoder.decode(buf.subarray(start, end));
    } catch {
      return this.fail(start, what, "UTF-8 text", "invalid UTF-8");
    }
  }

  /** Starts an embedded message: checks the wire type, counts it, returns its end. */
  message(end: number, what: string, at: number): number {
    this.expectWire(at, what, Wire.LEN);
    this.item(at, what);
    return this.len(end, what, at);
  }

  /**
   * A repeated varint field, unpacked (one value) or packed (a run of them). kind: "int64" refuses values that
   * are not safe integers; "int64-rounded"/"uint64-rounded" round them to the nearest double; "int32" keeps the
   * low 32 bits.
   */
  repeatedVarint(end: number, what: string, at: number, out: number[], kind: "int64" | "int64-rounded" | "uint64-rounded" | "int32"): void {
    const one = (e: number): void => {
      this.varint(e, what);
      out.push(
        kind === "int32" ? this.lo | 0
        : kind === "int64" ? this.safeInt64(at, what)
        : kind === "int64-rounded" ? (this.hi | 0) * TWO_32 + this.lo
        : this.hi * TWO_32 + this.lo,
      );
    };
    if (this.wire === Wire.VARINT) {
      this.countValues(1, at, what);
      one(end);
      return;
    }
    if (this.wire !== Wire.LEN) this.fail(at, what, `${wireName(Wire.VARINT)} or packed (${wireName(Wire.LEN)})`, wireName(this.wire));
    const e = this.len(end, what, at);
    while (this.pos < e) {
      this.countValues(1, at, what);
      one(e);
    }
  }

  /** A repeated float (width 4) or double (width 8) field, unpacked or packed. */
  repeatedFixed(end: number, what: string, at: number, out: number[], width: 4 | 8): void {
    const wire = width === 4 ? Wire.I32 : Wire.I64;
    const read = (p: number): number => (width === 4 ? this.view.getFloat32(p, true) : this.view.getFloat64(p, true));
    if (this.wire === wire) {
      this.countValues(1, at, what);
      out.push(read(this.fixed(end, width, what, at)));
      return;
    }
    if (this.wire !== Wire.LEN) this.fail(at, what, `${wireName(wire)} or packed (${wireName(Wire.LEN)})`, wireName(this.wire));
    const e = this.len(end, what, at);
    const n = e - this.pos;
    if (n % width !== 0) this.fail(at, what, `a packed length that is a multiple of ${width}`, `length ${n}`);
    this.countValues(n / width, at, what);
    for (let p = this.pos; p < e; p += width) out.push(read(p));
    this.pos = e;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Decoder
// ---------------------------------------------------------------------------------------------------------------

/** Refuses an ONNX file of more than LIMITS.maxOnnxBytes: its size on disk, its Content-Length or its bytes, before reading them. */
export function checkOnnxBytes(n: number, file: string): void {
  if (n > LIMITS.maxOnnxBytes) throw new LimitError(`${file}: ${n} bytes, over the limit of ${LIMITS.maxOnnxBytes} (LIMITS.maxOnnxBytes)`);
}

/**
 * Decodes an ONNX ModelProto. `file` names the source in messages. Throws LimitError over LIMITS.maxOnnxBytes,
 * LIMITS.maxOnnxNodes, LIMITS.maxTensorElements, MAX_ONNX_MESSAGES or MAX_GRAPH_DEPTH, and ModelFormatError for
 * anything malformed, for a model without ir_version, graph or opset_import, for external data, segmented tensors,
 * sparse initializers, and numeric tensors whose stored values do not match their dims. rawData fields are views
 * into `bytes` (no copy).
 */
export function decodeModel(bytes: Uint8Array, file: string): OnnxModelProto {
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(`${file}: expected the bytes of an ONNX model (a Uint8Array), found ${typeof bytes}`);
  checkOnnxBytes(bytes.length, file);
  const r: Reader = new Reader(bytes, file);
  const end = bytes.length;
  if (end === 0) r.fail(0, "ModelProto", "an ONNX model", "an empty file");
  const M = F.model;
  let irVersion: number | null = null;
  let graph: OnnxGraphProto | null = null;
  const model = {
    irVersion: 0,
    opsetImports: [] as OnnxOpsetId[],
    producerName: "",
    producerVersion: "",
    domain: "",
    modelVersion: 0,
    docString: "",
    metadataProps: [] as { key: string; value: string }[],
  };
  while (r.pos < end) {
    const at = r.pos;
    r.tag(end, "ModelProto");
    switch (r.field) {
      case M.irVersion:
        irVersion = r.int64(end, "ModelProto.ir_version", at);
        break;
      case M.producerName:
        model.producerName = r.string(end, "ModelProto.producer_name", at);
        break;
      case M.producerVersion:
        model.producerVersion = r.string(end, "ModelProto.producer_version", at);
        break;
      case M.domain:
        model.domain = r.string(end, "ModelProto.domain", at);
        break;
      case M.modelVersion:
        model.modelVersion = r.int64(end, "ModelProto.model_version", at);
        break;
      case M.docString:
        model.docString = r.string(end, "ModelProto.doc_string", at);
        break;
      case M.graph: {
        // proto2 merges a repeated message field; two graphs is not something any writer does.
        if (graph) r.fail(at, "ModelProto.graph", "one graph", "a second one");
        const e = r.message(end, "ModelProto.graph", at);
        graph = decodeGraph(r, e, at, 0);
        break;
      }
      case M.opsetImport: {
        const e = r.message(end, "ModelProto.opset_import", at);
        model.opsetImports.push(decodeOpsetId(r, e));
        break;
      }
      case M.metadataProps: {
        const e = r.message(end, "ModelProto.metadata_props", at);
        model.metadataProps.push(decodeStringEntry(r, e));
        break;
      }
      default:
        r.skip(end, `ModelProto field ${r.field}`, at);
    }
  }
  if (irVersion === null) r.fail(end, "ModelProto.ir_version (field 1)", "an IR version", "none in the file");
  if (!graph) r.fail(end, "ModelProto.graph (field 7)", "a graph", "none in the file (truncated file?)");
  if (!model.opsetImports.length) r.fail(end, "ModelProto.opset_import (field 8)", "at least one operator set", "none in the file (truncated file?)");
  return { ...model, irVersion, graph };
}

function decodeOpsetId(r: Reader, end: number): OnnxOpsetId {
  const o: OnnxOpsetId = { domain: "", version: 0 };
  while (r.pos < end) {
    const at = r.pos;
    r.tag(end, "OperatorSetIdProto");
    if (r.field === F.operatorSetId.domain) o.domain = r.string(end, "OperatorSetIdProto.domain", at);
    else if (r.field === F.operatorSetId.version) o.version = r.int64(end, "OperatorSetIdProto.version", at);
    else r.skip(end, `OperatorSetIdProto field ${r.field}`, at);
  }
  return o;
}

function decodeStringEntry(r: Reader, end: number): { key: string; value: string } {
  const kv = { key: "", value: "" };
  while (r.pos < end) {
    const at = r.pos;
    r.tag(end, "StringStringEntryProto");
    if (r.field === F.stringStringEntry.key) kv.key = r.string(end, "StringStringEntryProto.key", at);
    else if (r.field === F.stringStringEntry.value) kv.value = r.string(end, "StringStringEntryProto.value", at);
    else r.skip(end, `StringStringEntryProto field ${r.field}`, at);
  }
  return kv;
}

function decodeGraph(r: Reader, end: number, offset: number, depth: number): OnnxGraphProto {
  if (depth > MAX_GRAPH_DEPTH) r.limit(offset, "GraphProto", `graphs nested at most ${MAX_GRAPH_DEPTH} deep in attributes`, "deeper nesting");
  const G = F.graph;
  const g: OnnxGraphProto = { name: "", docString: "", nodes: [], initializers: [], inputs: [], outputs: [], valueInfos: [], offset };
  while (r.pos < end) {
    const at = r.pos;
    r.tag(end, "GraphProto");
    switch (r.field) {
      case G.node: {
        if (++r.nodes > LIMITS.maxOnnxNodes) r.limit(at, "GraphProto.node", `at most ${LIMITS.maxOnnxNodes} nodes (LIMITS.maxOnnxNodes)`, "more");
        const e = r.message(end, "GraphProto.node", at);
        g.nodes.push(decodeNode(r, e, at, depth));
        break;
      }
      case G.name:
        g.name = r.string(end, "GraphProto.name", at);
        break;
      case G.initializer: {
        const e = r.message(end, "GraphProto.initializer", at);
        g.initializers.push(decodeTensor(r, e, at));
        break;
      }
      case G.docString:
        g.docString = r.string(end, "GraphProto.doc_string", at);
        break;
      case G.input:
      case G.output:
      case G.valueInfo: {
        const what = r.field === G.input ? "input" : r.field === G.output ? "output" : "value_info";
        const list = r.field === G.input ? g.inputs : r.field === G.output ? g.outputs : g.valueInfos;
        const e = r.message(end, `GraphProto.${what}`, at);
        list.push(decodeValueInfo(r, e, at));
        break;
      }
      case G.sparseInitializer:
        r.fail(at, "GraphProto.sparse_initializer", "dense initializers", "a sparse initializer (sparse initializers are not supported)");
        break;
      default:
        r.skip(end, `GraphProto field ${r.field}`, at);
    }
  }
  return g;
}

function decodeNode(r: Reader, end: number, offset: number, depth: number): OnnxNodeProto {
  const N = F.node;
  const n: OnnxNodeProto = { name: "", opType: "", domain: "", inputs: [], outputs: [], attributes: [], docString: "", offset };
  while (r.pos < end) {
    const at = r.pos;
    r.tag(end, "NodeProto");
    switch (r.field) {
      case N.input:
        r.item(at, "NodeProto.input");
        n.inputs.push(r.string(end, "NodeProto.input", at));
        break;
      case N.output:
        r.item(at, "NodeProto.output");
        n.outputs.push(r.string(end, "NodeProto.output", at));
        break;
      case N.name:
        n.name = r.string(end, "NodeProto.name", at);
        break;
      case N.opType:
        n.opType = r.string(end, "NodeProto.op_type", at);
        break;
      case N.domain:
        n.domain = r.string(end, "NodeProto.domain", at);
        break;
      case N.docString:
        n.docString = r.string(end, "NodeProto.doc_string", at);
        break;
      case N.attribute: {
        const e = r.message(end, "NodeProto.attribute", at);
        n.attributes.push(decodeAttribute(r, e, at, depth));
        break;
      }
      default:
        r.skip(end, `NodeProto field ${r.field}`, at);
    }
  }
  if (!n.opType) r.fail(offset, `node ${quote(n.name)}`, "an op_type (field 4)", "none");
  return n;
}

function decodeAttribute(r: Reader, end: number, offset: number, depth: number): OnnxAttributeProto {
  const A = F.attribute;
  let name = "", refAttrName = "", docString = "", type = 0;
  let f: number | null = null, i: number | null = null, s: string | null = null;
  let t: OnnxTensorProto | null = null, g: OnnxGraphProto | null = null;
  const floats: number[] = [], ints: number[] = [], strings: string[] = [];
  const tensors: OnnxTensorProto[] = [], graphs: OnnxGraphProto[] = [];
  let other = 0; // the last sparse tensor / type proto field seen, for attributes without a type
  while (r.pos < end) {
    const at = r.pos;
    r.tag(end, "AttributeProto");
    switch (r.field) {
      case A.name:
        name = r.string(end, "AttributeProto.name", at);
        break;
      case A.refAttrName:
        refAttrName = r.string(end, "AttributeProto.ref_attr_name", at);
        break;
      case A.docString:
        docString = r.string(end, "AttributeProto.doc_string", at);
        break;
      case A.type:
        type = r.int32(end, "AttributeProto.type", at);
        break;
      case A.f:
        f = r.float(end, "AttributeProto.f", at);
        break;
      case A.i:
        i = r.int64(end, "AttributeProto.i", at);
        break;
      case A.s:
        s = r.string(end, "AttributeProto.s", at);
        break;
      case A.t: {
        const e = r.message(end, "AttributeProto.t", at);
        t = decodeTensor(r, e, at);
        break;
      }
      case A.g: {
        const e = r.message(end, "AttributeProto.g", at);
        g = decodeGraph(r, e, at, depth + 1);
        break;
      }
      case A.floats:
        r.repeatedFixed(end, "AttributeProto.floats", at, floats, 4);
        break;
      case A.ints:
        r.repeatedVarint(end, "AttributeProto.ints", at, ints, "int64");
        break;
      case A.strings:
        r.item(at, "AttributeProto.strings");
        strings.push(r.string(end, "AttributeProto.strings", at));
        break;
      case A.tensors: {
        const e = r.message(end, "AttributeProto.tensors", at);
        tensors.push(decodeTensor(r, e, at));
        break;
      }
      case A.graphs: {
        const e = r.message(end, "AttributeProto.graphs", at);
        graphs.push(decodeGraph(r, e, at, depth + 1));
        break;
      }
      case A.sparseTensor:
        other = AttributeType.SPARSE_TENSOR;
        r.skip(end, "AttributeProto.sparse_tensor", at);
        break;
      case A.sparseTensors:
        other = AttributeType.SPARSE_TENSORS;
        r.skip(end, "AttributeProto.sparse_tensors", at);
        break;
      case A.tp:
        other = AttributeType.TYPE_PROTO;
        r.skip(end, "AttributeProto.tp", at);
        break;
      case A.typeProtos:
        other = AttributeType.TYPE_PROTOS;
        r.skip(end, "AttributeProto.type_protos", at);
        break;
      default:
        r.skip(end, `AttributeProto field ${r.field}`, at);
    }
  }
  const what = `attribute ${quote(name)}`;
  let kind = type;
  if (kind === AttributeType.UNDEFINED) {
    // Files from before AttributeProto.type (IR < 0.0.2) leave it out: the one value field set says the kind.
    const set: number[] = [];
    if (f !== null) set.push(AttributeType.FLOAT);
    if (i !== null) set.push(AttributeType.INT);
    if (s !== null) set.push(AttributeType.STRING);
    if (t) set.push(AttributeType.TENSOR);
    if (g) set.push(AttributeType.GRAPH);
    if (floats.length) set.push(AttributeType.FLOATS);
    if (ints.length) set.push(AttributeType.INTS);
    if (strings.length) set.push(AttributeType.STRINGS);
    if (tensors.length) set.push(AttributeType.TENSORS);
    if (graphs.length) set.push(AttributeType.GRAPHS);
    if (other) set.push(other);
    if (set.length > 1) r.fail(offset, what, "one value field, or a type (field 20)", `no type and values of kinds ${set.map(attributeTypeName).join(", ")}`);
    if (set.length === 0 && !refAttrName) r.fail(offset, what, "a type (field 20) or a value", "neither");
    kind = set[0] ?? AttributeType.UNDEFINED;
  }
  let value: OnnxAttributeValue;
  switch (kind) {
    case AttributeType.FLOAT:
      value = { kind: "float", value: f ?? 0 };
      break;
    case AttributeType.INT:
      value = { kind: "int", value: i ?? 0 };
      break;
    case AttributeType.STRING:
      value = { kind: "string", value: s ?? "" };
      break;
    case AttributeType.TENSOR:
      if (!t) r.fail(offset, what, "a tensor in t (field 5) for type TENSOR", "none");
      value = { kind: "tensor", value: t };
      break;
    case AttributeType.GRAPH:
      if (!g) r.fail(offset, what, "a graph in g (field 6) for type GRAPH", "none");
      value = { kind: "graph", value: g };
      break;
    case AttributeType.FLOATS:
      value = { kind: "floats", value: floats };
      break;
    case AttributeType.INTS:
      value = { kind: "ints", value: ints };
      break;
    case AttributeType.STRINGS:
      value = { kind: "strings", value: strings };
      break;
    case AttributeType.TENSORS:
      value = { kind: "tensors", value: tensors };
      break;
    case AttributeType.GRAPHS:
      value = { kind: "graphs", value: graphs };
      break;
    default:
      value = { kind: "unsupported", type: kind };
  }
  return { name, type, refAttrName, docString, value, offset };
}

function decodeTensor(r: Reader, end: number, offset: number): OnnxTensorProto {
  const T = F.tensor;
  const t: OnnxTensorProto = {
    name: "",
    dims: [],
    dataType: DataType.UNDEFINED,
    docString: "",
    rawData: null,
    floatData: [],
    int32Data: [],
    int64Data: [],
    uint64Data: [],
    doubleData: [],
    stringData: [],
    offset,
  };
  let external = false;
  let location = "";
  while (r.pos < end) {
    const at = r.pos;
    r.tag(end, "TensorProto");
    switch (r.field) {
      case T.dims:
        r.repeatedVarint(end, "TensorProto.dims", at, t.dims, "int64");
        break;
      case T.dataType:
        t.dataType = r.int32(end, "TensorProto.data_type", at);
        break;
      case T.segment:
        r.fail(at, "TensorProto.segment", "a whole tensor", "a segment (segmented tensors are not supported)");
        break;
      case T.floatData:
        r.repeatedFixed(end, "TensorProto.float_data", at, t.floatData, 4);
        break;
      case T.int32Data:
        r.repeatedVarint(end, "TensorProto.int32_data", at, t.int32Data, "int32");
        break;
      case T.stringData:
        r.item(at, "TensorProto.string_data");
        t.stringData.push(r.bytes(end, "TensorProto.string_data", at));
        break;
      case T.int64Data:
        r.repeatedVarint(end, "TensorProto.int64_data", at, t.int64Data, "int64-rounded");
        break;
      case T.name:
        t.name = r.string(end, "TensorProto.name", at);
        break;
      case T.rawData:
        t.rawData = r.bytes(end, "TensorProto.raw_data", at);
        break;
      case T.doubleData:
        r.repeatedFixed(end, "TensorProto.double_data", at, t.doubleData, 8);
        break;
      case T.uint64Data:
        r.repeatedVarint(end, "TensorProto.uint64_data", at, t.uint64Data, "uint64-rounded");
        break;
      case T.docString:
        t.docString = r.string(end, "TensorProto.doc_string", at);
        break;
      case T.externalData: {
        external = true;
        const e = r.message(end, "TensorProto.external_data", at);
        const kv = decodeStringEntry(r, e);
        if (kv.key === "location") location = kv.value;
        break;
      }
      case T.dataLocation:
        if (r.int32(end, "TensorProto.data_location", at) === DATA_LOCATION_EXTERNAL) external = true;
        break;
      default:
        r.skip(end, `TensorProto field ${r.field}`, at);
    }
  }
  const what = `tensor ${quote(t.name)}`;
  if (external) {
    throw new ModelFormatError(
      `${r.file}: ${what} at byte ${offset}: external data is not supported: save the model with weights inside` +
        ` (expected the values in the file, found data_location EXTERNAL${location ? `, location ${quote(location)}` : ""})`,
    );
  }
  const count = elementCount(t.dims);
  if (typeof count !== "number") throw new count[0](`${r.file}: ${what} at byte ${offset}: expected ${count[1]}, found ${count[2]}`);
  // Numeric tensors are checked here too, so a file whose weights do not match their dims is refused whole.
  const kind = ELEMENTS[t.dataType];
  const bad = kind ? valuesMismatch(t, count, kind) : null;
  if (bad) r.fail(offset, what, bad[0], bad[1]);
  return t;
}

function decodeValueInfo(r: Reader, end: number, offset: number): OnnxValueInfoProto {
  const v: OnnxValueInfoProto = { name: "", docString: "", typeKind: "none", tensorType: null, offset };
  while (r.pos < end) {
    const at = r.pos;
    r.tag(end, "ValueInfoProto");
    switch (r.field) {
      case F.valueInfo.name:
        v.name = r.string(end, "ValueInfoProto.name", at);
        break;
      case F.valueInfo.docString:
        v.docString = r.string(end, "ValueInfoProto.doc_string", at);
        break;
      case F.valueInfo.type: {
        const e = r.message(end, "ValueInfoProto.type", at);
        decodeType(r, e, v);
        break;
      }
      default:
        r.skip(end, `ValueInfoProto field ${r.field}`, at);
    }
  }
  return v;
}

const OTHER_TYPES: Record<number, OnnxValueInfoProto["typeKind"]> = {
  [F.type.sequenceType]: "sequence",
  [F.type.mapType]: "map",
  [F.type.opaqueType]: "opaque",
  [F.type.sparseTensorType]: "sparse_tensor",
  [F.type.optionalType]: "optional",
};

/** TypeProto into v: the tensor type is decoded, the other alternatives only named. */
function decodeType(r: Reader, end: number, v: OnnxValueInfoProto): void {
  const Ty = F.type;
  const others = OTHER_TYPES;
  while (r.pos < end) {
    const at = r.pos;
    r.tag(end, "TypeProto");
    if (r.field === Ty.tensorType) {
      const e = r.message(end, "TypeProto.tensor_type", at);
      v.typeKind = "tensor";
      v.tensorType = decodeTensorType(r, e);
    } else if (others[r.field]) {
      v.typeKind = others[r.field];
      v.tensorType = null;
      r.expectWire(at, `TypeProto field ${r.field}`, Wire.LEN);
      r.skip(end, `TypeProto field ${r.field}`, at);
    } else {
      r.skip(end, `TypeProto field ${r.field}`, at);
    }
  }
}

function decodeTensorType(r: Reader, end: number): OnnxTensorType {
  const tt: OnnxTensorType = { elemType: DataType.UNDEFINED, shape: null };
  while (r.pos < end) {
    const at = r.pos;
    r.tag(end, "TypeProto.Tensor");
    if (r.field === F.typeTensor.elemType) tt.elemType = r.int32(end, "TypeProto.Tensor.elem_type", at);
    else if (r.field === F.typeTensor.shape) {
      const e = r.message(end, "TypeProto.Tensor.shape", at);
      tt.shape = decodeShape(r, e, tt.shape ?? []);
    } else r.skip(end, `TypeProto.Tensor field ${r.field}`, at);
  }
  return tt;
}

function decodeShape(r: Reader, end: number, dims: OnnxDim[]): OnnxDim[] {
  while (r.pos < end) {
    const at = r.pos;
    r.tag(end, "TensorShapeProto");
    if (r.field === F.tensorShape.dim) {
      const e = r.message(end, "TensorShapeProto.dim", at);
      let d: OnnxDim = null;
      while (r.pos < e) {
        const at2 = r.pos;
        r.tag(e, "TensorShapeProto.Dimension");
        if (r.field === F.dimension.dimValue) d = r.int64(e, "TensorShapeProto.Dimension.dim_value", at2);
        else if (r.field === F.dimension.dimParam) d = r.string(e, "TensorShapeProto.Dimension.dim_param", at2);
        else r.skip(e, `TensorShapeProto.Dimension field ${r.field}`, at2);
      }
      dims.push(d);
    } else r.skip(end, `TensorShapeProto field ${r.field}`, at);
  }
  return dims;
}

// ---------------------------------------------------------------------------------------------------------------
// Tensor values
// ---------------------------------------------------------------------------------------------------------------

type TypedField = "floatData" | "int32Data" | "int64Data" | "doubleData" | "uint64Data";
const FIELD_NAMES: Record<TypedField, string> = {
  floatData: "float_data",
  int32Data: "int32_data",
  int64Data: "int64_data",
  doubleData: "double_data",
  uint64Data: "uint64_data",
};

const scratchU32 = new Uint32Array(1);
const scratchF32 = new Float32Array(scratchU32.buffer);

/** IEEE 754 half-precision bits to a number. */
function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1024 + m) * 2 ** (e - 25);
}

/** bfloat16 bits (the high half of a float32) to a number. */
function bfloat16ToNumber(h: number): number {
  scratchU32[0] = (h & 0xffff) << 16;
  return scratchF32[0];
}

interface ElementKind {
  /** bytes per element in raw_data */
  size: number;
  /** the typed field onnx.proto stores this type in */
  field: TypedField;
  raw: (v: DataView, o: number) => number;
  /** converts a typed-field value (default: as is) */
  typed?: (x: number) => number;
}

const ELEMENTS: Record<number, ElementKind> = {
  [DataType.FLOAT]: { size: 4, field: "floatData", raw: (v, o) => v.getFloat32(o, true) },
  [DataType.UINT8]: { size: 1, field: "int32Data", raw: (v, o) => v.getUint8(o) },
  [DataType.INT8]: { size: 1, field: "int32Data", raw: (v, o) => v.getInt8(o) },
  [DataType.UINT16]: { size: 2, field: "int32Data", raw: (v, o) => v.getUint16(o, true) },
  [DataType.INT16]: { size: 2, field: "int32Data", raw: (v, o) => v.getInt16(o, true) },
  [DataType.INT32]: { size: 4, field: "int32Data", raw: (v, o) => v.getInt32(o, true) },
  [DataType.INT64]: { size: 8, field: "int64Data", raw: (v, o) => v.getInt32(o + 4, true) * TWO_32 + v.getUint32(o, true) },
  [DataType.BOOL]: { size: 1, field: "int32Data", raw: (v, o) => (v.getUint8(o) ? 1 : 0), typed: (x) => (x ? 1 : 0) },
  [DataType.FLOAT16]: { size: 2, field: "int32Data", raw: (v, o) => float16ToNumber(v.getUint16(o, true)), typed: (x) => float16ToNumber(x & 0xffff) },
  [DataType.DOUBLE]: { size: 8, field: "doubleData", raw: (v, o) => v.getFloat64(o, true) },
  [DataType.UINT32]: { size: 4, field: "uint64Data", raw: (v, o) => v.getUint32(o, true) },
  [DataType.UINT64]: { size: 8, field: "uint64Data", raw: (v, o) => v.getUint32(o + 4, true) * TWO_32 + v.getUint32(o, true) },
  [DataType.BFLOAT16]: { size: 2, field: "int32Data", raw: (v, o) => bfloat16ToNumber(v.getUint16(o, true)), typed: (x) => bfloat16ToNumber(x) },
};

/** Dims for a message: at most the first 8. */
function dimsText(dims: readonly number[]): string {
  return `[${dims.slice(0, 8).join(", ")}${dims.length > 8 ? `, … (${dims.length} dims)` : ""}]`;
}

/**
 * The product of dims (0 when any is 0, 1 for a scalar), or why it is refused: the error class, what was
 * expected and what was found.
 */
function elementCount(dims: readonly number[]): number | [typeof ModelFormatError | typeof LimitError, string, string] {
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) return [ModelFormatError, "non-negative integer dims", dimsText(dims)];
  if (dims.includes(0)) return 0;
  let count = 1;
  for (const d of dims) {
    count *= d;
    if (count > LIMITS.maxTensorElements) {
      return [LimitError, `at most ${LIMITS.maxTensorElements} elements (LIMITS.maxTensorElements)`, `dims ${dimsText(dims)}`];
    }
  }
  return count;
}

/**
 * Whether a numeric tensor's stored values fit its dims: [expected, found] for the message, or null. raw_data
 * must be count × element size bytes; otherwise the type's typed field must hold count values, and no other.
 */
function valuesMismatch(t: OnnxTensorProto, count: number, kind: ElementKind): [string, string] | null {
  const shape = `${count} ${dataTypeName(t.dataType)} values for dims ${dimsText(t.dims)}`;
  const filled = (Object.keys(FIELD_NAMES) as TypedField[]).filter((k) => t[k].length > 0);
  if (t.rawData) {
    if (filled.length) return [`raw_data or ${FIELD_NAMES[kind.field]}`, `raw_data and ${FIELD_NAMES[filled[0]]}`];
    if (t.rawData.length !== count * kind.size) return [`${count * kind.size} bytes of raw_data (${shape})`, `${t.rawData.length}`];
    return null;
  }
  const wrong = filled.find((k) => k !== kind.field);
  if (wrong) return [`the values of a ${dataTypeName(t.dataType)} tensor in ${FIELD_NAMES[kind.field]}`, FIELD_NAMES[wrong]];
  const n = t[kind.field].length;
  if (n !== count) return [`${shape} in ${FIELD_NAMES[kind.field]}`, `${n}`];
  return null;
}

export interface OnnxTensorValues {
  name: string;
  dims: number[];
  /** the TensorProto.DataType */
  type: number;
  /** element count = product of dims (1 for a scalar), in row-major order */
  values: Float64Array;
}

/**
 * A numeric tensor's values as a Float64Array (exact for every type but int64/uint64 beyond ±2^53, which round to
 * the nearest double: Slice's INT64_MAX "to the end" stays far past any dimension). Reads raw_data (little-endian)
 * or the typed field onnx.proto assigns to the type (float16/bfloat16 bits in int32_data). Checks the element
 * count against the dims and raw_data's length against count × element size (decodeModel has already done so for
 * the tensors it returns; this checks again for hand-made ones); throws ModelFormatError naming the tensor and
 * both numbers, or for strings, complex numbers and unknown types.
 */
export function tensorValues(t: OnnxTensorProto, file: string): OnnxTensorValues {
  const what = `${file}: tensor ${quote(t.name)} at byte ${t.offset}`;
  const kind = ELEMENTS[t.dataType];
  if (!kind) {
    throw new ModelFormatError(`${what}: expected a numeric data type (float, float16, bfloat16, double, bool, (u)int8–64), found ${dataTypeName(t.dataType)}`);
  }
  const count = elementCount(t.dims);
  if (typeof count !== "number") throw new count[0](`${what}: expected ${count[1]}, found ${count[2]}`);
  const bad = valuesMismatch(t, count, kind);
  if (bad) throw new ModelFormatError(`${what}: expected ${bad[0]}, found ${bad[1]}`);
  if (t.rawData) {
    const raw = t.rawData;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const values = new Float64Array(count);
    const read = kind.raw;
    for (let i = 0, o = 0; i < count; i++, o += kind.size) values[i] = read(view, o);
    return { name: t.name, dims: t.dims.slice(), type: t.dataType, values };
  }
  const src = t[kind.field];
  const values = Float64Array.from(src);
  if (kind.typed) for (let i = 0; i < count; i++) values[i] = kind.typed(values[i]);
  return { name: t.name, dims: t.dims.slice(), type: t.dataType, values };
}

// ---------------------------------------------------------------------------------------------------------------
// Encoder (for scripts/export-onnx.mjs and tests)
// ---------------------------------------------------------------------------------------------------------------
// ONNX is proto2: repeated scalars are written unpacked, one tag per value, unless asked otherwise (every protobuf
// parser accepts both). The writer's output for a given call is fixed: the committed
// benchmarks/models/resezap-reference.onnx is byte-compared against a fresh export.

const utf8Encoder = new TextEncoder();

/** Growable byte buffer with protobuf primitives. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  length = 0;

  bytes(b: Uint8Array): this {
    this.chunks.push(b);
    this.length += b.length;
    return this;
  }
  /** Via BigInt so that negative int64 (two's complement, 10 bytes) is right too. */
  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    return this.bytes(Uint8Array.from(out));
  }
  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }
  int(field: number, value: number | bigint): this {
    return this.tag(field, Wire.VARINT).varint(value);
  }
  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.tag(field, Wire.I32).bytes(b);
  }
  double(field: number, value: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    return this.tag(field, Wire.I64).bytes(b);
  }
  lenDelimited(field: number, payload: Uint8Array): this {
    return this.tag(field, Wire.LEN).varint(payload.length).bytes(payload);
  }
  string(field: number, s: string): this {
    return this.lenDelimited(field, utf8Encoder.encode(s));
  }
  message(field: number, writer: ProtoWriter): this {
    return this.lenDelimited(field, writer.finish());
  }
  /** A packed repeated varint field (int32/int64/uint64/bool/enum). */
  packedVarints(field: number, values: ArrayLike<number | bigint>): this {
    const w = new ProtoWriter();
    for (let i = 0; i < values.length; i++) w.varint(values[i]);
    return this.message(field, w);
  }
  /** A packed repeated float (width 4) or double (width 8) field. */
  packedFixed(field: number, values: ArrayLike<number>, width: 4 | 8): this {
    const b = new Uint8Array(values.length * width);
    const v = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) {
      if (width === 4) v.setFloat32(i * 4, values[i], true);
      else v.setFloat64(i * 8, values[i], true);
    }
    return this.lenDelimited(field, b);
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export interface TensorOptions {
  /**
   * The TensorProto.DataType; by default from the array (Float32Array FLOAT, Float64Array DOUBLE, Int8Array INT8,
   * Uint8Array UINT8, Int16Array INT16, Uint16Array UINT16, Int32Array INT32, Uint32Array UINT32, BigUint64Array
   * UINT64, anything else INT64). Give BOOL with a Uint8Array, FLOAT16 or BFLOAT16 with a Uint16Array of bits.
   */
  dataType?: number;
  /** "raw" (default): little-endian raw_data; "typed": the type's typed field, unpacked; "packed": that field packed. */
  storage?: "raw" | "typed" | "packed";
}

function defaultDataType(data: TensorData): number {
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof Float64Array) return DataType.DOUBLE;
  if (data instanceof Int8Array) return DataType.INT8;
  if (data instanceof Uint8Array) return DataType.UINT8;
  if (data instanceof Int16Array) return DataType.INT16;
  if (data instanceof Uint16Array) return DataType.UINT16;
  if (data instanceof Int32Array) return DataType.INT32;
  if (data instanceof Uint32Array) return DataType.UINT32;
  if (data instanceof BigUint64Array) return DataType.UINT64;
  return DataType.INT64;
}

/** TensorProto with dims, data_type, name and the values (raw_data by default, see TensorOptions). */
export function tensor(name: string, dims: readonly number[], data: TensorData, options: TensorOptions = {}): ProtoWriter {
  const dataType = options.dataType ?? defaultDataType(data);
  const kind = ELEMENTS[dataType];
  if (!kind) throw new ArgumentError(`tensor ${name}: data type ${dataTypeName(dataType)} cannot be written`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new ArgumentError(`tensor ${name}: dims ${dims} hold ${count} values, got ${data.length}`);
  const T = F.tensor;
  const w = new ProtoWriter();
  for (const d of dims) w.int(T.dims, d);
  w.int(T.dataType, dataType);
  w.string(T.name, name);
  const storage = options.storage ?? "raw";
  if (storage === "raw") {
    // raw_data must be little-endian; copy through a DataView so big-endian hosts are right too.
    const raw = new Uint8Array(data.length * kind.size);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      const o = i * kind.size;
      if (typeof v === "bigint") view.setBigUint64(o, BigInt.asUintN(64, v), true);
      else if (dataType === DataType.FLOAT) view.setFloat32(o, v, true);
      else if (dataType === DataType.DOUBLE) view.setFloat64(o, v, true);
      else if (kind.size === 1) view.setUint8(o, v);
      else if (kind.size === 2) view.setUint16(o, v, true);
      else if (kind.size === 4) view.setUint32(o, v, true);
      else view.setBigUint64(o, BigInt.asUintN(64, BigInt(v)), true);
    }
    return w.lenDelimited(T.rawData, raw);
  }
  const field = { floatData: T.floatData, int32Data: T.int32Data, int64Data: T.int64Data, doubleData: T.doubleData, uint64Data: T.uint64Data }[kind.field];
  const values = Array.from(data as ArrayLike<number | bigint>);
  if (kind.field === "floatData" || kind.field === "doubleData") {
    const width = kind.field === "floatData" ? 4 : 8;
    if (storage === "packed") return w.packedFixed(field, values as number[], width);
    for (const v of values as number[]) width === 4 ? w.float(field, v) : w.double(field, v);
    return w;
  }
  if (storage === "packed") return w.packedVarints(field, values);
  for (const v of values) w.int(field, v);
  return w;
}

/**
 * An attribute value for node(): an integer is INT, another number FLOAT, a number[] INTS, a string STRING, a
 * tensor() TENSOR; the wrappers give the other kinds, and { float } a float that happens to be integral.
 */
export type AttrValue =
  | number
  | string
  | readonly number[]
  | ProtoWriter
  | { float: number }
  | { floats: readonly number[] }
  | { ints: readonly number[] }
  | { strings: readonly string[] }
  | { tensors: readonly ProtoWriter[] }
  | { graph: ProtoWriter }
  | { graphs: readonly ProtoWriter[] };

function attribute(name: string, value: AttrValue): ProtoWriter {
  const A = F.attribute;
  const w = new ProtoWriter().string(A.name, name);
  if (Array.isArray(value)) {
    for (const v of value as readonly number[]) w.int(A.ints, v);
    w.int(A.type, AttributeType.INTS);
  } else if (typeof value === "string") {
    w.string(A.s, value).int(A.type, AttributeType.STRING);
  } else if (value instanceof ProtoWriter) {
    w.message(A.t, value).int(A.type, AttributeType.TENSOR);
  } else if (typeof value === "object" && value !== null) {
    if ("float" in value) w.float(A.f, value.float).int(A.type, AttributeType.FLOAT);
    else if ("floats" in value) {
      for (const v of value.floats) w.float(A.floats, v);
      w.int(A.type, AttributeType.FLOATS);
    } else if ("ints" in value) {
      for (const v of value.ints) w.int(A.ints, v);
      w.int(A.type, AttributeType.INTS);
    } else if ("strings" in value) {
      for (const v of value.strings) w.string(A.strings, v);
      w.int(A.type, AttributeType.STRINGS);
    } else if ("tensors" in value) {
      for (const v of value.tensors) w.message(A.tensors, v);
      w.int(A.type, AttributeType.TENSORS);
    } else if ("graphs" in value) {
      for (const v of value.graphs) w.message(A.graphs, v);
      w.int(A.type, AttributeType.GRAPHS);
    } else if ("graph" in value) w.message(A.g, value.graph).int(A.type, AttributeType.GRAPH);
    else throw new ArgumentError(`attribute ${name}: unknown wrapper ${Object.keys(value).join(", ")}`);
  } else if (Number.isInteger(value)) {
    w.int(A.i, value).int(A.type, AttributeType.INT);
  } else {
    w.float(A.f, value).int(A.type, AttributeType.FLOAT);
  }
  return w;
}

/** NodeProto. attrs: name → value (see AttrValue), written in insertion order. */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  name: string,
  attrs: Record<string, AttrValue> = {},
  options: { domain?: string; docString?: string } = {},
): ProtoWriter {
  const N = F.node;
  const w = new ProtoWriter();
  for (const i of inputs) w.string(N.input, i);
  for (const o of outputs) w.string(N.output, o);
  w.string(N.name, name);
  w.string(N.opType, opType);
  for (const [k, v] of Object.entries(attrs)) w.message(N.attribute, attribute(k, v));
  if (options.docString) w.string(N.docString, options.docString);
  if (options.domain) w.string(N.domain, options.domain);
  return w;
}

/**
 * ValueInfoProto for a tensor: a string dim is symbolic (dim_param), a number fixed (dim_value), null unknown
 * (an empty Dimension); dims null leaves the shape out (unknown rank).
 */
export function valueInfo(name: string, dims: readonly OnnxDim[] | null, elemType: number = DataType.FLOAT): ProtoWriter {
  const tensorType = new ProtoWriter().int(F.typeTensor.elemType, elemType);
  if (dims) {
    const shape = new ProtoWriter();
    for (const d of dims) {
      const dim = new ProtoWriter();
      if (typeof d === "string") dim.string(F.dimension.dimParam, d);
      else if (d !== null) dim.int(F.dimension.dimValue, d);
      shape.message(F.tensorShape.dim, dim);
    }
    tensorType.message(F.typeTensor.shape, shape);
  }
  const type = new ProtoWriter().message(F.type.tensorType, tensorType);
  return new ProtoWriter().string(F.valueInfo.name, name).message(F.valueInfo.type, type);
}

export interface GraphSpec {
  name: string;
  nodes: readonly ProtoWriter[];
  initializers: readonly ProtoWriter[];
  inputs: readonly ProtoWriter[];
  outputs: readonly ProtoWriter[];
  valueInfos?: readonly ProtoWriter[];
  docString?: string;
}

/** GraphProto. */
export function graph({ name, nodes, initializers, inputs, outputs, valueInfos = [], docString }: GraphSpec): ProtoWriter {
  const G = F.graph;
  const w = new ProtoWriter();
  for (const n of nodes) w.message(G.node, n);
  w.string(G.name, name);
  for (const t of initializers) w.message(G.initializer, t);
  if (docString) w.string(G.docString, docString);
  for (const i of inputs) w.message(G.input, i);
  for (const o of outputs) w.message(G.output, o);
  for (const v of valueInfos) w.message(G.valueInfo, v);
  return w;
}

export interface ModelSpec {
  graph: ProtoWriter;
  irVersion?: number;
  /** the default domain's opset version */
  opset?: number;
  /** further operator sets, after the default domain's */
  opsetImports?: readonly OnnxOpsetId[];
  producerName: string;
  producerVersion: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  metadata?: Record<string, string>;
}

/** ModelProto, serialised. */
export function model({
  graph: g,
  irVersion = 8,
  opset = 13,
  opsetImports = [],
  producerName,
  producerVersion,
  domain,
  modelVersion,
  docString,
  metadata = {},
}: ModelSpec): Uint8Array {
  const M = F.model;
  const w = new ProtoWriter();
  w.int(M.irVersion, irVersion);
  w.string(M.producerName, producerName);
  w.string(M.producerVersion, producerVersion);
  if (domain) w.string(M.domain, domain);
  if (modelVersion !== undefined) w.int(M.modelVersion, modelVersion);
  if (docString) w.string(M.docString, docString);
  w.message(M.graph, g);
  const opsetId = (domain: string, version: number) =>
    new ProtoWriter().string(F.operatorSetId.domain, domain).int(F.operatorSetId.version, version);
  w.message(M.opsetImport, opsetId("", opset));
  for (const o of opsetImports) w.message(M.opsetImport, opsetId(o.domain, o.version));
  for (const [k, v] of Object.entries(metadata)) {
    w.message(M.metadataProps, new ProtoWriter().string(F.stringStringEntry.key, k).string(F.stringStringEntry.value, v));
  }
  return w.finish();
}

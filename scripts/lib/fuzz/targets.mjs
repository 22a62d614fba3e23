// One fuzz target per parser: gen(rng) makes a mutated input from the valid bases; run(input) feeds it to the
// library and, when it is accepted, uses the result the way a caller would (predict on a loaded model, detect
// with a loaded cascade), so a bad value that slips through the parser and traps later is caught too.
// `lib` is the library's API (dist/index.js for scripts/fuzz.mjs, src/index.ts for the vitest suite).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { concat, corruptNumber, mutateBytes, mutateJson, mutateText } from "./mutate.mjs";
import { pickBase } from "./fixtures.mjs";
import { Rng } from "./rng.mjs";

// ---- PNG -------------------------------------------------------------------------------------------------

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b) {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunks(b) {
  const out = [];
  for (let i = 8; i + 12 <= b.length; ) {
    const len = new DataView(b.buffer, b.byteOffset).getUint32(i);
    if (i + 12 + len > b.length) break;
    out.push({ at: i, len });
    i += 12 + len;
  }
  return out;
}

/** Rewrites the CRC of the chunk at `at`, so the mutation reaches the decoder instead of the CRC check. */
function fixCrc(b, at) {
  const dv = new DataView(b.buffer, b.byteOffset);
  const len = dv.getUint32(at);
  if (at + 12 + len > b.length) return;
  dv.setUint32(at + 8 + len, crc32(b.subarray(at + 4, at + 8 + len)));
}

const DIMS = [0, 1, 60000, 16384, 16385, 65535, 0x7fffffff, 0x80000000, 0xffffffff, 8192, 100000];

function genPng(rng, bases) {
  const base = pickBase(rng, bases);
  let b = Uint8Array.from(base.bytes);
  const op = rng.int(10);
  if (op < 4) b = mutateBytes(rng, b);
  else if (op < 6) {
    // IHDR fields (size, bit depth, colour type, compression, filter, interlace) with a valid CRC
    const dv = new DataView(b.buffer);
    const f = rng.int(4);
    if (f === 0) dv.setUint32(16, rng.pick(DIMS)), dv.setUint32(20, rng.pick(DIMS));
    else if (f === 1) dv.setUint32(16 + 4 * rng.int(2), rng.pick(DIMS));
    else b[24 + rng.int(5)] = rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 255]);
    fixCrc(b, 8);
  } else {
    // one chunk's data mutated (zlib stream, palette, ancillary chunks) and its CRC fixed
    const chunks = pngChunks(b);
    const c = rng.pick(chunks);
    const data = mutateBytes(rng, b.subarray(c.at + 8, c.at + 8 + c.len), 1 + rng.int(2));
    const head = new Uint8Array(8);
    new DataView(head.buffer).setUint32(0, data.length);
    head.set(b.subarray(c.at + 4, c.at + 8), 4);
    const chunk = concat(concat(head, data), new Uint8Array(4));
    b = concat(concat(b.slice(0, c.at), chunk), b.slice(c.at + 12 + c.len));
    fixCrc(b, c.at);
  }
  return { base: base.name, bytes: b };
}

function checkImage(img, what) {
  const ch = img.channels ?? 4;
  if (!(img.width > 0 && img.height > 0) || img.data.length !== img.width * img.height * ch) {
    throw new Error(`${what}: decoded to ${img.width}×${img.height} with ${img.data.length} bytes`);
  }
}

// ---- JPEG ------------------------------------------------------------------------------------------------

function jpegSegments(b) {
  const out = [];
  for (let i = 2; i + 4 <= b.length && b[i] === 0xff; ) {
    const m = b[i + 1], len = (b[i + 2] << 8) | b[i + 3];
    out.push({ at: i, m, len });
    if (m === 0xda) break;
    i += 2 + len;
  }
  return out;
}

function genJpeg(rng, bases) {
  const base = pickBase(rng, bases);
  let b = Uint8Array.from(base.bytes);
  const op = rng.int(10);
  const segs = jpegSegments(b);
  if (op < 4 || !segs.length) b = mutateBytes(rng, b);
  else if (op < 6) {
    // the frame header's size and component fields
    const sof = segs.find((s) => s.m >= 0xc0 && s.m <= 0xc2);
    if (sof) {
      const f = rng.int(3);
      const dim = () => rng.pick([0, 1, 60000, 65535, 16384, 16385, 8191, 4096]);
      if (f === 0) (b[sof.at + 5] = dim() >> 8), (b[sof.at + 6] = dim() & 255), (b[sof.at + 7] = dim() >> 8), (b[sof.at + 8] = dim() & 255);
      else if (f === 1) b[sof.at + 4 + rng.int(Math.max(1, sof.len - 2))] = rng.pick([0, 1, 2, 3, 4, 0x11, 0x22, 0x44, 0xff]);
      else b[sof.at + 1] = rng.pick([0xc0, 0xc1, 0xc2, 0xc3, 0xc9, 0xcf]);
    }
  } else {
    // inside one segment (quantisation or Huffman tables, scan header) or the entropy-coded data after SOS
    const s = rng.pick(segs);
    const start = s.at + 4, end = s.m === 0xda ? b.length : Math.min(b.length, s.at + 2 + s.len);
    for (let k = 0, n = 1 + rng.int(4); k < n && end > start; k++) b[start + rng.int(end - start)] = rng.int(256);
  }
  return { base: base.name, bytes: b };
}

// ---- cascade XML -----------------------------------------------------------------------------------------

// An element with no element inside (a number list, a rectangle) or a whole <_> item of a list.
const XML_UNIT = /<(\w+)>[^<]*<\/\1>|<_>\s*<(?:rects|internalNodes|maxWeakCount)>[\s\S]*?<\/_>\s*(?=<_>|<\/)/g;

function genCascade(rng, bases) {
  const base = pickBase(rng, bases);
  let t = base.text;
  const op = rng.int(10);
  if (op < 6) t = mutateText(rng, t, XML_UNIT);
  else if (op < 8) for (let k = 0, n = 1 + rng.int(3); k < n; k++) t = corruptNumber(rng, t);
  else if (op === 8) t = t.replace(/<stages>[\s\S]*<\/stages>/, rng.pick(["<stages></stages>", "<stages/>", ""]));
  else t = t.replace(/<features>[\s\S]*<\/features>/, rng.pick(["<features></features>", "<features><_><rects></rects></_></features>", ""]));
  return { base: base.name, text: t };
}

// ---- model.json + shards ---------------------------------------------------------------------------------

function genModel(rng, bases) {
  const base = pickBase(rng, bases);
  let json = base.json, bin = base.bin;
  const op = rng.int(20);
  if (op < 7) json = JSON.stringify(mutateJson(rng, JSON.parse(json)));
  else if (op < 10) {
    // one layer's config, or one manifest entry: the places where values become shapes and sizes
    const doc = JSON.parse(json);
    const layers = doc.modelTopology.config.layers;
    const target = rng.chance(0.6) ? rng.pick(layers) : rng.pick(doc.weightsManifest[0].weights);
    mutateJson(rng, target, 1 + rng.int(2));
    json = JSON.stringify(doc);
  } else if (op < 12) json = mutateText(rng, json, /"[^"]*"|-?\d+(\.\d+)?/g);
  else if (op < 16) bin = mutateBytes(rng, bin);
  else if (op < 18) {
    // non-finite weights: NaN, ±Inf as float32 at a weight-aligned place
    bin = Uint8Array.from(bin);
    new DataView(bin.buffer).setFloat32(4 * rng.int(bin.length / 4), rng.pick([NaN, Infinity, -Infinity, 3.4e38, -3.4e38, 1e-45]), true);
  } else {
    // weights re-cut: one float more or fewer somewhere, both files mutated
    json = JSON.stringify(mutateJson(rng, JSON.parse(json), 1));
    bin = mutateBytes(rng, bin, 1);
  }
  return { base: base.name, json, bin };
}

// ---- FER2013 CSV -----------------------------------------------------------------------------------------

function genFer(rng, bases) {
  const base = pickBase(rng, bases);
  let text = base.text;
  const op = rng.int(10);
  if (op < 6) text = mutateText(rng, text, /[^\n]*\n/g);
  else if (op < 8) for (let k = 0, n = 1 + rng.int(3); k < n; k++) text = corruptNumber(rng, text);
  else text = text.replace(/\b(Training|PublicTest)\b/g, (m) => (rng.chance(0.3) ? rng.pick(["", "training", "PrivateTest", " Training", "Training\r"]) : m));
  let bytes = new TextEncoder().encode(text);
  const gz = rng.chance(0.2);
  if (gz) {
    bytes = new Uint8Array(gzipSync(bytes));
    if (rng.chance(0.5)) bytes = mutateBytes(rng, bytes, 1);
  }
  return { base: base.name, bytes, gz, usages: rng.pick([["Training"], ["PublicTest"], ["Training", "PublicTest"]]) };
}

// ---- ONNX ------------------------------------------------------------------------------------------------
// Structural mutations work on a protobuf tree of the file: the messages of onnx.proto the importer reads are
// parsed into fields (varints as BigInt, strings and tensors' data as bytes), edited where values become shapes,
// names and ops, and written back with every enclosing length recomputed. Byte mutations and truncations of the
// whole file go to the decoder's bounds checks instead.

// LEN fields that are messages, per message: field number → message name
const PB = {
  model: { 7: "graph", 8: "opset" },
  graph: { 1: "node", 5: "tensor", 11: "vi", 12: "vi", 13: "vi" },
  node: { 5: "attr" },
  attr: { 5: "tensor", 6: "graph", 10: "tensor", 11: "graph" },
  vi: { 2: "type" },
  type: { 1: "ttype" },
  ttype: { 2: "shape" },
  shape: { 1: "dim" },
  dim: {}, tensor: {}, opset: {},
};

function pbParse(b, kind, start = 0, end = b.length) {
  const out = [];
  let p = start;
  const varint = () => {
    let v = 0n, shift = 0n;
    for (let k = 0; k < 10; k++) {
      if (p >= end) throw new Error("truncated varint");
      const x = b[p++];
      v |= BigInt(x & 0x7f) << shift;
      if (!(x & 0x80)) return v;
      shift += 7n;
    }
    throw new Error("varint over 10 bytes");
  };
  while (p < end) {
    const tag = Number(varint()), f = tag >>> 3, w = tag & 7;
    if (w === 0) out.push({ f, w, v: varint() });
    else if (w === 1 || w === 5) {
      const n = w === 1 ? 8 : 4;
      if (p + n > end) throw new Error("truncated fixed");
      out.push({ f, w, v: b.slice(p, p + n) });
      p += n;
    } else if (w === 2) {
      const n = Number(varint());
      if (p + n > end) throw new Error("truncated bytes");
      const sub = PB[kind][f];
      out.push(sub ? { f, w, m: pbParse(b, sub, p, p + n) } : { f, w, v: b.slice(p, p + n) });
      p += n;
    } else throw new Error(`wire type ${w}`);
  }
  return out;
}

function pbVarint(v, out) {
  let x = BigInt.asUintN(64, BigInt(v));
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
}

function pbWrite(msg) {
  const out = [];
  const put = (b) => {
    for (let i = 0; i < b.length; i++) out.push(b[i]);
  };
  for (const x of msg) {
    pbVarint(x.f * 8 + x.w, out);
    if (x.w === 0) pbVarint(x.v, out);
    else if (x.w === 2) {
      const body = x.m ? pbWrite(x.m) : x.v;
      pbVarint(body.length, out);
      put(body);
    } else put(x.v);
  }
  return Uint8Array.from(out);
}

const utf8 = new TextEncoder(), utf8d = new TextDecoder();
const all = (msg, f) => (msg ? msg.filter((x) => x.f === f) : []);
const one = (msg, f) => msg?.find((x) => x.f === f);
const msgs = (msg, f) => all(msg, f).filter((x) => x.m).map((x) => x.m);
const str = (x) => (x ? utf8d.decode(x.v) : "");
const sField = (f, s) => ({ f, w: 2, v: utf8.encode(s) });
const iField = (f, v) => ({ f, w: 0, v: BigInt(v) });
const removeFrom = (msg, x) => msg.splice(msg.indexOf(x), 1);

// int64 values where shapes, pads, strides, axes and counts break: zero, negatives, 2^31 and beyond, large sides
const ONNX_INTS = [0, 0, 1, -1, -2, 2, 3, 5, 7, 64, 1024, 1025, 16384, 16385, 65536, 2 ** 24, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 40, 2 ** 53, -(2 ** 53)];
const bigInt = (rng) => (rng.chance(0.05) ? rng.pick([2n ** 63n - 1n, -(2n ** 63n), 2n ** 62n]) : BigInt(rng.pick(ONNX_INTS)));
const ONNX_ATTRS = ["kernel_shape", "strides", "pads", "group", "axis", "perm", "dilations", "auto_pad", "ceil_mode", "count_include_pad", "transA", "transB",
  "alpha", "beta", "mode", "coordinate_transformation_mode", "nearest_mode", "keepdims", "allowzero", "to", "axes", "epsilon", "value", "scales", "min", "max"];
// supported ops (a swap among them reaches conversion with the wrong inputs and attributes) and a few unsupported
const ONNX_OP_NAMES = ["Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization", "Relu", "Clip", "PRelu", "Add", "Mul",
  "Sub", "Div", "Max", "Min", "Resize", "Upsample", "Concat", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Gemm", "MatMul", "Softmax",
  "Pad", "Identity", "Cast", "Constant", "ConstantOfShape", "Shape", "Gather", "Slice", "ReduceMean", "ReduceMax", "Sigmoid", "Gelu", "Dropout",
  "LpNormalization", "ConvTranspose", "If", "Loop", "Einsum", "TopK", "conv", ""];
const OPSETS = [0, 1, 6, 7, 9, 10, 11, 12, 13, 17, 99, 2 ** 31, -1];
const ELEM_TYPES = [0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 16, 17, 99];

/** A value for an attribute of any kind (AttributeProto fields: 2 f, 3 i, 4 s, 5 t, 6 g, 7 floats, 8 ints, 9 strings, 20 type). */
function attrFields(rng) {
  const k = rng.int(9);
  if (k < 3) return [...Array.from({ length: rng.int(5) }, () => iField(8, bigInt(rng))), iField(20, 7)];
  if (k === 3) return [iField(3, bigInt(rng)), iField(20, 2)];
  if (k === 4) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, rng.pick([0, -1, 0.5, 1e30, NaN, Infinity, 1e-3]), true);
    return [{ f: 2, w: 5, v: b }, iField(20, 1)];
  }
  if (k === 5) return [sField(4, rng.pick(["", "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER", "linear", "nearest", "cubic", "reflect", "x"])), iField(20, 3)];
  if (k === 6) {
    // a tensor value: dims and raw data of any agreement
    const dims = Array.from({ length: rng.int(3) }, () => iField(1, rng.pick([0, 1, 2, 4, -1, 2 ** 31])));
    return [{ f: 5, w: 2, m: [...dims, iField(2, rng.pick([1, 7, 9])), { f: 9, w: 2, v: new Uint8Array(rng.pick([0, 4, 8, 16])) }] }, iField(20, 4)];
  }
  if (k === 7) return [{ f: 6, w: 2, m: [] }, iField(20, 5)];
  return [...Array.from({ length: 1 + rng.int(3) }, () => sField(9, "s")), iField(20, 8)];
}

/** One structural edit of a parsed model; returns what it did (for the failure report). */
function onnxEdit(rng, model) {
  const g = one(model, 7)?.m;
  if (!g) return "no graph";
  // (a message whose bytes were mutated is raw bytes now, not a parsed message)
  const nodes = msgs(g, 1), inits = msgs(g, 5);
  const initNames = new Set(inits.map((t) => str(one(t, 8))));
  const gin = msgs(g, 11).find((v) => !initNames.has(str(one(v, 1))));
  const inName = str(one(gin, 1));
  const outputsOf = (n) => all(n, 2);
  const anyNode = () => rng.pick(nodes);
  const op = rng.int(19);
  if (!nodes.length && op < 12) return "no nodes";
  switch (op) {
    case 0: case 1: case 2: {
      // one integer of an attribute (kernel_shape, strides, pads, group, axis, perm, dilations, …)
      const withInts = nodes.flatMap((n) => msgs(n, 5).filter((a) => one(a, 3) || one(a, 8)));
      if (!withInts.length) return "no int attribute";
      const a = rng.pick(withInts);
      const vals0 = all(a, 8);
      for (const packed of vals0.filter((x) => x.w === 2)) {
        // packed ints → unpacked fields, so each can be edited
        a.splice(a.indexOf(packed), 1, ...decodePacked(packed.v).map((v) => iField(8, v)));
      }
      const vals = all(a, 8).filter((x) => x.w === 0);
      const single = one(a, 3);
      const r = rng.int(6);
      if (single && (r < 4 || !vals.length)) single.v = bigInt(rng);
      else if (r < 4 && vals.length) rng.pick(vals).v = bigInt(rng);
      else if (r === 4 && vals.length) removeFrom(a, rng.pick(vals));
      else a.splice(a.indexOf(vals[vals.length - 1] ?? a[0]) + 1, 0, iField(8, bigInt(rng)));
      return `attribute ${str(one(a, 1))} ints`;
    }
    case 3: {
      // an attribute of another kind, or a new one with any name
      const n = anyNode(), attrs = all(n, 5);
      const name = attrs.length && rng.chance(0.6) ? str(one(attrs[0].m, 1)) : rng.pick(ONNX_ATTRS);
      for (const a of attrs) if (str(one(a.m, 1)) === name && rng.chance(0.8)) removeFrom(n, a);
      n.push({ f: 5, w: 2, m: [sField(1, name), ...attrFields(rng)] });
      return `attribute ${name} replaced`;
    }
    case 4: {
      const n = anyNode(), attrs = all(n, 5);
      if (!attrs.length) return "no attribute";
      removeFrom(n, rng.pick(attrs));
      return "attribute removed";
    }
    case 5: {
      // a node input renamed: missing, its own output (a cycle), a later node's output, the input, empty
      const n = anyNode(), ins = all(n, 1);
      const later = nodes.slice(nodes.indexOf(n)).flatMap(outputsOf).map(str);
      const name = rng.pick(["missing", str(outputsOf(n)[0]), rng.pick(later) ?? "", inName, "", rng.pick([...initNames]) ?? "w"]);
      if (ins.length && rng.chance(0.85)) rng.pick(ins).v = utf8.encode(name);
      else if (ins.length && rng.chance(0.5)) removeFrom(n, rng.pick(ins));
      else n.unshift(sField(1, name));
      return `node input → ${JSON.stringify(name)}`;
    }
    case 6: {
      // a node output renamed: another node's (duplicate), the graph input, an initializer, empty
      const n = anyNode(), outs = outputsOf(n);
      const name = rng.pick([str(outputsOf(anyNode())[0]), inName, rng.pick([...initNames]) ?? "w", "", "fresh"]);
      if (outs.length) rng.pick(outs).v = utf8.encode(name);
      else n.push(sField(2, name));
      return `node output → ${JSON.stringify(name)}`;
    }
    case 7: case 8: {
      const n = anyNode(), t = one(n, 4), name = rng.pick(ONNX_OP_NAMES);
      if (t) t.v = utf8.encode(name);
      return `op_type → ${name}`;
    }
    case 9: {
      // nodes deleted, duplicated or swapped (uses before definitions)
      const i = rng.int(nodes.length), j = rng.int(nodes.length);
      const entries = all(g, 1);
      const r = rng.int(3);
      if (r === 0) removeFrom(g, entries[i]);
      else if (r === 1) g.splice(g.indexOf(entries[i]), 0, structuredClone(entries[i]));
      else {
        const a = g.indexOf(entries[i]), b = g.indexOf(entries[j]);
        [g[a], g[b]] = [g[b], g[a]];
      }
      return ["node removed", "node duplicated", "nodes swapped"][r];
    }
    case 10: {
      const n = anyNode(), d = one(n, 7);
      const dom = rng.pick(["com.microsoft", "ai.onnx", "", "ai.onnx.ml"]);
      if (d) d.v = utf8.encode(dom);
      else n.push(sField(7, dom));
      return `domain → ${dom}`;
    }
    case 11: {
      // graph outputs: renamed (missing, the input, an initializer, a duplicate), removed, added
      const outs = all(g, 12).filter((x) => one(x.m, 1));
      const name = rng.pick(["missing", inName, rng.pick([...initNames]) ?? "w", str(outputsOf(anyNode())[0]), outs.length ? str(one(outs[0].m, 1)) : "y"]);
      const r = rng.int(3);
      if (r === 0 && outs.length) one(rng.pick(outs).m, 1).v = utf8.encode(name);
      else if (r === 1 && outs.length) removeFrom(g, rng.pick(outs));
      else g.push({ f: 12, w: 2, m: [sField(1, name)] });
      return `graph output ${["renamed", "removed", "added"][r]} ${JSON.stringify(name)}`;
    }
    case 12: {
      // an initializer's dims, data type or data against each other
      if (!inits.length) return "no initializer";
      const t = rng.pick(inits), dims = all(t, 1), r = rng.int(6);
      if (r < 2 && dims.length) rng.pick(dims).v = bigInt(rng);
      else if (r === 2 && dims.length) removeFrom(t, rng.pick(dims));
      else if (r === 3) t.unshift(iField(1, rng.pick([0, 1, 2, 3, 2 ** 31])));
      else if (r === 4) {
        const dt = one(t, 2);
        if (dt) dt.v = BigInt(rng.pick(ELEM_TYPES));
      } else {
        const raw = one(t, 9);
        if (raw) raw.v = raw.v.slice(0, rng.int(raw.v.length + 1));
      }
      return `initializer ${str(one(t, 8))} ${["dim", "dim", "dim removed", "dim added", "data type", "data cut"][r]}`;
    }
    case 13: {
      // non-finite or extreme float weights
      const raws = inits.filter((t) => Number(one(t, 2)?.v) === 1 && (one(t, 9)?.v?.length ?? 0) >= 4);
      if (!raws.length) return "no float initializer";
      const raw = one(rng.pick(raws), 9);
      raw.v = Uint8Array.from(raw.v);
      new DataView(raw.v.buffer).setFloat32(4 * rng.int(Math.floor(raw.v.length / 4)), rng.pick([NaN, Infinity, -Infinity, 3.4e38, -3.4e38, 0]), true);
      return "float weight";
    }
    case 14: {
      // the input's dims (0, huge, negative, symbolic, unknown, a rank change) or element type
      const tt = one(one(one(gin, 2)?.m, 1)?.m, 2)?.m, ttype = one(one(gin, 2)?.m, 1)?.m;
      if (!tt) return "input without shape";
      const dims = all(tt, 1), r = rng.int(7);
      if (r < 3 && dims.length) rng.pick(dims).m = [iField(1, bigInt(rng))];
      else if (r === 3 && dims.length) rng.pick(dims).m = rng.pick([[sField(2, "s")], []]);
      else if (r === 4 && dims.length) removeFrom(tt, rng.pick(dims));
      else if (r === 5) tt.push({ f: 1, w: 2, m: [iField(1, rng.pick([1, 2, 3]))] });
      else {
        const et = one(ttype, 1);
        if (et) et.v = BigInt(rng.pick(ELEM_TYPES));
      }
      return `input ${["dim", "dim", "dim", "dim free", "dim removed", "dim added", "element type"][r]}`;
    }
    case 16: case 17: {
      // one value of an initializer: int64 shapes, axes, pads, sizes, indices; float scales and clip bounds
      const withData = inits.filter((t) => (one(t, 9)?.v?.length ?? 0) >= ({ 1: 4, 7: 8 }[Number(one(t, 2)?.v)] ?? Infinity));
      if (!withData.length) return "no initializer data";
      const t = rng.pick(withData), raw = one(t, 9), is64 = Number(one(t, 2).v) === 7;
      raw.v = Uint8Array.from(raw.v);
      const dv = new DataView(raw.v.buffer);
      if (is64) dv.setBigInt64(8 * rng.int(Math.floor(raw.v.length / 8)), BigInt.asIntN(64, bigInt(rng)), true);
      else dv.setFloat32(4 * rng.int(Math.floor(raw.v.length / 4)), rng.pick([0, -1, 0.5, 1.5, 2 ** 31, 1e6, 1e30, NaN, Infinity, -Infinity, 1e-30]), true);
      return `initializer ${str(one(t, 8))} value`;
    }
    case 18: {
      // bytes inside one message (a node, an attribute, a tensor, a value info), every length around it kept right
      const inner = [];
      const walk = (m, depth) => {
        for (const x of m) if (x.m && depth < 8) (inner.push(x), walk(x.m, depth + 1));
      };
      walk(g, 0);
      if (!inner.length) return "no message";
      const x = rng.pick(inner);
      x.v = mutateBytes(rng, pbWrite(x.m), 1 + rng.int(2));
      delete x.m;
      return "bytes inside a message";
    }
    default: {
      // the default domain's opset version
      const o = msgs(model, 8).find((m) => !str(one(m, 1)));
      const v = rng.pick(OPSETS);
      if (o && one(o, 2)) one(o, 2).v = BigInt(v);
      return `opset → ${v}`;
    }
  }
}

function decodePacked(b) {
  const out = [];
  let v = 0n, shift = 0n;
  for (const x of b) {
    v |= BigInt(x & 0x7f) << shift;
    shift += 7n;
    if (!(x & 0x80)) {
      out.push(v);
      (v = 0n), (shift = 0n);
    }
  }
  return out;
}

const parsedBases = new WeakMap();

// Edits that change shapes, names, order or ops but no value: the bases' weights and inputs are finite and
// small, so an accepted model must give finite outputs (a window wholly in padding gave -Infinity). Value edits
// (weights, constants, float attributes, a node input rewired to another constant such as a negative variance,
// a swap to Div) may make NaN or ±Inf legitimately and are not checked.
const SHAPE_ONLY = /^(attribute (kernel_shape|strides|pads|dilations|group|axis|perm|ceil_mode|count_include_pad|keepdims|allowzero|axes|transA|transB) ints$|attribute removed$|node output|node removed|node duplicated|nodes swapped|domain|graph output|opset|input (dim|element)|op_type → (?!Div$))/;

function genOnnx(rng, bases) {
  const base = pickBase(rng, bases);
  const op = rng.int(10);
  let bytes, edits;
  if (op < 2) bytes = mutateBytes(rng, base.bytes);
  else if (op === 2) bytes = base.bytes.slice(0, rng.int(base.bytes.length));
  else {
    if (!parsedBases.has(base)) parsedBases.set(base, pbParse(base.bytes, "model"));
    const tree = structuredClone(parsedBases.get(base));
    edits = Array.from({ length: 1 + rng.int(3) }, () => onnxEdit(rng, tree));
    bytes = pbWrite(tree);
    if (rng.chance(0.1)) bytes = mutateBytes(rng, bytes, 1), edits.push("bytes");
  }
  return { base: base.name, bytes, side: base.side, edits, finite: !!edits && edits.every((e) => SHAPE_ONLY.test(e)) };
}

// ---- the targets -----------------------------------------------------------------------------------------

function greyNoise(w, h, seed) {
  const r = new Rng(seed), data = new Uint8Array(w * h);
  for (let i = 0; i < data.length; i++) data[i] = r.int(256);
  return { data, width: w, height: h, channels: 1 };
}

export function makeTargets(lib, ctx) {
  return {
    png: {
      gen: genPng,
      run(c) {
        const img = lib.decodePng(c.bytes, "fuzz.png");
        checkImage(img, "fuzz.png");
        // and through the signature sniffer the CLI uses
        checkImage(lib.decodeImage(c.bytes, "fuzz.png"), "fuzz.png");
      },
      named: /^fuzz\.png: /,
    },
    jpeg: {
      gen: genJpeg,
      run(c) {
        checkImage(lib.decodeJpeg(c.bytes, "fuzz.jpg"), "fuzz.jpg");
      },
      named: /^fuzz\.jpg: /,
    },
    cascade: {
      gen: genCascade,
      run(c) {
        const cascade = lib.loadCascade(c.text, "fuzz.xml");
        // the compiled scan (src/detect/jit.ts) and the generic one must agree box for box
        const det = new lib.FaceDetector({ cascade, minNeighbors: 0, compile: "always" });
        const generic = new lib.FaceDetector({ cascade, minNeighbors: 0, compile: "never" });
        for (const [w, h] of [[40, 40], [64, 30]]) {
          const img = greyNoise(w, h, w * h);
          const boxes = det.detect(img);
          for (const [x, y, bw, bh] of boxes) {
            if (!(x >= 0 && y >= 0 && bw > 0 && bh > 0 && x + bw <= w && y + bh <= h)) throw new Error(`box ${[x, y, bw, bh]} outside the ${w}×${h} image`);
          }
          const other = generic.detect(img);
          if (JSON.stringify(other) !== JSON.stringify(boxes)) throw new Error(`compiled and generic scans disagree on a ${w}×${h} image: ${JSON.stringify(boxes)} vs ${JSON.stringify(other)}`);
        }
      },
      named: /^fuzz\.xml: /,
    },
    model: {
      gen: genModel,
      async run(c) {
        const model = await lib.loadLayersModel({ modelJSON: c.json, weightData: c.bin });
        const per = model.inputShape.reduce((a, b) => a * b, 1);
        const outPer = model.outputShape.reduce((a, b) => a * b, 1);
        // a loaded model must run; inputs too large to build here are compiled (sized) without running
        if (per > 1 << 20) {
          model.compiled();
          return;
        }
        const y = model.predict(new Float32Array(per * 2).fill(0.5), 2);
        if (y.length !== outPer * 2) throw new Error(`predict returned ${y.length} values, expected ${outPer * 2}`);
      },
      // errors from the graph and the engine name the layer or weight; the rest name the source
      named: /^modelJSON: |^layer |^model |^WASM memory|^predict: /,
    },
    fer: {
      gen: genFer,
      async run(c) {
        const file = join(ctx.tmp, c.gz ? "fuzz.csv.gz" : "fuzz.csv");
        writeFileSync(file, c.bytes);
        const splits = await lib.loadFer2013Splits(file, c.usages);
        for (const u of c.usages) {
          const d = splits[u];
          if (!(d.n > 0) || d.pixels.length !== d.n * 2304 || d.labels.length !== d.n || d.labels.some((l) => l > 6)) throw new Error(`split ${u}: inconsistent result`);
        }
      },
      named: /fuzz\.csv|^row \d+: /,
    },
    onnx: {
      gen: genOnnx,
      async run(c) {
        const m = await lib.loadOnnxModel(c.bytes);
        // the declared dims, with a free batch run at 2 and a free height and width at the base's side
        const decl = m.inputDims, image = decl.length === 4;
        const dims = decl.map((d, i) => (typeof d === "number" ? d : i === 0 ? 2 : image && i >= 2 ? c.side : 1));
        const per = dims.reduce((a, b) => a * b, 1);
        // inputs too large to build here are converted and compiled for their size without running
        if (!(per <= 1 << 20)) {
          m.forSize(image ? dims[2] : 0, image ? dims[3] : 0).model.compiled();
          return;
        }
        const x = new Float32Array(per);
        for (let i = 0; i < per; i++) x[i] = ((i * 37) % 17) / 8 - 1;
        const out = m.run(x, dims);
        for (const name of m.outputNames) {
          const o = out[name];
          if (!o) throw new Error(`output ${name} missing from run()'s result`);
          const n = o.dims.reduce((a, b) => a * b, 1);
          if (!o.dims.every((d) => Number.isInteger(d) && d >= 0) || o.data.length !== n) throw new Error(`output ${name}: dims [${o.dims}] but ${o.data.length} values`);
          if (o.dims[0] !== dims[0]) throw new Error(`output ${name}: batch ${o.dims[0]} for an input batch of ${dims[0]}`);
          if (c.finite) {
            const bad = o.data.findIndex((v) => !Number.isFinite(v));
            if (bad >= 0) throw new Error(`output ${name}: value ${bad} is ${o.data[bad]} (finite weights and input, no value edited)`);
          }
        }
      },
      // loadOnnxModel names bytes model.onnx; the engine's own refusals name WASM memory or predict
      named: /^model\.onnx: |^WASM memory|^predict: /,
    },
  };
}

export const PARSERS = ["model", "cascade", "png", "jpeg", "fer", "onnx"];

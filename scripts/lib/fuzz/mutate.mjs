// Mutators of valid files. Byte-level ones (for PNG, JPEG, shards, gzip) flip, truncate, extend, splice and
// overwrite with boundary values; text-level ones (XML, CSV) cut, delete, duplicate and corrupt numbers;
// the JSON one walks the parsed document and changes one value or one list/object. Each applies 1–4 edits,
// since single edits mostly stop at the first check and never reach the deeper code.

const INTERESTING_U8 = [0, 1, 0x7f, 0x80, 0xff];
const INTERESTING_U32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xffff, 0x10000, 16384, 16385, 60000];
const INTERESTING_NUMS = [0, -1, 1, 2, 3, -0.5, 0.5, 1e9, -1e9, 2 ** 31, 2 ** 32, 2 ** 53, 1e308, 65535, 60000, 16385];

export function mutateBytes(rng, src, edits = 1 + rng.int(4)) {
  let b = Uint8Array.from(src);
  for (let e = 0; e < edits; e++) {
    const op = rng.int(8);
    const at = b.length ? rng.int(b.length) : 0;
    if (op === 0) b[at] ^= 1 << rng.int(8);
    else if (op === 1) b[at] = rng.pick(INTERESTING_U8);
    else if (op === 2) b = b.slice(0, rng.int(b.length + 1)); // truncate
    else if (op === 3) {
      // extend with junk or zeros
      const extra = new Uint8Array(1 + rng.int(64));
      if (rng.chance(0.5)) for (let i = 0; i < extra.length; i++) extra[i] = rng.int(256);
      b = concat(b, extra);
    } else if (op === 4 && b.length >= 4) {
      // a 32-bit field set to a boundary value, either endianness
      const p = rng.int(b.length - 3), v = rng.pick(INTERESTING_U32);
      new DataView(b.buffer).setUint32(p, v, rng.chance(0.5));
    } else if (op === 5 && b.length >= 2) {
      // remove a range
      const len = 1 + rng.int(Math.min(256, b.length - at));
      b = concat(b.slice(0, at), b.slice(at + len));
    } else if (op === 6 && b.length >= 2) {
      // duplicate a range in place
      const len = 1 + rng.int(Math.min(256, b.length - at));
      b = concat(concat(b.slice(0, at + len), b.slice(at, at + len)), b.slice(at + len));
    } else for (let i = 0, n = 1 + rng.int(16); i < n && at + i < b.length; i++) b[at + i] = rng.int(256);
  }
  return b;
}

export function concat(a, b) {
  const o = new Uint8Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
}

// Number tokens, replaced by boundary values or junk; the rest of the text stays valid.
const NUM_RE = /-?\d+(\.\d+)?(e[-+]?\d+)?/gi;

export function corruptNumber(rng, text) {
  const spots = [];
  for (const m of text.matchAll(NUM_RE)) {
    spots.push([m.index, m[0].length]);
    if (spots.length > 20000) break;
  }
  if (!spots.length) return text;
  const [at, len] = rng.pick(spots);
  const v = rng.pick([...INTERESTING_NUMS.map(String), "nan", "inf", "-inf", "1e999", "x", "", "0x10", "1.5", "-3", "  ", "99999999999999999999"]);
  return text.slice(0, at) + v + text.slice(at + len);
}

/** Text mutations; `element` is a regexp matching whole elements or lines to delete or duplicate. */
export function mutateText(rng, text, unit, edits = 1 + rng.int(3)) {
  for (let e = 0; e < edits; e++) {
    const op = rng.int(6);
    if (op === 0) text = text.slice(0, rng.int(text.length + 1));
    else if (op === 1 || op === 2) {
      const units = [...text.matchAll(unit)];
      if (!units.length) continue;
      const m = rng.pick(units);
      text = op === 1 ? text.slice(0, m.index) + text.slice(m.index + m[0].length) : text.slice(0, m.index) + m[0] + text.slice(m.index);
    } else if (op === 3) text = corruptNumber(rng, text);
    else if (op === 4) {
      const at = rng.int(text.length + 1);
      text = text.slice(0, at) + rng.pick(["<", ">", "&", "&amp", "&#xFFFFFFFF;", "\u0000", "\n", ",", '"', " ", "</a>", "<!--", "\uFFFD", "-", "."]) + text.slice(at);
    } else {
      const at = rng.int(text.length);
      text = text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ (1 << rng.int(7))) + text.slice(at + 1);
    }
  }
  return text;
}

const JSON_VALUES = [null, true, false, 0, -1, 1, 3, 1.5, 1e9, -1e9, 2 ** 31, 1e308, -0, "", "x", "float32", "uint8", "float16", "int32", "same", "valid", "relu", [], [0], [null, 48, 48, 1], [1e6, 1e6], {}, { a: 1 }];

/** One structural or value edit somewhere in a JSON document (mutates and returns doc). */
export function mutateJson(rng, doc, edits = 1 + rng.int(3)) {
  for (let e = 0; e < edits; e++) {
    const spots = [];
    collect(doc, spots, 0);
    if (!spots.length) break;
    const [parent, key] = rng.pick(spots);
    const v = parent[key];
    const op = rng.int(6);
    if (op === 0) parent[key] = structuredClone(rng.pick(JSON_VALUES));
    else if (op === 1 && typeof v === "number") parent[key] = rng.pick([v + 1, v - 1, v * 2, -v, v * 1000, 0, v + 0.5]);
    else if (op === 2 && Array.isArray(v) && v.length) v.splice(rng.int(v.length), 1);
    else if (op === 3 && Array.isArray(v) && v.length) v.splice(rng.int(v.length), 0, structuredClone(rng.pick(v)));
    else if (op === 4 && Array.isArray(parent)) parent.splice(key, 1);
    else if (op === 4) delete parent[key];
    else if (op === 5 && v && typeof v === "object" && !Array.isArray(v)) v[rng.pick(["name", "shape", "dtype", "config", "class_name", "extra"])] = structuredClone(rng.pick(JSON_VALUES));
    else parent[key] = structuredClone(rng.pick(JSON_VALUES));
  }
  return doc;
}

function collect(v, out, depth) {
  if (!v || typeof v !== "object" || depth > 40) return;
  for (const k of Array.isArray(v) ? v.keys() : Object.keys(v)) {
    out.push([v, k]);
    collect(v[k], out, depth + 1);
  }
}

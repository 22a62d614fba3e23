// A module's own memory turned into an import of a shared one, at load, so that two threads can run one
// compiled program on one memory (src/quant/threads.ts) without a second build of every module in the package
// and the browser bundle. The kernels use no atomics: each thread writes its own half of an op's output, and
// the threads meet between ops. Only the sections change: the memory section goes, its limits become an
// import "env"."memory" marked shared (imported memories come first in the index space, so memory 0 is still
// memory 0 for every instruction, data segment and export).

import { ResezapError } from "../errors.js";

const IMPORT = 2, MEMORY = 5;

function readU32(b: Uint8Array, at: number): [value: number, next: number] {
  let v = 0, shift = 0, p = at;
  for (;;) {
    if (p >= b.length || shift > 28) throw new ResezapError("WASM module: a LEB128 number runs past its section");
    const byte = b[p++];
    v += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return [v, p];
    shift += 7;
  }
}

function u32(v: number): number[] {
  const out: number[] = [];
  do {
    let byte = v & 0x7f;
    v = Math.floor(v / 128);
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return out;
}

const name = (s: string) => [...u32(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

/**
 * bytes, a module that defines one memory, rewritten to import it as "env"."memory", shared, with the module's
 * minimum and `maxPages` as maximum (a shared memory must have one).
 */
export function importSharedMemory(bytes: Uint8Array, maxPages: number): Uint8Array<ArrayBuffer> {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw new ResezapError("WASM module: not a WebAssembly binary");
  const sections: { id: number; body: Uint8Array }[] = [];
  for (let p = 8; p < bytes.length; ) {
    const id = bytes[p];
    const [size, start] = readU32(bytes, p + 1);
    if (start + size > bytes.length) throw new ResezapError(`WASM module: section ${id} runs past the end`);
    sections.push({ id, body: bytes.subarray(start, start + size) });
    p = start + size;
  }
  const mem = sections.find((s) => s.id === MEMORY);
  if (!mem) throw new ResezapError("WASM module: it defines no memory to share");
  const [count, at] = readU32(mem.body, 0);
  if (count !== 1) throw new ResezapError(`WASM module: ${count} memories, expected 1`);
  const flags = mem.body[at];
  if (flags !== 0 && flags !== 1) throw new ResezapError(`WASM module: memory limits flag ${flags}, expected an unshared 32-bit memory`);
  const [min] = readU32(mem.body, at + 1);
  const entry = [...name("env"), ...name("memory"), 0x02, 0x03, ...u32(min), ...u32(Math.max(min, maxPages))];
  const imports = sections.find((s) => s.id === IMPORT);
  if (imports) {
    const [n, rest] = readU32(imports.body, 0);
    imports.body = Uint8Array.from([...u32(n + 1), ...imports.body.subarray(rest), ...entry]);
  } else {
    // sections other than custom ones (id 0) come in increasing id order: the import section goes before the first after it
    const k = sections.findIndex((s) => s.id > IMPORT);
    sections.splice(k < 0 ? sections.length : k, 0, { id: IMPORT, body: Uint8Array.from([1, ...entry]) });
  }
  const kept = sections.filter((s) => s.id !== MEMORY);
  const out: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const s of kept) out.push(Uint8Array.from([s.id, ...u32(s.body.length)]), s.body);
  const total = out.reduce((a, b) => a + b.length, 0);
  const result = new Uint8Array(total);
  let p = 0;
  for (const o of out) {
    result.set(o, p);
    p += o.length;
  }
  return result;
}

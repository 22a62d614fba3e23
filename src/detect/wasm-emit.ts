// A minimal WebAssembly binary writer: just what the cascade compiler (jit.ts) emits — one imported memory,
// functions over i32 and v128 locals, structured control flow, and the SIMD instructions of the scan.
// Opcodes are the WebAssembly 2.0 core spec's (SIMD under the 0xfd prefix).

export const I32 = 0x7f, V128 = 0x7b;
/** The empty block type (a block, loop or if that takes and leaves nothing). */
export const VOID = 0x40;

/** Single-byte opcodes. */
export const Op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  return: 0x0f,
  call: 0x10,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i32Store: 0x36,
  i32Const: 0x41,
  f32Const: 0x43,
  i32Eqz: 0x45,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32GeS: 0x4e,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32Add: 0x6a,
  i32Sub: 0x6b,
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
export const Simd = {
  load: 0x00,
  load32Splat: 0x09,
  store: 0x0b,
  load32Lane: 0x56,
  store32Lane: 0x5a,
  load32Zero: 0x5c,
  const: 0x0c,
  shuffle: 0x0d,
  i32x4Splat: 0x11,
  f32x4Splat: 0x13,
  f32x4Lt: 0x43,
  f64x2Lt: 0x49,
  f64x2Gt: 0x4a,
  not: 0x4d,
  and: 0x4e,
  andnot: 0x4f,
  bitselect: 0x52,
  anyTrue: 0x53,
  f32x4DemoteF64x2Zero: 0x5e,
  f64x2PromoteLowF32x4: 0x5f,
  i32x4Bitmask: 0xa4,
  i32x4Shl: 0xab,
  i32x4Add: 0xae,
  i32x4Sub: 0xb1,
  i32x4Mul: 0xb5,
  f64x2Sqrt: 0xef,
  f32x4Add: 0xe4,
  f32x4Mul: 0xe6,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
  f64x2Div: 0xf3,
  f32x4ConvertI32x4S: 0xfa,
  f64x2ConvertLowI32x4S: 0xfe,
  f64x2ConvertLowI32x4U: 0xff,
} as const;

/** A growable byte buffer with the encodings the binary format uses. */
export class Bytes {
  private buf = new Uint8Array(1024);
  length = 0;

  byte(b: number): this {
    if (this.length === this.buf.length) this.grow(1);
    this.buf[this.length++] = b;
    return this;
  }

  bytes(bs: ArrayLike<number>): this {
    if (this.length + bs.length > this.buf.length) this.grow(bs.length);
    this.buf.set(bs, this.length);
    this.length += bs.length;
    return this;
  }

  private grow(extra: number): void {
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`wasm-emit: ${v} is not a u32`);
    do {
      let b = v & 0x7f;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
    return this;
  }

  s32(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`wasm-emit: ${v} is not an i32`);
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.byte(b);
        return this;
      }
      this.byte(b | 0x80);
    }
  }

  str(s: string): this {
    const e = new TextEncoder().encode(s);
    return this.u32(e.length).bytes(e);
  }

  /** A length-prefixed copy of another buffer (a section's or a function body's contents). */
  sized(b: Bytes): this {
    return this.u32(b.length).bytes(b.view());
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** A function body under construction: locals declared up front, then instructions. */
export class Code extends Bytes {
  op(o: number): this {
    return this.byte(o);
  }
  get(i: number): this {
    return this.byte(Op.localGet).u32(i);
  }
  set(i: number): this {
    return this.byte(Op.localSet).u32(i);
  }
  tee(i: number): this {
    return this.byte(Op.localTee).u32(i);
  }
  i32(v: number): this {
    return this.byte(Op.i32Const).s32(v);
  }
  f32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.byte(Op.f32Const).bytes(b);
  }
  simd(o: number): this {
    return this.byte(0xfd).u32(o);
  }
  /** v128.load / load32_splat / store with a constant byte offset (align given as log2). */
  mem(o: number, offset: number, alignLog2: number): this {
    return this.simd(o).u32(alignLog2).u32(offset);
  }
  /** v128.load32_lane / store32_lane: one lane from or to address + offset. */
  lane(o: number, offset: number, lane: number): this {
    return this.mem(o, offset, 2).byte(lane);
  }
  /** i32.load / i32.store with a constant byte offset. */
  i32mem(o: number, offset: number): this {
    return this.byte(o).u32(2).u32(offset);
  }
  v128Const(b: Uint8Array): this {
    return this.simd(Simd.const).bytes(b);
  }
  /** i8x16.shuffle over i32 lanes 0–7 of the two operands. */
  shuffle32(l0: number, l1: number, l2: number, l3: number): this {
    this.simd(Simd.shuffle);
    for (const l of [l0, l1, l2, l3]) for (let k = 0; k < 4; k++) this.byte(l * 4 + k);
    return this;
  }
}

export interface FuncDef {
  params: number[];
  results: number[];
  /** extra locals, by type, after the parameters */
  locals: number[];
  body: Code;
  export?: string;
}

export interface FuncImport {
  name: string;
  params: number[];
  results: number[];
}

/**
 * A module importing env.memory and the functions `imports` (env.<name>, function indexes 0…), with the
 * functions `funcs` (indexes after the imports, in order).
 */
export function emitModule(imports: FuncImport[], funcs: FuncDef[]): Uint8Array<ArrayBuffer> {
  const m = new Bytes().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, content: Bytes) => m.byte(id).sized(content);
  // type section: one type per function, imports first (duplicates are allowed)
  const sigs = [...imports, ...funcs];
  const types = new Bytes().u32(sigs.length);
  for (const f of sigs) {
    types.byte(0x60).u32(f.params.length).bytes(f.params).u32(f.results.length).bytes(f.results);
  }
  section(1, types);
  const imp = new Bytes().u32(1 + imports.length).str("env").str("memory").byte(0x02).byte(0x00).u32(0);
  imports.forEach((f, i) => imp.str("env").str(f.name).byte(0x00).u32(i));
  section(2, imp);
  const fn = new Bytes().u32(funcs.length);
  funcs.forEach((_, i) => fn.u32(imports.length + i));
  section(3, fn);
  const exported = funcs
    .map((f, i) => [f.export, imports.length + i] as const)
    .filter((e): e is readonly [string, number] => e[0] !== undefined);
  const exp = new Bytes().u32(exported.length);
  for (const [name, i] of exported) exp.str(name).byte(0x00).u32(i);
  section(7, exp);
  const code = new Bytes().u32(funcs.length);
  for (const f of funcs) {
    const body = new Bytes();
    // locals run-length encoded by type
    const runs: [number, number][] = [];
    for (const t of f.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    body.u32(runs.length);
    for (const [n, t] of runs) body.u32(n).byte(t);
    body.bytes(f.body.view()).byte(Op.end);
    code.sized(body);
  }
  section(10, code);
  const out = new Uint8Array(m.length);
  out.set(m.view());
  return out;
}

import * as embedded from "../generated/wasm.js";
import { LimitError, ResezapError } from "../errors.js";
import { LIMITS } from "../limits.js";
import { importSharedMemory } from "./shared-memory.js";
import { flushSubnormals } from "./pack.js";

// Loading the WASM modules built from assembly/ and embedded as base64 by scripts/build-wasm.mjs.
// Modules are compiled once per process (or worker) and cached; each model instantiates its own memory.
// We do not use @assemblyscript/loader: with --runtime stub and raw pointers there are no managed objects
// to lift or lower, so plain WebAssembly.instantiate is all it would have done.

export type ModuleName = keyof typeof embedded;

const bytesCache = new Map<string, Uint8Array<ArrayBuffer>>();
const moduleCache = new Map<string, WebAssembly.Module>();

export function wasmBytes(name: ModuleName): Uint8Array<ArrayBuffer> {
  let b = bytesCache.get(name);
  if (!b) {
    const s = atob(embedded[name]);
    b = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
    bytesCache.set(name, b);
  }
  return b;
}

export type NNVariant = "relaxed" | "simd";

/** True where this engine validates relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(wasmBytes("nnRelaxed"));
}

/** The network module to use: relaxed SIMD where it validates, plain SIMD otherwise; RESEZAP_SIMD=plain forces plain. */
export function defaultNNVariant(): NNVariant {
  const env = typeof process !== "undefined" ? process.env?.RESEZAP_SIMD : undefined;
  if (env === "plain" || env === "simd") return "simd";
  return relaxedSimdSupported() ? "relaxed" : "simd";
}

function moduleNameOf(variant: NNVariant): ModuleName {
  return variant === "relaxed" ? "nnRelaxed" : "nnSimd";
}

/** Compiles (once) synchronously: every module is loaded this way, in Node, workers and browsers alike. */
function compileModuleSync(name: ModuleName): WebAssembly.Module {
  let m = moduleCache.get(name);
  if (!m) {
    const bytes = wasmBytes(name);
    if (!WebAssembly.validate(bytes)) {
      throw new ResezapError(`WASM module ${name} does not validate here: this engine lacks 128-bit SIMD (or relaxed SIMD)`);
    }
    m = new WebAssembly.Module(bytes);
    moduleCache.set(name, m);
  }
  return m;
}

export function nnModuleName(variant: NNVariant = defaultNNVariant()): ModuleName {
  return moduleNameOf(variant);
}

/**
 * One instance's memory as an arena: a bump allocator from the module's heap base, 16-byte aligned,
 * growing the memory (never past LIMITS.maxWasmBytes) when needed. Views are re-created after growth.
 */
export class Arena {
  readonly memory: WebAssembly.Memory;
  private top: number;
  readonly base: number;
  private f32cache: Float32Array | null = null;

  constructor(readonly exports: { memory: WebAssembly.Memory; heapBase(): number }) {
    this.memory = exports.memory;
    this.base = align(exports.heapBase(), 64);
    this.top = this.base;
  }

  /** Returns a 64-byte-aligned pointer to `bytes` bytes (not zeroed when reused after reset()). */
  alloc(bytes: number): number {
    const p = align(this.top, 64);
    const end = allocationEnd(p, bytes);
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / 65536));
      } catch {
        // the engine may refuse below our limit (browser or 32-bit address space): still a typed error
        throw new LimitError(`WASM memory: could not grow to ${end} bytes (this engine refused; the library's limit is ${LIMITS.maxWasmBytes})`);
      }
      this.f32cache = null;
    }
    this.top = end;
    return p;
  }

  /** The current top, to hand to reset() later. */
  mark(): number {
    return this.top;
  }

  reset(mark = this.base): void {
    this.top = mark;
  }

  get f32(): Float32Array {
    if (!this.f32cache || this.f32cache.buffer !== this.memory.buffer) this.f32cache = new Float32Array(this.memory.buffer);
    return this.f32cache;
  }

  get i32(): Int32Array {
    return new Int32Array(this.memory.buffer);
  }

  get u8(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  /** Copies values into memory at p (a byte address, 4-aligned). */
  writeF32(p: number, values: ArrayLike<number>): void {
    this.f32.set(values, p >> 2);
  }

  /** Allocates and copies packed f32 weights, subnormals made 0 (flushSubnormals: why); returns their address. */
  writeWeights(values: Float32Array): number {
    const p = this.alloc(4 * values.length + 16);
    this.writeF32(p, flushSubnormals(values));
    return p;
  }

  /** Allocates and copies a table of 32-bit words (i32, or i32 and f32 mixed) as its bytes are; returns its address. */
  writeTable(values: Int32Array | Float32Array): number {
    const p = this.alloc(4 * values.length + 16);
    this.i32.set(new Int32Array(values.buffer, values.byteOffset, values.length), p >> 2);
    return p;
  }

  readF32(p: number, n: number): Float32Array {
    return this.f32.slice(p >> 2, (p >> 2) + n);
  }
}

/**
 * Where an allocation of `bytes` at p ends, 64-byte aligned; an end past LIMITS.maxWasmBytes is refused here,
 * before the memory grows, so the limit can be tested at its edge without allocating a gigabyte.
 */
export function allocationEnd(p: number, bytes: number): number {
  const end = p + align(bytes, 64);
  if (end > LIMITS.maxWasmBytes) throw new LimitError(`WASM memory: ${end} bytes needed, over the limit of ${LIMITS.maxWasmBytes} (LIMITS.maxWasmBytes)`);
  return end;
}

export function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** The pages a shared memory may grow to: LIMITS.maxWasmBytes (a shared memory must declare its maximum). */
function maxSharedPages(): number {
  return Math.ceil(LIMITS.maxWasmBytes / 65536);
}

/** The module compiled to import a shared memory instead of its own (importSharedMemory), once. */
export function sharedModule(name: ModuleName): WebAssembly.Module {
  const key = `${name}:shared`;
  let m = moduleCache.get(key);
  if (!m) {
    compileModuleSync(name); // refuses an engine without SIMD with its usual message
    m = new WebAssembly.Module(importSharedMemory(wasmBytes(name), maxSharedPages()));
    moduleCache.set(key, m);
  }
  return m;
}

/** A shared memory of `pages` pages that can grow to LIMITS.maxWasmBytes, for sharedModule()'s instances. */
export function sharedMemory(pages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: pages, maximum: maxSharedPages(), shared: true });
}

/** An instance of sharedModule(name) on `memory` (its data segments are written into it again: instantiate before use). */
export function instantiateShared(module: WebAssembly.Module, memory: WebAssembly.Memory): WebAssembly.Instance {
  return new WebAssembly.Instance(module, { env: { abort: abortImport, memory } });
}

/** Instantiates a module with no imports (the stub runtime has none but abort, which --noAssert makes unreachable). */
export function instantiateSync(name: ModuleName): WebAssembly.Instance {
  return new WebAssembly.Instance(compileModuleSync(name), { env: { abort: abortImport } });
}

function abortImport(): never {
  throw new ResezapError("WASM abort");
}

import { ArgumentError, ModelFormatError, ResezapError } from "../errors.js";
import { size, type Layer, type SymbolicTensor } from "../layers/layer.js";
import type { CTensor, Emitter, Fusion } from "./emitter.js";
import { GraphPlan, type InferenceStep } from "./plan.js";
import { Op, OP_WORDS } from "../abi/nn.js";
import type { NnExports } from "../generated/exports.js";
import { Arena, instantiateSync, nnModuleName, type NNVariant } from "./wasm.js";

// Compiles a model's layer graph into one WASM instance: weights packed once, one buffer per live tensor
// (buffers reused once a tensor's last consumer has run, so activations stay few and cache-warm), and a
// program of ops that run() executes for a whole batch in one call. The steps and their fusions come from the
// graph plan (plan.ts, shared with the trainer); this file places tensors in memory and has each layer emit its ops.
// One placement is decided here: a residual join's output goes over the residual's buffer where that is its last use.

/** A buffer of the arena holding one live tensor; identity layers alias it under another shape. */
interface Buffer {
  ptr: number;
  bytes: number;
  /** consumers still to run, over every alias */
  refs: number;
  pinned: boolean;
}

interface Slot extends CTensor {
  buf: Buffer;
}

export interface Program {
  arena: Arena;
  exports: NnExports;
  prog: number;
  nOps: number;
  inPtr: number;
  inSize: number;
  outPtr: number;
  outSize: number;
  /** arena mark above weights, activations and program: batch buffers go here */
  mark: number;
  /** examples a run of the program takes at once (inSize and outSize count all of them) */
  rows: number;
  variant: NNVariant;
}

/**
 * Compiles the graph from input to outputs. Several outputs are written one after another into one buffer
 * at the end of each example's run, so run() copies one block an example and execute() returns them packed.
 * The steps: buffers (BufferPool), the emitter each layer writes its ops through, each plan step placed and
 * emitted (placeStep, residualAlias), the outputs joined (joinOutputs), the op list written (writeProgram).
 */
export function compile(layers: Layer[], input: SymbolicTensor, outputs: SymbolicTensor | SymbolicTensor[], variant?: NNVariant, rows = 1): Program {
  const outList = Array.isArray(outputs) ? outputs : [outputs];
  // rows > 1: a row-wise model (rowWise()) compiled for `rows` examples at once, each tensor [rows, ...shape]: its
  // Dense layers become one GEMM over the rows instead of a matrix-vector product an example
  const shapeOf = (t: SymbolicTensor): readonly number[] => (rows > 1 ? [rows, ...t.shape] : t.shape);
  const name = nnModuleName(variant);
  const ex = instantiateSync(name).exports as unknown as NnExports;
  const arena = new Arena(ex);
  const plan = new GraphPlan(layers, outList);
  const pool = new BufferPool(arena);
  const ops: number[][] = [];
  const emitter = makeEmitter(arena, pool, ops);
  const g: GraphState = { plan, shapeOf, isOutput: new Set(outList), tensors: new Map(), pool };
  const inSlot = g.pool.slot(shapeOf(input), plan.uses(input), true);
  g.tensors.set(input, inSlot);
  for (const step of plan.inferenceSteps(input)) placeStep(g, step, emitter);
  const outSlot = joinOutputs(g, outList, arena, ops);
  const prog = writeProgram(arena, ops);
  return {
    arena, exports: ex, prog, nOps: ops.length, variant: name === "nnRelaxed" ? "relaxed" : "simd",
    inPtr: inSlot.ptr, inSize: inSlot.size, outPtr: outSlot.ptr, outSize: outSlot.size, mark: arena.mark(), rows,
  };
}

/** Arena memory for tensors and scratch: freed blocks are reused, the smallest that fits first. */
class BufferPool {
  private readonly free: { ptr: number; bytes: number }[] = [];
  constructor(private readonly arena: Arena) {}

  take(floats: number): { ptr: number; bytes: number } {
    const bytes = Math.max(16, floats * 4 + 16); // +16: kernels may read one vector past a tail
    const free = this.free;
    let best = -1;
    for (let i = 0; i < free.length; i++) {
      if (free[i].bytes >= bytes && (best < 0 || free[i].bytes < free[best].bytes)) best = i;
    }
    if (best >= 0) return free.splice(best, 1)[0];
    return { ptr: this.arena.alloc(bytes), bytes };
  }

  release(s: { ptr: number; bytes: number }): void {
    this.free.push({ ptr: s.ptr, bytes: s.bytes });
  }

  /** A new buffer for a tensor of this shape with `refs` consumers to come. */
  slot(shape: readonly number[], refs: number, pinned = false): Slot {
    const n = size(shape);
    const b = this.take(n);
    return { ptr: b.ptr, shape, size: n, buf: { ...b, refs, pinned } };
  }
}

/** What placing the plan's steps shares: the plan, the tensors placed so far, the buffers. */
interface GraphState {
  plan: GraphPlan;
  shapeOf(t: SymbolicTensor): readonly number[];
  isOutput: Set<SymbolicTensor>;
  tensors: Map<SymbolicTensor, Slot>;
  pool: BufferPool;
}

/** The emitter a layer writes through: weights stored once each, scratch buffers for the op, checked ops. */
function makeEmitter(arena: Arena, pool: BufferPool, ops: number[][]): Emitter & { releaseScratch(): void } {
  const weightCache = new Map<Float32Array, number>();
  let scratch: { ptr: number; bytes: number }[] = [];
  return {
    weights(values: Float32Array): number {
      let p = weightCache.get(values);
      if (p === undefined) {
        p = arena.writeWeights(values);
        weightCache.set(values, p);
      }
      return p;
    },
    table: (values) => arena.writeTable(values),
    scratch(floats: number): number {
      const b = pool.take(floats);
      scratch.push(b);
      return b.ptr;
    },
    op(code: Op, ...args: number[]): void {
      if (args.length > OP_WORDS - 1) throw new ResezapError(`internal: op ${code} has ${args.length} arguments`);
      for (const a of args) if (!Number.isInteger(a) || a < 0 || a > 0x7fffffff) throw new ResezapError(`internal: op ${code} argument ${a}`);
      ops.push([code, ...args]);
    },
    releaseScratch(): void {
      for (const s of scratch) pool.release(s);
      scratch = [];
    },
  };
}

/** One plan step: its output placed (an alias for identity layers), its ops emitted, buffers released after their last use. */
function placeStep(g: GraphState, step: InferenceStep, emitter: ReturnType<typeof makeEmitter>): void {
  const { plan, shapeOf, isOutput, tensors, pool } = g;
  const { layer } = step;
  const t = layer.output!;
  const slotOf = (s: SymbolicTensor) => {
    const slot = tensors.get(s);
    if (!slot) throw new ModelFormatError(`layer ${layer.name}: input from ${s.layer.name} is not computed before it`);
    return slot;
  };
  const ins = t.inputs.map(slotOf);
  if (step.identity) {
    const buf = ins[0].buf;
    buf.refs += plan.uses(t) - 1;
    if (isOutput.has(t)) buf.pinned = true;
    tensors.set(t, { ptr: buf.ptr, shape: shapeOf(t), size: size(shapeOf(t)), buf });
    return;
  }
  const residualSlot = step.residual && slotOf(step.residual);
  const fuse: Fusion = {
    affine: step.bn?.affine(), residual: residualSlot?.ptr, activation: step.activation?.act,
    pool: step.pool && { poolSize: step.pool.poolSize, strides: step.pool.strides },
  };
  const consumed = residualSlot ? [...ins, residualSlot] : ins;
  const outT = step.output;
  const out = (residualSlot && residualAlias(g, residualSlot, ins, outT)) || pool.slot(shapeOf(outT), plan.uses(outT), isOutput.has(outT));
  tensors.set(outT, out);
  layer.emit(emitter, ins, out, fuse);
  emitter.releaseScratch();
  for (const slot of consumed) {
    slot.buf.refs--;
    if (slot.buf.refs === 0 && !slot.buf.pinned) pool.release(slot.buf);
  }
}

/**
 * The residual's last use is this op: write the output over it (one tensor less in cache; block 1 of
 * ResEZAP reads two 271 KB tensors and writes a third). Safe because the pointwise epilogue reads each
 * residual element just before it stores that element, and only for whole blocks of 8 channels (a
 * partial block is finished from memory after its store), and only where the residual is not also an
 * input of the op (a separable op reads input rows after it has written earlier output rows).
 * The output's slot over the residual's buffer, or null where that is not safe.
 */
function residualAlias(g: GraphState, residual: Slot, ins: Slot[], outT: SymbolicTensor): Slot | null {
  const shape = g.shapeOf(outT);
  const aliasable = residual.buf.refs === 1 && !residual.buf.pinned && !ins.some((i) => i.buf === residual.buf) &&
    residual.size === size(shape) && outT.shape[outT.shape.length - 1] % 8 === 0;
  if (!aliasable) return null;
  const b = residual.buf;
  b.pinned = true; // handed over to the output: not released after the op
  return { ptr: b.ptr, shape, size: size(shape), buf: { ptr: b.ptr, bytes: b.bytes, refs: g.plan.uses(outT), pinned: g.isOutput.has(outT) } };
}

/** The output: the one tensor's buffer, or several copied one after another into one block by ops at the end. */
function joinOutputs(g: GraphState, outList: SymbolicTensor[], arena: Arena, ops: number[][]): CTensor {
  const outSlots = outList.map((o) => {
    const slot = g.tensors.get(o);
    if (!slot) throw new ModelFormatError(`the model's output (layer ${o.layer.name}) is never computed`);
    return slot;
  });
  if (outSlots.length === 1) return outSlots[0];
  const total = outSlots.reduce((t, o) => t + o.size, 0);
  const ptr = arena.alloc(total * 4 + 16);
  let at = ptr;
  for (const o of outSlots) {
    ops.push([Op.Copy, o.ptr, at, o.size * 4]);
    at += o.size * 4;
  }
  return { ptr, shape: [total], size: total };
}

/** The op list into the arena, OP_WORDS i32 words an op (assembly/nn/program.ts reads it); its address. */
function writeProgram(arena: Arena, ops: number[][]): number {
  const prog = arena.alloc(ops.length * OP_WORDS * 4);
  const i32 = arena.i32;
  ops.forEach((o, k) => i32.set(o, (prog >> 2) + k * OP_WORDS));
  return prog;
}

/** Largest batch one run() call takes; bigger batches go in chunks, so memory stays bounded. */
export const MAX_CHUNK = 256;

/** Runs the program over n examples of x (n·inSize floats) and returns n·outSize floats. */
export function execute(p: Program, x: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n * p.outSize);
  const chunk = Math.min(n, MAX_CHUNK);
  p.arena.reset(p.mark);
  const bin = p.arena.alloc(chunk * p.inSize * 4);
  const bout = p.arena.alloc(chunk * p.outSize * 4);
  for (let i = 0; i < n; i += chunk) {
    const m = Math.min(chunk, n - i);
    p.arena.f32.set(x.subarray(i * p.inSize, (i + m) * p.inSize), bin >> 2);
    p.exports.run(p.prog, p.nOps, m, bin, p.inSize * 4, p.inPtr, bout, p.outSize * 4, p.outPtr);
    out.set(p.arena.f32.subarray(bout >> 2, (bout >> 2) + m * p.outSize), i * p.outSize);
  }
  return out;
}

/**
 * One example run where it lies: `fill` writes the input straight into the program's input buffer (a view of
 * WASM memory, inSize floats), and the result is a view of the output buffer, valid until the program runs
 * again. For callers that build a large input themselves (a detector's frame): no copy in or out.
 */
export function executeInPlace(p: Program, fill: (input: Float32Array) => void): Float32Array {
  if (p.rows !== 1) throw new ArgumentError(`executeInPlace: a program of ${p.rows} rows; expected one example a run`);
  fill(p.arena.f32.subarray(p.inPtr >> 2, (p.inPtr >> 2) + p.inSize));
  p.exports.run(p.prog, p.nOps, 1, p.inPtr, p.inSize * 4, p.inPtr, p.outPtr, p.outSize * 4, p.outPtr);
  return p.arena.f32.subarray(p.outPtr >> 2, (p.outPtr >> 2) + p.outSize);
}

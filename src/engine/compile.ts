import { ArgumentError, ModelFormatError, ResezapError } from "../errors.js";
import { size, type Layer, type SymbolicTensor } from "../layers/layer.js";
import type { CTensor, Emitter, Fusion } from "./emitter.js";
import { GraphPlan } from "./plan.js";
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
 */
export function compile(layers: Layer[], input: SymbolicTensor, outputs: SymbolicTensor | SymbolicTensor[], variant?: NNVariant, rows = 1): Program {
  const outList = Array.isArray(outputs) ? outputs : [outputs];
  // rows > 1: a row-wise model (rowWise()) compiled for `rows` examples at once, each tensor [rows, ...shape]: its
  // Dense layers become one GEMM over the rows instead of a matrix-vector product an example
  const shapeOf = (t: SymbolicTensor): readonly number[] => (rows > 1 ? [rows, ...t.shape] : t.shape);
  const isOutput = new Set(outList);
  const name = nnModuleName(variant);
  const inst = instantiateSync(name);
  const ex = inst.exports as unknown as NnExports;
  const arena = new Arena(ex);
  const plan = new GraphPlan(layers, outList);
  const free: { ptr: number; bytes: number }[] = [];
  const ops: number[][] = [];
  const weightCache = new Map<Float32Array, number>();

  const take = (floats: number): { ptr: number; bytes: number } => {
    const bytes = Math.max(16, floats * 4 + 16); // +16: kernels may read one vector past a tail
    let best = -1;
    for (let i = 0; i < free.length; i++) {
      if (free[i].bytes >= bytes && (best < 0 || free[i].bytes < free[best].bytes)) best = i;
    }
    if (best >= 0) return free.splice(best, 1)[0];
    return { ptr: arena.alloc(bytes), bytes };
  };
  const release = (s: { ptr: number; bytes: number }) => free.push({ ptr: s.ptr, bytes: s.bytes });

  const newSlot = (t: SymbolicTensor, pinned = false): Slot => {
    const n = size(shapeOf(t));
    const b = take(n);
    return { ptr: b.ptr, shape: shapeOf(t), size: n, buf: { ...b, refs: plan.uses(t), pinned } };
  };

  const tensors = new Map<SymbolicTensor, Slot>();
  const inSlot = newSlot(input, true);
  tensors.set(input, inSlot);
  let scratch: { ptr: number; bytes: number }[] = [];

  const ctx: Emitter = {
    weights(values: Float32Array): number {
      let p = weightCache.get(values);
      if (p === undefined) {
        p = arena.alloc(values.length * 4 + 16);
        arena.writeF32(p, values);
        weightCache.set(values, p);
      }
      return p;
    },
    scratch(floats: number): number {
      const b = take(floats);
      scratch.push(b);
      return b.ptr;
    },
    op(code: Op, ...args: number[]): void {
      if (args.length > OP_WORDS - 1) throw new ResezapError(`internal: op ${code} has ${args.length} arguments`);
      for (const a of args) if (!Number.isInteger(a) || a < 0 || a > 0x7fffffff) throw new ResezapError(`internal: op ${code} argument ${a}`);
      ops.push([code, ...args]);
    },
  };

  for (const step of plan.inferenceSteps(input)) {
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
      continue;
    }
    const residualSlot = step.residual && slotOf(step.residual);
    const fuse: Fusion = {
      affine: step.bn?.affine(), residual: residualSlot?.ptr, activation: step.activation?.act,
      pool: step.pool && { poolSize: step.pool.poolSize, strides: step.pool.strides },
    };
    const consumed = residualSlot ? [...ins, residualSlot] : ins;
    const outT = step.output;
    // The residual's last use is this op: write the output over it (one tensor less in cache; block 1 of
    // ResEZAP reads two 271 KB tensors and writes a third). Safe because the pointwise epilogue reads each
    // residual element just before it stores that element, and only for whole blocks of 8 channels (a
    // partial block is finished from memory after its store), and only where the residual is not also an
    // input of the op (a separable op reads input rows after it has written earlier output rows).
    const aliasable = residualSlot && residualSlot.buf.refs === 1 && !residualSlot.buf.pinned && !ins.some((i) => i.buf === residualSlot!.buf) &&
      residualSlot.size === size(shapeOf(outT)) && outT.shape[outT.shape.length - 1] % 8 === 0;
    let out: Slot;
    if (aliasable) {
      const b = residualSlot!.buf;
      out = { ptr: b.ptr, shape: shapeOf(outT), size: size(shapeOf(outT)), buf: { ptr: b.ptr, bytes: b.bytes, refs: plan.uses(outT), pinned: isOutput.has(outT) } };
      b.pinned = true; // handed over to out: not released below
    } else out = newSlot(outT, isOutput.has(outT));
    tensors.set(outT, out);
    layer.emit(ctx, ins, out, fuse);
    for (const s of scratch) release(s);
    scratch = [];
    for (const slot of consumed) {
      slot.buf.refs--;
      if (slot.buf.refs === 0 && !slot.buf.pinned) release(slot.buf);
    }
  }
  const outSlots = outList.map((o) => {
    const slot = tensors.get(o);
    if (!slot) throw new ModelFormatError(`the model's output (layer ${o.layer.name}) is never computed`);
    return slot;
  });
  let outSlot: CTensor = outSlots[0];
  if (outSlots.length > 1) {
    const total = outSlots.reduce((t, o) => t + o.size, 0);
    const ptr = arena.alloc(total * 4 + 16);
    let at = ptr;
    for (const o of outSlots) {
      ops.push([Op.Copy, o.ptr, at, o.size * 4]);
      at += o.size * 4;
    }
    outSlot = { ptr, shape: [total], size: total };
  }

  const prog = arena.alloc(ops.length * OP_WORDS * 4);
  const i32 = arena.i32;
  ops.forEach((o, k) => i32.set(o, (prog >> 2) + k * OP_WORDS));
  return {
    arena, exports: ex, prog, nOps: ops.length, variant: name === "nnRelaxed" ? "relaxed" : "simd",
    inPtr: inSlot.ptr, inSize: inSlot.size, outPtr: outSlot.ptr, outSize: outSlot.size, mark: arena.mark(), rows,
  };
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

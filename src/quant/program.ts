// A quantized model compiled into one program of ops (src/abi/nn.ts), as compile() does for the f32 model, run
// by the same run(): the input quantized to u16 (QQuantize), the integer steps on the *_a16 kernels
// (QDepthwise, QPointwise, QAdd, QPool), the tensors the f32 layers after them read dequantized (QDequantize),
// then those layers' own f32 ops (each layer's emit(), with the plan's fusions). Every tensor has its own
// buffer: ResEZAP's integer tensors are 2 bytes a value and few.
import { ArgumentError, ResezapError } from "../errors.js";
import { Op, OP_WORDS } from "../abi/nn.js";
import type { CTensor, Emitter, Fusion } from "../engine/emitter.js";
import { Arena, instantiateShared, instantiateSync, nnModuleName, sharedMemory, sharedModule, type NNVariant } from "../engine/wasm.js";
import type { NnExports } from "../generated/exports.js";
import { size, type Shape, type SymbolicTensor } from "../layers/layer.js";
import type { Model } from "../model.js";
import type { IntegerSpec } from "./quantize.js";
import { packDepthwiseI16, packPointwiseI16, packRequant } from "./pack.js";
import { pointwiseRequant } from "./params.js";
import { GraphPlan, type InferenceStep } from "../engine/plan.js";
import { SeparableConv2D } from "../layers/conv.js";
import { separableA16Scratch, splitOp } from "./split.js";
import { TwoThreads, twoThreadsPossible, type SplitStep } from "./threads.js";

/** An f32 as the i32 with its bits: how an op carries a float argument. */
function f32bits(x: number): number {
  return new Int32Array(Float32Array.of(x).buffer)[0];
}

/**
 * How a QuantizedModel runs: "integer", every step of the integer part on the integer kernels (u16 tensors
 * between them; the format's reference, src/reference/quantized-model.ts); "mixed", the f32 program with only
 * the pointwise half of each separable layer on integers (separable3x3_a16: the f32 depthwise rows quantized
 * with the depthwise output's parameters, the pointwise weights and sums as in "integer", an f32 output with
 * the batch norm, residual and ReLU fused), the first layer (one input channel) and every other op in f32.
 */
export type QuantizedProgram = "integer" | "mixed";
export const QUANTIZED_PROGRAMS: readonly QuantizedProgram[] = ["mixed", "integer"];
/** What quantize() and the loaders build unless told: docs/int8.md gives the measurements that chose it. */
export const DEFAULT_PROGRAM: QuantizedProgram = "mixed";

/** `p` when it names a program; else an ArgumentError naming `what`. */
export function checkProgram(p: unknown, what: string): QuantizedProgram {
  if (!QUANTIZED_PROGRAMS.includes(p as QuantizedProgram)) throw new ArgumentError(`${what} is ${JSON.stringify(p)}; expected one of ${QUANTIZED_PROGRAMS.map((x) => `"${x}"`).join(", ")}`);
  return p as QuantizedProgram;
}

export class QuantizedModel {
  private ex: NnExports;
  private arena: Arena;
  private readonly prog: number;
  private readonly nOps: number;
  private readonly inPtr: number;
  private readonly outPtr: number;
  readonly inSize: number;
  readonly outSize: number;
  /** the dequantized boundary tensors' f32 buffers, in spec.plan.boundary's order */
  private readonly boundaryPtrs: number[];
  private mark: number;
  private readonly variant: NNVariant | undefined;
  /** with setThreads(2): the worker, and the program as split steps */
  private threads: { pair: TwoThreads; steps: SplitStep[] } | null = null;

  constructor(readonly model: Model, readonly spec: IntegerSpec, variant?: NNVariant, readonly programKind: QuantizedProgram = "integer") {
    this.variant = variant;
    this.ex = instantiateSync(nnModuleName(variant)).exports as unknown as NnExports;
    const arena = (this.arena = new Arena(this.ex));
    const ops: number[][] = [];
    const op = (code: Op, ...args: number[]) => {
      if (args.length > OP_WORDS - 1) throw new ResezapError(`internal: op ${code} has ${args.length} arguments`);
      for (const a of args) if (!Number.isInteger(a) || a < 0 || a > 0x7fffffff) throw new ResezapError(`internal: op ${code} argument ${a}`);
      ops.push([code, ...args]);
    };
    const bytes = (b: Uint8Array | Int16Array) => {
      const u = new Uint8Array(b.buffer, b.byteOffset, b.byteLength), p = arena.alloc(u.length + 16);
      arena.u8.set(u, p);
      return p;
    };
    const { plan, params, constants } = spec;
    this.inSize = size(model.input.shape);
    this.outSize = size(model.output.shape);
    this.inPtr = arena.alloc(4 * this.inSize + 16);
    const f32 = new Map<SymbolicTensor, CTensor>();
    if (programKind === "mixed") {
      this.boundaryPtrs = [];
      f32.set(model.input, { ptr: this.inPtr, shape: model.input.shape, size: this.inSize });
      emitSteps(new GraphPlan(model.layers, model.outputs).inferenceSteps(model.input), arena, op, f32, mixedSeparable(spec, bytes));
    } else {
      const q = plan.tensors.map((t) => arena.alloc(2 * size(t.shape) + 16)); // the kernels read up to 14 bytes past a tensor
      const pIn = params[plan.input.id];
      op(Op.QQuantize, this.inPtr, this.inSize, f32bits(1 / pIn.scale), pIn.zero, pIn.qmax, q[plan.input.id]);
      plan.steps.forEach((s, k) => {
        const c = constants[k], px = params[s.x.id], po = params[s.out.id];
        const [H, W, C] = s.x.shape;
        if (s.kind === "pool" && c.kind === "pool") {
          const [Ho, Wo] = s.out.shape;
          op(Op.QPool, q[s.x.id], H, W, C, px.zero, s.padT, s.padL, Ho, Wo, f32bits(c.m), po.zero, po.qmax, q[s.out.id]);
        } else if (s.kind === "separable" && c.kind === "separable") {
          const [Ho, Wo, F] = s.y.shape, pd = params[s.d.id], py = params[s.y.id];
          op(Op.QDepthwise, q[s.x.id], H, W, C, px.zero, bytes(packDepthwiseI16(c.dwq, C)), bytes(packRequant(c.dRq, C)), q[s.d.id],
            Ho, Wo, s.stride, s.padT, s.padL, 0, pd.qmax);
          op(Op.QPointwise, q[s.d.id], Ho * Wo, C, bytes(packPointwiseI16(c.pwq, C, F)), bytes(packRequant(c.yRq, F)), q[s.y.id], F, c.yQmin, py.qmax);
          if (s.residual) {
            const pr = params[s.residual.id];
            op(Op.QAdd, q[s.y.id], py.zero, f32bits(c.ma), q[s.residual.id], pr.zero, f32bits(c.mb), Ho * Wo * F, q[s.out.id], po.zero, c.outQmin, po.qmax);
          }
        }
      });
      // where the integer part ends: its tensors that f32 ops read, dequantized
      this.boundaryPtrs = plan.boundary.map((t) => {
        const p = params[t.id], ptr = arena.alloc(4 * size(t.shape) + 16);
        op(Op.QDequantize, q[t.id], size(t.shape), f32bits(p.scale), p.zero, ptr);
        for (const [sym, qt] of plan.of) if (qt === t) f32.set(sym, { ptr, shape: t.shape, size: size(t.shape) });
        return ptr;
      });
      emitSteps(spec.plan.tail, arena, op, f32);
    }
    const out = f32.get(model.output);
    if (!out) throw new ResezapError(`internal: quantize: the output of model ${model.name} is never computed`);
    this.outPtr = out.ptr;
    this.prog = arena.alloc(ops.length * OP_WORDS * 4);
    ops.forEach((o, k) => arena.i32.set(o, (this.prog >> 2) + k * OP_WORDS));
    this.nOps = ops.length;
    this.mark = arena.mark();
  }

  // What classifying and evaluating read of a Model (src/classify.ts, src/train/evaluate.ts), the f32 model's.
  get name(): string {
    return this.model.name;
  }
  get inputShape(): Shape {
    return this.model.inputShape;
  }
  get outputShape(): Shape {
    return this.model.outputShape;
  }
  get classNames(): string[] | undefined {
    return this.model.classNames;
  }
  get userDefinedMetadata(): Record<string, unknown> | undefined {
    return this.model.userDefinedMetadata;
  }

  /** The model's output for n examples of x (n·inSize floats; n from x's length when not given), n·outSize floats. */
  predict(x: Float32Array | ArrayLike<number>, n = x.length / this.inSize): Float32Array {
    if (!Number.isInteger(n) || n < 1 || x.length !== n * this.inSize) throw new ArgumentError(`QuantizedModel.predict: ${x.length} floats for ${n} examples of ${this.inSize}`);
    const xs = x instanceof Float32Array ? x : Float32Array.from(x);
    const out = new Float32Array(n * this.outSize);
    if (this.threads) {
      const { pair, steps } = this.threads, f32 = this.arena.f32;
      for (let i = 0; i < n; i++) {
        f32.set(xs.subarray(i * this.inSize, (i + 1) * this.inSize), this.inPtr >> 2);
        pair.run(steps);
        out.set(f32.subarray(this.outPtr >> 2, (this.outPtr >> 2) + this.outSize), i * this.outSize);
      }
      return out;
    }
    const chunk = Math.min(n, 64);
    this.arena.reset(this.mark);
    const bin = this.arena.alloc(4 * chunk * this.inSize), bout = this.arena.alloc(4 * chunk * this.outSize);
    for (let i = 0; i < n; i += chunk) {
      const m = Math.min(chunk, n - i);
      this.arena.f32.set(xs.subarray(i * this.inSize, (i + m) * this.inSize), bin >> 2);
      this.ex.run(this.prog, this.nOps, m, bin, 4 * this.inSize, this.inPtr, bout, 4 * this.outSize, this.outPtr);
      out.set(this.arena.f32.subarray(bout >> 2, (bout >> 2) + m * this.outSize), i * this.outSize);
    }
    return out;
  }

  /** 1 or 2: the threads that run each example (setThreads). */
  get threadCount(): number {
    return this.threads ? 2 : 1;
  }

  /**
   * Runs each example on `n` threads (1 or 2): with 2, this thread and one worker share the program's memory
   * and each integer op's output (split.ts), for the latency of one face. The answers are the same bits as
   * on one thread. Node (worker_threads) or a cross-origin-isolated page (a Web Worker); close() or
   * setThreads(1) stops the worker.
   */
  async setThreads(n: number): Promise<this> {
    if (n !== 1 && n !== 2) throw new ArgumentError(`QuantizedModel.setThreads: threads must be 1 or 2, found ${n}`);
    if (n === 1) {
      await this.close();
      return this;
    }
    if (this.threads) return this;
    if (!twoThreadsPossible()) throw new ArgumentError("QuantizedModel.setThreads(2): two threads need Node's worker_threads, or a cross-origin-isolated page (SharedArrayBuffer)");
    // a second call while the worker starts waits for the first one's, rather than start another worker
    this.starting ??= this.startThreads().finally(() => (this.starting = null));
    await this.starting;
    return this;
  }

  private starting: Promise<void> | null = null;

  private async startThreads(): Promise<void> {
    // the program's memory, copied into a shared one at the same addresses: every pointer stays valid
    const old = new Uint8Array(this.arena.memory.buffer);
    const memory = sharedMemory(old.length / 65536);
    new Uint8Array(memory.buffer).set(old);
    const module = sharedModule(nnModuleName(this.variant));
    const ex = instantiateShared(module, memory).exports as unknown as NnExports;
    const arena = new Arena(ex);
    arena.reset(this.mark);
    const i32 = arena.i32, steps: SplitStep[] = [];
    for (let k = 0; k < this.nOps; k++) {
      const a = this.prog + k * OP_WORDS * 4;
      const halves = splitOp(Array.from(i32.subarray(a >> 2, (a >> 2) + OP_WORDS)), (bytes) => arena.alloc(bytes));
      if (!halves) {
        steps.push({ a });
        continue;
      }
      const [h0, h1] = halves.map((h) => {
        const p = arena.alloc(OP_WORDS * 4);
        arena.i32.set(h, p >> 2);
        return p;
      });
      steps.push({ a: h0, b: h1 });
    }
    const pair = await TwoThreads.start(module, memory, (op) => ex.execOp(op));
    this.ex = ex;
    this.arena = arena;
    this.mark = arena.mark();
    this.threads = { pair, steps };
    // V8 starts each thread's copy of the code in its baseline compiler, 10–20 times slower for SIMD, and
    // optimizes it after enough runs: give them here, not to the first faces
    for (let i = 0; i < 32; i++) pair.run(steps);
  }

  /** The one-thread program, for profiling and tools: its module's exports, memory and op list (OP_WORDS words an op). */
  program(): { exports: NnExports; arena: Arena; prog: number; nOps: number } {
    return { exports: this.ex, arena: this.arena, prog: this.prog, nOps: this.nOps };
  }

  /** Stops the worker of setThreads(2), if any; the model goes on, on one thread. */
  async close(): Promise<void> {
    const t = this.threads;
    this.threads = null;
    await t?.pair.close();
  }

  /**
   * The dequantized tensors where the integer part hands over to f32 (spec.plan.boundary's order) for one
   * example: what src/reference/quantized-model.ts computes, bit for bit.
   */
  boundary(x: Float32Array): Float32Array[] {
    if (this.programKind !== "integer") throw new ArgumentError(`QuantizedModel.boundary: the "${this.programKind}" program has no integer part to hand over; quantize with program "integer"`);
    this.predict(x, 1);
    return this.spec.plan.boundary.map((t, k) => this.arena.f32.slice(this.boundaryPtrs[k] >> 2, (this.boundaryPtrs[k] >> 2) + size(t.shape)));
  }
}

type OpSink = (code: Op, ...args: number[]) => void;
/** Emits a step itself and returns true, or returns false to leave it to the layer's emit(). */
type StepOverride = (step: InferenceStep, ins: CTensor[], out: CTensor, emitter: Emitter, fuse: Fusion) => boolean;

/**
 * Inference steps in f32, each layer's emit() with the plan's fusions (or `override`'s ops), into buffers of
 * their own: the steps after the integer part, or a mixed program's every step.
 */
function emitSteps(steps: InferenceStep[], arena: Arena, op: OpSink, f32: Map<SymbolicTensor, CTensor>, override?: StepOverride): void {
  const weights = new Map<Float32Array, number>();
  const emitter: Emitter = {
    weights(values) {
      let p = weights.get(values);
      if (p === undefined) {
        p = arena.writeWeights(values);
        weights.set(values, p);
      }
      return p;
    },
    table: (values) => arena.writeTable(values),
    scratch: (floats) => arena.alloc(4 * floats + 16),
    op,
  };
  const get = (t: SymbolicTensor) => {
    const c = f32.get(t);
    if (!c) throw new ResezapError(`internal: quantize: tensor of ${t.layer.name} read before it is computed`);
    return c;
  };
  for (const step of steps) {
    const ins = step.layer.output!.inputs.map(get);
    if (step.identity) {
      f32.set(step.output, { ...ins[0], shape: step.output.shape });
      continue;
    }
    const fuse: Fusion = {
      affine: step.bn?.affine(), residual: step.residual && get(step.residual).ptr, activation: step.activation?.act,
      pool: step.pool && { poolSize: step.pool.poolSize, strides: step.pool.strides },
    };
    const n = size(step.output.shape);
    const out: CTensor = { ptr: arena.alloc(4 * n + 16), shape: step.output.shape, size: n };
    if (!override?.(step, ins, out, emitter, fuse)) step.layer.emit(emitter, ins, out, fuse);
    f32.set(step.output, out);
  }
}

/**
 * The mixed program's separable layers: a step the integer part holds as a stride-1 separable layer of 8 or
 * more input channels becomes one SeparableA16 op with that step's pointwise weights and the depthwise
 * output's parameters; every other step (the 1-channel first layer: its pointwise has 1 multiply-add a
 * pixel and output) stays f32.
 */
function mixedSeparable(spec: IntegerSpec, bytes: (b: Uint8Array | Int16Array) => number): StepOverride {
  const byName = new Map(spec.plan.steps.map((s, k) => [s.name, k]));
  return (step, [x], out, emitter, fuse) => {
    const k = byName.get(step.layer.name);
    if (k === undefined || !(step.layer instanceof SeparableConv2D)) return false;
    const s = spec.plan.steps[k], c = spec.constants[k];
    if (s.kind !== "separable" || c.kind !== "separable" || s.stride !== 1 || s.padT !== s.padL || s.padT > 1) return false;
    const [H, W, C] = x.shape, [, Wo, F] = out.shape;
    if (C < 8) return false;
    const pd = spec.params[s.d.id];
    const rq = pointwiseRequant(c.pwq, C, F, c.pwScale, pd, s.bias, null);
    // the f32 emit's band: a few rows a pass, a whole number of 4-pixel tiles where a few more rows allow it
    let rows = Math.max(1, Math.min(out.shape[0], Math.floor(3072 / (Wo * C))));
    for (let r = rows; r <= Math.min(out.shape[0], rows + 3); r++) if ((r * Wo) % 4 === 0) { rows = r; break; }
    // two scratches: the halves of a split op (split.ts) run at once
    const scratch = emitter.scratch(2 * separableA16Scratch(rows, Wo, C));
    emitter.op(Op.SeparableA16, x.ptr, H, W, C, emitter.weights(s.dw), bytes(packPointwiseI16(c.pwq, C, F)), bytes(packRequant(rq, F)), out.ptr, F,
      s.padT, fuse.residual ?? 0, s.relu ? 1 : 0, scratch, rows, f32bits(1 / pd.scale), pd.zero, pd.qmax, 0, out.shape[0]);
    return true;
  };
}

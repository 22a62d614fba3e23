import { BinaryKind, Op } from "../abi/nn.js";
import { ModelFormatError } from "../errors.js";
import type { CTensor, Emitter, Fusion } from "../engine/emitter.js";
import { binaryRef } from "../reference/elementwise.js";
import { addRef } from "../reference/kernels.js";
import { tileToVectors } from "../engine/pack.js";
import { emitActivation, isElementwise, isPlainRelu, type ActivationSpec } from "./activation.js";
import { Layer, size, type LayerArgs, type Shape } from "./layer.js";

// Merge layers. Element-wise ones take inputs of one shape, or (as Keras broadcasts) an input whose axes are 1
// where the others' are not (a squeeze-and-excitation's [1, 1, C] times [H, W, C]); Concatenate joins on an axis.

/** How input `s` of an element-wise op indexes into the output `out`: out[i] reads x[floor(i / div) % mod]. */
function broadcastIndex(layer: Layer, s: Shape, out: Shape): { div: number; mod: number } {
  const n = size(out), m = size(s);
  if (m === n) return { div: 1, mod: n };
  if (m === 1) return { div: 1, mod: 1 };
  // the axes where s is not 1 must be one contiguous run, so the index is (i / inner) % run
  const pad = [...Array(out.length - s.length).fill(1), ...s];
  const kept = pad.map((d, i) => d !== 1 && d === out[i]);
  const first = kept.indexOf(true), last = kept.lastIndexOf(true);
  if (pad.some((d, i) => d !== 1 && d !== out[i]) || kept.slice(first, last + 1).some((k) => !k)) {
    throw new ModelFormatError(`layer ${layer.name} (${layer.className}): input shape [${s.join(", ")}] does not broadcast to [${out.join(", ")}] as one block of axes`);
  }
  return { div: out.slice(last + 1).reduce((a, b) => a * b, 1), mod: m };
}

/** The shape several inputs broadcast to (numpy's rule, batch excluded). */
function broadcastShape(layer: Layer, shapes: Shape[]): Shape {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v !== 1 && d !== 1 && v !== d) {
        throw new ModelFormatError(`layer ${layer.name} (${layer.className}): input shapes differ: ${shapes.map((s) => `[${s.join(", ")}]`).join(" and ")}`);
      }
      if (v !== 1) d = v;
    }
    out.push(d);
  }
  return out;
}

abstract class Merge extends Layer {
  protected abstract readonly kind: BinaryKind;
  arity(): "many" {
    return "many";
  }
  outputShape(shapes: Shape[]): Shape {
    if (shapes.length < 2) throw new ModelFormatError(`layer ${this.name} (${this.className}): expected at least 2 inputs, found ${shapes.length}`);
    const out = broadcastShape(this, shapes);
    for (const s of shapes) broadcastIndex(this, s, out);
    return out;
  }
  getConfig(): Record<string, unknown> {
    return this.baseConfig();
  }
  canFuseActivation(a: ActivationSpec): boolean {
    return isElementwise(a);
  }
  reference(xs: Float32Array[], shapes: Shape[]): Float32Array {
    const out = this.output!.shape, n = size(out);
    let acc = new Float32Array(n);
    const b0 = broadcastIndex(this, shapes[0], out);
    for (let i = 0; i < n; i++) acc[i] = xs[0][Math.floor(i / b0.div) % b0.mod];
    for (let k = 1; k < xs.length; k++) {
      const b = broadcastIndex(this, shapes[k], out);
      acc = Float32Array.from(binaryRef(acc, 1, n, xs[k], b.div, b.mod, n, this.kind));
    }
    return this.finish(acc, xs.length);
  }
  /** Average divides the sum by the count. */
  protected finish(acc: Float32Array, _n: number): Float32Array {
    return acc;
  }
  emit(ctx: Emitter, xs: CTensor[], out: CTensor, fuse: Fusion): void {
    const n = out.size;
    for (let k = 1; k < xs.length; k++) {
      const a = k === 1 ? xs[0] : out;
      const ia = k === 1 ? broadcastIndex(this, xs[0].shape, out.shape) : { div: 1, mod: n };
      const ib = broadcastIndex(this, xs[k].shape, out.shape);
      ctx.op(Op.Binary, a.ptr, ia.div, ia.mod, xs[k].ptr, ib.div, ib.mod, n, out.ptr, this.kind);
    }
    this.emitFinish(ctx, out, xs.length);
    if (fuse.activation) emitActivation(ctx, out, out, fuse.activation);
  }
  protected emitFinish(_ctx: Emitter, _out: CTensor, _n: number): void {}
}

/** Element-wise sum: the residual join. Inputs of one shape take the Add kernel (ReLU fused); others broadcast. */
export class Add extends Merge {
  readonly className = "Add";
  protected readonly kind = BinaryKind.Add;
  constructor(args: LayerArgs = {}) {
    super(args, "add");
  }
  static fromConfig(c: Record<string, any>): Add {
    return new Add({ name: c.name });
  }
  private sameShapes(shapes: Shape[]): boolean {
    return shapes.every((s) => s.join() === shapes[0].join());
  }
  reference(xs: Float32Array[], shapes: Shape[]): Float32Array {
    if (this.sameShapes(shapes)) return xs.slice(1).reduce((a, b) => addRef(a, b), xs[0]);
    return super.reference(xs, shapes);
  }
  emit(ctx: Emitter, xs: CTensor[], out: CTensor, fuse: Fusion): void {
    if (!this.sameShapes(xs.map((x) => x.shape))) return super.emit(ctx, xs, out, fuse);
    const relu = fuse.activation && isPlainRelu(fuse.activation);
    for (let i = 1; i < xs.length; i++) {
      const last = i === xs.length - 1;
      ctx.op(Op.Add, i === 1 ? xs[0].ptr : out.ptr, xs[i].ptr, out.size, out.ptr, last && relu ? 1 : 0);
    }
    if (fuse.activation && !relu) emitActivation(ctx, out, out, fuse.activation);
  }
}

export class Subtract extends Merge {
  readonly className = "Subtract";
  protected readonly kind = BinaryKind.Sub;
  constructor(args: LayerArgs = {}) {
    super(args, "subtract");
  }
  static fromConfig(c: Record<string, any>): Subtract {
    return new Subtract({ name: c.name });
  }
  outputShape(shapes: Shape[]): Shape {
    if (shapes.length !== 2) throw new ModelFormatError(`layer ${this.name} (Subtract): expected exactly 2 inputs, found ${shapes.length}`);
    return super.outputShape(shapes);
  }
}

/** a / b element-wise with broadcasting: not a Keras layer, but what ONNX's Div of two computed tensors needs. */
export class Divide extends Merge {
  readonly className = "Divide";
  protected readonly kind = BinaryKind.Div;
  constructor(args: LayerArgs = {}) {
    super(args, "divide");
  }
  outputShape(shapes: Shape[]): Shape {
    if (shapes.length !== 2) throw new ModelFormatError(`layer ${this.name} (Divide): expected exactly 2 inputs, found ${shapes.length}`);
    return super.outputShape(shapes);
  }
}

export class Multiply extends Merge {
  readonly className = "Multiply";
  protected readonly kind = BinaryKind.Mul;
  constructor(args: LayerArgs = {}) {
    super(args, "multiply");
  }
  static fromConfig(c: Record<string, any>): Multiply {
    return new Multiply({ name: c.name });
  }
}

export class Maximum extends Merge {
  readonly className = "Maximum";
  protected readonly kind = BinaryKind.Max;
  constructor(args: LayerArgs = {}) {
    super(args, "maximum");
  }
  static fromConfig(c: Record<string, any>): Maximum {
    return new Maximum({ name: c.name });
  }
}

export class Minimum extends Merge {
  readonly className = "Minimum";
  protected readonly kind = BinaryKind.Min;
  constructor(args: LayerArgs = {}) {
    super(args, "minimum");
  }
  static fromConfig(c: Record<string, any>): Minimum {
    return new Minimum({ name: c.name });
  }
}

/** The mean of the inputs: their sum, times 1/n. */
export class Average extends Merge {
  readonly className = "Average";
  protected readonly kind = BinaryKind.Add;
  constructor(args: LayerArgs = {}) {
    super(args, "average");
  }
  static fromConfig(c: Record<string, any>): Average {
    return new Average({ name: c.name });
  }
  protected finish(acc: Float32Array, n: number): Float32Array {
    return acc.map((v) => v * Math.fround(1 / n));
  }
  protected emitFinish(ctx: Emitter, out: CTensor, n: number): void {
    ctx.op(Op.Binary, out.ptr, 1, out.size, ctx.weights(Float32Array.of(1 / n)), 1, 1, out.size, out.ptr, BinaryKind.Mul);
  }
}

/** Concatenation along an axis (default the last); inputs agree on every other axis. */
export class Concatenate extends Layer {
  readonly className = "Concatenate";
  readonly axis: number;
  constructor(args: LayerArgs & { axis?: number } = {}) {
    super(args, "concatenate");
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new ModelFormatError(`layer ${this.name}: axis must be an integer, found ${JSON.stringify(args.axis)}`);
  }
  static fromConfig(c: Record<string, any>): Concatenate {
    return new Concatenate({ name: c.name, axis: c.axis });
  }
  arity(): "many" {
    return "many";
  }
  /** The axis within one example's shape (Keras counts the batch as axis 0). */
  private axisOf(rank: number): number {
    const a = this.axis < 0 ? rank + this.axis : this.axis - 1;
    if (a < 0 || a >= rank) throw new ModelFormatError(`layer ${this.name} (Concatenate): axis ${this.axis} is outside inputs of rank ${rank + 1} (batch included)`);
    return a;
  }
  outputShape(shapes: Shape[]): Shape {
    if (shapes.length < 1) throw new ModelFormatError(`layer ${this.name} (Concatenate): no inputs`);
    const rank = shapes[0].length, a = this.axisOf(rank);
    for (const s of shapes) {
      if (s.length !== rank || s.some((d, i) => i !== a && d !== shapes[0][i])) {
        throw new ModelFormatError(`layer ${this.name} (Concatenate): inputs [${shapes[0].join(", ")}] and [${s.join(", ")}] differ outside axis ${this.axis}`);
      }
    }
    const out = [...shapes[0]];
    out[a] = shapes.reduce((t, s) => t + s[a], 0);
    return out;
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), axis: this.axis };
  }
  /** Per input: outer blocks, floats a block of it, and its offset in the output's block. */
  private blocks(shapes: Shape[]): { outer: number; inner: number[]; offset: number[]; total: number } {
    const a = this.axisOf(shapes[0].length);
    const outer = shapes[0].slice(0, a).reduce((x, y) => x * y, 1);
    const inner = shapes.map((s) => s.slice(a).reduce((x, y) => x * y, 1));
    const offset = inner.map((_, i) => inner.slice(0, i).reduce((x, y) => x + y, 0));
    return { outer, inner, offset, total: inner.reduce((x, y) => x + y, 0) };
  }
  reference(xs: Float32Array[], shapes: Shape[]): Float32Array {
    const { outer, inner, offset, total } = this.blocks(shapes);
    const out = new Float32Array(outer * total);
    xs.forEach((x, k) => {
      for (let o = 0; o < outer; o++) out.set(x.subarray(o * inner[k], (o + 1) * inner[k]), o * total + offset[k]);
    });
    return out;
  }
  emit(ctx: Emitter, xs: CTensor[], out: CTensor): void {
    const { outer, inner, offset, total } = this.blocks(xs.map((x) => x.shape));
    xs.forEach((x, k) => ctx.op(Op.BlockCopy, x.ptr, outer, inner[k], out.ptr, total, offset[k]));
  }
}

/**
 * x ∘ c with a constant c (an ONNX initializer, a Clip bound): c's shape broadcasts to x's as in the merge
 * layers; constantFirst computes c ∘ x (for Sub and Div).
 */
export class ConstantOp extends Layer {
  readonly className = "ConstantOp";
  readonly kind: BinaryKind;
  readonly constant: Float32Array;
  readonly constantShape: Shape;
  readonly constantFirst: boolean;
  constructor(args: LayerArgs & { kind: BinaryKind; constant: Float32Array; constantShape: Shape; constantFirst?: boolean }) {
    super(args, "constant_op");
    this.kind = args.kind;
    this.constant = args.constant;
    this.constantShape = args.constantShape;
    this.constantFirst = args.constantFirst ?? false;
    if (size(this.constantShape) !== this.constant.length) {
      throw new ModelFormatError(`layer ${this.name}: constant of ${this.constant.length} values for shape [${this.constantShape.join(", ")}]`);
    }
  }
  outputShape([s]: Shape[]): Shape {
    const out = broadcastShape(this, [s, this.constantShape]);
    if (out.join() !== s.join()) throw new ModelFormatError(`layer ${this.name}: a constant of shape [${this.constantShape.join(", ")}] would grow [${s.join(", ")}]`);
    broadcastIndex(this, this.constantShape, s);
    return s;
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), kind: this.kind, constant_shape: this.constantShape, constant_first: this.constantFirst };
  }
  canFuseActivation(a: ActivationSpec): boolean {
    return isElementwise(a);
  }
  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    const n = size(s), c = broadcastIndex(this, this.constantShape, s);
    const y = this.constantFirst ? binaryRef(this.constant, c.div, c.mod, x, 1, n, n, this.kind) : binaryRef(x, 1, n, this.constant, c.div, c.mod, n, this.kind);
    return Float32Array.from(y);
  }
  emit(ctx: Emitter, [x]: CTensor[], out: CTensor, fuse: Fusion): void {
    const n = out.size;
    let c = broadcastIndex(this, this.constantShape, x.shape), constant = this.constant;
    if (c.div === 1 && c.mod === constant.length && c.mod < n) {
      // a per-channel constant of C not a multiple of 4 (RGB means and scales): repeated to lcm(C, 4), same values
      const tiled = tileToVectors(constant);
      if (n % tiled.length === 0) {
        constant = tiled;
        c = { div: 1, mod: tiled.length };
      }
    }
    const k = ctx.weights(constant);
    if (this.constantFirst) ctx.op(Op.Binary, k, c.div, c.mod, x.ptr, 1, n, n, out.ptr, this.kind);
    else ctx.op(Op.Binary, x.ptr, 1, n, k, c.div, c.mod, n, out.ptr, this.kind);
    if (fuse.activation) emitActivation(ctx, out, out, fuse.activation);
  }
}

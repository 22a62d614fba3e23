import { ModelFormatError } from "../errors.js";
import type { CTensor, Emitter, Fusion } from "../engine/emitter.js";
import { Act, Op } from "../abi/nn.js";
import { packBias, packPointwise, tileToVectors } from "../engine/pack.js";
import * as ref from "../reference/kernels.js";
import { activationSpec, applyActivationRef, emitActivation, finalActivation, isElementwise, isPlainRelu, reluSpec, type ActivationSpec } from "./activation.js";
import { activationOf, finiteNumber, positiveInt, requireValue, type ActivationName } from "./args.js";
import { foldAffine } from "./conv.js";
import { ActivatedLayer, Layer, size, type LayerArgs, type Shape, type WeightSpec } from "./layer.js";

/** out = x·scale + shift per channel (the last axis), then an activation the compiler fused in, in place. */
function emitChannelAffine(ctx: Emitter, x: CTensor, out: CTensor, fuse: Fusion, { scale, shift }: { scale: Float32Array; shift: Float32Array }): void {
  let C = x.shape[x.shape.length - 1];
  const tiled = tileToVectors(scale);
  if (x.size % tiled.length === 0) {
    // as rows of lcm(C, 4) values: the same map, all in vectors
    scale = tiled;
    shift = tileToVectors(shift);
    C = tiled.length;
  }
  ctx.op(Op.Affine, x.ptr, x.size / C, C, ctx.weights(scale), ctx.weights(shift), out.ptr);
  if (fuse.activation) emitActivation(ctx, out, out, fuse.activation);
}

/** Fully connected on the last axis (a pointwise convolution when the input has more axes). */
export class Dense extends ActivatedLayer {
  readonly className = "Dense";
  readonly units: number;
  readonly useBias: boolean;
  readonly activation: ActivationName;
  readonly act: ActivationSpec;

  constructor(args: LayerArgs & { units: number; useBias?: boolean; activation?: ActivationName }) {
    super(args, "dense");
    this.units = positiveInt(this.name, "units", args.units);
    this.useBias = args.useBias ?? true;
    this.activation = activationOf(this.name, args.activation);
    this.act = activationSpec(this.activation);
  }

  static fromConfig(c: Record<string, any>): Dense {
    return new Dense({ name: c.name, units: c.units, useBias: c.use_bias, activation: c.activation });
  }

  outputShape([s]: Shape[]): Shape {
    if (s.length < 1) throw new ModelFormatError(`layer ${this.name} (Dense): expected an input of rank ≥ 1, found a scalar`);
    return [...s.slice(0, -1), this.units];
  }

  weightSpecs([s]: Shape[]): WeightSpec[] {
    const C = s[s.length - 1], F = this.units;
    const specs: WeightSpec[] = [{ name: "kernel", shape: [C, F], init: "glorot", fans: [C, F], trainable: true }];
    if (this.useBias) specs.push({ name: "bias", shape: [F], init: "zeros", trainable: true });
    return specs;
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), units: this.units, activation: this.activation, use_bias: this.useBias };
  }

  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    const C = s[s.length - 1];
    const y = ref.pointwiseRef(x, x.length / C, C, this.weight("kernel"), this.useBias ? this.weight("bias") : null, this.units);
    return applyActivationRef(y, this.act, this.units);
  }

  emit(ctx: Emitter, [x]: CTensor[], out: CTensor, fuse: Fusion): void {
    const C = x.shape[x.shape.length - 1], F = this.units;
    const { w, b } = foldAffine(this.weight("kernel"), this.useBias ? this.weight("bias") : null, F, fuse);
    const act = finalActivation(this.act, fuse.activation);
    const relu = isPlainRelu(act) ? 1 : 0;
    ctx.op(Op.Pointwise, x.ptr, x.size / C, C, ctx.weights(packPointwise(w, C, F)), ctx.weights(packBias(b, F)), out.ptr, F, fuse.residual ?? 0, relu);
    if (!relu) emitActivation(ctx, out, out, act);
  }

  canFuseResidual(): boolean {
    return this.activation === "linear";
  }
}

/** Keras's default batch-norm momentum (moving = moving·m + batch·(1 − m)): a layer's when its config has none. */
export const KERAS_BN_MOMENTUM = 0.99;

/** Batch normalization on the last axis. At inference a per-channel affine map, folded into the layer before it where it can be. */
export class BatchNormalization extends Layer {
  readonly className = "BatchNormalization";
  readonly epsilon: number;
  readonly momentum: number;
  readonly center: boolean;
  readonly scale: boolean;

  constructor(args: LayerArgs & { epsilon?: number; momentum?: number; center?: boolean; scale?: boolean } = {}) {
    super(args, "batch_normalization");
    this.epsilon = finiteNumber(this.name, "epsilon", args.epsilon, 1e-3);
    this.momentum = finiteNumber(this.name, "momentum", args.momentum, KERAS_BN_MOMENTUM);
    if (!(this.epsilon > 0)) throw new ModelFormatError(`layer ${this.name}: epsilon must be > 0, found ${this.epsilon}`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
  }

  static fromConfig(c: Record<string, any>): BatchNormalization {
    const axis = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : c.axis;
    // -1, or the last axis counted from the batch (1 of a vector, 3 of an image); loading checks it is the last
    if (axis !== undefined && axis !== null && axis !== -1 && axis !== 3 && axis !== 1) {
      throw new ModelFormatError(`layer ${c.name}: axis ${JSON.stringify(c.axis)} is not supported (expected -1, the channel axis)`);
    }
    return new BatchNormalization({ name: c.name, epsilon: c.epsilon, momentum: c.momentum, center: c.center, scale: c.scale });
  }

  outputShape([s]: Shape[]): Shape {
    // axis 1 in a rank-2 (vector) input is the last axis as well; anything else must be channels-last
    return s;
  }

  weightSpecs([s]: Shape[]): WeightSpec[] {
    const C = s[s.length - 1];
    const specs: WeightSpec[] = [];
    if (this.scale) specs.push({ name: "gamma", shape: [C], init: "ones", trainable: true });
    if (this.center) specs.push({ name: "beta", shape: [C], init: "zeros", trainable: true });
    specs.push({ name: "moving_mean", shape: [C], init: "zeros", trainable: false });
    specs.push({ name: "moving_variance", shape: [C], init: "ones", trainable: false });
    return specs;
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), axis: -1, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }

  private channels(): number {
    const s = this.inputShapes[0];
    return s[s.length - 1];
  }

  /** scale = gamma / sqrt(var + eps), shift = beta − mean · scale. */
  affine(): { scale: Float32Array; shift: Float32Array } {
    const C = this.channels();
    const gamma = this.scale ? this.weight("gamma") : new Float32Array(C).fill(1);
    const beta = this.center ? this.weight("beta") : new Float32Array(C);
    const mean = this.weight("moving_mean"), variance = this.weight("moving_variance");
    const scale = new Float32Array(C), shift = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      const s = gamma[c] / Math.sqrt(variance[c] + this.epsilon);
      scale[c] = s;
      shift[c] = beta[c] - mean[c] * s;
    }
    return { scale, shift };
  }

  reference([x]: Float32Array[]): Float32Array {
    const C = this.channels();
    const gamma = this.scale ? this.weight("gamma") : new Float32Array(C).fill(1);
    const beta = this.center ? this.weight("beta") : new Float32Array(C);
    return ref.batchNormRef(x, C, gamma, beta, this.weight("moving_mean"), this.weight("moving_variance"), this.epsilon);
  }

  emit(ctx: Emitter, [x]: CTensor[], out: CTensor, fuse: Fusion): void {
    emitChannelAffine(ctx, x, out, fuse, this.affine());
  }

  canFuseActivation(a: ActivationSpec): boolean {
    return isElementwise(a);
  }
}

/** Activation(name): any of ACTIVATIONS (args.ts); the base of the activation layers. */
export class Activation extends Layer {
  readonly className: string = "Activation";
  readonly activation: ActivationName | "custom";
  readonly act: ActivationSpec;

  constructor(args: LayerArgs & { activation?: ActivationName; spec?: ActivationSpec }) {
    super(args, "activation");
    this.activation = args.spec ? "custom" : activationOf(this.name, args.activation);
    this.act = args.spec ?? activationSpec(this.activation as ActivationName);
  }

  static fromConfig(c: Record<string, any>): Activation {
    return new Activation({ name: c.name, activation: c.activation });
  }

  outputShape([s]: Shape[]): Shape {
    return s;
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), activation: this.activation };
  }

  isIdentity(): boolean {
    return this.act.kind === "linear";
  }

  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    return applyActivationRef(x, this.act, s[s.length - 1]);
  }

  emit(ctx: Emitter, [x]: CTensor[], out: CTensor): void {
    emitActivation(ctx, x, out, this.act);
  }

  /** True when this layer is max(x, 0), which every kernel's epilogue can do. */
  isRelu(): boolean {
    return isPlainRelu(this.act);
  }
}

/** Keras's ReLU layer: max_value, negative_slope, threshold. */
export class ReLU extends Activation {
  readonly className = "ReLU";
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;
  constructor(args: LayerArgs & { maxValue?: number | null; negativeSlope?: number; threshold?: number } = {}) {
    const maxValue = args.maxValue ?? null, slope = args.negativeSlope ?? 0, threshold = args.threshold ?? 0;
    super({ name: args.name, spec: reluSpec(maxValue ?? Infinity, slope, threshold) });
    this.maxValue = maxValue;
    this.negativeSlope = slope;
    this.threshold = threshold;
  }
  static fromConfig(c: Record<string, any>): ReLU {
    const maxValue = c.max_value ?? c.maxValue;
    const slope = finiteNumber(c.name, "negative_slope", c.negative_slope ?? c.negativeSlope, 0);
    const threshold = finiteNumber(c.name, "threshold", c.threshold, 0);
    if (maxValue !== undefined && maxValue !== null && (typeof maxValue !== "number" || !(maxValue >= 0))) {
      throw new ModelFormatError(`layer ${c.name}: max_value must be a number ≥ 0 or null, found ${JSON.stringify(maxValue)}`);
    }
    return new ReLU({ name: c.name, maxValue, negativeSlope: slope, threshold });
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), max_value: this.maxValue, negative_slope: this.negativeSlope, threshold: this.threshold };
  }
}

/** LeakyReLU: x < 0 → alpha·x (Keras 2 and TF.js "alpha", default 0.3; Keras 3 "negative_slope"). */
export class LeakyReLU extends Activation {
  readonly className = "LeakyReLU";
  readonly alpha: number;
  constructor(args: LayerArgs & { alpha?: number } = {}) {
    const alpha = args.alpha ?? 0.3;
    super({ name: args.name, spec: reluSpec(Infinity, alpha, 0) });
    this.alpha = alpha;
  }
  static fromConfig(c: Record<string, any>): LeakyReLU {
    return new LeakyReLU({ name: c.name, alpha: finiteNumber(c.name, "alpha", c.alpha ?? c.negative_slope, 0.3) });
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), alpha: this.alpha };
  }
}

/** ELU layer: x < 0 → alpha·(eˣ − 1). */
export class ELU extends Activation {
  readonly className = "ELU";
  readonly alpha: number;
  constructor(args: LayerArgs & { alpha?: number } = {}) {
    const alpha = args.alpha ?? 1;
    super({ name: args.name, spec: { kind: Act.Elu, params: [alpha, 0, 0, 0] } });
    this.alpha = alpha;
  }
  static fromConfig(c: Record<string, any>): ELU {
    return new ELU({ name: c.name, alpha: finiteNumber(c.name, "alpha", c.alpha, 1) });
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), alpha: this.alpha };
  }
}

/** Keras's Softmax layer on the last axis. */
export class Softmax extends Activation {
  readonly className = "Softmax";
  constructor(args: LayerArgs = {}) {
    super({ ...args, activation: "softmax" });
  }
  static fromConfig(c: Record<string, any>): Softmax {
    const axis = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : c.axis;
    requireValue(c.name, "axis", axis, [-1]);
    return new Softmax({ name: c.name });
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), axis: -1 };
  }
}

/** PReLU: x < 0 → alpha·x with a learned alpha, shared over `shared_axes` (e.g. [1, 2]: one alpha a channel). */
export class PReLU extends Layer {
  readonly className = "PReLU";
  readonly sharedAxes: number[];
  constructor(args: LayerArgs & { sharedAxes?: number[] | number | null } = {}) {
    super(args, "p_re_lu");
    const a = args.sharedAxes ?? [];
    this.sharedAxes = Array.isArray(a) ? a : [a];
    if (!this.sharedAxes.every((v) => Number.isInteger(v) && v >= 1)) {
      throw new ModelFormatError(`layer ${this.name}: shared_axes must list axes ≥ 1, found ${JSON.stringify(args.sharedAxes)}`);
    }
  }
  static fromConfig(c: Record<string, any>): PReLU {
    return new PReLU({ name: c.name, sharedAxes: c.shared_axes ?? c.sharedAxes });
  }
  private alphaShape(s: Shape): number[] {
    for (const a of this.sharedAxes) if (a > s.length) throw new ModelFormatError(`layer ${this.name}: shared axis ${a} is past the input's rank ${s.length}`);
    return s.map((d, i) => (this.sharedAxes.includes(i + 1) ? 1 : d));
  }
  outputShape([s]: Shape[]): Shape {
    this.alphaShape(s);
    return s;
  }
  weightSpecs([s]: Shape[]): WeightSpec[] {
    return [{ name: "alpha", shape: this.alphaShape(s), init: "zeros", trainable: true }];
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), shared_axes: this.sharedAxes.length ? this.sharedAxes : null };
  }
  /** alpha broadcast to one value an element of one example */
  private fullAlpha(s: Shape): Float32Array {
    const as = this.alphaShape(s), alpha = this.weight("alpha"), n = size(s);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let rem = i, ai = 0, stride = 1;
      const idx: number[] = [];
      for (let d = s.length - 1; d >= 0; d--) { idx[d] = rem % s[d]; rem = Math.floor(rem / s[d]); }
      for (let d = s.length - 1; d >= 0; d--) { ai += (as[d] === 1 ? 0 : idx[d]) * stride; stride *= as[d]; }
      out[i] = alpha[ai];
    }
    return out;
  }
  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    const a = this.fullAlpha(s);
    return x.map((v, i) => (v >= 0 ? v : a[i] * v));
  }
  emit(ctx: Emitter, [x]: CTensor[], out: CTensor): void {
    const as = this.alphaShape(x.shape), C = x.shape[x.shape.length - 1];
    // one alpha a channel (the common shared_axes [1, 2]): a period of C; otherwise one a value
    const perChannel = as.slice(0, -1).every((d) => d === 1) && as[as.length - 1] === C;
    const tiled = perChannel ? tileToVectors(this.weight("alpha")) : null;
    if (tiled && x.size % tiled.length === 0) ctx.op(Op.PRelu, x.ptr, x.size / tiled.length, tiled.length, ctx.weights(tiled), out.ptr);
    else if (perChannel) ctx.op(Op.PRelu, x.ptr, x.size / C, C, ctx.weights(this.weight("alpha")), out.ptr);
    else ctx.op(Op.PRelu, x.ptr, 1, x.size, ctx.weights(this.fullAlpha(x.shape)), out.ptr);
  }
}

/** A layer whose output is its input's values, maybe under another shape: the compiler aliases the buffer. */
abstract class AliasLayer extends Layer {
  isIdentity(): boolean {
    return true;
  }
  reference([x]: Float32Array[]): Float32Array {
    return x;
  }
  emit(): void {}
}

/** Layers that are the identity at inference (regularisers and random augmentation), accepted and skipped. */
export const INFERENCE_IDENTITY = ["Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
  "ActivityRegularization", "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness",
  "RandomHeight", "RandomWidth"] as const;

/** Does nothing at inference; kept so Keras graphs load as they are. */
export class Dropout extends AliasLayer {
  readonly className: string = "Dropout";
  readonly rate: number;
  constructor(args: LayerArgs & { rate: number; className?: string }) {
    super(args, "dropout");
    if (args.className) this.className = args.className;
    this.rate = finiteNumber(this.name, "rate", args.rate, 0);
    if (this.rate < 0 || this.rate >= 1) throw new ModelFormatError(`layer ${this.name}: rate must be in [0, 1), found ${this.rate}`);
  }
  static fromConfig(c: Record<string, any>): Dropout {
    return new Dropout({ name: c.name, rate: c.rate });
  }
  /** Any of INFERENCE_IDENTITY, by class name; RandomHeight/RandomWidth change the shape in training only. */
  static identity(className: string): (c: Record<string, any>) => Dropout {
    return (c) => new Dropout({ name: c.name, rate: 0, className });
  }
  outputShape([s]: Shape[]): Shape {
    return s;
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), rate: this.rate };
  }
}

/** NHWC is already row-major flat, so Flatten moves no data. */
export class Flatten extends AliasLayer {
  readonly className = "Flatten";
  constructor(args: LayerArgs = {}) {
    super(args, "flatten");
  }
  static fromConfig(c: Record<string, any>): Flatten {
    requireValue(c.name, "data_format", c.data_format, ["channels_last"]);
    return new Flatten({ name: c.name });
  }
  outputShape([s]: Shape[]): Shape {
    return [size(s)];
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), data_format: "channels_last" };
  }
}

/** Reshape to target_shape (one -1 allowed): row-major, so no data moves. */
export class Reshape extends AliasLayer {
  readonly className = "Reshape";
  readonly targetShape: number[];
  constructor(args: LayerArgs & { targetShape: number[] }) {
    super(args, "reshape");
    const t = args.targetShape;
    if (!Array.isArray(t) || t.length === 0 || !t.every((d) => Number.isInteger(d) && (d > 0 || d === -1)) || t.filter((d) => d === -1).length > 1) {
      throw new ModelFormatError(`layer ${this.name}: target_shape must be positive integers with at most one -1, found ${JSON.stringify(t)}`);
    }
    this.targetShape = t;
  }
  static fromConfig(c: Record<string, any>): Reshape {
    return new Reshape({ name: c.name, targetShape: (c.target_shape ?? c.targetShape)?.map((d: number | null) => d ?? -1) });
  }
  outputShape([s]: Shape[]): Shape {
    const n = size(s), known = this.targetShape.filter((d) => d > 0).reduce((a, b) => a * b, 1);
    const out = this.targetShape.map((d) => (d === -1 ? n / known : d));
    if (!out.every((d) => Number.isInteger(d) && d > 0) || size(out) !== n) {
      throw new ModelFormatError(`layer ${this.name}: cannot reshape [${s.join(", ")}] (${n} values) to [${this.targetShape.join(", ")}]`);
    }
    return out;
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), target_shape: this.targetShape };
  }
}

/** Permute(dims): reorders the axes after the batch (dims 1-based, as Keras). */
export class Permute extends Layer {
  readonly className = "Permute";
  readonly dims: number[];
  constructor(args: LayerArgs & { dims: number[] }) {
    super(args, "permute");
    const d = args.dims;
    if (!Array.isArray(d) || d.length < 1 || d.length > 4 || [...d].sort().some((v, i) => v !== i + 1)) {
      throw new ModelFormatError(`layer ${this.name}: dims must be a permutation of 1..n (n ≤ 4), found ${JSON.stringify(d)}`);
    }
    this.dims = d;
  }
  static fromConfig(c: Record<string, any>): Permute {
    return new Permute({ name: c.name, dims: c.dims });
  }
  outputShape([s]: Shape[]): Shape {
    if (s.length !== this.dims.length) throw new ModelFormatError(`layer ${this.name}: dims ${JSON.stringify(this.dims)} for an input of rank ${s.length}`);
    return this.dims.map((d) => s[d - 1]);
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), dims: this.dims };
  }
  /** Output extents and the input stride of each, padded to rank 4 in front. */
  private plan(s: Shape): { n: number[]; st: number[] } {
    const strides = s.map((_, i) => s.slice(i + 1).reduce((a, b) => a * b, 1));
    const n = this.dims.map((d) => s[d - 1]), st = this.dims.map((d) => strides[d - 1]);
    while (n.length < 4) { n.unshift(1); st.unshift(0); }
    return { n, st };
  }
  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    const { n, st } = this.plan(s);
    const out = new Float32Array(x.length);
    let o = 0;
    for (let a = 0; a < n[0]; a++) for (let b = 0; b < n[1]; b++) for (let c = 0; c < n[2]; c++) for (let d = 0; d < n[3]; d++)
      out[o++] = x[a * st[0] + b * st[1] + c * st[2] + d * st[3]];
    return out;
  }
  emit(ctx: Emitter, [x]: CTensor[], out: CTensor): void {
    const { n, st } = this.plan(x.shape);
    ctx.op(Op.Transpose, x.ptr, out.ptr, ...n, ...st);
  }
}

/** A per-channel map x·scale + shift on the last axis, its scale and shift given by affine(C): the reference, the
 * lowering (Op.Affine, an element-wise activation fused in) and the shape of Rescaling and Normalization. */
abstract class ChannelAffineLayer extends Layer {
  abstract affine(C: number): { scale: Float32Array; shift: Float32Array };
  outputShape([s]: Shape[]): Shape {
    return s;
  }
  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    const C = s[s.length - 1], { scale, shift } = this.affine(C);
    return x.map((v, i) => v * scale[i % C] + shift[i % C]);
  }
  emit(ctx: Emitter, [x]: CTensor[], out: CTensor, fuse: Fusion): void {
    emitChannelAffine(ctx, x, out, fuse, this.affine(x.shape[x.shape.length - 1]));
  }
  canFuseActivation(a: ActivationSpec): boolean {
    return isElementwise(a);
  }
}

/** Rescaling: x·scale + offset (scale and offset numbers or one a channel). */
export class Rescaling extends ChannelAffineLayer {
  readonly className = "Rescaling";
  readonly scale: number | number[];
  readonly offset: number | number[];
  constructor(args: LayerArgs & { scale: number | number[]; offset?: number | number[] }) {
    super(args, "rescaling");
    this.scale = args.scale;
    this.offset = args.offset ?? 0;
    for (const [f, v] of [["scale", this.scale], ["offset", this.offset]] as const) {
      const ok = typeof v === "number" ? Number.isFinite(v) : Array.isArray(v) && v.every((e) => typeof e === "number" && Number.isFinite(e));
      if (!ok) throw new ModelFormatError(`layer ${this.name}: ${f} must be a finite number or a list of them, found ${JSON.stringify(v)}`);
    }
  }
  static fromConfig(c: Record<string, any>): Rescaling {
    return new Rescaling({ name: c.name, scale: c.scale, offset: c.offset });
  }
  private perChannel(v: number | number[], C: number, what: string): Float32Array {
    if (typeof v === "number") return new Float32Array(C).fill(v);
    if (v.length === 1) return new Float32Array(C).fill(v[0]);
    if (v.length !== C) throw new ModelFormatError(`layer ${this.name}: ${what} has ${v.length} values for ${C} channels`);
    return Float32Array.from(v);
  }
  outputShape([s]: Shape[]): Shape {
    this.perChannel(this.scale, s[s.length - 1], "scale");
    this.perChannel(this.offset, s[s.length - 1], "offset");
    return s;
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), scale: this.scale, offset: this.offset };
  }
  affine(C: number): { scale: Float32Array; shift: Float32Array } {
    return { scale: this.perChannel(this.scale, C, "scale"), shift: this.perChannel(this.offset, C, "offset") };
  }
}

/** Normalization on the last axis: (x − mean) / √variance, from its weights (or mean and variance in the config). */
export class Normalization extends ChannelAffineLayer {
  readonly className = "Normalization";
  readonly configMean?: number[];
  readonly configVariance?: number[];
  constructor(args: LayerArgs & { mean?: number | number[] | null; variance?: number | number[] | null; axis?: unknown }) {
    super(args, "normalization");
    const axis = Array.isArray(args.axis) && args.axis.length === 1 ? args.axis[0] : args.axis;
    if (axis !== undefined && axis !== null && axis !== -1) throw new ModelFormatError(`layer ${this.name}: axis ${JSON.stringify(args.axis)} is not supported (expected -1, the channel axis)`);
    const list = (v: unknown) => (v === undefined || v === null ? undefined : typeof v === "number" ? [v] : (v as number[]));
    this.configMean = list(args.mean);
    this.configVariance = list(args.variance);
  }
  static fromConfig(c: Record<string, any>): Normalization {
    return new Normalization({ name: c.name, mean: c.mean, variance: c.variance, axis: c.axis });
  }
  weightSpecs([s]: Shape[]): WeightSpec[] {
    if (this.configMean) return [];
    const C = s[s.length - 1];
    return [
      { name: "mean", shape: [C], init: "zeros", trainable: false },
      { name: "variance", shape: [C], init: "ones", trainable: false },
      { name: "count", shape: [], init: "zeros", trainable: false },
    ];
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), axis: -1, mean: this.configMean ?? null, variance: this.configVariance ?? null };
  }
  affine(C: number): { scale: Float32Array; shift: Float32Array } {
    const get = (v: number[] | undefined, w: string) => {
      const a = v ?? Array.from(this.weight(w));
      if (a.length !== 1 && a.length !== C) throw new ModelFormatError(`layer ${this.name}: ${w} has ${a.length} values for ${C} channels`);
      return Float32Array.from({ length: C }, (_, i) => a[a.length === 1 ? 0 : i]);
    };
    const mean = get(this.configMean, "mean"), variance = get(this.configVariance ?? (this.configMean ? [1] : undefined), "variance");
    const scale = new Float32Array(C), shift = new Float32Array(C);
    // Keras divides by max(√variance, ε) with ε = 1e-7 (backend epsilon)
    for (let c = 0; c < C; c++) {
      scale[c] = 1 / Math.max(Math.sqrt(variance[c]), 1e-7);
      shift[c] = -mean[c] * scale[c];
    }
    return { scale, shift };
  }
}

/** The model's input placeholder. */
export class InputLayer extends AliasLayer {
  readonly className = "InputLayer";
  readonly shape: Shape;
  constructor(args: LayerArgs & { shape: Shape }) {
    super(args, "input");
    if (!Array.isArray(args.shape) || args.shape.length === 0 || !args.shape.every((d) => Number.isInteger(d) && d > 0 && d <= 1 << 16)) {
      throw new ModelFormatError(`layer ${this.name}: input shape must be integers in 1..${1 << 16} (batch dimension excluded), found ${JSON.stringify(args.shape)}`);
    }
    this.shape = args.shape;
  }
  arity(): "none" {
    return "none";
  }
  static fromConfig(c: Record<string, any>): InputLayer {
    const s = batchShapeOf(c);
    if (!s) throw new ModelFormatError(`layer ${c.name}: batch_input_shape is missing`);
    return new InputLayer({ name: c.name, shape: s.slice(1) as number[] });
  }
  outputShape(): Shape {
    return this.shape;
  }
  getConfig(): Record<string, unknown> {
    return { batch_input_shape: [null, ...this.shape], dtype: "float32", sparse: false, ragged: false, name: this.name };
  }
}

/**
 * The batch shape a layer config declares, in any of its spellings: Keras 2's batch_input_shape or input_shape,
 * Keras 3's batch_shape, TF.js's camelCase batchInputShape / inputShape.
 */
export function batchShapeOf(c: Record<string, any> | undefined): unknown[] | undefined {
  if (!c) return undefined;
  const b = c.batch_input_shape ?? c.batch_shape ?? c.batchInputShape;
  if (Array.isArray(b)) return b;
  const i = c.input_shape ?? c.inputShape;
  return Array.isArray(i) ? [null, ...i] : undefined;
}

import { ModelFormatError } from "../errors.js";
import type { CTensor, Emitter, Fusion } from "../engine/emitter.js";
import { Op } from "../abi/nn.js";
import { packBias, packPointwise } from "../engine/pack.js";
import * as ref from "../reference/kernels.js";
import { activationOf, finiteNumber, positiveInt, requireValue, type ActivationName } from "./args.js";
import { applyActivationRef, emitActivation, foldAffine } from "./conv.js";
import { ActivatedLayer, Layer, size, type LayerArgs, type Shape, type WeightSpec } from "./layer.js";

/** Fully connected on the last axis (a pointwise convolution when the input has more axes). */
export class Dense extends ActivatedLayer {
  readonly className = "Dense";
  readonly units: number;
  readonly useBias: boolean;
  readonly activation: ActivationName;

  constructor(args: LayerArgs & { units: number; useBias?: boolean; activation?: ActivationName }) {
    super(args, "dense");
    this.units = positiveInt(this.name, "units", args.units);
    this.useBias = args.useBias ?? true;
    this.activation = activationOf(this.name, args.activation);
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
    return applyActivationRef(y, this.activation, this.units);
  }

  emit(ctx: Emitter, [x]: CTensor[], out: CTensor, fuse: Fusion): void {
    const C = x.shape[x.shape.length - 1], F = this.units;
    const { w, b } = foldAffine(this.weight("kernel"), this.useBias ? this.weight("bias") : null, F, fuse);
    const relu = this.activation === "relu" || fuse.relu ? 1 : 0;
    ctx.op(Op.Pointwise, x.ptr, x.size / C, C, ctx.weights(packPointwise(w, C, F)), ctx.weights(packBias(b, F)), out.ptr, F, fuse.residual ?? 0, relu);
    if (this.activation === "softmax") emitActivation(ctx, out, this.activation, {});
  }

  canFuseResidual(): boolean {
    return this.activation === "linear";
  }
}

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
    this.momentum = finiteNumber(this.name, "momentum", args.momentum, 0.99);
    if (!(this.epsilon > 0)) throw new ModelFormatError(`layer ${this.name}: epsilon must be > 0, found ${this.epsilon}`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
  }

  static fromConfig(c: Record<string, any>): BatchNormalization {
    const axis = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : c.axis;
    if (axis !== undefined && axis !== -1 && axis !== 3 && axis !== 1) {
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
    const C = this.channels();
    const { scale, shift } = this.affine();
    ctx.op(Op.Affine, x.ptr, x.size / C, C, ctx.weights(scale), ctx.weights(shift), out.ptr);
    if (fuse.relu) ctx.op(Op.Relu, out.ptr, out.size, out.ptr);
  }

  canFuseRelu(): boolean {
    return true;
  }
}

/** Activation("relu" | "softmax" | "linear"). */
export class Activation extends Layer {
  readonly className: string = "Activation";
  readonly activation: ActivationName;

  constructor(args: LayerArgs & { activation: ActivationName }) {
    super(args, "activation");
    this.activation = activationOf(this.name, args.activation);
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
    return this.activation === "linear";
  }

  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    return applyActivationRef(x, this.activation, s[s.length - 1]);
  }

  emit(ctx: Emitter, [x]: CTensor[], out: CTensor): void {
    if (this.activation === "relu") ctx.op(Op.Relu, x.ptr, x.size, out.ptr);
    else if (this.activation === "softmax") {
      const n = x.shape[x.shape.length - 1];
      ctx.op(Op.Softmax, x.ptr, x.size / n, n, out.ptr);
    }
  }

  /** True when this layer is a plain ReLU, which Add and the conv layers can fuse. */
  isRelu(): boolean {
    return this.activation === "relu";
  }
}

/** Keras's ReLU layer, default arguments only (no max_value, slope or threshold). */
export class ReLU extends Activation {
  readonly className = "ReLU";
  constructor(args: LayerArgs = {}) {
    super({ ...args, activation: "relu", name: args.name ?? undefined });
  }
  static fromConfig(c: Record<string, any>): ReLU {
    requireValue(c.name, "max_value", c.max_value, [null]);
    requireValue(c.name, "negative_slope", c.negative_slope, [0]);
    requireValue(c.name, "threshold", c.threshold, [0]);
    return new ReLU({ name: c.name });
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), max_value: null, negative_slope: 0, threshold: 0 };
  }
}

/** Keras's Softmax layer on the last axis. */
export class Softmax extends Activation {
  readonly className = "Softmax";
  constructor(args: LayerArgs = {}) {
    super({ ...args, activation: "softmax" });
  }
  static fromConfig(c: Record<string, any>): Softmax {
    requireValue(c.name, "axis", c.axis, [-1]);
    return new Softmax({ name: c.name });
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), axis: -1 };
  }
}

/** Does nothing at inference; kept so Keras graphs load as they are. */
export class Dropout extends Layer {
  readonly className = "Dropout";
  readonly rate: number;
  constructor(args: LayerArgs & { rate: number }) {
    super(args, "dropout");
    this.rate = finiteNumber(this.name, "rate", args.rate, 0);
    if (this.rate < 0 || this.rate >= 1) throw new ModelFormatError(`layer ${this.name}: rate must be in [0, 1), found ${this.rate}`);
  }
  static fromConfig(c: Record<string, any>): Dropout {
    return new Dropout({ name: c.name, rate: c.rate });
  }
  outputShape([s]: Shape[]): Shape {
    return s;
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), rate: this.rate };
  }
  isIdentity(): boolean {
    return true;
  }
  reference([x]: Float32Array[]): Float32Array {
    return x;
  }
  emit(): void {}
}

/** NHWC is already row-major flat, so Flatten moves no data. */
export class Flatten extends Layer {
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
  isIdentity(): boolean {
    return true;
  }
  reference([x]: Float32Array[]): Float32Array {
    return x;
  }
  emit(): void {}
}

/** The model's input placeholder. */
export class InputLayer extends Layer {
  readonly className = "InputLayer";
  readonly shape: Shape;
  constructor(args: LayerArgs & { shape: Shape }) {
    super(args, "input");
    if (!Array.isArray(args.shape) || args.shape.length === 0 || !args.shape.every((d) => Number.isInteger(d) && d > 0 && d <= 1 << 16)) {
      throw new ModelFormatError(`layer ${this.name}: input shape must be positive integers (batch dimension excluded), found ${JSON.stringify(args.shape)}`);
    }
    this.shape = args.shape;
  }
  arity(): "none" {
    return "none";
  }
  static fromConfig(c: Record<string, any>): InputLayer {
    const s = c.batch_input_shape ?? c.batch_shape;
    if (!Array.isArray(s)) throw new ModelFormatError(`layer ${c.name}: batch_input_shape is missing`);
    return new InputLayer({ name: c.name, shape: s.slice(1) });
  }
  outputShape(): Shape {
    return this.shape;
  }
  getConfig(): Record<string, unknown> {
    return { batch_input_shape: [null, ...this.shape], dtype: "float32", sparse: false, ragged: false, name: this.name };
  }
  isIdentity(): boolean {
    return true;
  }
  reference([x]: Float32Array[]): Float32Array {
    return x;
  }
  emit(): void {}
}

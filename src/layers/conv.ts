import { ModelFormatError } from "../errors.js";
import type { CTensor, Emitter, Fusion } from "../engine/emitter.js";
import { Op } from "../abi/nn.js";
import { packBias, packConv3x3, packPointwise } from "../engine/pack.js";
import * as ref from "../reference/kernels.js";
import { activationOf, paddingOf, pairOf, positiveInt, requireValue, type ActivationName } from "./args.js";
import { ActivatedLayer, expectImage, type LayerArgs, type Shape, type WeightSpec } from "./layer.js";

// Convolution layers. The kernels implement 3×3 (and 1×1 for Conv2D) at stride 1, dilation 1, which is
// all ResEZAP and its normal-convolution twin use; other settings are refused by name, never approximated.

export interface ConvArgs extends LayerArgs {
  filters: number;
  kernelSize?: number | [number, number];
  padding?: "valid" | "same";
  useBias?: boolean;
  activation?: ActivationName;
}

function checkCommon(name: string, c: Record<string, unknown>): void {
  requireValue(name, "strides", c.strides, [1, [1, 1]]);
  requireValue(name, "dilation_rate", c.dilation_rate, [1, [1, 1]]);
  requireValue(name, "data_format", c.data_format, ["channels_last"]);
  requireValue(name, "depth_multiplier", c.depth_multiplier, [1]);
}

/** [Ho, Wo, channels] of a 3×3 stride-1 convolution (pad 0 valid, 1 same); an input too small is refused by name. */
function conv3x3Shape(layer: ActivatedLayer, s: Shape, pad: number, channels: number): Shape {
  const [H, W] = expectImage(layer, s);
  const Ho = ref.conv3x3OutSize(H, pad), Wo = ref.conv3x3OutSize(W, pad);
  if (Ho <= 0 || Wo <= 0) throw new ModelFormatError(`layer ${layer.name}: input ${H}×${W} is too small for a 3×3 valid convolution`);
  return [Ho, Wo, channels];
}

/** Folds out·scale + shift into a kernel whose last axis is the output channel, and into its bias. */
function foldAffine(w: Float32Array, b: Float32Array | null, F: number, fuse: Fusion): { w: Float32Array; b: Float32Array | null } {
  if (!fuse.affine) return { w, b };
  const { scale, shift } = fuse.affine;
  const w2 = w.map((v, i) => v * scale[i % F]);
  const b2 = new Float32Array(F);
  for (let f = 0; f < F; f++) b2[f] = (b ? b[f] : 0) * scale[f] + shift[f];
  return { w: w2, b: b2 };
}

function emitActivation(ctx: Emitter, out: CTensor, act: ActivationName, fuse: Fusion): void {
  if (act === "relu" || fuse.relu) ctx.op(Op.Relu, out.ptr, out.size, out.ptr);
  if (act === "softmax") {
    const n = out.shape[out.shape.length - 1];
    ctx.op(Op.Softmax, out.ptr, out.size / n, n, out.ptr);
  }
}

function applyActivationRef(x: Float32Array, act: ActivationName, lastDim: number): Float32Array {
  if (act === "relu") return ref.reluRef(x);
  if (act === "softmax") return ref.softmaxRef(x, lastDim);
  return x;
}

/** Depthwise 3×3 then pointwise 1×1, with the bias after the pointwise (Keras's SeparableConv2D). */
export class SeparableConv2D extends ActivatedLayer {
  readonly className = "SeparableConv2D";
  readonly filters: number;
  readonly padding: "valid" | "same";
  readonly useBias: boolean;
  readonly activation: ActivationName;

  constructor(args: ConvArgs) {
    super(args, "separable_conv2d");
    this.filters = positiveInt(this.name, "filters", args.filters);
    const k = pairOf(this.name, "kernel_size", args.kernelSize ?? 3);
    if (k[0] !== 3 || k[1] !== 3) throw new ModelFormatError(`layer ${this.name}: kernel_size [${k}] is not supported (this engine implements 3×3)`);
    this.padding = paddingOf(this.name, args.padding);
    this.useBias = args.useBias ?? true;
    this.activation = activationOf(this.name, args.activation);
  }

  static fromConfig(c: Record<string, any>): SeparableConv2D {
    checkCommon(c.name, c);
    return new SeparableConv2D({ name: c.name, filters: c.filters, kernelSize: c.kernel_size, padding: c.padding, useBias: c.use_bias, activation: c.activation });
  }

  outputShape(inShapes: Shape[]): Shape {
    return conv3x3Shape(this, inShapes[0], this.padding === "same" ? 1 : 0, this.filters);
  }

  weightSpecs(inShapes: Shape[]): WeightSpec[] {
    const C = inShapes[0][2], F = this.filters;
    const specs: WeightSpec[] = [
      { name: "depthwise_kernel", shape: [3, 3, C, 1], init: "glorot", fans: [9, 9], trainable: true },
      { name: "pointwise_kernel", shape: [1, 1, C, F], init: "glorot", fans: [C, F], trainable: true },
    ];
    if (this.useBias) specs.push({ name: "bias", shape: [F], init: "zeros", trainable: true });
    return specs;
  }

  getConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(), filters: this.filters, kernel_size: [3, 3], strides: [1, 1], padding: this.padding,
      data_format: "channels_last", dilation_rate: [1, 1], depth_multiplier: 1, activation: this.activation, use_bias: this.useBias,
    };
  }

  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    const [H, W, C] = s as number[];
    const pad = this.padding === "same" ? 1 : 0;
    const d = ref.depthwiseRef(x, H, W, C, this.weight("depthwise_kernel"), null, pad);
    const P = d.length / C;
    const y = ref.pointwiseRef(d, P, C, this.weight("pointwise_kernel"), this.useBias ? this.weight("bias") : null, this.filters);
    return applyActivationRef(y, this.activation, this.filters);
  }

  emit(ctx: Emitter, [x]: CTensor[], out: CTensor, fuse: Fusion): void {
    const [H, W, C] = x.shape;
    const pad = this.padding === "same" ? 1 : 0;
    const F = this.filters;
    const { w, b } = foldAffine(this.weight("pointwise_kernel"), this.useBias ? this.weight("bias") : null, F, fuse);
    // a few output rows a pass, so the depthwise rows are still in cache when the pointwise reads them
    const Wo = out.shape[1];
    // and, where a few more rows allow it, a whole number of 4-pixel tiles a pass (13-wide rows would
    // otherwise leave single pixels, which the pointwise kernel runs at a third of the speed)
    let rows = Math.max(1, Math.min(out.shape[0], Math.floor(3072 / (Wo * C))));
    for (let r = rows; r <= Math.min(out.shape[0], rows + 3); r++) if ((r * Wo) % 4 === 0) { rows = r; break; }
    const scratch = ctx.scratch(rows * Wo * C);
    const relu = this.activation === "relu" || fuse.relu ? 1 : 0;
    ctx.op(Op.Separable, x.ptr, H, W, C, ctx.weights(this.weight("depthwise_kernel")), ctx.weights(packPointwise(w, C, F)),
      ctx.weights(packBias(b, F)), out.ptr, F, pad, fuse.residual ?? 0, relu, scratch, rows);
  }

  canFuseResidual(): boolean {
    return this.activation === "linear";
  }
}

/** Normal convolution, 3×3 (or 1×1), stride 1. */
export class Conv2D extends ActivatedLayer {
  readonly className = "Conv2D";
  readonly filters: number;
  readonly kernel: 1 | 3;
  readonly padding: "valid" | "same";
  readonly useBias: boolean;
  readonly activation: ActivationName;

  constructor(args: ConvArgs) {
    super(args, "conv2d");
    this.filters = positiveInt(this.name, "filters", args.filters);
    const k = pairOf(this.name, "kernel_size", args.kernelSize ?? 3);
    if (!(k[0] === k[1] && (k[0] === 1 || k[0] === 3))) {
      throw new ModelFormatError(`layer ${this.name}: kernel_size [${k}] is not supported (this engine implements 3×3 and 1×1)`);
    }
    this.kernel = k[0] as 1 | 3;
    this.padding = paddingOf(this.name, args.padding);
    this.useBias = args.useBias ?? true;
    this.activation = activationOf(this.name, args.activation);
  }

  static fromConfig(c: Record<string, any>): Conv2D {
    checkCommon(c.name, c);
    requireValue(c.name, "groups", c.groups, [1]);
    return new Conv2D({ name: c.name, filters: c.filters, kernelSize: c.kernel_size, padding: c.padding, useBias: c.use_bias, activation: c.activation });
  }

  private pad(): number {
    return this.kernel === 3 && this.padding === "same" ? 1 : 0;
  }

  outputShape(inShapes: Shape[]): Shape {
    const [H, W] = expectImage(this, inShapes[0]);
    if (this.kernel === 1) return [H, W, this.filters];
    return conv3x3Shape(this, inShapes[0], this.pad(), this.filters);
  }

  weightSpecs(inShapes: Shape[]): WeightSpec[] {
    const C = inShapes[0][2], F = this.filters, k = this.kernel;
    const specs: WeightSpec[] = [{ name: "kernel", shape: [k, k, C, F], init: "glorot", fans: [k * k * C, k * k * F], trainable: true }];
    if (this.useBias) specs.push({ name: "bias", shape: [F], init: "zeros", trainable: true });
    return specs;
  }

  getConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(), filters: this.filters, kernel_size: [this.kernel, this.kernel], strides: [1, 1], padding: this.padding,
      data_format: "channels_last", dilation_rate: [1, 1], groups: 1, activation: this.activation, use_bias: this.useBias,
    };
  }

  canFuseResidual(): boolean {
    return this.kernel === 1 && this.activation === "linear";
  }

  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    const [H, W, C] = s as number[];
    const b = this.useBias ? this.weight("bias") : null;
    const y = this.kernel === 1
      ? ref.pointwiseRef(x, H * W, C, this.weight("kernel"), b, this.filters)
      : ref.conv3x3Ref(x, H, W, C, this.weight("kernel"), b, this.filters, this.pad());
    return applyActivationRef(y, this.activation, this.filters);
  }

  emit(ctx: Emitter, [x]: CTensor[], out: CTensor, fuse: Fusion): void {
    const [H, W, C] = x.shape;
    const F = this.filters;
    const { w, b } = foldAffine(this.weight("kernel"), this.useBias ? this.weight("bias") : null, F, fuse);
    if (this.kernel === 1) {
      const relu = this.activation === "relu" || fuse.relu ? 1 : 0;
      ctx.op(Op.Pointwise, x.ptr, H * W, C, ctx.weights(packPointwise(w, C, F)), ctx.weights(packBias(b, F)), out.ptr, F, fuse.residual ?? 0, relu);
      return;
    } else {
      let src = x.ptr, h = H, wd = W;
      if (this.pad()) {
        src = ctx.scratch((H + 2) * (W + 2) * C);
        ctx.op(Op.ZeroPad, x.ptr, H, W, C, 1, 1, 1, 1, src);
        h += 2;
        wd += 2;
      }
      ctx.op(Op.Conv3x3, src, h, wd, C, ctx.weights(packConv3x3(w, C, F)), ctx.weights(packBias(b, F)), out.ptr, F);
    }
    emitActivation(ctx, out, this.activation, fuse);
  }
}

/** Depthwise 3×3 alone, with its own bias (Keras's DepthwiseConv2D, depth_multiplier 1). */
export class DepthwiseConv2D extends ActivatedLayer {
  readonly className = "DepthwiseConv2D";
  readonly padding: "valid" | "same";
  readonly useBias: boolean;
  readonly activation: ActivationName;

  constructor(args: Omit<ConvArgs, "filters"> = {}) {
    super(args, "depthwise_conv2d");
    const k = pairOf(this.name, "kernel_size", args.kernelSize ?? 3);
    if (k[0] !== 3 || k[1] !== 3) throw new ModelFormatError(`layer ${this.name}: kernel_size [${k}] is not supported (this engine implements 3×3)`);
    this.padding = paddingOf(this.name, args.padding);
    this.useBias = args.useBias ?? true;
    this.activation = activationOf(this.name, args.activation);
  }

  static fromConfig(c: Record<string, any>): DepthwiseConv2D {
    checkCommon(c.name, c);
    return new DepthwiseConv2D({ name: c.name, kernelSize: c.kernel_size, padding: c.padding, useBias: c.use_bias, activation: c.activation });
  }

  outputShape(inShapes: Shape[]): Shape {
    return conv3x3Shape(this, inShapes[0], this.padding === "same" ? 1 : 0, expectImage(this, inShapes[0])[2]);
  }

  weightSpecs(inShapes: Shape[]): WeightSpec[] {
    const C = inShapes[0][2];
    const specs: WeightSpec[] = [{ name: "depthwise_kernel", shape: [3, 3, C, 1], init: "glorot", fans: [9, 9], trainable: true }];
    if (this.useBias) specs.push({ name: "bias", shape: [C], init: "zeros", trainable: true });
    return specs;
  }

  getConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(), kernel_size: [3, 3], strides: [1, 1], padding: this.padding, data_format: "channels_last",
      dilation_rate: [1, 1], depth_multiplier: 1, activation: this.activation, use_bias: this.useBias,
    };
  }

  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    const [H, W, C] = s as number[];
    const y = ref.depthwiseRef(x, H, W, C, this.weight("depthwise_kernel"), this.useBias ? this.weight("bias") : null, this.padding === "same" ? 1 : 0);
    return applyActivationRef(y, this.activation, C);
  }

  emit(ctx: Emitter, [x]: CTensor[], out: CTensor, fuse: Fusion): void {
    const [H, W, C] = x.shape;
    const { w, b } = foldAffine(this.weight("depthwise_kernel"), this.useBias ? this.weight("bias") : null, C, fuse);
    const bias = b ?? new Float32Array(C);
    ctx.op(Op.Depthwise, x.ptr, H, W, C, ctx.weights(w), ctx.weights(bias), out.ptr, this.padding === "same" ? 1 : 0);
    emitActivation(ctx, out, this.activation, fuse);
  }
}

export { emitActivation, applyActivationRef, foldAffine };

import { ModelFormatError } from "../errors.js";
import { Op } from "../abi/nn.js";
import type { Emitter, CTensor, Fusion } from "../engine/emitter.js";
import { packBias, packConv, packConv3x3, packPointwise } from "../engine/pack.js";
import { convGeometry, convRef, depthwiseConvRef } from "../reference/conv.js";
import * as ref from "../reference/kernels.js";
import { activationSpec, applyActivationRef, clampArg, emitActivation, finalActivation, isLinear, isPlainRelu, LINEAR, type ActivationSpec } from "./activation.js";
import { activationOf, paddingOf, pairOf, positiveInt, requireValue, type ActivationName } from "./args.js";
import { ActivatedLayer, expectImage, size, type LayerArgs, type Shape, type WeightSpec } from "./layer.js";

// Convolution layers with TensorFlow's semantics: any kernel up to MAX_KERNEL, strides 1..MAX_STRIDE, dilation,
// padding valid or same (asymmetric for even kernels and strides). Lowering picks the kernel:
// - 1×1 stride 1: the pointwise GEMM (which also takes a residual join);
// - 3×3 stride 1 no dilation: the ResEZAP kernels (depthwise3x3, conv3x3_4x8, the fused separable3x3);
// - anything else: the general register-tiled conv2d_4x8 / depthwise_conv, activation clamped in their epilogue.

const MAX_KERNEL = 31;
const MAX_STRIDE = 4;
const MAX_DILATION = 8;

export interface ConvArgs extends LayerArgs {
  filters: number;
  kernelSize?: number | [number, number];
  strides?: number | [number, number];
  dilationRate?: number | [number, number];
  padding?: "valid" | "same";
  useBias?: boolean;
  activation?: ActivationName;
  depthMultiplier?: number;
  /** Explicit [[top, bottom], [left, right]] zero padding (ONNX's pads), in place of padding. */
  pads?: [[number, number], [number, number]];
}

/** Kernel, stride and dilation of a convolution layer, checked against what the kernels implement. */
class Window {
  readonly k: [number, number];
  readonly s: [number, number];
  readonly d: [number, number];
  readonly pads?: [[number, number], [number, number]];
  constructor(readonly layer: string, args: Omit<ConvArgs, "filters">, readonly padding: "valid" | "same") {
    if (args.pads) this.pads = [pairOf(layer, "pads", args.pads[0]), pairOf(layer, "pads", args.pads[1])];
    this.k = pairOf(layer, "kernel_size", args.kernelSize ?? 3);
    this.s = pairOf(layer, "strides", args.strides ?? 1);
    this.d = pairOf(layer, "dilation_rate", args.dilationRate ?? 1);
    const bad = (field: string, v: [number, number], max: number) => {
      if (v.some((x) => x < 1 || x > max)) throw new ModelFormatError(`layer ${layer}: ${field} [${v}] is not supported (each in 1..${max})`);
    };
    bad("kernel_size", this.k, MAX_KERNEL);
    bad("strides", this.s, MAX_STRIDE);
    bad("dilation_rate", this.d, MAX_DILATION);
    if (this.s.some((v) => v > 1) && this.d.some((v) => v > 1)) {
      throw new ModelFormatError(`layer ${layer}: strides [${this.s}] with dilation_rate [${this.d}] (Keras allows only one of them above 1)`);
    }
  }
  /** Output size and padding for an [H, W, …] input; a too-small input is refused by name. */
  geometry(shape: Shape, what: string) {
    const [H, W] = shape;
    const axis = (n: number, i: 0 | 1) => {
      if (!this.pads) return convGeometry(n, this.k[i], this.s[i], this.d[i], this.padding);
      const [b, a] = this.pads[i], e = (this.k[i] - 1) * this.d[i] + 1;
      return { out: Math.floor((n + b + a - e) / this.s[i]) + 1, padBefore: b, padAfter: a };
    };
    const gy = axis(H, 0), gx = axis(W, 1);
    if (gy.out <= 0 || gx.out <= 0) {
      const pad = this.pads ? `pads ${JSON.stringify(this.pads)}` : `padding "${this.padding}"`;
      throw new ModelFormatError(`layer ${this.layer}: input ${H}×${W} is too small for the ${this.k.join("×")} ${what} (${pad})`);
    }
    return { Ho: gy.out, Wo: gx.out, padT: gy.padBefore, padL: gx.padBefore };
  }
  /** k×k, stride 1, no dilation, padding valid or same (not explicit pads): the ResEZAP kernels' shapes. */
  is(k: number): boolean {
    return this.k[0] === k && this.k[1] === k && this.s[0] === 1 && this.s[1] === 1 && this.d[0] === 1 && this.d[1] === 1 && !this.pads;
  }
  config() {
    const c: Record<string, unknown> = { kernel_size: this.k, strides: this.s, padding: this.padding, data_format: "channels_last", dilation_rate: this.d };
    if (this.pads) c.pads = this.pads; // not Keras: an ONNX import's explicit padding
    return c;
  }
}

function checkCommon(c: Record<string, any>): void {
  requireValue(c.name, "data_format", c.data_format, ["channels_last"]);
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

/** The pointwise GEMM with its epilogue: residual, then the ReLU flag, or the activation as an op after it. */
function emitPointwise(ctx: Emitter, x: number, P: number, C: number, w: Float32Array, b: Float32Array | null, F: number, out: CTensor, residual: number, act: ActivationSpec): void {
  const relu = isPlainRelu(act) ? 1 : 0;
  ctx.op(Op.Pointwise, x, P, C, ctx.weights(packPointwise(w, C, F)), ctx.weights(packBias(b, F)), out.ptr, F, residual, relu);
  if (!relu) emitActivation(ctx, out, out, act);
}

/** A clamp the general kernels do in their epilogue, or 0 and the activation as an op after them. */
function epilogue(ctx: Emitter, act: ActivationSpec): { clamp: number; after: boolean } {
  const c = clampArg(ctx, act);
  return c === null ? { clamp: 0, after: true } : { clamp: c, after: false };
}

/** Depthwise over C·m channels: with a depth multiplier m > 1 each input channel is first repeated m times. */
function emitDepthwise(ctx: Emitter, win: Window, x: CTensor, m: number, w: Float32Array, b: Float32Array, out: CTensor, act: ActivationSpec): void {
  const [H, W, C] = x.shape;
  let src = x.ptr;
  if (m > 1) {
    src = ctx.scratch(H * W * C * m);
    // out[p, c, j] = in[p, c]: a transpose with stride 0 over j
    ctx.op(Op.Transpose, x.ptr, src, 1, H * W, C, m, 0, C, 1, 0);
  }
  const Cm = C * m;
  const g = win.geometry(x.shape, "depthwise convolution");
  if (win.is(3) && (act.kind === "linear" || isPlainRelu(act))) {
    ctx.op(Op.Depthwise, src, H, W, Cm, ctx.weights(w), ctx.weights(b), out.ptr, win.padding === "same" ? 1 : 0, isPlainRelu(act) ? 1 : 0);
    return;
  }
  const e = epilogue(ctx, act);
  ctx.op(Op.DepthwiseConv, src, H, W, Cm, ctx.weights(w), ctx.weights(b), out.ptr, g.Ho, g.Wo, win.k[0], win.k[1], win.s[0], win.s[1],
    win.d[0], win.d[1], g.padT, g.padL, e.clamp);
  if (e.after) emitActivation(ctx, out, out, act);
}

/** Repeats each channel m times: the reference of a depth multiplier. */
function repeatChannels(x: Float32Array, C: number, m: number): Float32Array {
  if (m === 1) return x;
  const out = new Float32Array(x.length * m);
  for (let i = 0; i < x.length; i++) for (let j = 0; j < m; j++) out[i * m + j] = x[i];
  return out;
}

abstract class ConvLayer extends ActivatedLayer {
  readonly padding: "valid" | "same";
  readonly useBias: boolean;
  readonly activation: ActivationName;
  readonly act: ActivationSpec;
  protected readonly win: Window;

  constructor(args: Omit<ConvArgs, "filters">, base: string) {
    super(args, base);
    this.padding = paddingOf(this.name, args.padding);
    this.useBias = args.useBias ?? true;
    this.activation = activationOf(this.name, args.activation);
    this.act = activationSpec(this.activation);
    this.win = new Window(this.name, args, this.padding);
  }
  get kernelSize(): [number, number] {
    return this.win.k;
  }
  get strides(): [number, number] {
    return this.win.s;
  }
  get dilationRate(): [number, number] {
    return this.win.d;
  }
  /** 3×3, stride 1, no dilation: the shape ResEZAP and the training kernels use. */
  isPlain3x3(): boolean {
    return this.win.is(3);
  }
}

/** Depthwise (kernel, stride, dilation, depth multiplier) then pointwise 1×1, the bias after the pointwise (Keras's SeparableConv2D). */
export class SeparableConv2D extends ConvLayer {
  readonly className = "SeparableConv2D";
  readonly filters: number;
  readonly depthMultiplier: number;

  constructor(args: ConvArgs) {
    super(args, "separable_conv2d");
    this.filters = positiveInt(this.name, "filters", args.filters);
    this.depthMultiplier = positiveInt(this.name, "depth_multiplier", args.depthMultiplier ?? 1, 64);
  }

  static fromConfig(c: Record<string, any>): SeparableConv2D {
    checkCommon(c);
    return new SeparableConv2D({ name: c.name, filters: c.filters, kernelSize: c.kernel_size, strides: c.strides, dilationRate: c.dilation_rate,
      padding: c.padding, useBias: c.use_bias, activation: c.activation, depthMultiplier: c.depth_multiplier });
  }

  outputShape(inShapes: Shape[]): Shape {
    expectImage(this, inShapes[0]);
    const g = this.win.geometry(inShapes[0], "separable convolution");
    return [g.Ho, g.Wo, this.filters];
  }

  weightSpecs(inShapes: Shape[]): WeightSpec[] {
    const C = inShapes[0][2], F = this.filters, m = this.depthMultiplier, [kh, kw] = this.win.k;
    const specs: WeightSpec[] = [
      { name: "depthwise_kernel", shape: [kh, kw, C, m], init: "glorot", fans: [kh * kw, kh * kw * m], trainable: true },
      { name: "pointwise_kernel", shape: [1, 1, C * m, F], init: "glorot", fans: [C * m, F], trainable: true },
    ];
    if (this.useBias) specs.push({ name: "bias", shape: [F], init: "zeros", trainable: true });
    return specs;
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), filters: this.filters, ...this.win.config(), depth_multiplier: this.depthMultiplier, activation: this.activation, use_bias: this.useBias };
  }

  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    const [H, W, C] = s as number[];
    const m = this.depthMultiplier, g = this.win.geometry(s, "separable convolution");
    const d = depthwiseConvRef(repeatChannels(x, C, m), H, W, C * m, this.weight("depthwise_kernel"), null, g.Ho, g.Wo, ...this.win.k, ...this.win.s, ...this.win.d, g.padT, g.padL);
    const y = ref.pointwiseRef(d, g.Ho * g.Wo, C * m, this.weight("pointwise_kernel"), this.useBias ? this.weight("bias") : null, this.filters);
    return applyActivationRef(y, this.act, this.filters);
  }

  emit(ctx: Emitter, [x]: CTensor[], out: CTensor, fuse: Fusion): void {
    const [H, W, C] = x.shape;
    const F = this.filters, m = this.depthMultiplier;
    const { w, b } = foldAffine(this.weight("pointwise_kernel"), this.useBias ? this.weight("bias") : null, F, fuse);
    const act = finalActivation(this.act, fuse.activation);
    if (this.win.is(3) && m === 1 && (isLinear(act) || isPlainRelu(act))) {
      // a few output rows a pass, so the depthwise rows are still in cache when the pointwise reads them
      const Wo = out.shape[1];
      // and, where a few more rows allow it, a whole number of 4-pixel tiles a pass (13-wide rows would
      // otherwise leave single pixels, which the pointwise kernel runs at a third of the speed)
      let rows = Math.max(1, Math.min(out.shape[0], Math.floor(3072 / (Wo * C))));
      for (let r = rows; r <= Math.min(out.shape[0], rows + 3); r++) if ((r * Wo) % 4 === 0) { rows = r; break; }
      const scratch = ctx.scratch(rows * Wo * C);
      ctx.op(Op.Separable, x.ptr, H, W, C, ctx.weights(this.weight("depthwise_kernel")), ctx.weights(packPointwise(w, C, F)),
        ctx.weights(packBias(b, F)), out.ptr, F, this.padding === "same" ? 1 : 0, fuse.residual ?? 0, isPlainRelu(act) ? 1 : 0, scratch, rows);
      return;
    }
    const [Ho, Wo] = out.shape;
    const d: CTensor = { ptr: ctx.scratch(Ho * Wo * C * m), shape: [Ho, Wo, C * m], size: Ho * Wo * C * m };
    emitDepthwise(ctx, this.win, x, m, this.weight("depthwise_kernel"), new Float32Array(C * m), d, LINEAR);
    emitPointwise(ctx, d.ptr, Ho * Wo, C * m, w, b, F, out, fuse.residual ?? 0, act);
  }

  canFuseResidual(): boolean {
    return this.activation === "linear";
  }
}

/** Normal convolution (groups 1). */
export class Conv2D extends ConvLayer {
  readonly className = "Conv2D";
  readonly filters: number;

  constructor(args: ConvArgs) {
    super(args, "conv2d");
    this.filters = positiveInt(this.name, "filters", args.filters);
  }

  static fromConfig(c: Record<string, any>): Conv2D {
    checkCommon(c);
    requireValue(c.name, "groups", c.groups, [1]);
    return new Conv2D({ name: c.name, filters: c.filters, kernelSize: c.kernel_size, strides: c.strides, dilationRate: c.dilation_rate,
      padding: c.padding, useBias: c.use_bias, activation: c.activation });
  }

  /** 1×1 and 3×3 with stride 1: the sizes the ResEZAP kernels (and the trainer) take. */
  get kernel(): number {
    return this.win.k[0];
  }

  private pointwise(): boolean {
    return this.win.is(1);
  }

  outputShape(inShapes: Shape[]): Shape {
    expectImage(this, inShapes[0]);
    const g = this.win.geometry(inShapes[0], "convolution");
    return [g.Ho, g.Wo, this.filters];
  }

  weightSpecs(inShapes: Shape[]): WeightSpec[] {
    const C = inShapes[0][2], F = this.filters, [kh, kw] = this.win.k;
    const specs: WeightSpec[] = [{ name: "kernel", shape: [kh, kw, C, F], init: "glorot", fans: [kh * kw * C, kh * kw * F], trainable: true }];
    if (this.useBias) specs.push({ name: "bias", shape: [F], init: "zeros", trainable: true });
    return specs;
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), filters: this.filters, ...this.win.config(), groups: 1, activation: this.activation, use_bias: this.useBias };
  }

  canFuseResidual(): boolean {
    return this.pointwise() && this.activation === "linear";
  }

  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    const [H, W, C] = s as number[];
    const g = this.win.geometry(s, "convolution");
    const y = convRef(x, H, W, C, this.weight("kernel"), this.useBias ? this.weight("bias") : null, this.filters, g.Ho, g.Wo,
      ...this.win.k, ...this.win.s, ...this.win.d, g.padT, g.padL);
    return applyActivationRef(y, this.act, this.filters);
  }

  emit(ctx: Emitter, [x]: CTensor[], out: CTensor, fuse: Fusion): void {
    const [H, W, C] = x.shape;
    const F = this.filters;
    const { w, b } = foldAffine(this.weight("kernel"), this.useBias ? this.weight("bias") : null, F, fuse);
    const act = finalActivation(this.act, fuse.activation);
    if (this.pointwise()) return emitPointwise(ctx, x.ptr, H * W, C, w, b, F, out, fuse.residual ?? 0, act);
    if (this.win.is(3)) {
      let src = x.ptr, h = H, wd = W;
      if (this.padding === "same") {
        src = ctx.scratch((H + 2) * (W + 2) * C);
        ctx.op(Op.ZeroPad, x.ptr, H, W, C, 1, 1, 1, 1, src);
        h += 2;
        wd += 2;
      }
      ctx.op(Op.Conv3x3, src, h, wd, C, ctx.weights(packConv3x3(w, C, F)), ctx.weights(packBias(b, F)), out.ptr, F);
      emitActivation(ctx, out, out, act);
      return;
    }
    const g = this.win.geometry(x.shape, "convolution");
    const e = epilogue(ctx, act);
    const [kh, kw] = this.win.k;
    ctx.op(Op.Conv, x.ptr, H, W, C, ctx.weights(packConv(w, kh, kw, C, F)), ctx.weights(packBias(b, F)), out.ptr, g.Ho, g.Wo, F,
      kh, kw, this.win.s[0], this.win.s[1], this.win.d[0], this.win.d[1], g.padT, g.padL, e.clamp);
    if (e.after) emitActivation(ctx, out, out, act);
  }
}

/** Depthwise convolution with its own bias (Keras's DepthwiseConv2D): kernel, stride, dilation, depth multiplier. */
export class DepthwiseConv2D extends ConvLayer {
  readonly className = "DepthwiseConv2D";
  readonly depthMultiplier: number;

  constructor(args: Omit<ConvArgs, "filters"> = {}) {
    super(args, "depthwise_conv2d");
    this.depthMultiplier = positiveInt(this.name, "depth_multiplier", args.depthMultiplier ?? 1, 64);
  }

  static fromConfig(c: Record<string, any>): DepthwiseConv2D {
    checkCommon(c);
    return new DepthwiseConv2D({ name: c.name, kernelSize: c.kernel_size, strides: c.strides, dilationRate: c.dilation_rate, padding: c.padding,
      useBias: c.use_bias, activation: c.activation, depthMultiplier: c.depth_multiplier });
  }

  outputShape(inShapes: Shape[]): Shape {
    const [, , C] = expectImage(this, inShapes[0]);
    const g = this.win.geometry(inShapes[0], "depthwise convolution");
    return [g.Ho, g.Wo, C * this.depthMultiplier];
  }

  weightSpecs(inShapes: Shape[]): WeightSpec[] {
    const C = inShapes[0][2], m = this.depthMultiplier, [kh, kw] = this.win.k;
    const specs: WeightSpec[] = [{ name: "depthwise_kernel", shape: [kh, kw, C, m], init: "glorot", fans: [kh * kw, kh * kw * m], trainable: true }];
    if (this.useBias) specs.push({ name: "bias", shape: [C * m], init: "zeros", trainable: true });
    return specs;
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), ...this.win.config(), depth_multiplier: this.depthMultiplier, activation: this.activation, use_bias: this.useBias };
  }

  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    const [H, W, C] = s as number[];
    const m = this.depthMultiplier, g = this.win.geometry(s, "depthwise convolution");
    const y = depthwiseConvRef(repeatChannels(x, C, m), H, W, C * m, this.weight("depthwise_kernel"), this.useBias ? this.weight("bias") : null,
      g.Ho, g.Wo, ...this.win.k, ...this.win.s, ...this.win.d, g.padT, g.padL);
    return applyActivationRef(y, this.act, C * m);
  }

  emit(ctx: Emitter, [x]: CTensor[], out: CTensor, fuse: Fusion): void {
    const Cm = x.shape[2] * this.depthMultiplier;
    const { w, b } = foldAffine(this.weight("depthwise_kernel"), this.useBias ? this.weight("bias") : null, Cm, fuse);
    emitDepthwise(ctx, this.win, x, this.depthMultiplier, w, b ?? new Float32Array(Cm), out, finalActivation(this.act, fuse.activation));
  }
}

export { foldAffine, size };

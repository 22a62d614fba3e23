import { ModelFormatError } from "../errors.js";
import type { CTensor, Emitter, Fusion } from "../engine/emitter.js";
import { Op, POOL_MAX, POOL_WHOLE_WINDOW } from "../abi/nn.js";
import * as ref from "../reference/kernels.js";
import { paddingOf, pairOf, requireValue } from "./args.js";
import { crop2dRef, resizeBilinearRef, resizeNearestRef } from "../reference/elementwise.js";
import { linearTable, nearestTable, type CoordMode, type NearestMode } from "../engine/resize-tables.js";
import { LIMITS } from "../limits.js";
import { expectImage, Layer, type LayerArgs, type Shape } from "./layer.js";

type Pad2 = [[number, number], [number, number]];

/** ZeroPadding2D: padding as an int, [rows, cols], or [[top, bottom], [left, right]]. */
export class ZeroPadding2D extends Layer {
  readonly className = "ZeroPadding2D";
  readonly padding: Pad2;
  constructor(args: LayerArgs & { padding?: number | [number, number] | Pad2 } = {}) {
    super(args, "zero_padding2d");
    const p = args.padding ?? 1;
    if (Array.isArray(p) && Array.isArray(p[0])) {
      const q = p as Pad2;
      this.padding = [pairOf(this.name, "padding", q[0]), pairOf(this.name, "padding", q[1])];
    } else {
      const [r, c] = pairOf(this.name, "padding", p);
      this.padding = [[r, r], [c, c]];
    }
  }
  static fromConfig(c: Record<string, any>): ZeroPadding2D {
    requireValue(c.name, "data_format", c.data_format, ["channels_last"]);
    return new ZeroPadding2D({ name: c.name, padding: c.padding });
  }
  outputShape(inShapes: Shape[]): Shape {
    const [H, W, C] = expectImage(this, inShapes[0]);
    const [[t, b], [l, r]] = this.padding;
    return [H + t + b, W + l + r, C];
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), padding: this.padding, data_format: "channels_last" };
  }
  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    const [[t, b], [l, r]] = this.padding;
    return ref.zeroPadRef(x, s[0], s[1], s[2], t, b, l, r);
  }
  emit(ctx: Emitter, [x]: CTensor[], out: CTensor, fuse: Fusion): void {
    const [[t, b], [l, r]] = this.padding;
    const [H, W, C] = x.shape;
    if (fuse.pool) {
      // average pooling over the padded image without building it: windows clip to the image and
      // divide by the whole window, which is what averaging the zeros would give
      const { poolSize: [kh, kw], strides: [sh, sw] } = fuse.pool;
      const gy = ref.poolGeometry(H + t + b, kh, sh, "valid"), gx = ref.poolGeometry(W + l + r, kw, sw, "valid");
      ctx.op(Op.Pool, x.ptr, H, W, C, kh, kw, sh, sw, t, l, gy.out, gx.out, out.ptr, POOL_WHOLE_WINDOW);
      return;
    }
    ctx.op(Op.ZeroPad, x.ptr, H, W, C, t, b, l, r, out.ptr);
  }
}

interface PoolArgs extends LayerArgs {
  poolSize?: number | [number, number];
  strides?: number | [number, number] | null;
  padding?: "valid" | "same";
  /** ONNX's explicit [[top, bottom], [left, right]] padding, ceil_mode and (average) count_include_pad. */
  pads?: [[number, number], [number, number]];
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: "valid" | "same";
  abstract readonly mode: "avg" | "max";
  readonly pads?: [[number, number], [number, number]];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(args: PoolArgs, base: string) {
    super(args, base);
    if (args.pads) this.pads = [pairOf(this.name, "pads", args.pads[0]), pairOf(this.name, "pads", args.pads[1])];
    this.ceilMode = args.ceilMode ?? false;
    this.countIncludePad = args.countIncludePad ?? false;
    if (this.ceilMode && this.countIncludePad) throw new ModelFormatError(`layer ${this.name}: ceil_mode with count_include_pad is not supported`);
    this.poolSize = pairOf(this.name, "pool_size", args.poolSize ?? 2);
    this.strides = pairOf(this.name, "strides", args.strides ?? this.poolSize);
    if (this.poolSize.some((v) => v < 1) || this.strides.some((v) => v < 1)) {
      throw new ModelFormatError(`layer ${this.name}: pool_size and strides must be ≥ 1, found [${this.poolSize}] and [${this.strides}]`);
    }
    this.padding = paddingOf(this.name, args.padding);
  }
  private geometry(s: Shape) {
    const [H, W] = expectImage(this, s);
    const axis = (n: number, i: 0 | 1) => {
      if (!this.pads) return ref.poolGeometry(n, this.poolSize[i], this.strides[i], this.padding);
      const [b, a] = this.pads[i], k = this.poolSize[i], st = this.strides[i];
      let out = (this.ceilMode ? Math.ceil : Math.floor)((n + b + a - k) / st) + 1;
      if (this.ceilMode && (out - 1) * st >= n + b) out--; // the last window must start inside the image or its top/left padding
      return { out, padBefore: b };
    };
    const gy = axis(H, 0), gx = axis(W, 1);
    if (gy.out <= 0 || gx.out <= 0) throw new ModelFormatError(`layer ${this.name}: input ${H}×${W} is smaller than the pool ${this.poolSize.join("×")}`);
    return { gy, gx };
  }
  outputShape([s]: Shape[]): Shape {
    const { gy, gx } = this.geometry(s);
    return [gy.out, gx.out, s[2]];
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), pool_size: this.poolSize, strides: this.strides, padding: this.padding, data_format: "channels_last" };
  }
  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    if (!this.pads) return ref.poolRef(x, s[0], s[1], s[2], this.poolSize[0], this.poolSize[1], this.strides[0], this.strides[1], this.padding, this.mode);
    // explicit pads: every window by hand, dividing by the taps inside (or the whole window with count_include_pad)
    const { gy, gx } = this.geometry(s);
    const [H, W, C] = s as number[], [kh, kw] = this.poolSize, [sh, sw] = this.strides;
    const out = new Float32Array(gy.out * gx.out * C);
    for (let oy = 0; oy < gy.out; oy++) for (let ox = 0; ox < gx.out; ox++) for (let c = 0; c < C; c++) {
      let acc = this.mode === "max" ? -Infinity : 0, n = 0;
      for (let y = oy * sh - gy.padBefore; y < oy * sh - gy.padBefore + kh; y++) for (let xx = ox * sw - gx.padBefore; xx < ox * sw - gx.padBefore + kw; xx++) {
        if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
        const v = x[(y * W + xx) * C + c];
        acc = this.mode === "max" ? Math.max(acc, v) : acc + v;
        n++;
      }
      out[(oy * gx.out + ox) * C + c] = this.mode === "max" ? acc : acc / (this.countIncludePad ? kh * kw : n);
    }
    return out;
  }
  emit(ctx: Emitter, [x]: CTensor[], out: CTensor): void {
    const { gy, gx } = this.geometry(x.shape);
    const [H, W, C] = x.shape;
    const mode = (this.mode === "max" ? POOL_MAX : 0) | (this.countIncludePad ? POOL_WHOLE_WINDOW : 0);
    ctx.op(Op.Pool, x.ptr, H, W, C, this.poolSize[0], this.poolSize[1], this.strides[0], this.strides[1],
      gy.padBefore, gx.padBefore, gy.out, gx.out, out.ptr, mode);
  }
}

function poolFromConfig<T>(make: (a: PoolArgs) => T, c: Record<string, any>): T {
  requireValue(c.name, "data_format", c.data_format, ["channels_last"]);
  return make({ name: c.name, poolSize: c.pool_size, strides: c.strides, padding: c.padding });
}

export class AveragePooling2D extends Pooling2D {
  readonly className = "AveragePooling2D";
  readonly mode = "avg";
  constructor(args: PoolArgs = {}) {
    super(args, "average_pooling2d");
  }
  static fromConfig(c: Record<string, any>): AveragePooling2D {
    return poolFromConfig((a) => new AveragePooling2D(a), c);
  }
}

export class MaxPooling2D extends Pooling2D {
  readonly className = "MaxPooling2D";
  readonly mode = "max";
  constructor(args: PoolArgs = {}) {
    super(args, "max_pooling2d");
  }
  static fromConfig(c: Record<string, any>): MaxPooling2D {
    return poolFromConfig((a) => new MaxPooling2D(a), c);
  }
}

abstract class GlobalPooling2D extends Layer {
  abstract readonly mode: "avg" | "max";
  keepdims = false;
  outputShape(inShapes: Shape[]): Shape {
    const C = expectImage(this, inShapes[0])[2];
    return this.keepdims ? [1, 1, C] : [C];
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), data_format: "channels_last", keepdims: this.keepdims };
  }
  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    return ref.globalPoolRef(x, s[0] * s[1], s[2], this.mode);
  }
  emit(ctx: Emitter, [x]: CTensor[], out: CTensor, _fuse: Fusion): void {
    const [H, W, C] = x.shape;
    ctx.op(Op.GlobalPool, x.ptr, H * W, C, out.ptr, this.mode === "max" ? 1 : 0);
  }
}

function globalFromConfig<T extends GlobalPooling2D>(make: (a: LayerArgs) => T, c: Record<string, any>): T {
  requireValue(c.name, "data_format", c.data_format, ["channels_last"]);
  requireValue(c.name, "keepdims", c.keepdims, [false, true]);
  const layer = make({ name: c.name });
  layer.keepdims = c.keepdims === true;
  return layer;
}

export class GlobalMaxPooling2D extends GlobalPooling2D {
  readonly className = "GlobalMaxPooling2D";
  readonly mode = "max";
  constructor(args: LayerArgs = {}) {
    super(args, "global_max_pooling2d");
  }
  static fromConfig(c: Record<string, any>): GlobalMaxPooling2D {
    return globalFromConfig((a) => new GlobalMaxPooling2D(a), c);
  }
}

export class GlobalAveragePooling2D extends GlobalPooling2D {
  readonly className = "GlobalAveragePooling2D";
  readonly mode = "avg";
  constructor(args: LayerArgs = {}) {
    super(args, "global_average_pooling2d");
  }
  static fromConfig(c: Record<string, any>): GlobalAveragePooling2D {
    return globalFromConfig((a) => new GlobalAveragePooling2D(a), c);
  }
}

/** Cropping2D: cropping as an int, [rows, cols], or [[top, bottom], [left, right]]. */
export class Cropping2D extends Layer {
  readonly className = "Cropping2D";
  readonly cropping: Pad2;
  constructor(args: LayerArgs & { cropping?: number | [number, number] | Pad2 } = {}) {
    super(args, "cropping2d");
    const p = args.cropping ?? 0;
    if (Array.isArray(p) && Array.isArray(p[0])) {
      const q = p as Pad2;
      this.cropping = [pairOf(this.name, "cropping", q[0]), pairOf(this.name, "cropping", q[1])];
    } else {
      const [r, c] = pairOf(this.name, "cropping", p);
      this.cropping = [[r, r], [c, c]];
    }
  }
  static fromConfig(c: Record<string, any>): Cropping2D {
    requireValue(c.name, "data_format", c.data_format, ["channels_last"]);
    return new Cropping2D({ name: c.name, cropping: c.cropping });
  }
  outputShape(inShapes: Shape[]): Shape {
    const [H, W, C] = expectImage(this, inShapes[0]);
    const [[t, b], [l, r]] = this.cropping;
    if (H - t - b <= 0 || W - l - r <= 0) throw new ModelFormatError(`layer ${this.name}: cropping ${JSON.stringify(this.cropping)} leaves nothing of a ${H}×${W} input`);
    return [H - t - b, W - l - r, C];
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), cropping: this.cropping, data_format: "channels_last" };
  }
  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    const [Ho, Wo] = this.output!.shape;
    return crop2dRef(x, s[0], s[1], s[2], this.cropping[0][0], this.cropping[1][0], Ho, Wo);
  }
  emit(ctx: Emitter, [x]: CTensor[], out: CTensor): void {
    const [H, W, C] = x.shape, [Ho, Wo] = out.shape;
    ctx.op(Op.Crop, x.ptr, H, W, C, this.cropping[0][0], this.cropping[1][0], Ho, Wo, out.ptr);
  }
}

/**
 * UpSampling2D by integer factors: "nearest" repeats pixels; "bilinear" interpolates as Keras does
 * (tf.image.resize: half-pixel centres). TF.js's own UpSampling2D interpolates without half-pixel centres, so a
 * bilinear model differs between Keras and TF.js; this engine follows Keras, the model's source.
 */
export class UpSampling2D extends Layer {
  readonly className = "UpSampling2D";
  readonly size: [number, number];
  readonly interpolation: "nearest" | "bilinear";
  constructor(args: LayerArgs & { size?: number | [number, number]; interpolation?: string } = {}) {
    super(args, "up_sampling2d");
    this.size = pairOf(this.name, "size", args.size ?? 2);
    if (this.size.some((v) => v < 1)) throw new ModelFormatError(`layer ${this.name}: size must be ≥ 1, found [${this.size}]`);
    const i = args.interpolation ?? "nearest";
    if (i !== "nearest" && i !== "bilinear") throw new ModelFormatError(`layer ${this.name}: interpolation ${JSON.stringify(i)} is not supported (expected "nearest" or "bilinear")`);
    this.interpolation = i;
  }
  static fromConfig(c: Record<string, any>): UpSampling2D {
    requireValue(c.name, "data_format", c.data_format, ["channels_last"]);
    return new UpSampling2D({ name: c.name, size: c.size, interpolation: c.interpolation });
  }
  outputShape(inShapes: Shape[]): Shape {
    const [H, W, C] = expectImage(this, inShapes[0]);
    return [H * this.size[0], W * this.size[1], C];
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), size: this.size, interpolation: this.interpolation, data_format: "channels_last" };
  }
  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    const [Ho, Wo] = this.output!.shape;
    return Float32Array.from(this.interpolation === "nearest"
      ? resizeNearestRef(x, s[0], s[1], s[2], Ho, Wo, "asymmetric", "floor")
      : resizeBilinearRef(x, s[0], s[1], s[2], Ho, Wo, "half_pixel"));
  }
  emit(ctx: Emitter, [x]: CTensor[], out: CTensor): void {
    const [H, W, C] = x.shape, [Ho, Wo] = out.shape;
    if (this.interpolation === "nearest") {
      const ty = ctx.table(nearestTable(H, Ho, "asymmetric", "floor")), tx = ctx.table(nearestTable(W, Wo, "asymmetric", "floor"));
      ctx.op(Op.ResizeNearest, x.ptr, H, W, C, out.ptr, Ho, Wo, ty, tx);
    } else {
      ctx.op(Op.ResizeBilinear, x.ptr, H, W, C, out.ptr, Ho, Wo, ctx.table(linearTable(H, Ho, "half_pixel")), ctx.table(linearTable(W, Wo, "half_pixel")));
    }
  }
}

/**
 * Resize to a given output height × width with ONNX Resize's rules: "nearest" (with its rounding) or "linear",
 * and a coordinate transformation (src/engine/resize-tables.ts builds the source index tables once at load).
 */
export class Resize extends Layer {
  readonly className = "Resize";
  /** ONNX's scales, when given instead of sizes: coordinates map by 1/scale, not in/out */
  readonly scales?: [number, number];
  constructor(args: LayerArgs & { size: [number, number]; mode: "nearest" | "linear"; coord: CoordMode; nearestMode?: NearestMode; scales?: [number, number] }) {
    super(args, "resize");
    if (args.scales) {
      if (!args.scales.every((v) => Number.isFinite(v) && v > 0)) throw new ModelFormatError(`layer ${this.name}: scales [${args.scales}] must be positive`);
      this.scales = args.scales;
    }
    this.size = [positiveSide(this.name, args.size[0]), positiveSide(this.name, args.size[1])];
    this.mode = args.mode;
    this.coord = args.coord;
    this.nearestMode = args.nearestMode ?? "round_prefer_floor";
  }
  readonly size: [number, number];
  readonly mode: "nearest" | "linear";
  readonly coord: CoordMode;
  readonly nearestMode: NearestMode;
  outputShape(inShapes: Shape[]): Shape {
    const [, , C] = expectImage(this, inShapes[0]);
    return [this.size[0], this.size[1], C];
  }
  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), size: this.size, mode: this.mode, coordinate_transformation_mode: this.coord, nearest_mode: this.nearestMode };
  }
  reference([x]: Float32Array[], [s]: Shape[]): Float32Array {
    const [Ho, Wo] = this.size;
    return Float32Array.from(this.mode === "nearest"
      ? resizeNearestRef(x, s[0], s[1], s[2], Ho, Wo, this.coord, this.nearestMode, this.scales)
      : resizeBilinearRef(x, s[0], s[1], s[2], Ho, Wo, this.coord, this.scales));
  }
  emit(ctx: Emitter, [x]: CTensor[], out: CTensor): void {
    const [H, W, C] = x.shape, [Ho, Wo] = this.size;
    if (this.mode === "nearest") {
      const ty = nearestTable(H, Ho, this.coord, this.nearestMode, this.scales?.[0]);
      const tx = nearestTable(W, Wo, this.coord, this.nearestMode, this.scales?.[1]);
      ctx.op(Op.ResizeNearest, x.ptr, H, W, C, out.ptr, Ho, Wo, ctx.table(ty), ctx.table(tx));
    } else {
      ctx.op(Op.ResizeBilinear, x.ptr, H, W, C, out.ptr, Ho, Wo, ctx.table(linearTable(H, Ho, this.coord, this.scales?.[0])),
        ctx.table(linearTable(W, Wo, this.coord, this.scales?.[1])));
    }
  }
}

function positiveSide(layer: string, v: number): number {
  if (!Number.isInteger(v) || v < 1 || v > LIMITS.maxImageSide) throw new ModelFormatError(`layer ${layer}: output size ${v} must be an integer in 1..${LIMITS.maxImageSide}`);
  return v;
}

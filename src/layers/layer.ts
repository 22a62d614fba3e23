import { ArgumentError, ModelFormatError } from "../errors.js";
import type { Emitter, CTensor, Fusion } from "../engine/emitter.js";
import type { Random } from "../util/random.js";
import { isPlainRelu, type ActivationSpec } from "./activation.js";
import type { ActivationName } from "./args.js";

/** A per-example shape: [H, W, C] for images, [N] for vectors. The batch dimension is never included. */
export type Shape = readonly number[];

export interface WeightSpec {
  /** Keras weight name within the layer: "kernel", "bias", "depthwise_kernel", "gamma", … */
  name: string;
  shape: number[];
  /** How a freshly built layer initialises it. */
  init: "glorot" | "zeros" | "ones";
  /** Fan-in and fan-out for Glorot-uniform init. */
  fans?: [number, number];
  trainable: boolean;
}

/** The output of a layer applied to inputs, as in Keras's functional API: shape and provenance only. */
export class SymbolicTensor {
  constructor(
    readonly shape: Shape,
    readonly layer: Layer,
    readonly inputs: SymbolicTensor[],
  ) {}
}

const nameCounters = new Map<string, number>();
function autoName(base: string): string {
  const n = (nameCounters.get(base) ?? 0) + 1;
  nameCounters.set(base, n);
  return n === 1 ? base : `${base}_${n - 1}`;
}

function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z])([A-Z][a-z])/g, "$1_$2").toLowerCase();
}

export interface LayerArgs {
  name?: string;
}

/**
 * A layer: shape rule, weights, a slow reference forward in plain TypeScript, and emit(), which writes the
 * layer's ops into a compiled program. Named and configured as Keras names and configures it.
 */
export abstract class Layer {
  abstract readonly className: string;
  readonly name: string;
  /** Weights by Keras name, set by build() or by a loader. */
  readonly weights = new Map<string, Float32Array>();
  inputShapes: Shape[] = [];
  output?: SymbolicTensor;

  constructor(args: LayerArgs, defaultBase: string) {
    this.name = args.name ?? autoName(defaultBase);
  }

  /** The output shape for these input shapes; throws ModelFormatError when they do not fit the layer. */
  abstract outputShape(inShapes: Shape[]): Shape;

  /** The weights this layer holds for these input shapes, in Keras's order. */
  weightSpecs(_inShapes: Shape[]): WeightSpec[] {
    return [];
  }

  /** Keras config (snake_case), as written in model.json. */
  abstract getConfig(): Record<string, unknown>;

  /** Plain TypeScript forward of one example: the slow, obvious path the WASM program is tested against. */
  abstract reference(inputs: Float32Array[], inShapes: Shape[]): Float32Array;

  /** Writes this layer's ops. `fuse` carries a following batch norm or ReLU folded into this layer, when canFuse allows. */
  abstract emit(ctx: Emitter, ins: CTensor[], out: CTensor, fuse: Fusion): void;

  /** Whether a following inference batch norm (per-channel affine) can be folded into this layer's weights. */
  canFoldAffine(): boolean {
    return false;
  }

  /** Whether a following element-wise activation can be applied as part of this layer (in its kernel's epilogue or in place on its output). */
  canFuseActivation(_a: ActivationSpec): boolean {
    return false;
  }

  /** Whether the residual Add that follows can be done in this layer's last op (before a fused ReLU). */
  canFuseResidual(): boolean {
    return false;
  }

  /** True for layers that do nothing at inference (Dropout, Flatten, InputLayer): their output aliases their input. */
  isIdentity(): boolean {
    return false;
  }

  /** Number of inputs the layer takes (Add takes several). */
  arity(): "none" | "one" | "many" {
    return "one";
  }

  /** Connects the layer, as Keras's layer.apply(x): checks shapes and creates weights if none are set. */
  apply(x: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
    if (this.output) throw new ArgumentError(`layer ${this.name}: already applied; layers are not shared in this engine`);
    const inputs = Array.isArray(x) ? x : [x];
    const expected = { none: 0, one: 1, many: -1 }[this.arity()];
    if (expected >= 0 && inputs.length !== expected) {
      throw new ModelFormatError(`layer ${this.name} (${this.className}): expected ${expected} input(s), found ${inputs.length}`);
    }
    this.inputShapes = inputs.map((t) => t.shape);
    const shape = this.outputShape(this.inputShapes);
    this.output = new SymbolicTensor(shape, this, inputs);
    return this.output;
  }

  /** Fills every weight not yet set: Glorot-uniform kernels, zero biases and betas, unit gammas and variances. */
  initWeights(rng: Random): void {
    for (const spec of this.weightSpecs(this.inputShapes)) {
      if (this.weights.has(spec.name)) continue;
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const w = new Float32Array(n);
      if (spec.init === "ones") w.fill(1);
      else if (spec.init === "glorot") {
        const [fi, fo] = spec.fans ?? [n, n];
        const lim = Math.sqrt(6 / (fi + fo));
        for (let i = 0; i < n; i++) w[i] = rng.uniform(-lim, lim);
      }
      this.weights.set(spec.name, w);
    }
  }

  /** The weight, checked present and of the declared size. */
  weight(name: string): Float32Array {
    const w = this.weights.get(name);
    if (!w) throw new ModelFormatError(`layer ${this.name}: weight "${name}" is missing`);
    return w;
  }

  countParams(): number {
    return this.weightSpecs(this.inputShapes).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  }

  protected baseConfig(): Record<string, unknown> {
    return { name: this.name, trainable: true, dtype: "float32" };
  }

  /** Keras default name base for a class: SeparableConv2D → separable_conv2d. */
  static nameBase(className: string): string {
    return snake(className).replace(/_2_d$/, "2d").replace(/2_d/g, "2d");
  }
}

/**
 * A layer that ends in an optional activation (convolutions, Dense): a following batch norm folds into its
 * weights only when that activation is linear; a following activation fuses when it is linear (or both are ReLUs).
 */
export abstract class ActivatedLayer extends Layer {
  abstract readonly activation: ActivationName;

  canFoldAffine(): boolean {
    return this.activation === "linear";
  }

  canFuseActivation(a: ActivationSpec): boolean {
    return this.activation === "linear" || (this.activation === "relu" && isPlainRelu(a));
  }
}

export function size(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Checks a shape is [H, W, C]. */
export function expectImage(layer: Layer, shape: Shape): [number, number, number] {
  if (shape.length !== 3) {
    throw new ModelFormatError(`layer ${layer.name} (${layer.className}): expected an input of rank 3 [H, W, C], found [${shape.join(", ")}]`);
  }
  return shape as [number, number, number];
}

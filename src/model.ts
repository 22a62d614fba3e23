import { ArgumentError, ModelFormatError } from "./errors.js";
import { compile, execute, executeInPlace, type Program } from "./engine/compile.js";
import type { NNVariant } from "./engine/wasm.js";
import { INFERENCE_IDENTITY, InputLayer } from "./layers/core.js";
import { size, type Layer, type Shape, SymbolicTensor } from "./layers/layer.js";
import { LIMITS } from "./limits.js";
import { Random } from "./util/random.js";

/** Examples a row-wise model runs at once (Model.rowWise). */
const ROW_BLOCK = 64;
/** Layer classes that act on each example's vector alone. */
const ROW_WISE = new Set(["InputLayer", "Dense", "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "BatchNormalization", "Dropout", "Flatten",
  "Rescaling", "Normalization", "Add", "Subtract", "Multiply", "Maximum", "Minimum", "Average", "ConstantOp", ...INFERENCE_IDENTITY]);

/** Keras's Input(): the placeholder a functional model starts from. */
export function input(args: { shape: Shape; name?: string }): SymbolicTensor {
  const layer = new InputLayer({ name: args.name, shape: args.shape });
  return layer.apply([]);
}

export interface NamedWeight {
  /** "layer/weight", as in model.json's weightsManifest */
  name: string;
  shape: number[];
  values: Float32Array;
  trainable: boolean;
}

/** What running a model for its answers reads: a Model, or a QuantizedModel (src/quant/program.ts). */
export type Predictor = Pick<Model, "predict" | "inputShape" | "outputShape" | "classNames" | "userDefinedMetadata">;

/**
 * A functional model: a graph of layers from one input to one or more outputs (branches and merges allowed).
 * predict() runs a whole batch through WASM in one call per chunk of MAX_CHUNK examples.
 */
export class Model {
  readonly name: string;
  /** Layers in an order where every layer comes after its inputs. */
  readonly layers: Layer[];
  readonly input: SymbolicTensor;
  /** The first output: what predict() returns. */
  readonly output: SymbolicTensor;
  /** Every output, in order: predictOutputs() returns one array for each. */
  readonly outputs: SymbolicTensor[];
  /** Class names (userDefinedMetadata.classes of an exported model), when known. */
  classNames?: string[];
  userDefinedMetadata?: Record<string, unknown>;
  private program: Program | null = null;
  /** row-wise models: programs for several examples at once, by row count (ROW_BLOCK and the last remainders) */
  private rowPrograms = new Map<number, Program>();
  private rowWiseCache?: boolean;
  /** Set by the loader for a model whose declared input leaves dimensions free: the same model for another input shape. */
  reshaper?: (shape: number[]) => Model;
  private readonly reshaped = new Map<string, Model>();
  private variant?: NNVariant;

  constructor(args: { inputs: SymbolicTensor; outputs: SymbolicTensor | SymbolicTensor[]; name?: string; seed?: number }) {
    this.name = args.name ?? "model";
    this.input = args.inputs;
    this.outputs = Array.isArray(args.outputs) ? args.outputs : [args.outputs];
    if (this.outputs.length === 0) throw new ArgumentError("Model: outputs is empty");
    this.output = this.outputs[0];
    if (!(this.input.layer instanceof InputLayer)) throw new ArgumentError("Model: inputs must come from input()");
    this.layers = topoSort(this.outputs);
    if (this.layers.length > LIMITS.maxLayers) throw new ModelFormatError(`model has ${this.layers.length} layers, over the limit of ${LIMITS.maxLayers}`);
    if (!this.layers.includes(this.input.layer)) throw new ModelFormatError(`model output does not depend on its input ${this.input.layer.name}`);
    const inputs = this.layers.filter((l) => l instanceof InputLayer);
    if (inputs.length !== 1) throw new ModelFormatError(`model has ${inputs.length} inputs; this engine runs single-input models`);
    const rng = new Random(args.seed ?? 1);
    for (const l of this.layers) l.initWeights(rng);
  }

  get inputShape(): Shape {
    return this.input.shape;
  }

  get outputShape(): Shape {
    return this.output.shape;
  }

  get outputShapes(): Shape[] {
    return this.outputs.map((o) => o.shape);
  }

  getLayer(name: string): Layer {
    const l = this.layers.find((x) => x.name === name);
    if (!l) throw new ArgumentError(`model has no layer named "${name}"`);
    return l;
  }

  /** Every weight, named "layer/weight" in Keras's order. */
  namedWeights(): NamedWeight[] {
    const out: NamedWeight[] = [];
    for (const l of this.layers) {
      for (const spec of l.weightSpecs(l.inputShapes)) {
        out.push({ name: `${l.name}/${spec.name}`, shape: spec.shape, values: l.weight(spec.name), trainable: spec.trainable });
      }
    }
    return out;
  }

  countParams(): number {
    return this.layers.reduce((s, l) => s + l.countParams(), 0);
  }

  /** Call after changing weights in place: the next predict() packs them again. */
  weightsChanged(): void {
    this.program = null;
    this.rowPrograms.clear();
  }

  /** Chooses the WASM build: "relaxed" (fused multiply-add, where it validates) or "simd". Default: the best available. */
  useVariant(variant: NNVariant | undefined): this {
    this.variant = variant;
    this.program = null;
    this.rowPrograms.clear();
    return this;
  }

  /** Which WASM build runs this model ("relaxed" or "simd"), compiling it if needed. */
  get backend(): NNVariant {
    return this.compiled().variant;
  }

  /** The compiled WASM program (compiling on first use); for profiling and tools. */
  compiled(): Program {
    if (!this.program) this.program = compile(this.layers, this.input, this.outputs, this.variant);
    return this.program;
  }

  /**
   * Runs a batch: x holds n examples of inputShape (n·size(inputShape) floats, NHWC); returns n·size(outputShape)
   * floats. Bad input (wrong length, NaN) gets an ArgumentError, never a wrong answer.
   */
  predict(x: Float32Array | ArrayLike<number>, n?: number): Float32Array {
    const all = this.run(x, n);
    return this.outputs.length === 1 ? all.values : this.split(all.values, all.count)[0];
  }

  /** Runs a batch and returns each output's n·size(outputShapes[k]) floats. */
  predictOutputs(x: Float32Array | ArrayLike<number>, n?: number): Float32Array[] {
    const all = this.run(x, n);
    return this.split(all.values, all.count);
  }

  /**
   * One example run in place, for callers that build a large input themselves (a detector's frame): `fill`
   * writes the input (size(inputShape) floats, NHWC) straight into the engine's memory; each output comes back
   * as a view of that memory, valid until this model runs again. No copies and no finiteness scan: `fill`
   * answers for its values.
   */
  runInPlace(fill: (input: Float32Array) => void): Float32Array[] {
    const packed = executeInPlace(this.compiled(), fill);
    let off = 0;
    return this.outputs.map((o) => packed.subarray(off, (off += size(o.shape))));
  }

  private split(packed: Float32Array, n: number): Float32Array[] {
    const sizes = this.outputs.map((o) => size(o.shape)), per = sizes.reduce((a, b) => a + b, 0);
    return sizes.map((sz, k) => {
      const off = sizes.slice(0, k).reduce((a, b) => a + b, 0), out = new Float32Array(n * sz);
      for (let i = 0; i < n; i++) out.set(packed.subarray(i * per + off, i * per + off + sz), i * sz);
      return out;
    });
  }

  private run(x: Float32Array | ArrayLike<number>, n?: number): { values: Float32Array; count: number } {
    const per = size(this.inputShape);
    const arr = x instanceof Float32Array ? x : Float32Array.from(x);
    const count = n ?? arr.length / per;
    if (!Number.isInteger(count) || count < 0 || arr.length < count * per || (n === undefined && arr.length % per !== 0)) {
      throw new ArgumentError(
        `predict: input has ${arr.length} values, expected a multiple of ${per} (${this.inputShape.join("×")} per example)` +
          (n !== undefined ? ` covering ${n} examples` : ""),
      );
    }
    if (count === 0) return { values: new Float32Array(0), count };
    const view = arr.subarray(0, count * per);
    for (let i = 0; i < view.length; i++) {
      if (!Number.isFinite(view[i])) throw new ArgumentError(`predict: input value ${i} is ${view[i]}, expected a finite number`);
    }
    if (count > 1 && this.rowWise()) return { values: this.runRows(view, count), count };
    return { values: execute(this.compiled(), view, count), count };
  }

  /**
   * True when every layer maps each example's vector on its own, feature by feature or through a Dense layer
   * (an MLP, or a classifier head fed features): a batch then runs as the rows of one matrix, each Dense layer one
   * register-tiled GEMM over ROW_BLOCK rows instead of a matrix-vector product an example.
   */
  rowWise(): boolean {
    if (this.rowWiseCache === undefined) {
      this.rowWiseCache = this.outputs.length === 1 && this.layers.every((l) => l.output!.shape.length === 1 && ROW_WISE.has(l.className) &&
        (l.className !== "ConstantOp" || (l as unknown as { constantShape: Shape }).constantShape.length <= 1) &&
        l.inputShapes.every((s) => s.join() === l.output!.shape.join() || l.className === "Dense"));
    }
    return this.rowWiseCache;
  }

  private runRows(x: Float32Array, count: number): Float32Array {
    const per = size(this.inputShape), outPer = size(this.outputShape);
    const out = new Float32Array(count * outPer);
    for (let i = 0; i < count; i += ROW_BLOCK) {
      const m = Math.min(ROW_BLOCK, count - i);
      let p = this.rowPrograms.get(m);
      if (!p) {
        if (this.rowPrograms.size >= 3) this.rowPrograms.delete([...this.rowPrograms.keys()].find((k) => k !== ROW_BLOCK)!);
        p = compile(this.layers, this.input, this.outputs, this.variant, m);
        this.rowPrograms.set(m, p);
      }
      out.set(execute(p, x.subarray(i * per, (i + m) * per), 1), i * outPer);
    }
    return out;
  }

  /** The same as predict, through every layer's plain TypeScript reference: slow, obvious, for checking. */
  predictReference(x: Float32Array, n?: number): Float32Array {
    return this.predictReferenceOutputs(x, n)[0];
  }

  /** predictOutputs through the layers' references. */
  predictReferenceOutputs(x: Float32Array, n?: number): Float32Array[] {
    const per = size(this.inputShape);
    const count = n ?? x.length / per;
    const outs = this.outputs.map((o) => new Float32Array(count * size(o.shape)));
    for (let i = 0; i < count; i++) {
      const values = new Map<SymbolicTensor, Float32Array>();
      values.set(this.input, x.subarray(i * per, (i + 1) * per));
      for (const l of this.layers) {
        if (l.output === this.input) continue;
        const t = l.output!;
        values.set(t, l.reference(t.inputs.map((s) => values.get(s)!), l.inputShapes));
      }
      this.outputs.forEach((o, k) => outs[k].set(values.get(o)!, i * size(o.shape)));
    }
    return outs;
  }

  /**
   * This model for inputs of another shape, where its declared input leaves dimensions free (a fully
   * convolutional Keras model, loaded with loadLayersModel(source, { inputShape })): the same weights, compiled
   * once per shape and kept. The model's own shape returns the model itself.
   */
  forInputShape(shape: number[]): Model {
    if (shape.join() === this.inputShape.join()) return this;
    if (!this.reshaper) throw new ArgumentError(`forInputShape: the model's input is fixed at [${this.inputShape.join(", ")}], not [${shape.join(", ")}]`);
    const key = shape.join();
    let m = this.reshaped.get(key);
    if (!m) {
      m = this.reshaper(shape);
      if (this.variant) m.useVariant(this.variant);
      this.reshaped.set(key, m);
    }
    return m;
  }

  /** A printable table: layer, class, output shape, parameters. */
  summary(): string {
    const rows = this.layers.map((l) => [l.name, l.className, `[${l.output!.shape.join(", ")}]`, String(l.countParams())]);
    rows.unshift(["layer", "class", "output", "params"]);
    const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
    const lines = rows.map((r) => r.map((c, i) => (i === 3 ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  "));
    lines.push(`total params: ${this.countParams()}`);
    return lines.join("\n");
  }
}

function topoSort(outputs: SymbolicTensor[]): Layer[] {
  const order: Layer[] = [];
  const state = new Map<Layer, 1 | 2>();
  const stack: [SymbolicTensor, boolean][] = outputs.map((o) => [o, false] as [SymbolicTensor, boolean]).reverse();
  while (stack.length) {
    const [t, done] = stack.pop()!;
    const l = t.layer;
    if (done) {
      if (state.get(l) !== 2) {
        state.set(l, 2);
        order.push(l);
      }
      continue;
    }
    if (state.get(l) === 2) continue;
    if (state.get(l) === 1) throw new ModelFormatError(`layer graph has a cycle through ${l.name}`);
    state.set(l, 1);
    stack.push([t, true]);
    for (let i = t.inputs.length - 1; i >= 0; i--) if (state.get(t.inputs[i].layer) !== 2) stack.push([t.inputs[i], false]);
  }
  return order;
}

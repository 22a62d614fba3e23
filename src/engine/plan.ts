import { isElementwise, isPlainRelu } from "../layers/activation.js";
import { Activation, BatchNormalization } from "../layers/core.js";
import type { Layer, SymbolicTensor } from "../layers/layer.js";
import { Add } from "../layers/merge.js";
import { AveragePooling2D, ZeroPadding2D } from "../layers/pooling.js";

// The graph facts that the inference compiler (compile.ts) and the trainer (src/train/trainer.ts) both act on,
// decided here once: who consumes each tensor, and which layers run fused into a neighbour. Each side's fusion
// rules follow from its kernels, so there are two rule sets, side by side below; the graph walk is one.

/** One step of an inference program: a layer's kernel, with the layers after it that it absorbs. */
export interface InferenceStep {
  layer: Layer;
  /** the tensor the step materialises: the last absorbed layer's output */
  output: SymbolicTensor;
  /** an identity at inference (Dropout, Flatten, Reshape, …): its output aliases its input */
  identity: boolean;
  /** a batch norm folded into the layer's weights */
  bn?: BatchNormalization;
  /** the other input of a two-input Add done in the layer's epilogue (the residual join) */
  residual?: SymbolicTensor;
  /** a "valid" AveragePooling2D that a ZeroPadding2D does without building the padded image */
  pool?: AveragePooling2D;
  /** an element-wise activation applied by the layer (its kernel's epilogue, or in place after it) */
  activation?: Activation;
  /** every tensor the step reads: the layer's inputs, then the residual */
  reads: SymbolicTensor[];
}

export class GraphPlan {
  readonly consumers = new Map<SymbolicTensor, Layer[]>();
  readonly outputs: Set<SymbolicTensor>;

  /** layers: in an order where every layer comes after its inputs (Model.layers). */
  constructor(readonly layers: Layer[], outputs: SymbolicTensor[]) {
    this.outputs = new Set(outputs);
    for (const l of layers) {
      for (const t of l.output!.inputs) {
        if (!this.consumers.has(t)) this.consumers.set(t, []);
        this.consumers.get(t)!.push(l);
      }
    }
  }

  /** How many times t is read (a layer reading it twice counts twice): its buffer's reference count. */
  uses(t: SymbolicTensor): number {
    return this.consumers.get(t)?.length ?? 0;
  }

  /** The layer reading t when it is the only reader and t is not a model output: the condition of every fusion. */
  onlyConsumer(t: SymbolicTensor): Layer | undefined {
    const c = this.consumers.get(t);
    return c && c.length === 1 && !this.outputs.has(t) ? c[0] : undefined;
  }

  /**
   * Inference: each layer's step, skipping the layers absorbed into an earlier one. In order, each only where the
   * intermediate tensor has no other reader:
   * - a batch norm after a layer that can fold it (a linear conv or dense) goes into its weights;
   * - a two-input Add after a layer with a pointwise epilogue takes the other input as a residual, where that
   *   input is materialised before the layer runs;
   * - ZeroPadding2D then a "valid" AveragePooling2D become one pooling;
   * - an element-wise activation runs inside the layer before it.
   */
  inferenceSteps(input: SymbolicTensor): InferenceStep[] {
    const steps: InferenceStep[] = [];
    const absorbed = new Set<Layer>();
    const materialised = new Set<SymbolicTensor>([input]);
    for (const layer of this.layers) {
      if (absorbed.has(layer) || layer.output === input) continue;
      const t = layer.output!;
      if (layer.isIdentity()) {
        steps.push({ layer, output: t, identity: true, reads: [...t.inputs] });
        materialised.add(t);
        continue;
      }
      const step: InferenceStep = { layer, output: t, identity: false, reads: [...t.inputs] };
      const absorb = (l: Layer) => {
        absorbed.add(l);
        step.output = l.output!;
      };
      let next = this.onlyConsumer(t);
      if (next instanceof BatchNormalization && layer.canFoldAffine()) {
        step.bn = next;
        absorb(next);
        next = this.onlyConsumer(step.output);
      }
      if (next instanceof Add && next.output!.inputs.length === 2 && layer.canFuseResidual()) {
        const other = next.output!.inputs.find((s) => s !== step.output);
        if (other && materialised.has(other)) {
          step.residual = other;
          step.reads.push(other);
          absorb(next);
          next = this.onlyConsumer(step.output);
        }
      }
      if (layer instanceof ZeroPadding2D && step.output === t && next instanceof AveragePooling2D && next.padding === "valid" && !next.pads) {
        step.pool = next;
        absorb(next);
        next = undefined; // the fused pooling takes no activation
      }
      if (next instanceof Activation && !next.isIdentity() && isElementwise(next.act) && layer.canFuseActivation(next.act)) {
        step.activation = next;
        absorb(next);
      }
      steps.push(step);
      materialised.add(step.output);
    }
    return steps;
  }

  /**
   * Training: the layers whose forward and backward run inside the next layer's kernels (none when `unfused`):
   * a ZeroPadding2D into the 2×2/2 average pooling after it, and a two-input Add into the ReLU after it.
   */
  trainingFusions(unfused: boolean): Set<Layer> {
    if (unfused) return new Set();
    const isPool2x2 = (l: Layer | undefined): boolean =>
      l instanceof AveragePooling2D && l.poolSize.join() === "2,2" && l.strides.join() === "2,2" && l.padding === "valid" && !l.pads;
    const isRelu = (l: Layer | undefined): boolean => l instanceof Activation && isPlainRelu(l.act);
    return new Set(this.layers.filter((l) =>
      (l instanceof ZeroPadding2D && isPool2x2(this.onlyConsumer(l.output!))) ||
      (l instanceof Add && l.output!.inputs.length === 2 && isRelu(this.onlyConsumer(l.output!)))));
  }
}

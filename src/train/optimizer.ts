// The optimiser of the main thread: one TrainKernels instance holding the flat parameter block
// (paramLayout), its gradient and the optimiser's buffers; one kernel call a step for all parameters.
//   adam: the paper's Adam (Kingma & Ba), weight decay as L2 into the gradient (PyTorch Adam's
//         weight_decay, what the reference recipe used) or decoupled (AdamW)
//   sgd:  SGD with (Nesterov) momentum and L2 weight decay

import { ArgumentError } from "../errors.js";
import { TrainKernels, type Ptr } from "./kernels.js";

export interface OptimizerOptions {
  kind: "adam" | "sgd";
  weightDecay?: number;
  /** adam */
  beta1?: number;
  beta2?: number;
  eps?: number;
  decoupled?: boolean;
  /** sgd */
  momentum?: number;
  nesterov?: boolean;
}

/** What a checkpoint keeps to resume: the step count and the moments (m, v for Adam; the momentum buffer in m for SGD). */
export interface OptimizerState {
  step: number;
  m: Float32Array;
  v: Float32Array;
}

export class Optimizer {
  readonly k = new TrainKernels();
  readonly p: Ptr;
  readonly g: Ptr;
  private readonly m: Ptr;
  private readonly v: Ptr;
  step = 0;

  constructor(readonly n: number, readonly o: OptimizerOptions) {
    if (o.kind !== "adam" && o.kind !== "sgd") throw new ArgumentError(`optimizer: expected "adam" or "sgd", found ${String(o.kind)}`);
    this.p = this.k.allocZeroed(n);
    this.g = this.k.allocZeroed(n);
    this.m = this.k.allocZeroed(n);
    this.v = this.k.allocZeroed(n);
  }

  setParams(p: Float32Array): void {
    this.check(p);
    this.k.write(this.p, p);
  }

  params(): Float32Array {
    return this.k.read(this.p, this.n);
  }

  /** One step with gradient g (flat, paramLayout) at learning rate lr. */
  apply(g: Float32Array, lr: number): void {
    this.check(g);
    this.k.write(this.g, g);
    this.step++;
    const o = this.o;
    if (o.kind === "adam") {
      this.k.adamStep(this.p, this.g, this.m, this.v, this.n, {
        lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay, decoupled: o.decoupled, step: this.step,
      });
    } else {
      this.k.sgdStep(this.p, this.g, this.m, this.n, { lr, momentum: o.momentum ?? 0.9, weightDecay: o.weightDecay, nesterov: o.nesterov ?? true });
    }
  }

  getState(): OptimizerState {
    return { step: this.step, m: this.k.read(this.m, this.n), v: this.k.read(this.v, this.n) };
  }

  setState(s: OptimizerState): void {
    this.check(s.m);
    this.check(s.v);
    this.step = s.step;
    this.k.write(this.m, s.m);
    this.k.write(this.v, s.v);
  }

  private check(a: Float32Array): void {
    if (a.length !== this.n) throw new ArgumentError(`optimizer: ${a.length} values, expected ${this.n} (a different model?)`);
  }
}

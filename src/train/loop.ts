// The training loop: seeded shuffling, augmentation, ghost batches on a GradEngine, the optimiser step
// and the moving batch-norm statistics on the main thread, learning-rate schedule. An epoch's randomness
// (order, augmentation, mixing) derives from (seed, epoch) alone, so a run resumed at an epoch boundary from
// its checkpoint continues exactly as it would have.

import { ArgumentError } from "../errors.js";
import { BatchNormalization } from "../layers/core.js";
import type { Model } from "../model.js";
import { Random, shuffle } from "../util/random.js";
import { augmentBatch, NO_AUGMENT, type AugmentOptions } from "./augment.js";
import { FER_CLASSES, FER_PIXELS, FER_SIDE, type FerData } from "./fer2013.js";
import { Optimizer, type OptimizerOptions } from "./optimizer.js";
import { createGradEngine, type GhostJob, type GhostResult, type GradEngine } from "./parallel.js";
import { drawMix, mixPixels, mixTargets, type MixOptions } from "./mix.js";
import { samPoint } from "./sam.js";
import { learningRate, type PlateauOptions, type PlateauState, type ScheduleOptions } from "./schedule.js";
import { packParams, unpackParams } from "./trainer.js";

export interface TrainConfig {
  epochs: number;
  batch: number;
  /** ghost batch size of batch norm (see parallel.ts); default 32 */
  ghost: number;
  seed: number;
  lr: number;
  schedule: ScheduleOptions["name"];
  warmup: number;
  /** schedule "plateau": its patience and factor (src/train/schedule.ts); absent with every other schedule */
  plateau?: PlateauOptions;
  optimizer: OptimizerOptions;
  smoothing: number;
  /**
   * Weight w of the Training rows' soft targets (FerData.soft: FER+ votes or a teacher's softmax): target =
   * (1 - w)·(smoothed one-hot) + w·soft. Absent in a run without soft targets (the data then has none).
   */
  softWeight?: number;
  /**
   * Distillation temperature T of the soft rows: the teacher file's (`soft-targets --temperature T`, its first line),
   * absent for T = 1 (one mixed target). With T ≠ 1 a soft row's loss is (1 - w)·CE(label) + w·T²·CE(soft, softmax(z/T)).
   */
  softTemperature?: number;
  /**
   * How many teacher models run on each augmented ghost batch to make its soft targets (train --teacher; parallel.ts),
   * weighted by softWeight and distilled at softTemperature; absent where the soft targets, if any, come from a file.
   */
  teachers?: number;
  augment: AugmentOptions;
  /** mixup and cutmix (src/train/mix.ts); absent in a run without them, which then draws no random number for them */
  mix?: MixOptions;
  /** the three blocks' widths of a wider ResEZAP (a teacher); absent for ResEZAP's 32, 64, 96 */
  filters?: [number, number, number];
  /** the batch norms' momentum m (moving = moving·m + ghost batch·(1 − m)); absent for Keras's 0.99 */
  bnMomentum?: number;
  /** sharpness-aware minimisation (src/train/sam.ts) with radius rho; absent in a run without it */
  sam?: { rho: number };
}

export const REFERENCE_CONFIG: Omit<TrainConfig, "augment"> = {
  epochs: 25, batch: 64, ghost: 32, seed: 1, lr: 4e-3, schedule: "one-cycle", warmup: 0.15,
  optimizer: { kind: "adam", weightDecay: 1e-4, eps: 1e-8 }, smoothing: 0.1,
};

export interface StepInfo {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
  accuracy: number;
  lr: number;
  images: number;
}

/** An integer from a few integers: independent seeds for shuffling (…, 1), augmentation (…, 2) and mixing (…, 3) of each epoch. */
export function mixSeed(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) h = Math.imul(h ^ (x >>> 0), 0x85ebca6b) ^ (Math.imul(h, 0xc2b2ae35) >>> 13);
  return h >>> 0;
}

export class TrainingSession {
  readonly opt: Optimizer;
  private engine?: GradEngine;
  private readonly bn: BatchNormalization[];
  /** steps taken over the whole run (the schedule's clock) */
  globalStep = 0;
  /** the plateau schedule's cuts so far and epochs without a new best (the run updates it after each epoch) */
  plateau: PlateauState = { reductions: 0, bad: 0 };

  /** teachers: the cfg.teachers models that make each ghost batch's soft targets (the same ones on every resume) */
  constructor(readonly model: Model, readonly cfg: TrainConfig, readonly stepsPerEpoch: number, readonly workers: number, private readonly teachers: Model[] = []) {
    if (!(cfg.batch >= 1 && cfg.ghost >= 1)) throw new ArgumentError(`batch and ghost batch must be ≥ 1`);
    if ((cfg.schedule === "plateau") !== (cfg.plateau !== undefined)) throw new ArgumentError(`schedule ${cfg.schedule} ${cfg.plateau ? "with" : "without"} plateau options: the plateau schedule and only it has them`);
    if ((cfg.teachers ?? 0) !== teachers.length) throw new ArgumentError(`the recipe names ${cfg.teachers ?? 0} teacher model(s), ${teachers.length} given`);
    // a mixed batch's target is one blend of label and teacher, which a temperature cannot split again
    if (cfg.mix && (cfg.softTemperature ?? 1) !== 1) throw new ArgumentError(`mixup/cutmix with a teacher at temperature ${cfg.softTemperature}: distillation at T ≠ 1 needs unmixed batches (use temperature 1)`);
    const p = packParams(model);
    this.opt = new Optimizer(p.length, cfg.optimizer);
    this.opt.setParams(p);
    this.bn = model.layers.filter((l): l is BatchNormalization => l instanceof BatchNormalization);
  }

  async start(): Promise<void> {
    this.engine ??= await createGradEngine(this.model, Math.min(this.cfg.ghost, this.cfg.batch), this.workers, this.teachers);
  }

  async close(): Promise<void> {
    await this.engine?.close();
    this.engine = undefined;
  }

  lrAt(step: number): number {
    const c = this.cfg;
    return learningRate({ name: c.schedule, lr: c.lr, total: c.epochs * this.stepsPerEpoch, warmup: c.warmup, factor: c.plateau?.factor, reductions: this.plateau.reductions }, step);
  }

  /** One epoch over d (the last incomplete batch dropped); onStep after each step. Writes the weights back into the model. */
  async epoch(d: FerData, epoch: number, onStep?: (s: StepInfo) => void): Promise<{ loss: number; accuracy: number }> {
    await this.start();
    const c = this.cfg, B = c.batch, G = Math.min(c.ghost, B);
    const order = shuffle(d.n, new Random(mixSeed(c.seed, epoch, 1)));
    const aug = new Random(mixSeed(c.seed, epoch, 2));
    const mixRng = c.mix ? new Random(mixSeed(c.seed, epoch, 3)) : null;
    const steps = Math.min(this.stepsPerEpoch, Math.floor(d.n / B));
    let lossSum = 0, correct = 0, seen = 0;
    if (d.soft && this.teachers.length) throw new ArgumentError(`soft targets from a file and from teacher models at once: give one`);
    const softWeight = d.soft || this.teachers.length ? c.softWeight ?? 0 : 0;
    // a batch's ghost jobs and the soft-target weight they go with: a mixed batch carries each row's whole target
    // as its soft target, weight 1
    const batchOf = (s: number): { jobs: GhostJob[]; softWeight: number } => {
      const idx = order.subarray(s * B, (s + 1) * B);
      let x = augmentBatch(d.pixels, idx, FER_SIDE, aug, c.augment ?? NO_AUGMENT);
      const labels = Int32Array.from(idx, (i) => d.labels[i]);
      let soft: Float32Array | undefined;
      if (d.soft) {
        soft = new Float32Array(B * FER_CLASSES);
        for (let j = 0; j < B; j++) soft.set(d.soft.subarray(idx[j] * FER_CLASSES, (idx[j] + 1) * FER_CLASSES), j * FER_CLASSES);
      }
      const mix = mixRng ? drawMix(c.mix!, B, FER_SIDE, mixRng) : null;
      if (mix) {
        x = mixPixels(x, B, FER_SIDE, mix);
        // with teachers, only the labels are blended here: the workers' teachers answer for the mixed face
        soft = mixTargets(labels, soft, FER_CLASSES, c.smoothing, this.teachers.length ? 0 : softWeight, mix);
      }
      const jobs: GhostJob[] = [];
      for (let g = 0; g < B; g += G) {
        const n = Math.min(G, B - g);
        const job: GhostJob = { x: x.slice(g * FER_PIXELS, (g + n) * FER_PIXELS), labels: labels.slice(g, g + n), n, gradScale: n / B };
        if (soft) job.soft = soft.slice(g * FER_CLASSES, (g + n) * FER_CLASSES);
        if (mix && this.teachers.length) job.teacherWeight = softWeight;
        jobs.push(job);
      }
      return { jobs, softWeight: mix ? 1 : softWeight };
    };
    let next = steps > 0 ? batchOf(0) : { jobs: [], softWeight };
    for (let s = 0; s < steps; s++) {
      const cur = next, T = c.softTemperature ?? 1, w = this.opt.params();
      const pending = this.engine!.run(w, cur.jobs, c.smoothing, cur.softWeight, T);
      // the next batch is augmented while the workers compute this one (same order of random draws,
      // so the same batches as one after the other)
      if (s + 1 < steps) next = batchOf(s + 1);
      const results = await pending;
      let grads = sumGrads(results);
      if (c.sam) {
        // the same ghost batches again at the moved weights, with the teachers' targets of the first pass
        const moved = samPoint(w, grads, c.sam.rho);
        const again = cur.jobs.map((j, i) => (results[i].targets ? { ...j, targets: results[i].targets } : j));
        grads = sumGrads(await this.engine!.run(moved, again, c.smoothing, cur.softWeight, T));
      }
      const lr = this.lrAt(this.globalStep);
      this.opt.apply(grads, lr);
      // the moving statistics, loss and accuracy are the unmoved weights' (the first pass)
      this.updateMoving(results);
      this.globalStep++;
      const stepLoss = results.reduce((a, r) => a + r.loss * r.n, 0) / B;
      const stepCorrect = results.reduce((a, r) => a + r.correct, 0);
      lossSum += stepLoss * B;
      correct += stepCorrect;
      seen += B;
      onStep?.({ epoch, step: s + 1, stepsPerEpoch: steps, loss: stepLoss, accuracy: stepCorrect / B, lr, images: B });
    }
    unpackParams(this.model, this.opt.params());
    return { loss: lossSum / seen, accuracy: correct / seen };
  }

  // moving = moving·momentum + batch·(1 - momentum) per ghost batch, in ghost order; the variance
  // unbiased (·M/(M-1)), as PyTorch (the reference model's framework)
  private updateMoving(results: GhostResult[]): void {
    for (const r of results) {
      r.stats.forEach((st, i) => {
        const l = this.bn[i];
        const mom = l.momentum, mm = l.weight("moving_mean"), mv = l.weight("moving_variance");
        const corr = st.count > 1 ? st.count / (st.count - 1) : 1;
        for (let c = 0; c < mm.length; c++) {
          mm[c] = mm[c] * mom + st.mean[c] * (1 - mom);
          mv[c] = mv[c] * mom + st.variance[c] * corr * (1 - mom);
        }
      });
    }
    this.model.weightsChanged();
  }
}

/** The ghost batches' gradients summed in ghost order (the order that makes any number of workers agree). */
export function sumGrads(results: GhostResult[]): Float32Array {
  const g = new Float32Array(results[0].grads.length);
  for (const r of results) for (let i = 0; i < g.length; i++) g[i] += r.grads[i];
  return g;
}

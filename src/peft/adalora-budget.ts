/**
 * AdaLoRA's rank allocator, as Hugging Face peft's RankAllocator: the cubic budget schedule, importance scores
 * smoothed by two EMAs (sensitivity and uncertainty), and masking of the least important singular values. Every
 * stacked adapter k has its own scores and its own top-`budget` selection; all of it runs on device.
 */
import * as tf from '@tensorflow/tfjs';

export interface BudgetSchedule {
  initR: number;
  targetR: number;
  nModules: number;
  tinit: number;
  tfinal: number;
  deltaT: number;
  totalSteps: number;
}

/**
 * peft's budget_schedule: the total rank budget (summed over modules, per adapter) at `step` and whether to mask.
 * step ≤ tinit: initR·n, no mask; step > totalSteps − tfinal: targetR·n, mask; in between a cubic decrease
 * int((initR·n − targetR·n)·(1 − (step − tinit)/(totalSteps − tfinal − tinit))³ + targetR·n), masking every deltaT.
 */
export function budgetSchedule(step: number, s: BudgetSchedule): { budget: number; mask: boolean } {
  const initBgt = s.initR * s.nModules;
  const targetBgt = s.targetR * s.nModules;
  if (step <= s.tinit) return { budget: initBgt, mask: false };
  if (step > s.totalSteps - s.tfinal) return { budget: targetBgt, mask: true };
  const mulCoeff = 1 - (step - s.tinit) / (s.totalSteps - s.tfinal - s.tinit);
  return {
    budget: Math.trunc((initBgt - targetBgt) * mulCoeff ** 3 + targetBgt),
    mask: step % s.deltaT === 0,
  };
}

/** A variable holding `init`, which is disposed (tf.variable keeps the initial tensor alive otherwise). */
export function variableOf(init: tf.Tensor, trainable = true): tf.Variable {
  const v = tf.variable(init, trainable);
  init.dispose();
  return v;
}

/** One module's SVD triplet: P = A [K, in, r], Λ = E [K, 1, r], Q = B [K, r, out]. */
export interface Triplet<T = tf.Variable> {
  a: T;
  e: T;
  b: T;
}

/** Smoothed sensitivity (exp_avg_ipt) and uncertainty (exp_avg_unc) of every entry of one parameter. */
class Importance {
  readonly ipt: tf.Variable;
  readonly unc: tf.Variable;

  constructor(shape: number[]) {
    this.ipt = variableOf(tf.zeros(shape), false);
    this.unc = variableOf(tf.zeros(shape), false);
  }

  /** ipt = |p ⊙ g|; ipt_ema ← β1·ipt_ema + (1−β1)·ipt; unc ← β2·unc + (1−β2)·|ipt − ipt_ema| (call in tidy). */
  update(p: tf.Tensor, g: tf.Tensor, beta1: number, beta2: number): void {
    const ipt = tf.abs(tf.mul(p, g));
    const avg = tf.add(tf.mul(this.ipt, beta1), tf.mul(ipt, 1 - beta1));
    this.ipt.assign(avg);
    this.unc.assign(tf.add(tf.mul(this.unc, beta2), tf.mul(tf.abs(tf.sub(ipt, avg)), 1 - beta2)));
  }

  /** exp_avg_ipt · exp_avg_unc, same shape as the parameter */
  score(): tf.Tensor {
    return tf.mul(this.ipt, this.unc);
  }

  reset(): void {
    tf.tidy(() => {
      this.ipt.assign(tf.zerosLike(this.ipt));
      this.unc.assign(tf.zerosLike(this.unc));
    });
  }

  dispose(): void {
    tf.dispose([this.ipt, this.unc]);
  }
}

export class RankAllocator {
  private readonly importance: Triplet<Importance>[];
  readonly rank: number;
  readonly groups: number;

  constructor(
    private readonly triplets: Triplet[],
    readonly beta1: number,
    readonly beta2: number,
  ) {
    this.importance = triplets.map((t) => ({
      a: new Importance(t.a.shape),
      e: new Importance(t.e.shape),
      b: new Importance(t.b.shape),
    }));
    this.groups = triplets[0].a.shape[0];
    this.rank = triplets[0].a.shape[2] as number;
  }

  /** peft update_ipt, with each triplet's gradients (same order and shapes as the triplets). */
  update(grads: Triplet<tf.Tensor>[]): void {
    tf.tidy(() => {
      this.triplets.forEach((t, i) => {
        const imp = this.importance[i];
        imp.a.update(t.a, grads[i].a, this.beta1, this.beta2);
        imp.e.update(t.e, grads[i].e, this.beta1, this.beta2);
        imp.b.update(t.b, grads[i].b, this.beta1, this.beta2);
      });
    });
  }

  /** Triplet scores s_E[i] + mean_in s_A[:, i] + mean_out s_B[i, :], modules concatenated: [K, n·r] */
  tripletScores(): tf.Tensor2D {
    return tf.tidy(() => {
      const K = this.groups;
      const r = this.rank;
      const parts = this.importance.map((imp) => {
        const sE = imp.e.score().reshape([K, r]);
        const sA = tf.mean(imp.a.score(), 1); // [K, in, r] → [K, r]
        const sB = tf.mean(imp.b.score(), 2); // [K, r, out] → [K, r]
        return tf.add(sE, tf.add(sA, sB));
      });
      return tf.concat(parts, 1) as tf.Tensor2D;
    });
  }

  /** 1 for the `budget` highest triplet scores of each adapter (ties by position), 0 elsewhere: [K, n·r] */
  topMask(budget: number): tf.Tensor2D {
    return tf.tidy(() => {
      const total = this.triplets.length * this.rank;
      if (budget >= total) return tf.ones([this.groups, total]) as tf.Tensor2D;
      if (budget <= 0) return tf.zeros([this.groups, total]) as tf.Tensor2D;
      const { indices } = tf.topk(this.tripletScores(), budget); // [K, budget]
      // not oneHot(indices).sum(1): on the WebGPU backend an int32 reduction over a middle axis goes through a
      // transpose shader that fails to compile (i32 into f32; casting first only relabels the buffer) and the
      // step's GPU commands are silently dropped; wasm's float32 oneHot is wrong. Compare, reduce the last axis.
      const K = this.groups;
      const hit = tf.any(
        tf.equal(indices.expandDims(1), tf.range(0, total, 1, 'int32').reshape([1, total, 1])),
        2,
      );
      return tf.where(hit, tf.ones([K, total]), tf.zeros([K, total])) as tf.Tensor2D; // [K, budget, total] → [K, n·r]
    });
  }

  /** E ← E ⊙ mask for every module, mask [K, n·r] */
  applyMask(mask: tf.Tensor2D): void {
    tf.tidy(() => {
      const K = this.groups;
      const parts = tf.split(mask, this.triplets.length, 1); // n × [K, r]
      this.triplets.forEach((t, i) => {
        t.e.assign(tf.mul(t.e, parts[i].reshape([K, 1, this.rank])));
      });
    });
  }

  /** peft reset_ipt */
  reset(): void {
    for (const imp of this.importance) for (const x of [imp.a, imp.e, imp.b]) x.reset();
  }

  dispose(): void {
    for (const imp of this.importance) for (const x of [imp.a, imp.e, imp.b]) x.dispose();
  }
}

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

  /**
   * ipt = |p ⊙ g|; ipt_ema ← β1·ipt_ema + (1−β1)·ipt; unc ← β2·unc + (1−β2)·|ipt − ipt_ema|, only where `active`
   * (broadcast over the stack axis, e.g. [K, 1, 1]) is 1; frozen adapters keep their scores (call in tidy).
   */
  update(p: tf.Tensor, g: tf.Tensor, beta1: number, beta2: number, active: tf.Tensor): void {
    const ipt = tf.abs(tf.mul(p, g));
    const avg = tf.add(tf.mul(this.ipt, beta1), tf.mul(ipt, 1 - beta1));
    const unc = tf.add(tf.mul(this.unc, beta2), tf.mul(tf.abs(tf.sub(ipt, avg)), 1 - beta2));
    this.ipt.assign(tf.where(tf.greater(active, 0), avg, this.ipt));
    this.unc.assign(tf.where(tf.greater(active, 0), unc, this.unc));
  }

  /** exp_avg_ipt · exp_avg_unc, same shape as the parameter */
  score(): tf.Tensor {
    return tf.mul(this.ipt, this.unc);
  }

  /** zero the scores of the active adapters (`active` broadcast as in update) */
  reset(active: tf.Tensor): void {
    tf.tidy(() => {
      const keep = tf.sub(1, active);
      this.ipt.assign(tf.mul(this.ipt, keep));
      this.unc.assign(tf.mul(this.unc, keep));
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

  /**
   * peft update_ipt, with each triplet's gradients (same order and shapes as the triplets), for the adapters with
   * `active` [K] = 1; the others (frozen) keep their scores.
   */
  update(grads: Triplet<tf.Tensor>[], active: tf.Tensor1D): void {
    tf.tidy(() => {
      const a = active.reshape([this.groups, 1, 1]);
      this.triplets.forEach((t, i) => {
        const imp = this.importance[i];
        imp.a.update(t.a, grads[i].a, this.beta1, this.beta2, a);
        imp.e.update(t.e, grads[i].e, this.beta1, this.beta2, a);
        imp.b.update(t.b, grads[i].b, this.beta1, this.beta2, a);
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

  /**
   * E ← E ⊙ mask for every module of the adapters with `active` [K] = 1 (frozen ones keep E), mask [K, n·r]. Returns
   * the mask now in force, [K, n·r]: `mask` for the active adapters, `current` for the others.
   */
  applyMask(mask: tf.Tensor2D, active: tf.Tensor1D, current: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const K = this.groups;
      const a = active.reshape([K, 1]);
      const eff = tf.add(tf.mul(mask, a), tf.sub(1, a)); // 1 for frozen adapters
      const parts = tf.split(eff, this.triplets.length, 1); // n × [K, r]
      this.triplets.forEach((t, i) => {
        t.e.assign(tf.mul(t.e, parts[i].reshape([K, 1, this.rank])));
      });
      return tf.add(tf.mul(mask, a), tf.mul(current, tf.sub(1, a))) as tf.Tensor2D;
    });
  }

  /** peft reset_ipt, for the adapters with `active` [K] = 1 */
  reset(active: tf.Tensor1D): void {
    tf.tidy(() => {
      const a = active.reshape([this.groups, 1, 1]);
      for (const imp of this.importance) for (const x of [imp.a, imp.e, imp.b]) x.reset(a);
    });
  }

  dispose(): void {
    for (const imp of this.importance) for (const x of [imp.a, imp.e, imp.b]) x.dispose();
  }
}

/**
 * AdamW (Loshchilov & Hutter; PyTorch's torch.optim.AdamW semantics) over an explicit variable list, with
 * per-adapter gradient-norm clipping and per-adapter freezing for stacked variables (axis 0 = adapter), so K stacked
 * adapters train exactly as K separate runs. All state lives on the backend; no host reads. On wasm with src/kernels
 * each variable's update is one fused pass with the same bits (src/kernels/adamw.ts); elsewhere the tfjs ops below.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedAdamW } from '../kernels/adamw';
import type { TrainableVariable } from '../peft/types';
import { newVariable } from '../util/tensors';

export interface AdamWConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** max global gradient L2 norm per adapter (0 = no clipping) */
  clipNorm: number;
}

export const ADAMW_DEFAULTS: AdamWConfig = {
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
  clipNorm: 1,
};

export class AdamW {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private t = 0;

  constructor(
    readonly vars: TrainableVariable[],
    readonly groups: number,
    readonly config: AdamWConfig,
  ) {
    for (const tv of vars) {
      this.m.set(
        tv.name,
        newVariable(() => tf.zerosLike(tv.variable), false),
      );
      this.v.set(
        tv.name,
        newVariable(() => tf.zerosLike(tv.variable), false),
      );
    }
  }

  get step(): number {
    return this.t;
  }

  /**
   * One update. `grads` by variable name; `active` [K] 1 for adapters that train, 0 for frozen ones (their weights
   * and moments are left untouched). Returns the per-adapter gradient norm before clipping, [K].
   */
  apply(grads: Map<string, tf.Tensor>, lr: number, active?: tf.Tensor1D): tf.Tensor1D {
    this.t++;
    const { beta1, beta2, eps, weightDecay, clipNorm } = this.config;
    const bc1 = 1 - beta1 ** this.t;
    const bc2 = 1 - beta2 ** this.t;
    const K = this.groups;
    return tf.tidy(() => {
      // per-adapter squared norm [K]
      let sq: tf.Tensor1D = tf.zeros([K]);
      for (const tv of this.vars) {
        const g = grads.get(tv.name);
        if (g === undefined) continue;
        const s = tv.stacked
          ? tf.sum(tf.square(g.reshape([g.shape[0], -1])), 1)
          : tf.sum(tf.square(g)).reshape([1]);
        sq = tf.add(sq, s);
      }
      const norm = tf.sqrt(sq) as tf.Tensor1D;
      const coef = clipNorm > 0 ? tf.minimum(1, tf.div(clipNorm, tf.add(norm, 1e-6))) : tf.onesLike(norm);
      for (const tv of this.vars) {
        const g0 = grads.get(tv.name);
        if (g0 === undefined) continue;
        const p = tv.variable;
        const bshape = tv.stacked ? [K, ...Array(p.rank - 1).fill(1)] : Array(p.rank).fill(1);
        const m = this.m.get(tv.name)!;
        const v = this.v.get(tv.name)!;
        // wasm with src/kernels: the same update in one pass, the same bits (src/kernels/adamw.test.ts)
        const decay = tv.decay && weightDecay > 0 ? 1 - lr * weightDecay : undefined;
        const fused = fusedAdamW({ p, m, v, g: g0, coef, active }, tv.stacked ? K : 1, {
          beta1,
          beta2,
          bc1,
          bc2,
          eps,
          lr,
          decay,
        });
        if (fused !== undefined) {
          p.assign(fused[0]);
          m.assign(fused[1]);
          v.assign(fused[2]);
          continue;
        }
        const c = coef.reshape(bshape);
        const g = tf.mul(g0, c);
        let mNew = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        let vNew = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const upd = tf.div(tf.div(mNew, bc1), tf.add(tf.sqrt(tf.div(vNew, bc2)), eps));
        let pNew = tf.sub(tv.decay && weightDecay > 0 ? tf.mul(p, 1 - lr * weightDecay) : p, tf.mul(upd, lr));
        if (active !== undefined) {
          const a = active.reshape(bshape);
          const keep = tf.sub(1, a);
          pNew = tf.add(tf.mul(pNew, a), tf.mul(p, keep));
          mNew = tf.add(tf.mul(mNew, a), tf.mul(m, keep));
          vNew = tf.add(tf.mul(vNew, a), tf.mul(v, keep));
        }
        p.assign(pNew);
        m.assign(mNew);
        v.assign(vNew);
      }
      return norm;
    });
  }

  dispose(): void {
    for (const x of this.m.values()) x.dispose();
    for (const x of this.v.values()) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** Learning-rate schedule: linear warm-up, then constant, linear decay or cosine decay to 0. */
export type LrSchedule = 'constant' | 'linear' | 'cosine';

export function learningRate(
  base: number,
  step: number,
  total: number,
  warmup: number,
  schedule: LrSchedule,
): number {
  if (warmup > 0 && step < warmup) return (base * (step + 1)) / warmup;
  if (schedule === 'constant') return base;
  const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return schedule === 'linear' ? base * (1 - progress) : base * 0.5 * (1 + Math.cos(Math.PI * progress));
}

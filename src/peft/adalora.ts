/**
 * AdaLoRA (Zhang et al. 2023), as in Hugging Face peft: each target linear y = x·W gets an SVD-form update
 * ΔW = P·Λ·Q, y += (α/(initR + 1e-5))·((dropout(x)·A) ⊙ E)·B, with A [K, in, r] (peft lora_A [r, in], transposed),
 * E [K, 1, r] (peft lora_E [r, 1], the singular values, init 0) and B [K, r, out] (peft lora_B [out, r], transposed);
 * A, B ~ N(0, 0.02). The scale keeps dividing by initR after pruning (peft's ranknum never changes).
 * `afterStep` leaves frozen adapters (`active` = 0) alone: their importance scores, masks and E stay as they were,
 * so a stacked adapter that stops early ends as a single run that stopped at the same step.
 *
 * Training adds `regularizer()` (orthogonality of A and B) to the loss and calls `afterStep(step, grads, active)` after each
 * optimiser step: importance scores are smoothed by EMAs and, following peft's cubic budget schedule, the singular
 * values of the least important triplets are set to 0 (a budget summed over the modules, per stacked adapter).
 */
import * as tf from '@tensorflow/tfjs';
import { transposeLast } from '../model/gradients';
import type { ForwardContext, LlamaModel, RawTensor } from '../model/llama';
import { linearShape } from '../model/llama';
import { normalArray } from '../util/random';
import {
  type BudgetSchedule,
  budgetSchedule,
  RankAllocator,
  type Triplet,
  variableOf,
} from './adalora-budget';
import {
  adapterSeeds,
  GroupDropout,
  groupedMatMul,
  rowLayout,
  selectGroups,
  stackedValues,
  stackMatMul,
} from './groups';
import { type PeftMethod, type RunFields, runFields, withDefaults } from './method';
import { selectModules, type TargetSelection } from './targets';
import type { CommonPeftConfig, PeftHandle, TrainableVariable } from './types';

/** One module of one adapter in peft's layout, all initR triplets: A [r, in], E [r, 1], B [out, r]. */
export interface AdaLoraModuleWeights {
  A: RawTensor;
  E: RawTensor;
  B: RawTensor;
}

export interface AdaLoraConfig extends CommonPeftConfig, Partial<TargetSelection> {
  method: 'adalora';
  /** initial rank of every module (peft init_r, default 12) */
  initR?: number;
  /** target average rank per module (peft target_r, default 8) */
  targetR?: number;
  /** peft lora_alpha; the update is scaled by α/initR (default 8, as peft) */
  alpha?: number;
  /** dropout on the adapter input (default 0) */
  dropout?: number;
  /** module names or dotted suffixes to adapt (default ['q_proj', 'v_proj']) */
  targetModules?: string[];
  /** warm-up steps without pruning (default 0) */
  tinit?: number;
  /** final steps with the rank pattern fixed (default 0) */
  tfinal?: number;
  /** steps between two budget allocations (default 1) */
  deltaT?: number;
  /** EMA factors of sensitivity and uncertainty (default 0.85, 0.85) */
  beta1?: number;
  beta2?: number;
  /** weight of the orthogonality regulariser (default 0.5) */
  orthRegWeight?: number;
  /** total optimiser steps of the run (required, as peft's total_step) */
  totalSteps: number;
}

export const ADALORA_DEFAULTS = {
  initR: 12,
  targetR: 8,
  alpha: 8,
  dropout: 0,
  targetModules: ['q_proj', 'v_proj'],
  tinit: 0,
  tfinal: 0,
  deltaT: 1,
  beta1: 0.85,
  beta2: 0.85,
  orthRegWeight: 0.5,
};

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`AdaLoRA config: ${what}`);
}

export class AdaLoraHandle implements PeftHandle {
  readonly method = 'adalora' as const;
  readonly groups: number;
  readonly trainable: TrainableVariable[] = [];
  readonly initR: number;
  readonly targetR: number;
  readonly alpha: number;
  readonly dropout: number;
  readonly orthRegWeight: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly targetModules: string[];
  readonly modules: string[];
  readonly schedule: BudgetSchedule;
  private readonly triplets = new Map<string, Triplet>();
  private readonly allocator: RankAllocator;
  private readonly fixedMask: tf.Variable; // [K, n·r] the rank pattern of the final phase
  private readonly currentMask: tf.Variable; // [K, n·r] the last mask applied to each adapter (its rank pattern)
  private fixed = false;
  private budget: number;
  private readonly merged = new Set<string>();
  private mergedK = 0;
  private readonly drop: GroupDropout;
  readonly excludeModules?: string[];
  readonly layersToTransform?: number[];
  readonly layersPattern?: string | string[];

  constructor(
    readonly model: LlamaModel,
    config: AdaLoraConfig,
  ) {
    if (model.hooks.linear !== undefined || model.hooks.sublayer !== undefined) {
      throw new Error('The model is already wrapped by a PEFT method: remove() it first');
    }
    const d = ADALORA_DEFAULTS;
    const c = {
      initR: config.initR ?? d.initR,
      targetR: config.targetR ?? d.targetR,
      alpha: config.alpha ?? d.alpha,
      dropout: config.dropout ?? d.dropout,
      targetModules: config.targetModules ?? d.targetModules,
      tinit: config.tinit ?? d.tinit,
      tfinal: config.tfinal ?? d.tfinal,
      deltaT: config.deltaT ?? d.deltaT,
      beta1: config.beta1 ?? d.beta1,
      beta2: config.beta2 ?? d.beta2,
      orthRegWeight: config.orthRegWeight ?? d.orthRegWeight,
      totalSteps: config.totalSteps,
    };
    this.initR = c.initR;
    this.targetR = c.targetR;
    this.alpha = c.alpha;
    this.dropout = c.dropout;
    this.orthRegWeight = c.orthRegWeight;
    this.beta1 = c.beta1;
    this.beta2 = c.beta2;
    this.targetModules = c.targetModules;
    this.groups = config.groups ?? 1;
    const int = (x: number, min: number) => Number.isInteger(x) && x >= min;
    check(int(c.initR, 1), `initR must be a positive integer, got ${c.initR}`);
    check(
      int(c.targetR, 0) && c.targetR <= c.initR,
      `targetR must be an integer in [0, initR], got ${c.targetR}`,
    );
    check(int(c.totalSteps, 1), `totalSteps must be a positive integer, got ${c.totalSteps}`);
    check(
      int(c.tinit, 0) && int(c.tfinal, 0),
      `tinit and tfinal must be integers ≥ 0, got ${c.tinit}, ${c.tfinal}`,
    );
    check(
      c.tinit < c.totalSteps - c.tfinal,
      `needs tinit < totalSteps − tfinal (${c.tinit}, ${c.totalSteps}, ${c.tfinal})`,
    );
    check(int(c.deltaT, 1), `deltaT must be a positive integer, got ${c.deltaT}`);
    check(c.beta1 > 0 && c.beta1 < 1 && c.beta2 > 0 && c.beta2 < 1, `beta1, beta2 must be in (0, 1)`);
    check(c.orthRegWeight >= 0, `orthRegWeight must be ≥ 0, got ${c.orthRegWeight}`);
    check(c.dropout >= 0 && c.dropout < 1, `dropout must be in [0, 1), got ${c.dropout}`);
    check(int(this.groups, 1), `groups must be a positive integer, got ${this.groups}`);
    const seed = config.seed ?? 0;
    const K = this.groups;
    const seeds = adapterSeeds(config.seeds, K, 'AdaLoRA');
    this.drop = new GroupDropout(this.dropout, K, 'adalora-dropout', seed, seeds);
    this.excludeModules = config.excludeModules;
    this.layersToTransform = config.layersToTransform;
    this.layersPattern = config.layersPattern;
    this.modules = selectModules(
      model,
      {
        targetModules: this.targetModules,
        excludeModules: config.excludeModules,
        layersToTransform: config.layersToTransform,
        layersPattern: config.layersPattern,
      },
      'AdaLoRA',
    );
    const r = this.initR;
    const normal = (n: number, s: number) => normalArray(n, 0.02, s);
    for (const m of this.modules) {
      const [inF, outF] = linearShape(model.config, m);
      const a = variableOf(
        tf.tensor3d(stackedValues(K, inF * r, `${m}.lora_A`, seed, seeds, normal), [K, inF, r]),
      );
      const e = variableOf(tf.zeros([K, 1, r]));
      const b = variableOf(
        tf.tensor3d(stackedValues(K, r * outF, `${m}.lora_B`, seed, seeds, normal), [K, r, outF]),
      );
      this.triplets.set(m, { a, e, b });
      this.trainable.push({ name: `${m}.lora_A`, variable: a, stacked: true, decay: true });
      this.trainable.push({ name: `${m}.lora_E`, variable: e, stacked: true, decay: false });
      this.trainable.push({ name: `${m}.lora_B`, variable: b, stacked: true, decay: true });
    }
    this.schedule = { ...c, nModules: this.modules.length };
    this.budget = r * this.modules.length;
    this.allocator = new RankAllocator([...this.triplets.values()], c.beta1, c.beta2);
    this.fixedMask = variableOf(tf.ones([K, this.modules.length * r]), false);
    this.currentMask = variableOf(tf.ones([K, this.modules.length * r]), false);
    model.hooks = {
      linear: (name, x, y, ctx) => this.apply(name, x, y, ctx),
      linearWraps: (name) => this.triplets.has(name) && !this.merged.has(name),
    };
  }

  /** α / (ranknum + 1e-5), ranknum = initR (peft) */
  get scaling(): number {
    return this.alpha / (this.initR + 1e-5);
  }

  private apply(name: string, x: tf.Tensor2D, y: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    const t = this.triplets.get(name);
    if (t === undefined || this.merged.has(name)) return y;
    const layout = rowLayout(ctx, this.groups);
    const xin = ctx.training ? this.drop.apply(x, layout, ctx.seq) : x;
    const ae = tf.mul(selectGroups(t.a, layout, ctx), selectGroups(t.e, layout, ctx)); // [Ka, in, r]: (x·A) ⊙ E = x·(A ⊙ E)
    const h = groupedMatMul(xin, ae, layout); // [N, r]
    const delta = groupedMatMul(h, selectGroups(t.b, layout, ctx), layout); // [N, out]
    return tf.add(y, tf.mul(delta, this.scaling)) as tf.Tensor2D;
  }

  /**
   * peft's orthogonality regulariser per adapter: orthRegWeight · Σ_modules (‖AᵀA − I‖_F + ‖B·Bᵀ − I‖_F) / (2n),
   * i.e. the mean over the 2n matrices of the (unsquared) Frobenius norm, as peft's AdaLoraModel.forward. [K]
   */
  regularizer(): tf.Tensor1D {
    const K = this.groups;
    const eye = tf.eye(this.initR).reshape([1, this.initR, this.initR]);
    const frob = (cov: tf.Tensor) => tf.sqrt(tf.sum(tf.square(tf.sub(cov, eye)), [1, 2])); // [K, r, r] → [K]
    let sum: tf.Tensor = tf.zeros([K]);
    for (const { a, b } of this.triplets.values()) {
      sum = tf.add(sum, frob(stackMatMul(transposeLast(a) as tf.Tensor3D, a as tf.Tensor3D))); // AᵀA [K, r, r] (peft lora_A·lora_Aᵀ)
      sum = tf.add(sum, frob(stackMatMul(b as tf.Tensor3D, transposeLast(b) as tf.Tensor3D))); // B·Bᵀ [K, r, r] (peft lora_Bᵀ·lora_B)
    }
    return tf.mul(sum, this.orthRegWeight / (2 * this.modules.length)) as tf.Tensor1D;
  }

  /**
   * peft's update_and_allocate(step) after an optimiser step, for the adapters with `active` [K] = 1 (the others
   * are frozen and keep scores, masks and E): before totalSteps − tfinal, update the importance EMAs and mask to the
   * scheduled budget on masking steps; at the first step ≥ totalSteps − tfinal mask to targetR·n and fix that rank
   * pattern (resetting the scores); afterwards re-apply the fixed pattern every step.
   */
  afterStep(step: number, grads: Map<string, tf.Tensor>, active?: tf.Tensor1D): void {
    const final = this.schedule.totalSteps - this.schedule.tfinal;
    const act = active ?? tf.ones([this.groups]);
    try {
      if (step < final) {
        const g = this.modules.map((m) => ({
          a: this.grad(grads, `${m}.lora_A`),
          e: this.grad(grads, `${m}.lora_E`),
          b: this.grad(grads, `${m}.lora_B`),
        }));
        this.allocator.update(g, act as tf.Tensor1D);
        const { budget, mask } = budgetSchedule(step, this.schedule);
        this.budget = budget;
        if (mask) this.mask(this.allocator.topMask(budget), act as tf.Tensor1D, true);
      } else if (!this.fixed) {
        this.budget = this.targetR * this.modules.length;
        const top = this.allocator.topMask(this.budget);
        tf.tidy(() => {
          const a = (act as tf.Tensor1D).reshape([this.groups, 1]);
          this.fixedMask.assign(tf.add(tf.mul(top, a), tf.mul(this.fixedMask, tf.sub(1, a))));
        });
        this.mask(top, act as tf.Tensor1D, true);
        this.allocator.reset(act as tf.Tensor1D);
        this.fixed = true;
      } else {
        this.budget = this.targetR * this.modules.length;
        this.mask(this.fixedMask as tf.Tensor as tf.Tensor2D, act as tf.Tensor1D, false);
      }
    } finally {
      if (active === undefined) act.dispose();
    }
  }

  /** Masks the active adapters' E (disposing `mask` when `own`) and records the mask in force. */
  private mask(mask: tf.Tensor2D, active: tf.Tensor1D, own: boolean): void {
    const now = this.allocator.applyMask(mask, active, this.currentMask as tf.Tensor as tf.Tensor2D);
    this.currentMask.assign(now);
    now.dispose();
    if (own) mask.dispose();
  }

  private grad(grads: Map<string, tf.Tensor>, name: string): tf.Tensor {
    const g = grads.get(name);
    if (g === undefined) throw new Error(`AdaLoRA afterStep: no gradient for '${name}'`);
    return g;
  }

  /** The current rank budget per adapter (summed over modules). */
  rankBudget(): number {
    return this.budget;
  }

  /** Number of nonzero singular values (E entries) of adapter k, per module. */
  async effectiveRanks(k = 0): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const [m, { e }] of this.triplets) {
      const ek = tf.tidy(() => e.slice([k, 0, 0], [1, 1, this.initR]));
      out.set(m, Array.from(await ek.data()).filter((v) => v !== 0).length);
      ek.dispose();
    }
    return out;
  }

  parametersPerGroup(): number {
    let n = 0;
    for (const t of this.trainable) n += t.variable.size / this.groups;
    return n;
  }

  /** ΔW = scaling·(A_k ⊙ E_k)·B_k of a module, [in, out] (our transposed layout; HF's ΔW is its transpose). */
  delta(module: string, k = 0): tf.Tensor2D {
    const t = this.triplets.get(module);
    if (t === undefined) throw new Error(`AdaLoRA has no module '${module}'`);
    return tf.tidy(() => {
      const [, inF, r] = t.a.shape as [number, number, number];
      const outF = t.b.shape[2] as number;
      const ak = t.a.slice([k, 0, 0], [1, inF, r]).reshape([inF, r]);
      const ek = t.e.slice([k, 0, 0], [1, 1, r]).reshape([1, r]);
      const bk = t.b.slice([k, 0, 0], [1, r, outF]).reshape([r, outF]) as tf.Tensor2D;
      return tf.matMul(tf.mul(ak, ek) as tf.Tensor2D, bk).mul(this.scaling) as tf.Tensor2D;
    });
  }

  /** Folds adapter k's update into the base weights. */
  merge(k = 0): void {
    if (this.merged.size > 0 && k !== this.mergedK)
      throw new Error(`AdaLoRA adapter ${this.mergedK} is merged: unmerge first`);
    this.mergedK = k;
    for (const m of this.modules) {
      if (this.merged.has(m)) continue;
      const w = this.model.param(`${m}.weight`);
      tf.tidy(() => w.assign(tf.add(w, this.delta(m, k))));
      this.merged.add(m);
    }
  }

  /** Subtracts the merged update again, restoring the base weights (up to float rounding). */
  unmerge(): void {
    for (const m of this.modules) {
      if (!this.merged.has(m)) continue;
      const w = this.model.param(`${m}.weight`);
      tf.tidy(() => w.assign(tf.sub(w, this.delta(m, this.mergedK))));
      this.merged.delete(m);
    }
  }

  /**
   * Adapter k's rank pattern as peft writes it: '<module>.lora_E' → the initR triplets kept by the last mask applied
   * (all true before any pruning).
   */
  async rankPattern(k = 0): Promise<Record<string, boolean[]>> {
    const row = tf.tidy(() => this.currentMask.slice([k, 0], [1, this.modules.length * this.initR]));
    const bits = Array.from(await row.data()).map((v) => v > 0);
    row.dispose();
    const out: Record<string, boolean[]> = {};
    this.modules.forEach((m, i) => {
      out[`${m}.lora_E`] = bits.slice(i * this.initR, (i + 1) * this.initR);
    });
    return out;
  }

  /** Adapter k in peft's layout with all initR triplets: module → A [r, in], E [r, 1], B [out, r]. */
  async exportAdapter(k = 0): Promise<Map<string, AdaLoraModuleWeights>> {
    const out = new Map<string, AdaLoraModuleWeights>();
    const r = this.initR;
    for (const m of this.modules) {
      const t = this.triplets.get(m)!;
      const [, inF] = t.a.shape as number[];
      const outF = t.b.shape[2] as number;
      const [a, e, b] = tf.tidy(() => [
        t.a.slice([k, 0, 0], [1, inF, r]).reshape([inF, r]).transpose(),
        t.e.slice([k, 0, 0], [1, 1, r]).reshape([r, 1]),
        t.b.slice([k, 0, 0], [1, r, outF]).reshape([r, outF]).transpose(),
      ]);
      out.set(m, {
        A: { shape: [r, inF], data: (await a.data()) as Float32Array },
        E: { shape: [r, 1], data: (await e.data()) as Float32Array },
        B: { shape: [outF, r], data: (await b.data()) as Float32Array },
      });
      tf.dispose([a, e, b]);
    }
    return out;
  }

  /**
   * Loads peft-layout weights of every module (all initR triplets; pruned ones zero) into adapter k, with the rank
   * pattern `pattern` ('<module>.lora_E' → kept triplets; absent = all kept) as its mask in force and fixed.
   */
  importAdapter(
    weights: Map<string, AdaLoraModuleWeights>,
    pattern: Record<string, boolean[]> | null = null,
    k = 0,
  ): void {
    const missing = this.modules.filter((m) => !weights.has(m));
    if (missing.length > 0) throw new Error(`AdaLoRA weights lack targeted module(s) ${missing.join(', ')}`);
    const r = this.initR;
    const K = this.groups;
    for (const [m, { A, E, B }] of weights) {
      const t = this.triplets.get(m);
      if (t === undefined)
        throw new Error(`AdaLoRA weights name module '${m}', which this AdaLoRA does not target`);
      const [, inF] = t.a.shape as number[];
      const outF = t.b.shape[2] as number;
      const want = (x: RawTensor, s: number[], n: string) => {
        if (x.shape.join() !== s.join()) throw new Error(`${m}.${n}: shape [${x.shape}], expected [${s}]`);
      };
      want(A, [r, inF], 'lora_A');
      want(E, [r, 1], 'lora_E');
      want(B, [outF, r], 'lora_B');
      tf.tidy(() => {
        const sel = tf.tensor1d(Array.from({ length: K }, (_, i) => (i === k ? 1 : 0))).reshape([K, 1, 1]);
        const put = (v: tf.Variable, x: tf.Tensor) =>
          v.assign(tf.add(tf.mul(v, tf.sub(1, sel)), tf.mul(x, sel)));
        put(t.a, tf.tensor2d(A.data, [r, inF]).transpose().reshape([1, inF, r]));
        put(t.e, tf.tensor2d(E.data, [r, 1]).reshape([1, 1, r]));
        put(t.b, tf.tensor2d(B.data, [outF, r]).transpose().reshape([1, r, outF]));
      });
    }
    const bits = this.modules.flatMap((m) => pattern?.[`${m}.lora_E`] ?? new Array(r).fill(true));
    tf.tidy(() => {
      const row = tf.tensor2d(
        bits.map((b) => (b ? 1 : 0)),
        [1, bits.length],
      );
      const sel = tf.tensor1d(Array.from({ length: K }, (_, i) => (i === k ? 1 : 0))).reshape([K, 1]);
      for (const v of [this.currentMask, this.fixedMask])
        v.assign(tf.add(tf.mul(v, tf.sub(1, sel)), tf.mul(row, sel)));
    });
  }

  remove(): void {
    if (this.merged.size > 0) this.unmerge();
    this.model.hooks = {};
    for (const t of this.trainable) t.variable.dispose();
    this.triplets.clear();
    this.allocator.dispose();
    this.fixedMask.dispose();
    this.currentMask.dispose();
  }
}

/** AdaLoRA's settings without a run's fields (its `totalSteps` is the run's step budget). */
export type AdaLoraSpec = Omit<AdaLoraConfig, RunFields | 'totalSteps'>;

/** AdaLoRA as it registers itself (peft/index.ts): it plans its rank schedule over the run's steps. */
export const adalora: PeftMethod<AdaLoraConfig, AdaLoraSpec> = {
  name: 'adalora',
  defaults: ADALORA_DEFAULTS,
  resolve: (spec) => withDefaults(ADALORA_DEFAULTS, spec),
  configFor: (spec, run) => {
    if (run.steps === undefined) throw new Error('AdaLoRA config: a run needs its step budget (totalSteps)');
    return { ...spec, ...runFields(run), totalSteps: run.steps };
  },
  create: (model, config) => new AdaLoraHandle(model, config),
};

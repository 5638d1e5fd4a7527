/**
 * LoRA (Hu et al. 2021), as in Hugging Face peft: for each target linear y = x·W, add s·dropout(x)·A·B with
 * s = α/r (or α/√r with rsLoRA), A ~ U(−1/√in, 1/√in) (peft's kaiming_uniform(a=√5)) and B = 0, so the wrapped model
 * starts identical to the base. Weights are kept as A [K, in, r] and B [K, r, out] (K stacked independent adapters;
 * peft's lora_A.weight is Aᵀ, lora_B.weight is Bᵀ). `merge(k)` folds W += s·A_k·B_k into the base weight and
 * remembers k, so `unmerge()` (and `remove()`) subtract the same adapter again.
 */
import * as tf from '@tensorflow/tfjs';
import type { LlamaModel, RawTensor } from '../model/llama';
import { linearShape } from '../model/llama';
import { uniformArray } from '../util/random';
import { newVariable } from '../util/tensors';
import { adapterSeeds, GroupDropout, groupedMatMul, rowLayout, selectGroups, stackedValues } from './groups';
import { type PeftMethod, type RunFields, runFields, withDefaults } from './method';
import { selectModules, type TargetSelection } from './targets';
import type { CommonPeftConfig, PeftHandle, TrainableVariable } from './types';

export { selectModules } from './targets';

export interface LoraConfig extends CommonPeftConfig, Partial<TargetSelection> {
  method: 'lora';
  /** rank r (default 8) */
  r?: number;
  /** α; the update is scaled by α/r, or α/√r with useRslora (default 8, as peft) */
  alpha?: number;
  /** rank-stabilised LoRA (Kalajdzievski 2023, peft use_rslora): scale α/√r (default false) */
  useRslora?: boolean;
  /** dropout on the LoRA input (default 0) */
  dropout?: number;
  /** module names or dotted suffixes to adapt (default ['q_proj', 'v_proj'], as peft for LLaMA) */
  targetModules?: string[];
}

export const LORA_DEFAULTS = {
  r: 8,
  alpha: 8,
  useRslora: false,
  dropout: 0,
  targetModules: ['q_proj', 'v_proj'],
};

export class LoraHandle implements PeftHandle {
  readonly method = 'lora' as const;
  readonly groups: number;
  readonly trainable: TrainableVariable[] = [];
  readonly r: number;
  readonly alpha: number;
  readonly useRslora: boolean;
  readonly dropout: number;
  readonly targetModules: string[];
  readonly excludeModules?: string[];
  readonly layersToTransform?: number[];
  readonly layersPattern?: string | string[];
  readonly modules: string[];
  private readonly a = new Map<string, tf.Variable>(); // [K, in, r]
  private readonly b = new Map<string, tf.Variable>(); // [K, r, out]
  private readonly merged = new Set<string>();
  private mergedK = 0;
  private readonly drop: GroupDropout;

  constructor(
    readonly model: LlamaModel,
    config: LoraConfig,
  ) {
    if (model.hooks.linear !== undefined || model.hooks.sublayer !== undefined) {
      throw new Error('The model is already wrapped by a PEFT method: remove() it first');
    }
    this.r = config.r ?? LORA_DEFAULTS.r;
    this.alpha = config.alpha ?? LORA_DEFAULTS.alpha;
    this.useRslora = config.useRslora ?? LORA_DEFAULTS.useRslora;
    this.dropout = config.dropout ?? LORA_DEFAULTS.dropout;
    this.groups = config.groups ?? 1;
    this.targetModules = config.targetModules ?? LORA_DEFAULTS.targetModules;
    this.excludeModules = config.excludeModules;
    this.layersToTransform = config.layersToTransform;
    this.layersPattern = config.layersPattern;
    if (!Number.isInteger(this.groups) || this.groups < 1)
      throw new Error(`LoRA groups must be a positive integer, got ${this.groups}`);
    if (!Number.isInteger(this.r) || this.r < 1)
      throw new Error(`LoRA r must be a positive integer, got ${this.r}`);
    if (!(this.alpha > 0)) throw new Error(`LoRA alpha must be a positive number, got ${this.alpha}`);
    if (!(this.dropout >= 0 && this.dropout < 1))
      throw new Error(`LoRA dropout must be in [0, 1), got ${this.dropout}`);
    const seed = config.seed ?? 0;
    const K = this.groups;
    const seeds = adapterSeeds(config.seeds, K, 'LoRA');
    this.drop = new GroupDropout(this.dropout, K, 'lora-dropout', seed, seeds);
    this.modules = selectModules(model, {
      targetModules: this.targetModules,
      excludeModules: config.excludeModules,
      layersToTransform: config.layersToTransform,
      layersPattern: config.layersPattern,
    });
    for (const m of this.modules) {
      const [inF, outF] = linearShape(model.config, m);
      // kaiming_uniform_(a=√5) on peft's lora_A [r, in]: gain √(2/(1+5)), bound gain·√(3/in) = 1/√in
      const bound = 1 / Math.sqrt(inF);
      const values = stackedValues(K, inF * this.r, m, seed, seeds, (n, s) =>
        uniformArray(n, -bound, bound, s),
      );
      const a = newVariable(() => tf.tensor3d(values, [K, inF, this.r]));
      const b = newVariable(() => tf.zeros([K, this.r, outF]));
      this.a.set(m, a);
      this.b.set(m, b);
      this.trainable.push({ name: `${m}.lora_A`, variable: a, stacked: true, decay: true });
      this.trainable.push({ name: `${m}.lora_B`, variable: b, stacked: true, decay: true });
    }
    model.hooks = {
      linear: (name, x, y, ctx) => this.apply(name, x, y, ctx),
      linearWraps: (name) => this.a.has(name) && !this.merged.has(name),
    };
  }

  /** α/r, or α/√r with rsLoRA (peft LoraLayer.update_layer) */
  get scaling(): number {
    return this.useRslora ? this.alpha / Math.sqrt(this.r) : this.alpha / this.r;
  }

  private apply(
    name: string,
    x: tf.Tensor2D,
    y: tf.Tensor2D,
    ctx: Parameters<NonNullable<LlamaModel['hooks']['linear']>>[3],
  ) {
    const a = this.a.get(name);
    if (a === undefined || this.merged.has(name)) return y;
    const layout = rowLayout(ctx, this.groups);
    const xin = ctx.training ? this.drop.apply(x, layout, ctx.seq) : x;
    const h = groupedMatMul(xin, selectGroups(a, layout, ctx), layout); // [N, r]
    const delta = groupedMatMul(h, selectGroups(this.b.get(name)!, layout, ctx), layout); // [N, out]
    return tf.add(y, tf.mul(delta, this.scaling)) as tf.Tensor2D;
  }

  parametersPerGroup(): number {
    let n = 0;
    for (const t of this.trainable) n += t.variable.size / this.groups;
    return n;
  }

  /** ΔW = s·A_k·B_k of a module, [in, out] (our transposed layout; HF's ΔW is its transpose). */
  delta(module: string, k = 0): tf.Tensor2D {
    const a = this.a.get(module);
    if (a === undefined) throw new Error(`LoRA has no module '${module}'`);
    const b = this.b.get(module)!;
    return tf.tidy(() => {
      const [, inF, r] = a.shape as number[];
      const outF = b.shape[2] as number;
      const ak = a.slice([k, 0, 0], [1, inF, r]).reshape([inF, r]) as tf.Tensor2D;
      const bk = b.slice([k, 0, 0], [1, r, outF]).reshape([r, outF]) as tf.Tensor2D;
      return tf.matMul(ak, bk).mul(this.scaling) as tf.Tensor2D;
    });
  }

  /** Folds adapter k's update into the base weights (one adapter at a time; the forward then skips the LoRA). */
  merge(k = 0): void {
    if (!Number.isInteger(k) || k < 0 || k >= this.groups)
      throw new Error(`LoRA merge: adapter ${k} is not in 0..${this.groups - 1}`);
    if (this.merged.size > 0 && k !== this.mergedK)
      throw new Error(`LoRA adapter ${this.mergedK} is merged: unmerge() it before merging adapter ${k}`);
    this.mergedK = k;
    for (const m of this.modules) {
      if (this.merged.has(m)) continue;
      const w = this.model.param(`${m}.weight`);
      tf.tidy(() => {
        const d = this.delta(m, k);
        w.assign(tf.add(w, d));
      });
      this.merged.add(m);
    }
  }

  /** Subtracts the merged adapter's update again, restoring the base weights (up to float rounding). */
  unmerge(): void {
    for (const m of this.modules) {
      if (!this.merged.has(m)) continue;
      const w = this.model.param(`${m}.weight`);
      tf.tidy(() => {
        const d = this.delta(m, this.mergedK);
        w.assign(tf.sub(w, d));
      });
      this.merged.delete(m);
    }
  }

  /** Adapter k in peft's layout: module → lora_A.weight [r, in] and lora_B.weight [out, r]. */
  async exportAdapter(k = 0): Promise<Map<string, { A: RawTensor; B: RawTensor }>> {
    const out = new Map<string, { A: RawTensor; B: RawTensor }>();
    for (const m of this.modules) {
      const a = this.a.get(m)!;
      const b = this.b.get(m)!;
      const [, inF, r] = a.shape as number[];
      const outF = b.shape[2] as number;
      const at = tf.tidy(() => a.slice([k, 0, 0], [1, inF, r]).reshape([inF, r]).transpose());
      const bt = tf.tidy(() => b.slice([k, 0, 0], [1, r, outF]).reshape([r, outF]).transpose());
      out.set(m, {
        A: { shape: [r, inF], data: (await at.data()) as Float32Array },
        B: { shape: [outF, r], data: (await bt.data()) as Float32Array },
      });
      tf.dispose([at, bt]);
    }
    return out;
  }

  /** Loads peft-layout weights (module → A [r, in], B [out, r]) of every targeted module into adapter k. */
  importAdapter(weights: Map<string, { A: RawTensor; B: RawTensor }>, k = 0): void {
    const missing = this.modules.filter((m) => !weights.has(m));
    if (missing.length > 0) throw new Error(`LoRA weights lack targeted module(s) ${missing.join(', ')}`);
    for (const [m, { A, B }] of weights) {
      const a = this.a.get(m);
      if (a === undefined)
        throw new Error(`Adapter weights name module '${m}', which this LoRA does not target`);
      const b = this.b.get(m)!;
      const [K, inF, r] = a.shape as number[];
      const outF = b.shape[2] as number;
      if (A.shape[0] !== r || A.shape[1] !== inF)
        throw new Error(`${m}.lora_A: shape [${A.shape}], expected [${r},${inF}]`);
      if (B.shape[0] !== outF || B.shape[1] !== r)
        throw new Error(`${m}.lora_B: shape [${B.shape}], expected [${outF},${r}]`);
      tf.tidy(() => {
        const newA = tf.tensor2d(A.data, [r, inF]).transpose().reshape([1, inF, r]);
        const newB = tf.tensor2d(B.data, [outF, r]).transpose().reshape([1, r, outF]);
        // slot k of the stack: x·(1 − e_k) + new·e_k
        const sel = tf.tensor1d(Array.from({ length: K }, (_, i) => (i === k ? 1 : 0))).reshape([K, 1, 1]);
        a.assign(tf.add(tf.mul(a, tf.sub(1, sel)), tf.mul(newA, sel)));
        b.assign(tf.add(tf.mul(b, tf.sub(1, sel)), tf.mul(newB, sel)));
      });
    }
  }

  remove(): void {
    if (this.merged.size > 0) this.unmerge();
    this.model.hooks = {};
    for (const t of this.trainable) t.variable.dispose();
    this.a.clear();
    this.b.clear();
  }
}

/** LoRA's settings without a run's fields. */
export type LoraSpec = Omit<LoraConfig, RunFields>;

/** LoRA as it registers itself (peft/index.ts). */
export const lora: PeftMethod<LoraConfig, LoraSpec> = {
  name: 'lora',
  defaults: LORA_DEFAULTS,
  resolve: (spec) => withDefaults(LORA_DEFAULTS, spec),
  configFor: (spec, run) => ({ ...spec, ...runFields(run) }),
  create: (model, config) => new LoraHandle(model, config),
};

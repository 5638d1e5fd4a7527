/**
 * Adapter-tuning (Houlsby et al. 2019): a bottleneck h + up(act(down(h))) on the output of every attention and MLP
 * sublayer, before the residual add. Two variants:
 * - 'houlsby' (default), as google-research/adapter-bert: biases on both projections (init 0), both weights drawn
 *   from a truncated normal (std initStd = 1e-3, redrawn beyond 2 std), so the adapter starts near the identity and
 *   both projections get gradient at step 1; the layers' norm weights train too (the paper trains the LayerNorms;
 *   LLaMA's are RMSNorms: input_layernorm and post_attention_layernorm of every layer, the final model.norm stays
 *   frozen); width d/reductionFactor (16, the adapters library's Houlsby default) unless `bottleneck` is given.
 * - 'zero-init': the variant earlier results were computed with: no biases, down ~ N(0, 0.02²), up = 0 (exact
 *   identity at init), norms frozen, width 16.
 * Weights: down [K, d, m], up [K, m, d], biases [K, 1, m] / [K, 1, d], norm offsets [K, 1, d] for K stacked adapters.
 *
 * Trained norms with stacked adapters: every adapter has its own norm weights w + δ_k (δ_k [K, 1, d], init 0). The
 * model's RMSNorm output n = x̂ ⊙ w reaches the hooks only through the linears it feeds (q, k, v; gate, up), so
 * those get y += ((n ⊘ w) ⊙ δ_k)·W = (x̂ ⊙ δ_k)·W: the forward and the gradient of δ_k are exactly those of the norm
 * weight w + δ_k. This needs w without zeros (checked).
 */
import * as tf from '@tensorflow/tfjs';
import type { ForwardContext, LlamaModel } from '../model/llama';
import { mulberry32, normalArray } from '../util/random';
import { newVariable } from '../util/tensors';
import {
  adapterSeeds,
  groupedMatMul,
  type RowLayout,
  rowLayout,
  selectGroups,
  stackedValues,
} from './groups';
import { type PeftMethod, type RunFields, runFields } from './method';
import type { CommonPeftConfig, PeftHandle, TrainableVariable } from './types';

export type AdapterVariant = 'houlsby' | 'zero-init';

export interface AdapterConfig extends CommonPeftConfig {
  method: 'adapter';
  /** 'houlsby' (default, as published) or 'zero-init' (the earlier variant) */
  variant?: AdapterVariant;
  /** bottleneck width m (default: hidden_size / reductionFactor for houlsby, 16 for zero-init) */
  bottleneck?: number;
  /** m = floor(hidden_size / reductionFactor) when `bottleneck` is not given (houlsby; default 16) */
  reductionFactor?: number;
  /** where adapters go (default both) */
  placement?: ('attn' | 'mlp')[];
  /** non-linearity (default 'gelu') */
  activation?: 'gelu' | 'relu';
  /** std of the init (houlsby: truncated normal for both projections, 1e-3; zero-init: down only, 0.02) */
  initStd?: number;
  /** train the layers' RMSNorm weights (default true for houlsby, false for zero-init) */
  trainNorms?: boolean;
}

export const ADAPTER_DEFAULTS = {
  variant: 'houlsby' as AdapterVariant,
  reductionFactor: 16,
  placement: ['attn', 'mlp'] as ('attn' | 'mlp')[],
  activation: 'gelu' as const,
  initStd: { houlsby: 1e-3, 'zero-init': 0.02 },
  /** the zero-init variant's fixed width */
  zeroInitBottleneck: 16,
};

/**
 * The settings an adapter run depends on, with the variant's defaults filled in (what a results cache must hash).
 * The width stays `bottleneck` or `reductionFactor`: hidden_size comes from the model.
 */
export function resolveAdapterConfig(config: AdapterConfig): AdapterConfig {
  const variant = config.variant ?? ADAPTER_DEFAULTS.variant;
  const houlsby = variant === 'houlsby';
  return {
    ...config,
    variant,
    ...(config.bottleneck === undefined
      ? houlsby
        ? { reductionFactor: config.reductionFactor ?? ADAPTER_DEFAULTS.reductionFactor }
        : { bottleneck: ADAPTER_DEFAULTS.zeroInitBottleneck }
      : {}),
    placement: config.placement ?? ADAPTER_DEFAULTS.placement,
    activation: config.activation ?? ADAPTER_DEFAULTS.activation,
    initStd: config.initStd ?? ADAPTER_DEFAULTS.initStd[variant],
    trainNorms: config.trainNorms ?? houlsby,
  };
}

/** n samples of N(0, std²) redrawn until within 2 std (TF's truncated_normal_initializer). */
export function truncatedNormalArray(n: number, std: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; ) {
    const u1 = Math.max(rnd(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rnd());
    if (Math.abs(z) <= 2) out[i++] = z * std;
  }
  return out;
}

/** x [N, f] + the row's adapter bias, b [Ka, 1, f] (rows grouped as `layout`) */
function addGroupBias(x: tf.Tensor2D, b: tf.Tensor, layout: RowLayout): tf.Tensor2D {
  const f = x.shape[1];
  const Ka = layout.active.length;
  return tf
    .add(x.reshape([Ka, layout.rowsPerGroup, f]), b)
    .reshape([Ka * layout.rowsPerGroup, f]) as tf.Tensor2D;
}

const NORM_OF: Record<string, string> = {
  q_proj: 'input_layernorm',
  k_proj: 'input_layernorm',
  v_proj: 'input_layernorm',
  gate_proj: 'post_attention_layernorm',
  up_proj: 'post_attention_layernorm',
};

export class AdapterHandle implements PeftHandle {
  readonly method = 'adapter' as const;
  readonly groups: number;
  readonly trainable: TrainableVariable[] = [];
  readonly variant: AdapterVariant;
  readonly bottleneck: number;
  readonly trainNorms: boolean;
  private readonly down = new Map<string, tf.Variable>();
  private readonly up = new Map<string, tf.Variable>();
  private readonly downBias = new Map<string, tf.Variable>();
  private readonly upBias = new Map<string, tf.Variable>();
  /** norm weight name → δ [K, 1, d] */
  private readonly normDelta = new Map<string, tf.Variable>();
  private readonly activation: 'gelu' | 'relu';

  constructor(
    readonly model: LlamaModel,
    config: AdapterConfig,
  ) {
    if (model.hooks.linear !== undefined || model.hooks.sublayer !== undefined) {
      throw new Error('The model is already wrapped by a PEFT method: remove() it first');
    }
    const fail = (what: string) => new Error(`Adapter config: ${what}`);
    this.groups = config.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups < 1)
      throw fail(`groups must be a positive integer, got ${this.groups}`);
    const r = resolveAdapterConfig(config); // the variant's defaults, as the results cache hashes them
    this.variant = r.variant!;
    if (this.variant !== 'houlsby' && this.variant !== 'zero-init')
      throw fail(`variant must be 'houlsby' or 'zero-init', got ${JSON.stringify(this.variant)}`);
    const houlsby = this.variant === 'houlsby';
    const d = model.config.hidden_size;
    const rf = config.reductionFactor ?? ADAPTER_DEFAULTS.reductionFactor;
    if (!(rf > 0)) throw fail(`reductionFactor must be positive, got ${rf}`);
    this.bottleneck = r.bottleneck ?? Math.max(1, Math.floor(d / rf));
    if (!Number.isInteger(this.bottleneck) || this.bottleneck < 1)
      throw fail(`bottleneck must be a positive integer, got ${this.bottleneck}`);
    this.activation = r.activation!;
    this.trainNorms = r.trainNorms!;
    const placement = r.placement!;
    const std = r.initStd;
    if (typeof std !== 'number' || !(std > 0))
      throw fail(`initStd must be a positive number, got ${JSON.stringify(std)}`);
    const seed = config.seed ?? 0;
    const K = this.groups;
    const seeds = adapterSeeds(config.seeds, K, 'Adapter');
    const m = this.bottleneck;
    const draw = houlsby
      ? (n: number, s: number) => truncatedNormalArray(n, std, s)
      : (n: number, s: number) => normalArray(n, std, s);
    const stacked = (trainable: TrainableVariable[], name: string, v: tf.Variable, decay: boolean) =>
      trainable.push({ name, variable: v, stacked: true, decay });
    for (let i = 0; i < model.config.num_hidden_layers; i++) {
      for (const kind of placement) {
        const key = `${i}.${kind}`;
        const name = `model.layers.${i}.${kind === 'attn' ? 'self_attn' : 'mlp'}.adapter`;
        const down = newVariable(() =>
          tf.tensor3d(stackedValues(K, d * m, name, seed, seeds, draw), [K, d, m]),
        );
        const up = newVariable(() =>
          houlsby
            ? tf.tensor3d(stackedValues(K, m * d, `${name}.up`, seed, seeds, draw), [K, m, d])
            : tf.zeros([K, m, d]),
        );
        this.down.set(key, down);
        this.up.set(key, up);
        stacked(this.trainable, `${name}.down`, down, true);
        stacked(this.trainable, `${name}.up`, up, true);
        if (houlsby) {
          const bd = newVariable(() => tf.zeros([K, 1, m]));
          const bu = newVariable(() => tf.zeros([K, 1, d]));
          this.downBias.set(key, bd);
          this.upBias.set(key, bu);
          stacked(this.trainable, `${name}.down_bias`, bd, false);
          stacked(this.trainable, `${name}.up_bias`, bu, false);
        }
      }
      if (this.trainNorms) {
        for (const norm of ['input_layernorm', 'post_attention_layernorm']) {
          const wName = `model.layers.${i}.${norm}.weight`;
          const w = model.param(wName).dataSync();
          if (w.some((x) => x === 0))
            throw fail(
              `trainNorms needs ${wName} without zeros (the per-adapter norm is applied as x̂ ⊙ δ = n ⊘ w ⊙ δ)`,
            );
          const delta = newVariable(() => tf.zeros([K, 1, d]));
          this.normDelta.set(wName, delta);
          stacked(this.trainable, `${wName}.adapter_delta`, delta, false);
        }
      }
    }
    model.hooks = {
      sublayer: (layer, kind, h, ctx) => this.apply(layer, kind, h, ctx),
      ...(this.trainNorms
        ? {
            linear: (name, x, y, ctx) => this.normLinear(name, x, y, ctx),
            linearWraps: (name) => this.normOf(name) !== undefined,
          }
        : {}),
    };
  }

  private apply(layer: number, kind: 'attn' | 'mlp', h: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    const key = `${layer}.${kind}`;
    const down = this.down.get(key);
    if (down === undefined) return h;
    const layout = rowLayout(ctx, this.groups);
    let z = groupedMatMul(h, selectGroups(down, layout, ctx), layout); // [N, m]
    const bd = this.downBias.get(key);
    if (bd !== undefined) z = addGroupBias(z, selectGroups(bd, layout, ctx), layout);
    const act = this.activation === 'gelu' ? gelu(z) : tf.relu(z);
    let out = groupedMatMul(act as tf.Tensor2D, selectGroups(this.up.get(key)!, layout, ctx), layout); // [N, d]
    const bu = this.upBias.get(key);
    if (bu !== undefined) out = addGroupBias(out, selectGroups(bu, layout, ctx), layout);
    return tf.add(h, out) as tf.Tensor2D;
  }

  /** The trained norm feeding linear `name` (its weight's name and δ), or undefined. */
  private normOf(name: string): { wName: string; delta: tf.Variable } | undefined {
    const norm = NORM_OF[name.slice(name.lastIndexOf('.') + 1)];
    if (norm === undefined) return undefined;
    const layer = /\.layers\.(\d+)\./.exec(name)![1];
    const wName = `model.layers.${layer}.${norm}.weight`;
    const delta = this.normDelta.get(wName);
    return delta === undefined ? undefined : { wName, delta };
  }

  /** y = n·W of a linear fed by a trained norm → y + ((n ⊘ w) ⊙ δ_k)·W, i.e. the norm weight w + δ_k. */
  private normLinear(name: string, x: tf.Tensor2D, y: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    const found = this.normOf(name);
    if (found === undefined) return y;
    const { wName, delta } = found;
    const layout = rowLayout(ctx, this.groups);
    const xhat = tf.div(x, this.model.param(wName)); // [N, d] the normalised input x̂
    const dn = addGroupBias(tf.zerosLike(xhat) as tf.Tensor2D, selectGroups(delta, layout, ctx), layout); // [N, d] δ of each row
    const extra = tf.matMul(
      tf.mul(xhat, dn) as tf.Tensor2D,
      this.model.param(`${name}.weight`) as tf.Tensor2D,
    );
    return tf.add(y, extra) as tf.Tensor2D;
  }

  parametersPerGroup(): number {
    let n = 0;
    for (const t of this.trainable) n += t.variable.size / this.groups;
    return n;
  }

  remove(): void {
    this.model.hooks = {};
    for (const t of this.trainable) t.variable.dispose();
    for (const m of [this.down, this.up, this.downBias, this.upBias, this.normDelta]) m.clear();
  }
}

/** GELU, tanh approximation. */
export function gelu(x: tf.Tensor): tf.Tensor {
  const c = Math.sqrt(2 / Math.PI);
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), c))));
}

/** The adapter's settings without a run's fields. */
export type AdapterSpec = Omit<AdapterConfig, RunFields>;

/** Adapters as they register themselves (peft/index.ts): the variant decides the defaults (resolveAdapterConfig). */
export const adapter: PeftMethod<AdapterConfig, AdapterSpec> = {
  name: 'adapter',
  defaults: ADAPTER_DEFAULTS,
  resolve: (spec) => {
    const given = Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as AdapterSpec;
    return JSON.parse(JSON.stringify(resolveAdapterConfig(given))) as AdapterSpec;
  },
  configFor: (spec, run) => ({ ...spec, ...runFields(run) }),
  create: (model, config) => new AdapterHandle(model, config),
};

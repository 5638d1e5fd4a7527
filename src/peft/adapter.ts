/**
 * Adapter-tuning (Houlsby et al. 2019): a bottleneck h + up(act(down(h))) on the output of every attention and MLP
 * sublayer, before the residual add. `down` is N(0, initStd²), `up` is zero, so the wrapped model starts identical to
 * the base. Weights: down [K, d, m], up [K, m, d] for K stacked adapters.
 */
import * as tf from '@tensorflow/tfjs';
import type { ForwardContext, LlamaModel } from '../model/llama';
import { deriveSeed, normalArray } from '../util/random';
import { newVariable } from '../util/tensors';
import { groupedMatMul, rowLayout, selectGroups } from './groups';
import type { CommonPeftConfig, PeftHandle, TrainableVariable } from './types';

export interface AdapterConfig extends CommonPeftConfig {
  method: 'adapter';
  /** bottleneck width m (default 16) */
  bottleneck?: number;
  /** where adapters go (default both) */
  placement?: ('attn' | 'mlp')[];
  /** non-linearity (default 'gelu') */
  activation?: 'gelu' | 'relu';
  /** std of the down projection's init (default 0.02) */
  initStd?: number;
}

export const ADAPTER_DEFAULTS = {
  bottleneck: 16,
  placement: ['attn', 'mlp'] as ('attn' | 'mlp')[],
  activation: 'gelu' as const,
  initStd: 0.02,
};

export class AdapterHandle implements PeftHandle {
  readonly method = 'adapter' as const;
  readonly groups: number;
  readonly trainable: TrainableVariable[] = [];
  readonly bottleneck: number;
  private readonly down = new Map<string, tf.Variable>();
  private readonly up = new Map<string, tf.Variable>();
  private readonly activation: 'gelu' | 'relu';

  constructor(
    readonly model: LlamaModel,
    config: AdapterConfig,
  ) {
    if (model.hooks.linear !== undefined || model.hooks.sublayer !== undefined) {
      throw new Error('The model is already wrapped by a PEFT method: remove() it first');
    }
    this.groups = config.groups ?? 1;
    this.bottleneck = config.bottleneck ?? ADAPTER_DEFAULTS.bottleneck;
    this.activation = config.activation ?? ADAPTER_DEFAULTS.activation;
    const placement = config.placement ?? ADAPTER_DEFAULTS.placement;
    const std = config.initStd ?? ADAPTER_DEFAULTS.initStd;
    const seed = config.seed ?? 0;
    const d = model.config.hidden_size;
    const K = this.groups;
    const m = this.bottleneck;
    for (let i = 0; i < model.config.num_hidden_layers; i++) {
      for (const kind of placement) {
        const key = `${i}.${kind}`;
        const name = `model.layers.${i}.${kind === 'attn' ? 'self_attn' : 'mlp'}.adapter`;
        const down = newVariable(() =>
          tf.tensor3d(normalArray(K * d * m, std, deriveSeed(seed, name)), [K, d, m]),
        );
        const up = newVariable(() => tf.zeros([K, m, d]));
        this.down.set(key, down);
        this.up.set(key, up);
        this.trainable.push({ name: `${name}.down`, variable: down, stacked: true, decay: true });
        this.trainable.push({ name: `${name}.up`, variable: up, stacked: true, decay: true });
      }
    }
    model.hooks = { sublayer: (layer, kind, h, ctx) => this.apply(layer, kind, h, ctx) };
  }

  private apply(layer: number, kind: 'attn' | 'mlp', h: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    const down = this.down.get(`${layer}.${kind}`);
    if (down === undefined) return h;
    const layout = rowLayout(ctx, this.groups);
    const z = groupedMatMul(h, selectGroups(down, layout, ctx), layout); // [N, m]
    const act = this.activation === 'gelu' ? gelu(z) : tf.relu(z);
    const out = groupedMatMul(
      act as tf.Tensor2D,
      selectGroups(this.up.get(`${layer}.${kind}`)!, layout, ctx),
      layout,
    );
    return tf.add(h, out) as tf.Tensor2D;
  }

  parametersPerGroup(): number {
    let n = 0;
    for (const t of this.trainable) n += t.variable.size / this.groups;
    return n;
  }

  remove(): void {
    this.model.hooks = {};
    for (const t of this.trainable) t.variable.dispose();
    this.down.clear();
    this.up.clear();
  }
}

/** GELU, tanh approximation. */
export function gelu(x: tf.Tensor): tf.Tensor {
  const c = Math.sqrt(2 / Math.PI);
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), c))));
}

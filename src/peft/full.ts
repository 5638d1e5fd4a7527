/**
 * Full fine-tuning: every base parameter is trainable (one model, so no stacking). `remove()` restores the weights
 * the model had when it was wrapped, so experiments can reuse one base model.
 */
import * as tf from '@tensorflow/tfjs';
import type { LlamaModel } from '../model/llama';
import { type PeftMethod, type RunFields, runFields, withDefaults } from './method';
import type { CommonPeftConfig, PeftHandle, TrainableVariable } from './types';

export interface FullConfig extends CommonPeftConfig {
  method: 'full';
  /** train the embedding table too (default true) */
  trainEmbeddings?: boolean;
}

/** FullHandle trains the embedding table unless `trainEmbeddings === false`. */
export const FULL_DEFAULTS = { trainEmbeddings: true };

export class FullHandle implements PeftHandle {
  readonly method = 'full' as const;
  readonly groups = 1;
  readonly trainable: TrainableVariable[] = [];
  private readonly snapshot = new Map<string, tf.Tensor>();

  constructor(
    readonly model: LlamaModel,
    config: FullConfig,
  ) {
    if ((config.groups ?? 1) !== 1) throw new Error('Full fine-tuning cannot stack adapters: use groups = 1');
    for (const [name, v] of model.params) {
      if (config.trainEmbeddings === false && name === 'model.embed_tokens.weight') continue;
      this.snapshot.set(name, tf.keep(v.clone()));
      v.trainable = true;
      this.trainable.push({ name, variable: v, stacked: false, decay: !name.endsWith('norm.weight') });
    }
  }

  parametersPerGroup(): number {
    return this.trainable.reduce((n, t) => n + t.variable.size, 0);
  }

  /** Restores the base weights (the handle's training is undone). */
  remove(): void {
    for (const [name, t] of this.snapshot) {
      const v = this.model.param(name);
      v.assign(t);
      v.trainable = false;
      t.dispose();
    }
    this.snapshot.clear();
  }
}

/** Full fine-tuning's settings without a run's fields. */
export type FullSpec = Omit<FullConfig, RunFields>;

/** Full fine-tuning as it registers itself (peft/index.ts). */
export const full: PeftMethod<FullConfig, FullSpec> = {
  name: 'full',
  defaults: FULL_DEFAULTS,
  resolve: (spec) => withDefaults(FULL_DEFAULTS, spec),
  configFor: (spec, run) => ({ ...spec, ...runFields(run) }),
  create: (model, config) => new FullHandle(model, config),
};

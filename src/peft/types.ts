/**
 * The one interface every fine-tuning method implements: wrap(model, config) → a PeftHandle whose `trainable`
 * variables the trainer updates. Methods that support stacking keep K independent adapters along axis 0 of each
 * variable ("groups"); batch rows carry their adapter index (ForwardContext.rowGroups), rows of one group
 * contiguous and equally many per group.
 */
import type * as tf from '@tensorflow/tfjs';

export interface TrainableVariable {
  /** e.g. `model.layers.0.self_attn.q_proj.lora_A` */
  name: string;
  variable: tf.Variable;
  /** true when axis 0 indexes the K stacked adapters */
  stacked: boolean;
  /** apply AdamW weight decay (false for norms, AdaLoRA's singular values) */
  decay: boolean;
}

export interface PeftHandle {
  /** the method's name in peft/index.ts's table (PEFT_METHODS) */
  method: string;
  /** number of independent stacked adapters (1 unless stacking) */
  groups: number;
  trainable: TrainableVariable[];
  /** an extra loss term per group ([K]), e.g. AdaLoRA's orthogonality regulariser */
  regularizer?(): tf.Tensor1D;
  /**
   * After each optimiser step; `grads` by variable name, `active` [K] 1 for the adapters the step updated and 0 for
   * frozen ones, whose state (AdaLoRA's importance scores and masks) must stay as it is.
   */
  afterStep?(step: number, grads: Map<string, tf.Tensor>, active: tf.Tensor1D): void;
  /** number of trainable scalars per adapter */
  parametersPerGroup(): number;
  /** detach the hooks and dispose the method's variables (the base model is left as it was) */
  remove(): void;
}

export interface CommonPeftConfig {
  /** independent adapters trained side by side (default 1) */
  groups?: number;
  /** seed of every adapter when `seeds` is not given (default 0) */
  seed?: number;
  /**
   * one seed per stacked adapter (length = groups): adapter k is initialised, and its dropout stream drawn, exactly
   * as a single adapter with `seed: seeds[k]`, whatever its neighbours and position in the stack
   */
  seeds?: number[];
}

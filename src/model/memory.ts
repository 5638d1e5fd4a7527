/**
 * Rough memory budget (bytes) of a training step, to size paper-scale runs (e.g. LLaMA2-7B + LoRA) before
 * starting them. An estimate for tfjs without activation checkpointing or fused kernels: it counts the tensors a
 * LLaMA layer keeps for the backward pass, not allocator overhead or transient workspace (add ~20 %).
 */
import { countParams, type ModelConfig } from './config';

export interface MemoryOptions {
  batch: number;
  seq: number;
  /** trainable adapter parameters (0 for inference or full fine-tuning) */
  adapterParams: number;
  /** 'adam' keeps 2 moments per trainable parameter, 'momentum' 1, 'sgd' and 'none' 0 */
  optimizer: 'adam' | 'momentum' | 'sgd' | 'none';
  /** train every base weight too (full fine-tuning); default false */
  trainBase?: boolean;
  /** bytes per stored base weight (4 for float32, 2 for bf16/f16); default 4 */
  weightBytes?: number;
  /** bytes per activation / gradient / optimizer value; default 4 */
  computeBytes?: number;
  /** forward only (no saved activations across layers, no gradients); default false */
  inference?: boolean;
}

export interface MemoryEstimate {
  params: number;
  weights: number;
  adapter: number;
  gradients: number;
  optimizerState: number;
  /** activations kept for backward (all layers), or one layer's peak for inference */
  activations: number;
  /** logits, their softmax and gradient: [B, T, V] × 3 (× 1 for inference) */
  logits: number;
  total: number;
}

/** Floats a decoder layer keeps per token for its backward pass (seq = attention row length). */
export function activationFloatsPerToken(c: ModelConfig, seq: number): number {
  const d = c.hidden_size;
  const q = c.num_attention_heads * c.head_dim;
  const kv = c.num_key_value_heads * c.head_dim;
  const residualAndNorms = 4 * d; // layer input, norm1 out, residual after attention, norm2 out
  const attention = q + 2 * kv + q + kv + 2 * q + q; // q,k,v; rotated q,k; k,v repeated to H heads; context
  const scores = 2 * c.num_attention_heads * seq; // scores and softmax probabilities
  const mlp = 4 * c.intermediate_size; // gate, up, silu(gate), silu(gate)·up
  return residualAndNorms + attention + scores + mlp;
}

export function estimateMemory(config: ModelConfig, o: MemoryOptions): MemoryEstimate {
  const wb = o.weightBytes ?? 4;
  const cb = o.computeBytes ?? 4;
  const params = countParams(config);
  const trainable = o.inference ? 0 : o.adapterParams + (o.trainBase ? params : 0);
  const moments = { adam: 2, momentum: 1, sgd: 0, none: 0 }[o.optimizer];
  const tokens = o.batch * o.seq;
  const perLayer = activationFloatsPerToken(config, o.seq) * tokens * cb;
  const embedOut = tokens * config.hidden_size * cb;
  const e = {
    params,
    weights: params * wb,
    adapter: o.adapterParams * cb,
    gradients: trainable * cb,
    optimizerState: trainable * moments * cb,
    activations: o.inference ? perLayer + embedOut : perLayer * config.num_hidden_layers + 2 * embedOut,
    logits: tokens * config.vocab_size * cb * (o.inference ? 1 : 3),
  };
  return {
    ...e,
    total: e.weights + e.adapter + e.gradients + e.optimizerState + e.activations + e.logits,
  };
}

/** LoRA parameters for rank r on the given modules of every layer (e.g. ['q_proj', 'v_proj']). */
export function loraParamCount(c: ModelConfig, r: number, modules: readonly string[]): number {
  const d = c.hidden_size;
  const q = c.num_attention_heads * c.head_dim;
  const kv = c.num_key_value_heads * c.head_dim;
  const I = c.intermediate_size;
  const dims: Record<string, [number, number]> = {
    q_proj: [d, q],
    k_proj: [d, kv],
    v_proj: [d, kv],
    o_proj: [q, d],
    gate_proj: [d, I],
    up_proj: [d, I],
    down_proj: [I, d],
  };
  let n = 0;
  for (const m of modules) {
    const io = dims[m];
    if (!io)
      throw new Error(
        `loraParamCount: unknown module "${m}" (expected one of ${Object.keys(dims).join(', ')})`,
      );
    n += r * (io[0] + io[1]);
  }
  return n * c.num_hidden_layers;
}

/** "13.5 GiB"-style formatting of a byte count. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

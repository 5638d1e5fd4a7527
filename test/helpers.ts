/** Shared test fixtures: a tiny LLaMA config, toy fact sets, a tiny AdaLoRA. */
import type { ModelConfig } from '../src/model/config';
import type { PeftConfig } from '../src/peft';
import type { Example } from '../src/train/batches';

export function tinyConfig(over: Partial<ModelConfig> = {}): ModelConfig {
  return {
    model_type: 'llama',
    vocab_size: 24,
    hidden_size: 16,
    intermediate_size: 32,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 4,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    max_position_embeddings: 16,
    tie_word_embeddings: true,
    hidden_act: 'silu',
    ...over,
  };
}

/** n facts "s_i r → a_i" over a tiny vocabulary (ids 3.. ; 0 = pad). */
export function toyFacts(n: number, vocab = 24, group?: (i: number) => number): Example[] {
  const out: Example[] = [];
  for (let i = 0; i < n; i++) {
    const subject = 3 + (i % (vocab - 3));
    const rel = 3 + ((i * 7 + 1) % (vocab - 3));
    const answer = 3 + ((i * 5 + 2) % (vocab - 3));
    out.push({ ids: [1, subject, rel, answer], answerStart: 3, group: group?.(i) });
  }
  return out;
}

/** Facts of 3–9 tokens (answers of 1–2), so that every stacked batch pads most rows (bitwise-equivalence tests). */
export function raggedFacts(n: number, vocab: number): Example[] {
  return Array.from({ length: n }, (_, i) => {
    const len = 3 + ((i * 5) % 7);
    const ids = Array.from({ length: len }, (_, t) => 3 + ((i * 13 + t * 7 + t * t) % (vocab - 3)));
    return { ids, answerStart: len - 1 - (i % 2) };
  });
}

/** A small AdaLoRA that prunes within 12 steps (bitwise-equivalence tests). */
export const TINY_ADALORA: PeftConfig = {
  method: 'adalora',
  initR: 3,
  targetR: 1,
  alpha: 8,
  dropout: 0.1,
  targetModules: ['q_proj', 'v_proj', 'down_proj'],
  tinit: 2,
  tfinal: 4,
  deltaT: 2,
  totalSteps: 12,
};

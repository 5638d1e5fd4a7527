/** Shared test fixtures: a tiny LLaMA config and a toy fact set. */
import type { ModelConfig } from '../src/model/config';
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

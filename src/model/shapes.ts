/**
 * Names and shapes of a LLaMA model's parameters (Hugging Face names; HF layout [out, in] for linear weights).
 */
import type { ModelConfig } from './config';

export const ATTN_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj'] as const;
export const MLP_MODULES = ['gate_proj', 'up_proj', 'down_proj'] as const;

/** Module names of every linear layer (without `.weight`), in order. */
export function linearModuleNames(config: ModelConfig): string[] {
  const names: string[] = [];
  for (let i = 0; i < config.num_hidden_layers; i++) {
    for (const m of ATTN_MODULES) names.push(`model.layers.${i}.self_attn.${m}`);
    for (const m of MLP_MODULES) names.push(`model.layers.${i}.mlp.${m}`);
  }
  return names;
}

/** [in, out] of a linear module. */
export function linearShape(config: ModelConfig, module: string): [number, number] {
  const d = config.hidden_size;
  const hd = headDim(config);
  const q = config.num_attention_heads * hd;
  const kv = config.num_key_value_heads * hd;
  const leaf = module.slice(module.lastIndexOf('.') + 1);
  switch (leaf) {
    case 'q_proj':
      return [d, q];
    case 'k_proj':
    case 'v_proj':
      return [d, kv];
    case 'o_proj':
      return [q, d];
    case 'gate_proj':
    case 'up_proj':
      return [d, config.intermediate_size];
    case 'down_proj':
      return [config.intermediate_size, d];
    default:
      throw new Error(`'${module}' is not a linear module of a LLaMA model`);
  }
}

export function headDim(config: ModelConfig): number {
  return config.head_dim ?? config.hidden_size / config.num_attention_heads;
}

export function isLinearWeight(name: string): boolean {
  return name.endsWith('_proj.weight') || name === 'lm_head.weight';
}

/** Every parameter name with its HF-layout shape. */
export function parameterShapes(config: ModelConfig): Map<string, number[]> {
  const d = config.hidden_size;
  const shapes = new Map<string, number[]>();
  shapes.set('model.embed_tokens.weight', [config.vocab_size, d]);
  for (const m of linearModuleNames(config)) {
    const [i, o] = linearShape(config, m);
    shapes.set(`${m}.weight`, [o, i]);
  }
  for (let i = 0; i < config.num_hidden_layers; i++) {
    shapes.set(`model.layers.${i}.input_layernorm.weight`, [d]);
    shapes.set(`model.layers.${i}.post_attention_layernorm.weight`, [d]);
  }
  shapes.set('model.norm.weight', [d]);
  if (!config.tie_word_embeddings) shapes.set('lm_head.weight', [config.vocab_size, d]);
  return shapes;
}

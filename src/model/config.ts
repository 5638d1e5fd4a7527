/**
 * ModelConfig: a LLaMA-family decoder with Hugging Face `config.json` field names (LlamaConfig), so a real
 * checkpoint directory's config loads as is and ours loads in `transformers`.
 * Supported: model_type 'llama', silu MLP, no attention/MLP biases. `rope_scaling` is passed through untouched
 * (the model decides whether it supports it).
 */

export interface ModelConfig {
  model_type: 'llama';
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  /** GQA: number of key/value heads (defaults to num_attention_heads) */
  num_key_value_heads: number;
  /** hidden_size / num_attention_heads unless given explicitly */
  head_dim: number;
  rms_norm_eps: number;
  rope_theta: number;
  max_position_embeddings: number;
  tie_word_embeddings: boolean;
  hidden_act: 'silu';
  bos_token_id?: number;
  /** a list in some checkpoints (Llama 3.1) */
  eos_token_id?: number | number[];
  pad_token_id?: number;
  rope_scaling?: Record<string, unknown> | null;
  torch_dtype?: string;
}

/** Defaults of HF LlamaConfig for the optional fields (rms_norm_eps: 1e-6, rope_theta: 10000, …). */
export const CONFIG_DEFAULTS = {
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  max_position_embeddings: 2048,
  tie_word_embeddings: false,
  hidden_act: 'silu',
} as const;

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${source}: field "${field}": ${detail}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validate a parsed config.json (or an object built in code). `source` names it in errors (a path).
 * Required: vocab_size, hidden_size, intermediate_size, num_hidden_layers, num_attention_heads; the rest default.
 */
export function validateModelConfig(obj: unknown, source: string): ModelConfig {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new ConfigError(source, '(root)', 'config must be a JSON object');
  }
  const o = obj as Record<string, unknown>;
  const fail = (field: string, detail: string) => new ConfigError(source, field, detail);
  const posInt = (field: string, fallback?: number): number => {
    const v = o[field] ?? fallback;
    if (v === undefined) throw fail(field, 'missing (a positive integer is required)');
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
      throw fail(field, `must be a positive integer, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const posNum = (field: string, fallback: number): number => {
    const v = o[field] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw fail(field, `must be a positive number, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const optId = (field: string): number | undefined => {
    const v = o[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw fail(field, `must be a non-negative integer or null, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const modelType = o.model_type ?? 'llama';
  if (modelType !== 'llama') throw fail('model_type', `must be "llama", got ${JSON.stringify(modelType)}`);
  const act = o.hidden_act ?? CONFIG_DEFAULTS.hidden_act;
  if (act !== 'silu') throw fail('hidden_act', `only "silu" is supported, got ${JSON.stringify(act)}`);
  for (const f of ['attention_bias', 'mlp_bias']) {
    if (o[f] !== undefined && o[f] !== false)
      throw fail(f, 'biases are not supported (must be false or absent)');
  }
  const tie = o.tie_word_embeddings ?? CONFIG_DEFAULTS.tie_word_embeddings;
  if (typeof tie !== 'boolean')
    throw fail('tie_word_embeddings', `must be a boolean, got ${JSON.stringify(tie)}`);

  const hidden = posInt('hidden_size');
  const heads = posInt('num_attention_heads');
  const kv = posInt('num_key_value_heads', heads);
  if (heads % kv !== 0)
    throw fail('num_key_value_heads', `${kv} does not divide num_attention_heads ${heads}`);
  if (o.head_dim === undefined && hidden % heads !== 0) {
    throw fail('num_attention_heads', `${heads} does not divide hidden_size ${hidden}`);
  }
  const headDim = posInt('head_dim', hidden / heads);
  if (headDim % 2 !== 0) throw fail('head_dim', `must be even for rotary embeddings, got ${headDim}`);

  let eos: number | number[] | undefined;
  if (Array.isArray(o.eos_token_id)) {
    eos = o.eos_token_id.map((v, i) => {
      if (!Number.isSafeInteger(v) || v < 0)
        throw fail(`eos_token_id[${i}]`, 'must be a non-negative integer');
      return v as number;
    });
  } else eos = optId('eos_token_id');
  const ropeScaling = o.rope_scaling;
  if (
    ropeScaling !== undefined &&
    ropeScaling !== null &&
    (typeof ropeScaling !== 'object' || Array.isArray(ropeScaling))
  ) {
    throw fail('rope_scaling', 'must be an object or null');
  }
  if (o.torch_dtype !== undefined && o.torch_dtype !== null && typeof o.torch_dtype !== 'string') {
    throw fail('torch_dtype', 'must be a string');
  }

  const config: ModelConfig = {
    model_type: 'llama',
    vocab_size: posInt('vocab_size'),
    hidden_size: hidden,
    intermediate_size: posInt('intermediate_size'),
    num_hidden_layers: posInt('num_hidden_layers'),
    num_attention_heads: heads,
    num_key_value_heads: kv,
    head_dim: headDim,
    rms_norm_eps: posNum('rms_norm_eps', CONFIG_DEFAULTS.rms_norm_eps),
    rope_theta: posNum('rope_theta', CONFIG_DEFAULTS.rope_theta),
    max_position_embeddings: posInt('max_position_embeddings', CONFIG_DEFAULTS.max_position_embeddings),
    tie_word_embeddings: tie,
    hidden_act: 'silu',
  };
  const bos = optId('bos_token_id');
  const pad = optId('pad_token_id');
  if (bos !== undefined) config.bos_token_id = bos;
  if (eos !== undefined) config.eos_token_id = eos;
  if (pad !== undefined) config.pad_token_id = pad;
  if (ropeScaling !== undefined) config.rope_scaling = ropeScaling as Record<string, unknown> | null;
  if (typeof o.torch_dtype === 'string') config.torch_dtype = o.torch_dtype;
  return config;
}

/** The JSON written as config.json (HF field names, plus `architectures` so transformers picks the class). */
export function configToJSON(config: ModelConfig): Record<string, unknown> {
  return { architectures: ['LlamaForCausalLM'], torch_dtype: 'float32', ...config };
}

/** Number of parameters of the base model. */
export function countParams(c: ModelConfig): number {
  const d = c.hidden_size;
  const attn = d * c.num_attention_heads * c.head_dim * 2 + d * c.num_key_value_heads * c.head_dim * 2;
  const layer = attn + 3 * d * c.intermediate_size + 2 * d;
  return c.vocab_size * d * (c.tie_word_embeddings ? 1 : 2) + c.num_hidden_layers * layer + d;
}

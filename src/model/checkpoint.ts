/**
 * A Hugging Face LLaMA model directory:
 *   config.json                                   ModelConfig (HF field names)
 *   model.safetensors                             or sharded model-0000i-of-0000N.safetensors
 *   model.safetensors.index.json                  {"metadata": {"total_size"}, "weight_map": {name: shard}}
 *   tokenizer.json (+ tokenizer_config.json)
 * Tensors use HF names and HF layout (linear weights [out, in], row-major float32 on our side).
 * Loading validates everything that headers tell (files, names, shapes against the config) before any tensor
 * data is read, then streams tensors one at a time; saving writes `dir.tmp` and swaps it in.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, configToJSON, type ModelConfig, validateModelConfig } from './config';
import {
  numel,
  openSafetensors,
  type SafetensorsReader,
  type WriteDtype,
  writeSafetensors,
} from './safetensors';
import { loadTokenizer, saveTokenizer, type Tokenizer } from './tokenizer';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';
export const TOKENIZER_FILE = 'tokenizer.json';
const LAYOUT = `a model directory must contain ${CONFIG_FILE}, ${WEIGHTS_FILE} (or ${INDEX_FILE} with its shards) and ${TOKENIZER_FILE}`;

export class CheckpointError extends Error {
  constructor(
    readonly file: string,
    readonly tensor: string | undefined,
    detail: string,
  ) {
    super(`${file}${tensor === undefined ? '' : `: tensor "${tensor}"`}: ${detail}`);
    this.name = 'CheckpointError';
  }
}

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** Every weight of an HF LlamaForCausalLM with its shape, in model order (H heads, KV kv heads, hd head_dim). */
export function expectedShapes(c: ModelConfig): Map<string, number[]> {
  const d = c.hidden_size;
  const q = c.num_attention_heads * c.head_dim;
  const kv = c.num_key_value_heads * c.head_dim;
  const I = c.intermediate_size;
  const m = new Map<string, number[]>([['model.embed_tokens.weight', [c.vocab_size, d]]]);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `model.layers.${i}.`;
    m.set(`${p}self_attn.q_proj.weight`, [q, d]);
    m.set(`${p}self_attn.k_proj.weight`, [kv, d]);
    m.set(`${p}self_attn.v_proj.weight`, [kv, d]);
    m.set(`${p}self_attn.o_proj.weight`, [d, q]);
    m.set(`${p}mlp.gate_proj.weight`, [I, d]);
    m.set(`${p}mlp.up_proj.weight`, [I, d]);
    m.set(`${p}mlp.down_proj.weight`, [d, I]);
    m.set(`${p}input_layernorm.weight`, [d]);
    m.set(`${p}post_attention_layernorm.weight`, [d]);
  }
  m.set('model.norm.weight', [d]);
  if (!c.tie_word_embeddings) m.set('lm_head.weight', [c.vocab_size, d]);
  return m;
}

export interface LoadOptions {
  /** load tokenizer.json (default true; false also drops it from the required files) */
  tokenizer?: boolean;
  /** tolerate tensors the config does not expect (default false: error). rotary inv_freq buffers and a tied
   *  model's lm_head.weight are always ignored. */
  allowUnexpected?: boolean;
}

export interface ModelDir {
  dir: string;
  config: ModelConfig;
  tokenizer: Tokenizer | undefined;
  /** expected name → shape, in model order */
  shapes: Map<string, number[]>;
  /** names present in the files but not used (inv_freq, tied lm_head, unexpected ones when allowed) */
  ignored: string[];
  /** read one tensor from its shard (one host copy) */
  read(name: string): Float32Array;
  /** stream every expected tensor in model order */
  tensors(): Generator<[string, Tensor]>;
  /** everything in memory at once */
  loadAll(): Map<string, Tensor>;
}

function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CheckpointError(file, undefined, `cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(file, undefined, `not valid JSON (${(e as Error).message})`);
  }
}

/** Parse the index (or take model.safetensors) and open every shard's header: name → reader. */
function openWeights(dir: string): Map<string, SafetensorsReader> {
  const where = new Map<string, SafetensorsReader>();
  const indexFile = path.join(dir, INDEX_FILE);
  if (!fs.existsSync(indexFile)) {
    const r = openSafetensors(path.join(dir, WEIGHTS_FILE));
    for (const e of r.entries) where.set(e.name, r);
    return where;
  }
  const index = readJsonFile(indexFile) as { weight_map?: unknown } | null;
  const map = index?.weight_map;
  if (!map || typeof map !== 'object' || Array.isArray(map)) {
    throw new CheckpointError(
      indexFile,
      undefined,
      'field "weight_map" must be an object {tensor: shard file}',
    );
  }
  const readers = new Map<string, SafetensorsReader>();
  for (const [name, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\') || shard.startsWith('.')) {
      throw new CheckpointError(
        indexFile,
        name,
        `weight_map value ${JSON.stringify(shard)} is not a shard file name`,
      );
    }
    let r = readers.get(shard);
    if (!r) {
      const file = path.join(dir, shard);
      if (!fs.existsSync(file))
        throw new CheckpointError(indexFile, name, `shard ${shard} is missing from ${dir}`);
      r = openSafetensors(file);
      readers.set(shard, r);
    }
    if (!r.get(name))
      throw new CheckpointError(r.path, name, `named in ${INDEX_FILE} but absent from the shard`);
    where.set(name, r);
  }
  return where;
}

/** Open a model directory: config, tokenizer and every header are validated before this returns. */
export function loadModelDir(dir: string, opts: LoadOptions = {}): ModelDir {
  const wantTok = opts.tokenizer ?? true;
  const has = (f: string) => fs.existsSync(path.join(dir, f));
  const missing = [CONFIG_FILE, ...(wantTok ? [TOKENIZER_FILE] : [])].filter((f) => !has(f));
  if (!has(WEIGHTS_FILE) && !has(INDEX_FILE)) missing.push(`${WEIGHTS_FILE} or ${INDEX_FILE}`);
  if (missing.length > 0)
    throw new CheckpointError(dir, undefined, `missing ${missing.join(', ')}; ${LAYOUT}`);

  const configFile = path.join(dir, CONFIG_FILE);
  let config: ModelConfig;
  try {
    config = validateModelConfig(readJsonFile(configFile), configFile);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof CheckpointError) throw e;
    throw new CheckpointError(configFile, undefined, (e as Error).message);
  }
  const where = openWeights(dir);
  const shapes = expectedShapes(config);
  const absent = [...shapes.keys()].filter((n) => !where.has(n));
  if (absent.length > 0) {
    const list =
      absent.length > 5 ? `${absent.slice(0, 5).join(', ')} … (${absent.length} in all)` : absent.join(', ');
    throw new CheckpointError(dir, absent[0], `missing weights: ${list}`);
  }
  for (const [name, shape] of shapes) {
    const r = where.get(name)!;
    const got = r.get(name)!.shape;
    if (got.length !== shape.length || got.some((s, i) => s !== shape[i])) {
      throw new CheckpointError(r.path, name, `shape [${got}] but ${CONFIG_FILE} implies [${shape}]`);
    }
  }
  const ignored: string[] = [];
  for (const [name, r] of where) {
    if (shapes.has(name)) continue;
    const benign =
      name.endsWith('.rotary_emb.inv_freq') || (config.tie_word_embeddings && name === 'lm_head.weight');
    if (!benign && !opts.allowUnexpected) {
      throw new CheckpointError(
        r.path,
        name,
        `unexpected tensor for this ${CONFIG_FILE} (allowUnexpected to skip)`,
      );
    }
    ignored.push(name);
  }
  const tokenizer = wantTok ? loadTokenizer(dir) : undefined;
  if (tokenizer && tokenizer.vocabSize > config.vocab_size) {
    throw new CheckpointError(
      path.join(dir, TOKENIZER_FILE),
      undefined,
      `the tokenizer has ids up to ${tokenizer.vocabSize - 1} (${tokenizer.vocabSize} tokens) but ${configFile} has vocab_size ${config.vocab_size}: they belong to different models`,
    );
  }

  const read = (name: string): Float32Array => {
    const r = where.get(name);
    if (!r) throw new CheckpointError(dir, name, 'no such tensor');
    return r.read(name);
  };
  function* tensors(): Generator<[string, Tensor]> {
    for (const [name, shape] of shapes) yield [name, { shape, data: read(name) }];
  }
  return { dir, config, tokenizer, shapes, ignored, read, tensors, loadAll: () => new Map(tensors()) };
}

export interface SaveOptions {
  /** split into model-0000i-of-0000N.safetensors + index when larger (default 5e9 bytes, as HF) */
  maxShardBytes?: number;
  /** stored dtype (default F32) */
  dtype?: WriteDtype;
}

/**
 * Save a model directory. Tensors must be exactly expectedShapes(config) (checked before anything is
 * written). Writes into `dir.tmp`, then renames it to `dir` (an existing `dir` is moved to `dir.old` and removed
 * after the swap).
 */
export function saveModelDir(
  dir: string,
  config: ModelConfig,
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>,
  tokenizer: Tokenizer | undefined,
  opts: SaveOptions = {},
): void {
  const shapes = expectedShapes(config);
  for (const [name, shape] of shapes) {
    const t = tensors.get(name);
    if (!t) throw new CheckpointError(dir, name, 'missing from the tensors to save');
    if (
      t.shape.length !== shape.length ||
      t.shape.some((s, i) => s !== shape[i]) ||
      t.data.length !== numel(shape)
    ) {
      throw new CheckpointError(
        dir,
        name,
        `shape [${t.shape}] (${t.data.length} values) but config implies [${shape}]`,
      );
    }
  }
  for (const name of tensors.keys()) {
    if (!shapes.has(name)) throw new CheckpointError(dir, name, 'not a weight of this config');
  }
  const dtype = opts.dtype ?? 'F32';
  const bytesPer = dtype === 'F32' ? 4 : 2;
  const maxShard = opts.maxShardBytes ?? 5e9;
  const shards: string[][] = [[]];
  let size = 0;
  let total = 0;
  for (const name of shapes.keys()) {
    const b = numel(shapes.get(name)!) * bytesPer;
    if (size > 0 && size + b > maxShard) {
      shards.push([]);
      size = 0;
    }
    shards[shards.length - 1].push(name);
    size += b;
    total += b;
  }
  const tmp = `${dir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    const torchDtype = { F32: 'float32', BF16: 'bfloat16', F16: 'float16' }[dtype];
    const json = configToJSON({ ...config, torch_dtype: torchDtype });
    fs.writeFileSync(path.join(tmp, CONFIG_FILE), `${JSON.stringify(json, null, 2)}\n`);
    const n = shards.length;
    const weightMap: Record<string, string> = {};
    shards.forEach((names, i) => {
      const file = n === 1 ? WEIGHTS_FILE : `model-${pad5(i + 1)}-of-${pad5(n)}.safetensors`;
      const part = new Map(names.map((name) => [name, tensors.get(name)!]));
      writeSafetensors(path.join(tmp, file), part, { format: 'pt' }, { dtype });
      for (const name of names) weightMap[name] = file;
    });
    if (n > 1) {
      const index = { metadata: { total_size: total }, weight_map: weightMap };
      fs.writeFileSync(path.join(tmp, INDEX_FILE), `${JSON.stringify(index, null, 2)}\n`);
    }
    if (tokenizer) saveTokenizer(tmp, tokenizer);
    swapDir(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

function pad5(i: number): string {
  return String(i).padStart(5, '0');
}

/** Move `tmp` to `dir`; an existing `dir` goes to `dir.old` first and is removed once the swap succeeded. */
export function swapDir(tmp: string, dir: string): void {
  const old = `${dir}.old`;
  fs.rmSync(old, { recursive: true, force: true });
  const existed = fs.existsSync(dir);
  if (existed) fs.renameSync(dir, old);
  try {
    fs.renameSync(tmp, dir);
  } catch (e) {
    if (existed) fs.renameSync(old, dir);
    throw e;
  }
  if (existed) fs.rmSync(old, { recursive: true, force: true });
}

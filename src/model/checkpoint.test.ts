import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { CheckpointError, expectedShapes, loadModelDir, saveModelDir, type Tensor } from './checkpoint';
import { ConfigError, countParams, validateModelConfig } from './config';
import { estimateMemory, loraParamCount } from './memory';
import { readSafetensors } from './safetensors';
import type { WordTokenizer } from './tokenizer';

const FIX = path.join(__dirname, '../../test/fixtures');
const TINY = path.join(FIX, 'tiny-llama');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** A fresh copy of the fixture directory to break. */
function copyTiny(): string {
  const dir = path.join(tmp, `copy${n++}`);
  fs.cpSync(TINY, dir, { recursive: true });
  return dir;
}

function throwsNaming(fn: () => unknown, parts: string[], re: RegExp): void {
  assert.throws(fn, (e: Error) => {
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" lacks ${p}`);
    assert.match(e.message, re);
    return true;
  });
}

describe('loadModelDir on the PyTorch fixture (2 F32 shards + index)', () => {
  test('config, tokenizer and every tensor with the expected shape, streamed in model order', () => {
    const m = loadModelDir(TINY);
    assert.equal(m.config.hidden_size, 32);
    assert.equal(m.config.num_key_value_heads, 2);
    assert.equal(m.config.head_dim, 8);
    assert.equal(m.config.rms_norm_eps, 1e-5);
    assert.equal(m.config.bos_token_id, 2);
    assert.equal(m.tokenizer!.vocabSize, 64);
    assert.deepEqual(m.ignored, []);
    const names: string[] = [];
    let params = 0;
    for (const [name, t] of m.tensors()) {
      names.push(name);
      assert.deepEqual(t.shape, m.shapes.get(name));
      assert.equal(
        t.data.length,
        t.shape.reduce((a, b) => a * b, 1),
      );
      params += t.data.length;
    }
    assert.deepEqual(names, [...expectedShapes(m.config).keys()]);
    assert.equal(names.length, 1 + 2 * 9 + 2);
    assert.equal(params, countParams(m.config));
    assert.deepEqual(m.shapes.get('model.layers.1.self_attn.k_proj.weight'), [16, 32]);
    assert.deepEqual(m.shapes.get('model.layers.0.mlp.down_proj.weight'), [32, 48]);
  });

  test('F32 weights agree with the F16/BF16 copies PyTorch made of them', () => {
    const embed = loadModelDir(TINY).read('model.embed_tokens.weight');
    for (const code of ['f16', 'bf16']) {
      const low = readSafetensors(path.join(FIX, `dtypes/${code}.safetensors`)).get('embed8')!.data;
      const tol = code === 'f16' ? 2 ** -10 : 2 ** -7; // relative rounding of the format
      for (let i = 0; i < low.length; i++) {
        assert.ok(Math.abs(low[i] - embed[i]) <= tol * Math.abs(embed[i]) + 1e-7, `${code}[${i}]`);
      }
    }
  });
});

describe('loadModelDir validation (nothing is returned half-loaded)', () => {
  test('missing config lists what a model directory must contain', () => {
    const dir = copyTiny();
    fs.rmSync(path.join(dir, 'config.json'));
    throwsNaming(
      () => loadModelDir(dir),
      [dir, 'config.json', 'model.safetensors', 'tokenizer.json'],
      /missing config\.json/,
    );
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    throwsNaming(
      () => loadModelDir(empty),
      [empty],
      /missing config\.json, tokenizer\.json, model\.safetensors or/,
    );
  });

  test('config field missing or of the wrong type names the field', () => {
    const dir = copyTiny();
    const file = path.join(dir, 'config.json');
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...cfg, hidden_size: undefined }));
    assert.throws(
      () => loadModelDir(dir),
      (e: Error) => e instanceof ConfigError && e.message.includes(file),
    );
    throwsNaming(() => loadModelDir(dir), [file, '"hidden_size"'], /missing/);
    fs.writeFileSync(file, JSON.stringify({ ...cfg, rope_theta: '1e4' }));
    throwsNaming(() => loadModelDir(dir), [file, '"rope_theta"'], /must be a positive number, got "1e4"/);
    fs.writeFileSync(file, JSON.stringify({ ...cfg, num_key_value_heads: 3 }));
    throwsNaming(() => loadModelDir(dir), ['"num_key_value_heads"'], /does not divide num_attention_heads 4/);
    fs.writeFileSync(file, '{"hidden_size": 3');
    throwsNaming(() => loadModelDir(dir), [file], /not valid JSON/);
  });

  test('missing shard names the shard and a tensor it should hold', () => {
    const dir = copyTiny();
    fs.rmSync(path.join(dir, 'model-00002-of-00002.safetensors'));
    assert.throws(() => loadModelDir(dir), CheckpointError);
    throwsNaming(
      () => loadModelDir(dir),
      [
        'model.safetensors.index.json',
        'model-00002-of-00002.safetensors',
        '"model.layers.1.self_attn.q_proj.weight"',
      ],
      /is missing/,
    );
  });

  test('index naming a tensor absent from its shard', () => {
    const dir = copyTiny();
    const file = path.join(dir, 'model.safetensors.index.json');
    const index = JSON.parse(fs.readFileSync(file, 'utf8'));
    index.weight_map['model.layers.0.self_attn.rotary_emb.extra'] = 'model-00001-of-00002.safetensors';
    fs.writeFileSync(file, JSON.stringify(index));
    throwsNaming(
      () => loadModelDir(dir),
      ['model-00001-of-00002.safetensors', '"model.layers.0.self_attn.rotary_emb.extra"'],
      /named in model\.safetensors\.index\.json but absent/,
    );
  });

  test('tensor shape mismatch against config.json', () => {
    const dir = copyTiny();
    const file = path.join(dir, 'config.json');
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...cfg, intermediate_size: 40 }));
    throwsNaming(
      () => loadModelDir(dir),
      ['model-00001-of-00002.safetensors', '"model.layers.0.mlp.gate_proj.weight"'],
      /shape \[48,32\] but config\.json implies \[40,32\]/,
    );
  });

  test('missing weights and unexpected tensors', () => {
    const dir = copyTiny();
    const cfgFile = path.join(dir, 'config.json');
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
    fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, num_hidden_layers: 3 }));
    throwsNaming(
      () => loadModelDir(dir),
      [dir, '"model.layers.2.self_attn.q_proj.weight"'],
      /missing weights: .* \(9 in all\)/,
    );
    fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, num_hidden_layers: 1 }));
    throwsNaming(() => loadModelDir(dir), ['"model.layers.1.self_attn.q_proj.weight"'], /unexpected tensor/);
    assert.equal(loadModelDir(dir, { allowUnexpected: true }).ignored.length, 9);
    fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, tie_word_embeddings: true }));
    assert.deepEqual(loadModelDir(dir).ignored, ['lm_head.weight']);
  });

  test('hostile header in a shard', () => {
    const dir = copyTiny();
    const shard = path.join(dir, 'model-00001-of-00002.safetensors');
    const buf = fs.readFileSync(shard);
    buf.writeBigUInt64LE(2n ** 40n, 0);
    fs.writeFileSync(shard, buf);
    throwsNaming(() => loadModelDir(dir), [shard], /exceeds the 104857600-byte limit/);
  });

  test('tokenizer can be skipped', () => {
    const dir = copyTiny();
    fs.rmSync(path.join(dir, 'tokenizer.json'));
    throwsNaming(() => loadModelDir(dir), ['tokenizer.json'], /missing tokenizer\.json/);
    assert.equal(loadModelDir(dir, { tokenizer: false }).tokenizer, undefined);
  });
});

describe('saveModelDir', () => {
  const src = loadModelDir(TINY);
  const tensors = src.loadAll();
  const bits = (a: Float32Array) => Array.from(new Int32Array(a.buffer, a.byteOffset, a.length));

  test('single file round trip; overwriting an existing directory', () => {
    const dir = path.join(tmp, 'saved');
    for (let i = 0; i < 2; i++) saveModelDir(dir, src.config, tensors, src.tokenizer);
    assert.deepEqual(fs.readdirSync(dir).sort(), [
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    assert.ok(!fs.existsSync(`${dir}.tmp`) && !fs.existsSync(`${dir}.old`));
    const back = loadModelDir(dir);
    assert.deepEqual(back.config, src.config);
    assert.deepEqual(back.tokenizer!.encode('paris is'), src.tokenizer!.encode('paris is'));
    for (const [name, t] of back.tensors())
      assert.deepEqual(bits(t.data), bits(tensors.get(name)!.data), name);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    assert.deepEqual(json.architectures, ['LlamaForCausalLM']);
    assert.equal(json.torch_dtype, 'float32');
  });

  test('sharded BF16 save writes an index that loads back', () => {
    const dir = path.join(tmp, 'sharded');
    saveModelDir(dir, src.config, tensors, src.tokenizer, { maxShardBytes: 10000, dtype: 'BF16' });
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'model.safetensors.index.json'), 'utf8'));
    const shards = [...new Set(Object.values(index.weight_map))] as string[];
    assert.ok(shards.length > 2 && shards.every((s) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(s)));
    assert.equal(index.metadata.total_size, countParams(src.config) * 2);
    assert.equal(loadModelDir(dir).config.torch_dtype, 'bfloat16');
    const q = loadModelDir(dir).read('model.layers.0.self_attn.q_proj.weight');
    const ref = tensors.get('model.layers.0.self_attn.q_proj.weight')!.data;
    for (let i = 0; i < q.length; i++)
      assert.ok(Math.abs(q[i] - ref[i]) <= 2 ** -8 * Math.abs(ref[i]), `${i}`);
  });

  test('refuses wrong or missing tensors before writing anything', () => {
    const dir = path.join(tmp, 'never');
    const bad = new Map<string, Tensor>(tensors);
    bad.set('model.norm.weight', { shape: [31], data: new Float32Array(31) });
    throwsNaming(
      () => saveModelDir(dir, src.config, bad, undefined),
      [dir, '"model.norm.weight"'],
      /implies \[32\]/,
    );
    bad.delete('model.norm.weight');
    throwsNaming(() => saveModelDir(dir, src.config, bad, undefined), ['"model.norm.weight"'], /missing/);
    assert.ok(!fs.existsSync(dir) && !fs.existsSync(`${dir}.tmp`));
  });

  test('a save failing half-way leaves the old directory intact', () => {
    const dir = path.join(tmp, 'saved2');
    saveModelDir(dir, src.config, tensors, src.tokenizer);
    const broken = { ...src.tokenizer!, toJSON: () => ({ x: 1n }) } as unknown as WordTokenizer;
    assert.throws(() => saveModelDir(dir, src.config, tensors, broken), /BigInt/);
    assert.ok(loadModelDir(dir).tokenizer && !fs.existsSync(`${dir}.tmp`));
  });
});

describe('config and memory estimates', () => {
  const llama7b = validateModelConfig(
    {
      hidden_size: 4096,
      intermediate_size: 11008,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      vocab_size: 32000,
      rms_norm_eps: 1e-5,
    },
    'llama-2-7b/config.json',
  );
  test('defaults follow HF LlamaConfig', () => {
    assert.equal(llama7b.num_key_value_heads, 32);
    assert.equal(llama7b.rope_theta, 10000);
    assert.equal(llama7b.tie_word_embeddings, false);
    assert.equal(countParams(llama7b), 6738415616); // LLaMA-2-7B's published parameter count
    assert.throws(
      () => validateModelConfig({ ...llama7b, model_type: 'gpt2' }, 'c.json'),
      /c\.json: field "model_type"/,
    );
    assert.throws(
      () => validateModelConfig({ ...llama7b, attention_bias: true }, 'c.json'),
      /"attention_bias"/,
    );
  });
  test('estimateMemory: LLaMA-2-7B LoRA (r 8 on q,v) in bf16 weights', () => {
    const adapterParams = loraParamCount(llama7b, 8, ['q_proj', 'v_proj']);
    assert.equal(adapterParams, 4194304);
    const e = estimateMemory(llama7b, {
      batch: 1,
      seq: 256,
      adapterParams,
      optimizer: 'adam',
      weightBytes: 2,
    });
    assert.equal(e.weights, 6738415616 * 2);
    assert.equal(e.optimizerState, adapterParams * 8);
    assert.equal(e.logits, 256 * 32000 * 4 * 3);
    assert.equal(e.total, e.weights + e.adapter + e.gradients + e.optimizerState + e.activations + e.logits);
    assert.ok(e.total > 13.5e9 && e.total < 20e9, `${e.total}`);
  });
});

/**
 * Our tfjs LLaMA against an independent reference: logits computed by a hand-written PyTorch LLaMA
 * (test/fixtures/make_tiny_llama.py, Debian python3-torch) for a tiny random model in the Hugging Face layout
 * (2 F32 shards + index, GQA, untied lm_head), with and without a peft-format LoRA adapter.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { loadModel } from '../src/model/load';
import { readPeftLora } from '../src/peft/io';
import { LoraHandle } from '../src/peft/lora';
import { loadLoraAdapter, saveLoraAdapter } from '../src/peft/save';

const FIX = path.join(__dirname, 'fixtures');

before(async () => {
  await initBackend('cpu', { quiet: true });
});

function compare(model: ReturnType<typeof loadModel>['model'], file: string): number {
  const ref = JSON.parse(fs.readFileSync(file, 'utf8')) as { inputs: number[][]; logits: number[][][] };
  let worst = 0;
  ref.inputs.forEach((ids, i) => {
    const got = tf.tidy(
      () => model.forward(tf.tensor2d([ids], [1, ids.length], 'int32')).logits.arraySync() as number[][][],
    );
    got[0].forEach((row, t) => {
      row.forEach((v, j) => {
        worst = Math.max(worst, Math.abs(v - ref.logits[i][t][j]));
      });
    });
  });
  return worst;
}

test('logits of the tiny HF-layout LLaMA match the PyTorch reference', () => {
  const { model } = loadModel(path.join(FIX, 'tiny-llama'));
  const d = compare(model, path.join(FIX, 'tiny-llama', 'expected_logits.json'));
  assert.ok(d < 1e-4, `max |Δlogit| ${d}`);
  model.dispose();
});

test('a peft-format LoRA adapter loads and gives the PyTorch reference logits', () => {
  const { model } = loadModel(path.join(FIX, 'tiny-llama'));
  const { config, tensors } = readPeftLora(path.join(FIX, 'tiny-lora'));
  const lora = new LoraHandle(model, {
    method: 'lora',
    r: config.r,
    alpha: config.lora_alpha,
    targetModules: config.target_modules,
  });
  const weights = new Map(
    [...tensors].map(([m, w]) => [
      m,
      {
        A: { shape: [config.r, w.inFeatures], data: w.A },
        B: { shape: [w.outFeatures, config.r], data: w.B },
      },
    ]),
  );
  lora.importAdapter(weights);
  const d = compare(model, path.join(FIX, 'tiny-lora', 'expected_lora_logits.json'));
  assert.ok(d < 1e-4, `max |Δlogit| ${d}`);
  lora.remove();
  model.dispose();
});

test('saveLoraAdapter → loadLoraAdapter round trip in peft layout reproduces the reference logits', async () => {
  const { model } = loadModel(path.join(FIX, 'tiny-llama'));
  const first = loadLoraAdapter(model, path.join(FIX, 'tiny-lora'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-peft-'));
  await saveLoraAdapter(first, dir, 0, 'tiny-llama');
  first.remove();
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'adapter_config.json'), 'utf8'));
  assert.equal(cfg.peft_type, 'LORA');
  assert.equal(cfg.base_model_name_or_path, 'tiny-llama');
  const again = loadLoraAdapter(model, dir);
  const d = compare(model, path.join(FIX, 'tiny-lora', 'expected_lora_logits.json'));
  assert.ok(d < 1e-4, `max |Δlogit| ${d}`);
  again.remove();
  model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the committed tfjs-written adapter fixture (for bench/hf_peft_check.py) is what saveLoraAdapter writes', async () => {
  const { model } = loadModel(path.join(FIX, 'tiny-llama'));
  const lora = loadLoraAdapter(model, path.join(FIX, 'tiny-lora'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-peft-'));
  await saveLoraAdapter(lora, dir, 0, 'tiny-llama');
  for (const f of ['adapter_config.json', 'adapter_model.safetensors']) {
    assert.ok(
      fs.readFileSync(path.join(dir, f)).equals(fs.readFileSync(path.join(FIX, 'tiny-lora-tfjs', f))),
      f,
    );
  }
  lora.remove();
  model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an rsLoRA adapter (use_rslora, α/√r) loads with the PyTorch reference logits, and saves as rsLoRA', async () => {
  const { model } = loadModel(path.join(FIX, 'tiny-llama'));
  const lora = loadLoraAdapter(model, path.join(FIX, 'tiny-lora-rslora'));
  assert.equal(lora.scaling, 2, 'lora_alpha 4 / √4');
  const d = compare(model, path.join(FIX, 'tiny-lora', 'expected_lora_logits.json'));
  assert.ok(d < 1e-4, `max |Δlogit| ${d}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-peft-'));
  await saveLoraAdapter(lora, dir, 0, 'tiny-llama');
  lora.remove();
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'adapter_config.json'), 'utf8'));
  assert.deepEqual([cfg.use_rslora, cfg.lora_alpha, cfg.r], [true, 4, 4]);
  const again = loadLoraAdapter(model, dir);
  assert.ok(compare(model, path.join(FIX, 'tiny-lora', 'expected_lora_logits.json')) < 1e-4);
  again.remove();
  model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

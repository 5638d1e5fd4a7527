/**
 * Details that must match Hugging Face peft: LoRA's init bound and dropout scaling, rsLoRA scaling, merging one of
 * several stacked adapters, AdaLoRA's pruning of the least important triplets (checked against hand-computed
 * scores), AdaLoRA's file format (save → load gives identical logits), and peft's module selection rules.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { tinyConfig } from '../../test/helpers';
import { initBackend } from '../backend';
import { LlamaModel } from '../model/llama';
import { openSafetensors, readSafetensors, writeSafetensors } from '../model/safetensors';
import { AdaLoraHandle } from './adalora';
import { GroupDropout, rowLayout } from './groups';
import { PeftError } from './io';
import { LoraHandle } from './lora';
import {
  loadAdaLoraAdapter,
  loadLoraAdapter,
  loadPeftAdapter,
  saveAdaLoraAdapter,
  saveLoraAdapter,
} from './save';

before(async () => {
  await initBackend('cpu', { quiet: true });
});
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'peft-compat-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const model = (seed = 1) => LlamaModel.random(tinyConfig(), seed, 0.3);
const IDS = [
  [1, 4, 5, 6, 7],
  [1, 9, 3, 8, 2],
];
const logits = (m: LlamaModel, rowGroups?: number[]) =>
  tf.tidy(
    () => m.forward(tf.tensor2d(IDS, [2, 5], 'int32'), { rowGroups }).logits.dataSync() as Float32Array,
  );
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};
const randomize = (vars: { variable: tf.Variable }[], seed: number) => {
  vars.forEach((t, i) => {
    t.variable.assign(tf.randomNormal(t.variable.shape, 0, 0.2, 'float32', seed + i));
  });
};

describe('LoRA as peft', () => {
  test('init: A ~ kaiming_uniform(a = √5) on lora_A [r, in], i.e. U(±1/√in); B = 0', () => {
    const m = LlamaModel.random(tinyConfig({ hidden_size: 64, num_attention_heads: 4, head_dim: 16 }), 1);
    const h = new LoraHandle(m, { method: 'lora', r: 16, targetModules: ['q_proj'] });
    const a = h.trainable[0].variable.dataSync();
    const fanIn = 64;
    const gain = Math.sqrt(2 / (1 + 5)); // torch.nn.init.calculate_gain('leaky_relu', √5)
    const bound = gain * Math.sqrt(3 / fanIn);
    assert.ok(Math.abs(bound - 1 / 8) < 1e-12);
    const max = Math.max(...Array.from(a, Math.abs));
    assert.ok(max <= bound && max > 0.98 * bound, `max |A| ${max} vs bound ${bound}`);
    const variance = Array.from(a).reduce((s, x) => s + x * x, 0) / a.length;
    assert.ok(
      Math.abs(variance / (bound ** 2 / 3) - 1) < 0.1,
      `variance ${variance} vs uniform ${bound ** 2 / 3}`,
    );
    assert.ok(h.trainable[1].variable.dataSync().every((x) => x === 0));
    assert.equal(h.alpha, 8, "peft's default lora_alpha");
    h.remove();
    m.dispose();
  });

  test('dropout is inverted (kept inputs scaled by 1/(1 − p)), per row, independent of padding', () => {
    const p = 0.25;
    const drop = new GroupDropout(p, 1, 'lora-dropout', 3, undefined);
    const x = tf.ones([2 * 40, 50]) as tf.Tensor2D;
    const y = drop.apply(x, rowLayout({ batch: 2, seq: 40 } as never, 1), 40).dataSync();
    const kept = y.filter((v) => v !== 0);
    assert.ok(kept.every((v) => Math.abs(v - 1 / (1 - p)) < 1e-6));
    assert.ok(Math.abs(kept.length / y.length - (1 - p)) < 0.02, `kept ${kept.length / y.length}`);
    // the same stream with rows padded to 30 instead of 40: each row's first 30 positions get the same mask
    const short = new GroupDropout(p, 1, 'lora-dropout', 3, undefined);
    const z = short.apply(
      tf.ones([2 * 30, 50]) as tf.Tensor2D,
      rowLayout({ batch: 2, seq: 30 } as never, 1),
      30,
    );
    const zs = z.dataSync();
    for (const b of [0, 1])
      assert.deepEqual(
        Array.from(zs.slice(b * 30 * 50, (b + 1) * 30 * 50)),
        Array.from(y.slice(b * 40 * 50, b * 40 * 50 + 30 * 50)),
      );
    tf.dispose([x, z]);
  });

  test('rsLoRA scales by α/√r', () => {
    const m = model();
    const h = new LoraHandle(m, { method: 'lora', r: 16, alpha: 8, useRslora: true });
    assert.equal(h.scaling, 2);
    h.remove();
    m.dispose();
  });

  test('merge(1) of K = 2 gives adapter 1; remove() restores the base weights within 1e-6', () => {
    const m = model(2);
    const base = new Map([...m.params].map(([k, v]) => [k, v.dataSync().slice()]));
    const h = new LoraHandle(m, {
      method: 'lora',
      r: 2,
      targetModules: ['q_proj', 'down_proj'],
      groups: 2,
      seed: 1,
    });
    randomize(h.trainable, 5);
    const adapter1 = logits(m, [1, 1]);
    h.merge(1);
    assert.ok(maxDiff(logits(m), adapter1) < 1e-5, 'merged model = adapter 1');
    assert.throws(() => h.merge(0), /adapter 1 is merged/);
    h.remove();
    for (const [k, v] of m.params) assert.ok(maxDiff(v.dataSync(), base.get(k)!) < 1e-6, `${k} restored`);
    m.dispose();
  });
});

describe('AdaLoRA pruning', () => {
  test('with known gradients the lowest-scoring triplets are pruned (and a frozen adapter is left alone)', () => {
    const m = model();
    const h = new AdaLoraHandle(m, {
      method: 'adalora',
      initR: 3,
      targetR: 1,
      targetModules: ['model.layers.0.self_attn.q_proj', 'model.layers.1.self_attn.v_proj'],
      totalSteps: 2,
      beta1: 0.5,
      beta2: 0.5,
      groups: 2,
    });
    // all parameters 1; grads: g_E[i] = e_i, g_A[:, i] = a_i, g_B[i, :] = b_i. After one update from zero EMAs,
    // ipt_ema = (1−β1)·|g|, unc = (1−β2)·β1·|g|, score = c·g² per entry; triplet score ∝ e_i² + a_i² + b_i²
    // (means over in/out of constant rows). Adapter 0: module q [5, 1, 3], module v [4, 0.5, 6].
    const sq = { q: [5, 1, 3], v: [4, 0.5, 6] };
    const grads = new Map<string, tf.Tensor>();
    for (const t of h.trainable) {
      t.variable.assign(tf.onesLike(t.variable));
      const sc = t.name.includes('q_proj') ? sq.q : sq.v;
      // split each triplet's score as e² = a² = b² = score/3; adapter 1 gets the reverse order
      const g = (k: number, i: number) => Math.sqrt((k === 0 ? sc[i] : sc[2 - i]) / 3);
      const [K, d1, d2] = t.variable.shape as number[];
      const vals = new Float32Array(K * d1 * d2);
      for (let k = 0; k < K; k++)
        for (let x = 0; x < d1; x++)
          for (let y = 0; y < d2; y++) {
            const i = t.name.endsWith('lora_B') ? x : y; // A [K, in, r], E [K, 1, r], B [K, r, out]
            vals[(k * d1 + x) * d2 + y] = g(k, i);
          }
      grads.set(t.name, tf.tensor3d(vals, [K, d1, d2]));
    }
    // step 1 of 2: budget int((6 − 2)·(1 − 1/2)³ + 2) = 2 → keep v's triplet 2 (6) and q's triplet 0 (5)
    const active = tf.tensor1d([1, 0]);
    h.afterStep(1, grads, active);
    assert.equal(h.rankBudget(), 2);
    const e = h.trainable
      .filter((t) => t.name.endsWith('lora_E'))
      .map((t) => Array.from(t.variable.dataSync()));
    assert.deepEqual(e[0].slice(0, 3), [1, 0, 0], 'q_proj keeps triplet 0');
    assert.deepEqual(e[1].slice(0, 3), [0, 0, 1], 'v_proj keeps triplet 2');
    assert.deepEqual([...e[0].slice(3), ...e[1].slice(3)], [1, 1, 1, 1, 1, 1], 'frozen adapter 1 untouched');
    tf.dispose([...grads.values(), active]);
    h.remove();
    m.dispose();
  });
});

describe('AdaLoRA files in peft format', () => {
  test('save → load gives identical logits; tensors trimmed to the rank pattern; config as peft', async () => {
    const m = model(3);
    const h = new AdaLoraHandle(m, {
      method: 'adalora',
      initR: 4,
      targetR: 2,
      alpha: 8,
      targetModules: ['q_proj', 'v_proj'],
      totalSteps: 10,
      groups: 2,
      seeds: [11, 12],
    });
    randomize(h.trainable, 9);
    // prune a known pattern into adapter 1 via the masking path: E entries of triplets 1 and 3 of every module = 0
    const pattern: Record<string, boolean[]> = {};
    for (const mod of h.modules) pattern[`${mod}.lora_E`] = [true, false, true, false];
    const w1 = await h.exportAdapter(1);
    for (const [, w] of w1) w.E.data.set([w.E.data[0], 0, w.E.data[2], 0]);
    h.importAdapter(w1, pattern, 1);
    const want = logits(m, [1, 1]);
    const dir = path.join(tmp, 'adalora');
    await saveAdaLoraAdapter(h, dir, 1, 'tiny');
    h.remove();

    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'adapter_config.json'), 'utf8'));
    assert.equal(cfg.peft_type, 'ADALORA');
    assert.deepEqual([cfg.init_r, cfg.target_r, cfg.total_step, cfg.lora_alpha], [4, 2, 10, 8]);
    assert.deepEqual(cfg.rank_pattern['model.layers.0.self_attn.q_proj.lora_E'], [true, false, true, false]);
    const st = openSafetensors(path.join(dir, 'adapter_model.safetensors'));
    const key = 'base_model.model.model.layers.1.self_attn.v_proj';
    assert.deepEqual(st.get(`${key}.lora_A`)!.shape, [2, 16]);
    assert.deepEqual(st.get(`${key}.lora_E`)!.shape, [2, 1]);
    assert.deepEqual(st.get(`${key}.lora_B`)!.shape, [8, 2]);

    const back = loadPeftAdapter(m, dir) as AdaLoraHandle;
    assert.ok(back instanceof AdaLoraHandle);
    const got = logits(m);
    assert.ok(maxDiff(got, want) < 1e-6, `logits differ by ${maxDiff(got, want)}`);
    assert.deepEqual(await back.rankPattern(0), pattern);
    back.remove();

    // a file missing a targeted module is refused
    const file = path.join(dir, 'adapter_model.safetensors');
    const t = readSafetensors(file);
    for (const p of ['A', 'E', 'B']) t.delete(`${key}.lora_${p}`);
    delete cfg.rank_pattern['model.layers.1.self_attn.v_proj.lora_E'];
    fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify(cfg));
    writeSafetensors(file, t);
    assert.throws(
      () => loadAdaLoraAdapter(m, dir),
      (e: Error) =>
        e instanceof PeftError &&
        e.message.includes(file) &&
        /model\.layers\.1\.self_attn\.v_proj/.test(e.message),
    );
    assert.deepEqual(m.hooks, {}, 'a failed load leaves the model unwrapped');
    m.dispose();
  });
});

describe('module selection as peft', () => {
  test('dotted target names match by suffix; exclude_modules and layers_to_transform are honoured', () => {
    const m = model();
    const sel = (c: Partial<ConstructorParameters<typeof LoraHandle>[1]>) => {
      const h = new LoraHandle(m, { method: 'lora', ...c });
      const out = h.modules.slice();
      h.remove();
      return out;
    };
    assert.deepEqual(sel({ targetModules: ['self_attn.q_proj'] }), [
      'model.layers.0.self_attn.q_proj',
      'model.layers.1.self_attn.q_proj',
    ]);
    assert.deepEqual(
      sel({ targetModules: ['q_proj', 'v_proj'], excludeModules: ['layers.0.self_attn.v_proj'] }),
      [
        'model.layers.0.self_attn.q_proj',
        'model.layers.1.self_attn.q_proj',
        'model.layers.1.self_attn.v_proj',
      ],
    );
    assert.deepEqual(sel({ targetModules: ['q_proj'], layersToTransform: [1], layersPattern: 'layers' }), [
      'model.layers.1.self_attn.q_proj',
    ]);
    assert.throws(() => sel({ targetModules: ['attn.q_proj'] }), /attn\.q_proj match no module/);
    assert.throws(() => sel({ targetModules: ['q_proj'], layersToTransform: [2] }), /layersToTransform/);
    assert.throws(
      () => sel({ targetModules: ['q_proj'], layersToTransform: [0], layersPattern: 'h' }),
      /layersPattern/,
    );
    m.dispose();
  });

  test('LoRA save → load keeps rsLoRA, exclude_modules and layers_to_transform; a missing module is an error', async () => {
    const m = model(4);
    const h = new LoraHandle(m, {
      method: 'lora',
      r: 4,
      alpha: 6,
      useRslora: true,
      targetModules: ['q_proj', 'mlp.down_proj'],
      excludeModules: ['model.layers.1.self_attn.q_proj'],
      layersToTransform: [1, 0],
    });
    randomize(h.trainable, 3);
    const want = logits(m);
    const dir = path.join(tmp, 'lora');
    await saveLoraAdapter(h, dir);
    h.remove();
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'adapter_config.json'), 'utf8'));
    assert.equal(cfg.use_rslora, true);
    assert.deepEqual(cfg.layers_to_transform, [1, 0]);
    assert.deepEqual(cfg.exclude_modules, ['model.layers.1.self_attn.q_proj']);
    const back = loadLoraAdapter(m, dir);
    assert.equal(back.scaling, 3);
    assert.ok(maxDiff(logits(m), want) < 1e-6);
    back.remove();
    // a file without one of the selected modules
    const file = path.join(dir, 'adapter_model.safetensors');
    const t = readSafetensors(file);
    for (const p of ['A', 'B']) t.delete(`base_model.model.model.layers.0.mlp.down_proj.lora_${p}.weight`);
    writeSafetensors(file, t);
    assert.throws(
      () => loadLoraAdapter(m, dir),
      (e: Error) =>
        e instanceof PeftError &&
        e.message.includes(file) &&
        /model\.layers\.0\.mlp\.down_proj/.test(e.message),
    );
    assert.deepEqual(m.hooks, {});
    m.dispose();
  });
});

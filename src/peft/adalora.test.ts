import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import type { ModelConfig } from '../model/config';
import { LlamaModel } from '../model/llama';
import { deriveSeed, normalArray } from '../util/random';
import { type AdaLoraConfig, AdaLoraHandle } from './adalora';
import { budgetSchedule } from './adalora-budget';

const CONFIG: ModelConfig = {
  hidden_size: 16,
  intermediate_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  num_key_value_heads: 2,
  head_dim: 8,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  vocab_size: 20,
  max_position_embeddings: 16,
  tie_word_embeddings: true,
  hidden_act: 'silu',
  model_type: 'llama',
};
const V = CONFIG.vocab_size;
const ROWS = [
  [1, 5, 3, 7, 2, 9, 4],
  [8, 2, 6, 6, 1, 3, 11],
];

before(async () => {
  await initBackend('cpu', { quiet: true });
});

function randomize(v: tf.Variable, std: number, label: string): void {
  tf.tidy(() => v.assign(tf.tensor(normalArray(v.size, std, deriveSeed(7, label)), v.shape)));
}

async function nonzeroPattern(h: AdaLoraHandle, k: number): Promise<number[]> {
  const out: number[] = [];
  for (const t of h.trainable.filter((t) => t.name.endsWith('lora_E'))) {
    const ek = tf.tidy(() => t.variable.slice([k, 0, 0], [1, 1, h.initR]));
    for (const x of await ek.data()) out.push(x !== 0 ? 1 : 0);
    ek.dispose();
  }
  return out;
}

/** Trains on the given rows (row i → adapter i) with Adam; per-adapter loss = mean CE of its row + regulariser. */
async function train(
  model: LlamaModel,
  h: AdaLoraHandle,
  rows: number[][],
  steps: number,
  onStep: (step: number) => Promise<void>,
): Promise<void> {
  const opt = tf.train.adam(0.02);
  const vars = h.trainable.map((t) => t.variable);
  for (let step = 1; step <= steps; step++) {
    const { value, grads } = tf.variableGrads(() => {
      const ids = tf.tensor2d(
        rows.map((r) => r.slice(0, -1)),
        undefined,
        'int32',
      );
      const targets = tf.tensor1d(
        rows.flatMap((r) => r.slice(1)),
        'int32',
      );
      const rowGroups = rows.length > 1 ? rows.map((_, i) => i) : undefined;
      const logits = model.forward(ids, { rowGroups, training: true }).logits.reshape([-1, V]);
      const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(targets, V)), 1)); // [N]
      const T = ids.shape[1];
      const perGroup = nll.reshape([rows.length, T]).mean(1); // [K]
      return tf.sum(tf.add(perGroup, h.regularizer())) as tf.Scalar;
    }, vars);
    opt.applyGradients(grads as Parameters<typeof opt.applyGradients>[0]);
    h.afterStep(step, new Map(h.trainable.map((t) => [t.name, grads[t.variable.name]])));
    tf.dispose([value, grads]);
    await onStep(step);
  }
  opt.dispose();
}

describe('AdaLoRA', () => {
  test('budget schedule follows peft (cubic decrease, masking every deltaT, fixed at the end)', () => {
    const s = { initR: 12, targetR: 8, nModules: 4, tinit: 2, tfinal: 3, deltaT: 2, totalSteps: 20 };
    assert.deepEqual(budgetSchedule(0, s), { budget: 48, mask: false });
    assert.deepEqual(budgetSchedule(2, s), { budget: 48, mask: false });
    // step 5: c = 1 − 3/15 = 0.8 → int(16·0.512 + 32) = 40
    assert.deepEqual(budgetSchedule(5, s), { budget: 40, mask: false });
    assert.deepEqual(budgetSchedule(4, s), { budget: Math.trunc(16 * (1 - 2 / 15) ** 3 + 32), mask: true });
    // step 10: c = 7/15 → int(16·0.10163 + 32) = 33
    assert.deepEqual(budgetSchedule(10, s), { budget: 33, mask: true });
    assert.deepEqual(budgetSchedule(17, s), { budget: 32, mask: false }); // = T − tfinal: afterStep forces the mask
    assert.deepEqual(budgetSchedule(18, s), { budget: 32, mask: true });
    assert.deepEqual(budgetSchedule(20, s), { budget: 32, mask: true });
  });

  test('rejects bad configs with a clear message', () => {
    const model = LlamaModel.random(CONFIG, 1);
    const bad: Partial<AdaLoraConfig>[] = [
      { targetR: 13 },
      { totalSteps: 0 },
      { tinit: 5, tfinal: 5, totalSteps: 10 },
    ];
    for (const b of bad) {
      assert.throws(
        () => new AdaLoraHandle(model, { method: 'adalora', totalSteps: 10, ...b }),
        /AdaLoRA config/,
      );
    }
    assert.deepEqual(model.hooks, {});
    model.dispose();
  });

  test('starts identical to the base model (K = 1 and K = 2), variables named as peft', () => {
    const model = LlamaModel.random(CONFIG, 1);
    const ids = tf.tensor2d(ROWS, undefined, 'int32');
    const base = model.forward(ids).logits;
    const h1 = new AdaLoraHandle(model, { method: 'adalora', totalSteps: 10 });
    assert.equal(h1.trainable.length, 3 * 4);
    assert.deepEqual(
      h1.trainable.slice(0, 3).map((t) => [t.name, t.decay]),
      [
        ['model.layers.0.self_attn.q_proj.lora_A', true],
        ['model.layers.0.self_attn.q_proj.lora_E', false],
        ['model.layers.0.self_attn.q_proj.lora_B', true],
      ],
    );
    assert.equal(h1.parametersPerGroup(), 2 * (16 * 12 + 12 + 12 * 16) * 2);
    const w1 = model.forward(ids).logits;
    assert.deepEqual(Array.from(w1.dataSync()), Array.from(base.dataSync()));
    h1.remove();
    const h2 = new AdaLoraHandle(model, { method: 'adalora', totalSteps: 10, groups: 2 });
    const w2 = model.forward(ids, { rowGroups: [0, 1] }).logits;
    assert.deepEqual(Array.from(w2.dataSync()), Array.from(base.dataSync()));
    h2.remove();
    tf.dispose([ids, base, w1, w2]);
    model.dispose();
  });

  test('regulariser is orthRegWeight · mean over the 2n matrices of ‖AᵀA − I‖_F, ‖BBᵀ − I‖_F', async () => {
    const model = LlamaModel.random(CONFIG, 1);
    const h = new AdaLoraHandle(model, {
      method: 'adalora',
      totalSteps: 10,
      initR: 3,
      targetR: 2,
      orthRegWeight: 0.7,
    });
    let expected = 0;
    for (const t of h.trainable) {
      if (t.name.endsWith('lora_E')) continue;
      randomize(t.variable, 0.4, t.name);
      const [, p, q] = t.variable.shape as number[];
      const x = await t.variable.data(); // [1, p, q]
      const isA = t.name.endsWith('lora_A'); // AᵀA over rows p; BBᵀ over columns q
      const r = 3;
      let ss = 0;
      for (let i = 0; i < r; i++) {
        for (let j = 0; j < r; j++) {
          let dot = 0;
          if (isA) for (let a = 0; a < p; a++) dot += x[a * q + i] * x[a * q + j];
          else for (let b = 0; b < q; b++) dot += x[i * q + b] * x[j * q + b];
          ss += (dot - (i === j ? 1 : 0)) ** 2;
        }
      }
      expected += Math.sqrt(ss);
    }
    expected *= 0.7 / 8;
    const reg = h.regularizer();
    assert.deepEqual(reg.shape, [1]);
    assert.ok(
      Math.abs(reg.dataSync()[0] - expected) < 1e-4 * expected,
      `${reg.dataSync()[0]} vs ${expected}`,
    );
    reg.dispose();
    h.remove();
    model.dispose();
  });

  test('gradients w.r.t. A, E, B match central finite differences (directional derivatives)', () => {
    const model = LlamaModel.random(CONFIG, 1);
    const h = new AdaLoraHandle(model, {
      method: 'adalora',
      totalSteps: 10,
      initR: 4,
      targetR: 2,
      groups: 2,
    });
    for (const t of h.trainable) randomize(t.variable, 0.3, t.name);
    const ids = tf.tensor2d(ROWS, undefined, 'int32');
    const weights = tf.tensor(normalArray(2 * 7 * V, 1, 3), [2, 7, V]);
    const loss = () =>
      tf.tidy(() =>
        tf.add(
          tf.sum(tf.mul(model.forward(ids, { rowGroups: [0, 1] }).logits, weights)),
          tf.sum(h.regularizer()),
        ),
      ) as tf.Scalar;
    const checked = h.trainable.filter(
      (t) => t.name.includes('layers.1.self_attn.v_proj') || t.name.endsWith('lora_E'),
    );
    const { value, grads } = tf.variableGrads(
      loss,
      checked.map((t) => t.variable),
    );
    const eps = 1e-2;
    for (const t of checked) {
      const v = t.variable;
      const dir = tf.tensor(normalArray(v.size, 1, deriveSeed(11, t.name)), v.shape);
      const orig = v.clone();
      const analytic = tf.sum(tf.mul(grads[v.name], dir)).dataSync()[0];
      v.assign(tf.tidy(() => tf.add(orig, tf.mul(dir, eps))));
      const plus = loss().dataSync()[0];
      v.assign(tf.tidy(() => tf.sub(orig, tf.mul(dir, eps))));
      const minus = loss().dataSync()[0];
      v.assign(orig);
      const fd = (plus - minus) / (2 * eps);
      assert.ok(
        Math.abs(fd - analytic) <= 2e-2 * Math.abs(analytic) + 1e-4,
        `${t.name}: fd ${fd} vs grad ${analytic}`,
      );
      assert.ok(Math.abs(analytic) > 1e-3, `${t.name}: gradient too small to test (${analytic})`);
      tf.dispose([dir, orig]);
    }
    tf.dispose([value, grads, ids, weights]);
    h.remove();
    model.dispose();
  });

  const RUN: AdaLoraConfig = {
    method: 'adalora',
    initR: 4,
    targetR: 2,
    tinit: 2,
    tfinal: 5,
    deltaT: 2,
    totalSteps: 20,
  };
  let referenceE: Float32Array[] = []; // K = 1 run on ROWS[0]: the E values of every module at the end
  let referencePattern: number[] = [];

  test('training prunes to the scheduled budget, ends at targetR·n, memory stays flat; merge/unmerge/remove', async () => {
    const model = LlamaModel.random(CONFIG, 1);
    tf.dispose([model.lastLogits([ROWS[0].slice(1)]), model.lastLogits([ROWS[0]])]); // builds the causal masks
    const before = tf.memory().numTensors;
    const baseWeight = model.param('model.layers.0.self_attn.v_proj.weight').clone();
    const h = new AdaLoraHandle(model, RUN);
    const n = 4;
    assert.equal(h.rankBudget(), 16);
    const counts: number[] = [];
    const tensors: number[] = [];
    let fixedPattern: number[] | undefined;
    await train(model, h, [ROWS[0]], 20, async (step) => {
      const pattern = await nonzeroPattern(h, 0);
      const count = pattern.reduce((a, b) => a + b, 0);
      counts.push(count);
      if (step > 1) tensors.push(tf.memory().numTensors);
      const { budget, mask } = budgetSchedule(step, h.schedule);
      if (step < 15) assert.equal(h.rankBudget(), budget, `budget at step ${step}`);
      else assert.equal(h.rankBudget(), 2 * n);
      if (step < 15 && mask && step > 2) assert.equal(count, budget, `nonzero E at masking step ${step}`);
      if (step >= 15) {
        assert.equal(count, 2 * n, `nonzero E at step ${step}`);
        if (fixedPattern === undefined) fixedPattern = pattern;
        else assert.deepEqual(pattern, fixedPattern, `rank pattern fixed at step ${step}`);
      }
    });
    assert.equal(counts[1], 16, 'no pruning during the warm-up');
    assert.ok(
      tensors.every((x) => x === tensors[0]),
      `numTensors flat: ${tensors.join(',')}`,
    );
    const ranks = await h.effectiveRanks(0);
    assert.equal(
      [...ranks.values()].reduce((a, b) => a + b, 0),
      2 * n,
    );
    referencePattern = fixedPattern!;
    referenceE = h.trainable
      .filter((t) => t.name.endsWith('lora_E'))
      .map((t) => t.variable.dataSync() as Float32Array);

    const ids = tf.tensor2d([ROWS[0]], undefined, 'int32');
    const maxDiff = (x: tf.Tensor, y: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]);
    const wrapped = tf.tidy(() => model.forward(ids).logits);
    h.merge();
    const merged = tf.tidy(() => model.forward(ids).logits);
    const diff = maxDiff(wrapped, merged);
    assert.ok(diff < 1e-5, `merged logits differ by ${diff}`);
    const weight = model.param('model.layers.0.self_attn.v_proj.weight');
    const change = maxDiff(weight, baseWeight);
    assert.ok(change > 1e-2, `merge changed the weight (${change})`);
    h.unmerge();
    const back = maxDiff(weight, baseWeight);
    assert.ok(back < 1e-6, `unmerge restores the base weight (${back})`);
    tf.dispose([ids, wrapped, merged]);
    h.remove();
    assert.deepEqual(model.hooks, {});
    tf.dispose([baseWeight]);
    assert.equal(tf.memory().numTensors, before, 'remove() disposes every variable');
    model.dispose();
  });

  test('stacked adapters (K = 2) keep independent scores, budgets and masks', async () => {
    const model = LlamaModel.random(CONFIG, 1);
    const h = new AdaLoraHandle(model, { ...RUN, groups: 2 });
    await train(model, h, ROWS, 20, async (step) => {
      const { budget, mask } = budgetSchedule(step, h.schedule);
      if (step < 15 && mask && step > 2) {
        for (const k of [0, 1]) {
          const c = (await nonzeroPattern(h, k)).reduce((a, b) => a + b, 0);
          assert.equal(c, budget, `adapter ${k}, step ${step}`);
        }
      }
    });
    const p0 = await nonzeroPattern(h, 0);
    const p1 = await nonzeroPattern(h, 1);
    assert.equal(
      p0.reduce((a, b) => a + b, 0),
      8,
    );
    assert.equal(
      p1.reduce((a, b) => a + b, 0),
      8,
    );
    assert.notDeepEqual(p0, p1, 'different data gives different rank patterns');
    // adapter 0 saw exactly what the K = 1 run saw (same init, same row, per-adapter loss): same pattern and values
    assert.deepEqual(p0, referencePattern);
    const e0 = h.trainable
      .filter((t) => t.name.endsWith('lora_E'))
      .map((t) => tf.tidy(() => t.variable.slice([0, 0, 0], [1, 1, 4])).dataSync());
    e0.forEach((e, i) => {
      for (let j = 0; j < e.length; j++) assert.ok(Math.abs(e[j] - referenceE[i][j]) < 1e-3, `E[${i}][${j}]`);
    });
    h.remove();
    model.dispose();
  });
});

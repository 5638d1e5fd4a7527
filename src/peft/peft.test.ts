import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { checkGradients } from '../../test/gradcheck';
import { tinyConfig, toyFacts } from '../../test/helpers';
import { initBackend } from '../backend';
import { LlamaModel } from '../model/llama';
import { makeBatch } from '../train/batches';
import { groupLoss, tokenCrossEntropy } from '../train/losses';
import { train } from '../train/trainer';
import type { AdapterHandle } from './adapter';
import { wrap } from './index';
import { LoraHandle } from './lora';

before(async () => {
  await initBackend('cpu', { quiet: true });
});

const model = (seed = 1) => LlamaModel.random(tinyConfig(), seed, 0.3);
const logitsOf = (m: LlamaModel, ids: number[][]) =>
  tf.tidy(() => m.forward(tf.tensor2d(ids, [ids.length, ids[0].length], 'int32')).logits.dataSync());
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};
const snapshot = (m: LlamaModel) => new Map([...m.params].map(([k, v]) => [k, v.dataSync().slice()]));

/** Teacher-forced token accuracy of the answers (all toy answers are one token). */
function accuracy(m: LlamaModel, facts: ReturnType<typeof toyFacts>, groups = 1): number {
  return tf.tidy(() => {
    const b = makeBatch(facts, groups, 0);
    const rowGroups = groups > 1 ? b.rowGroups : undefined;
    const logits = m.forward(b.ids, { logitPositions: b.positions, rowGroups }).logits;
    const acc = tf.mean(tf.equal(tf.argMax(logits, -1), b.targets).asType('float32')).dataSync()[0];
    tf.dispose([b.ids, b.positions, b.targets, b.weights, b.members]);
    return acc;
  });
}

const ALL = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];

describe('LoRA', () => {
  test('the wrapped model equals the base model at init', () => {
    const m = model();
    const base = logitsOf(m, [[1, 4, 5, 6]]);
    const h = wrap(m, { method: 'lora', r: 4, targetModules: ALL });
    assert.deepEqual(Array.from(logitsOf(m, [[1, 4, 5, 6]])), Array.from(base));
    h.remove();
    m.dispose();
  });

  test('gradients of A and B match finite differences', () => {
    const m = model(2);
    const h = new LoraHandle(m, {
      method: 'lora',
      r: 2,
      alpha: 4,
      targetModules: ['q_proj', 'v_proj', 'down_proj'],
    });
    for (const t of h.trainable) t.variable.assign(tf.randomNormal(t.variable.shape, 0, 0.3, 'float32', 3));
    const b = makeBatch(toyFacts(4), 1, 0);
    const loss = () =>
      tf.sum(
        groupLoss(
          tokenCrossEntropy(
            m.forward(b.ids, { logitPositions: b.positions }).logits as tf.Tensor2D,
            b.targets,
          ),
          b.weights,
        ),
      ) as tf.Scalar;
    for (const c of checkGradients(loss, h.trainable)) {
      assert.ok(
        Math.abs(c.analytic - c.numeric) < 2e-3 + 2e-2 * Math.abs(c.numeric),
        `${c.name}: ${c.analytic} vs ${c.numeric}`,
      );
    }
    h.remove();
    m.dispose();
  });

  test('learns facts to 100 %; base weights untouched; merged = unmerged; unmerge restores the base', async () => {
    const m = model(3);
    const facts = toyFacts(8);
    const base = snapshot(m);
    const h = new LoraHandle(m, { method: 'lora', r: 4, alpha: 8, targetModules: ALL, seed: 1 });
    await train(m, h, facts, { steps: 150, lr: 2e-2, batchSize: 8, checkEvery: 50 }, { padId: 0 });
    assert.equal(accuracy(m, facts), 1);
    for (const [k, v] of m.params) assert.deepEqual(v.dataSync(), base.get(k), `${k} changed`);
    const unmerged = logitsOf(m, [[1, 4, 5, 6]]);
    h.merge();
    assert.ok(maxDiff(logitsOf(m, [[1, 4, 5, 6]]), unmerged) < 1e-4);
    h.unmerge();
    for (const [k, v] of m.params) assert.ok(maxDiff(v.dataSync(), base.get(k)!) < 1e-6, `${k} not restored`);
    h.remove();
    m.dispose();
  });
});

describe('Adapter and full fine-tuning', () => {
  for (const variant of ['houlsby', 'zero-init'] as const) {
    test(`Adapter (${variant}): ${variant === 'houlsby' ? 'near-' : ''}identity at init, gradients match finite differences, learns facts`, async () => {
      const m = model(4);
      const base = logitsOf(m, [[1, 4, 5, 6]]);
      const h = wrap(m, { method: 'adapter', variant, bottleneck: 8, seed: 2 });
      if (variant === 'zero-init')
        assert.deepEqual(Array.from(logitsOf(m, [[1, 4, 5, 6]])), Array.from(base));
      else {
        const d = maxDiff(logitsOf(m, [[1, 4, 5, 6]]), base);
        assert.ok(d > 0 && d < 1e-3, `near-identity: max |Δlogit| ${d}`);
      }
      const names = h.trainable.map((t) => t.name);
      if (variant === 'houlsby') {
        for (const n of ['down_bias', 'up_bias', 'input_layernorm.weight', 'post_attention_layernorm.weight'])
          assert.ok(
            names.some((x) => x.includes(n)),
            `houlsby trains ${n}`,
          );
      } else assert.equal(names.length, 2 * 2 * m.config.num_hidden_layers);
      for (const t of h.trainable) t.variable.assign(tf.randomNormal(t.variable.shape, 0, 0.3, 'float32', 5));
      const b = makeBatch(toyFacts(4), 1, 0);
      const loss = () =>
        tf.mean(
          tokenCrossEntropy(
            m.forward(b.ids, { logitPositions: b.positions }).logits as tf.Tensor2D,
            b.targets,
          ),
        ) as tf.Scalar;
      for (const c of checkGradients(loss, h.trainable)) {
        assert.ok(
          Math.abs(c.analytic - c.numeric) < 2e-3 + 2e-2 * Math.abs(c.numeric),
          `${c.name}: ${c.analytic} vs ${c.numeric}`,
        );
      }
      h.remove();
      const h2 = wrap(m, { method: 'adapter', variant, bottleneck: 8, seed: 2 });
      const facts = toyFacts(8);
      await train(m, h2, facts, { steps: 150, lr: 2e-2, batchSize: 8, checkEvery: 50 }, { padId: 0 });
      assert.equal(accuracy(m, facts), 1);
      h2.remove();
      m.dispose();
    });
  }

  test('Houlsby trained norms: adapter k with norm offset δ equals the model with norm weight w + δ', () => {
    const m = model(4);
    const ids = [[1, 4, 5, 6]];
    const h = wrap(m, { method: 'adapter', bottleneck: 2, seed: 2, groups: 2 });
    // zero the bottlenecks, set only adapter 1's norm offsets
    const deltas = new Map<string, Float32Array>();
    for (const t of h.trainable) {
      if (!t.name.endsWith('adapter_delta')) t.variable.assign(tf.zerosLike(t.variable));
      else {
        const d = Float32Array.from({ length: 16 }, (_, i) => 0.1 * Math.sin(i + t.name.length));
        deltas.set(t.name.replace('.adapter_delta', ''), d);
        t.variable.assign(tf.concat([tf.zeros([1, 1, 16]), tf.tensor3d(d, [1, 1, 16])]));
      }
    }
    const got = tf.tidy(() =>
      m.forward(tf.tensor2d(ids, [1, 4], 'int32'), { rowGroups: [1] }).logits.dataSync(),
    );
    h.remove();
    const saved = new Map<string, tf.Tensor>();
    for (const [name, d] of deltas) {
      const w = m.param(name);
      saved.set(name, w.clone());
      w.assign(tf.add(w, tf.tensor1d(d)));
    }
    const want = logitsOf(m, ids);
    assert.ok(maxDiff(got, want) < 1e-5, `max |Δlogit| ${maxDiff(got, want)}`);
    for (const [name, w] of saved) {
      m.param(name).assign(w);
      w.dispose();
    }
    m.dispose();
  });

  test('Houlsby width defaults to hidden_size / 16; init is a truncated normal of std 1e-3 for both projections', () => {
    const m = LlamaModel.random(
      tinyConfig({ hidden_size: 64, num_attention_heads: 4, head_dim: 16 }),
      1,
      0.3,
    );
    const h = wrap(m, { method: 'adapter', seed: 3 }) as AdapterHandle;
    assert.equal(h.bottleneck, 4);
    const values = (suffix: string) =>
      Array.from(h.trainable.find((t) => t.name.endsWith(suffix))!.variable.dataSync());
    const [down, up] = [values('mlp.adapter.down'), values('mlp.adapter.up')];
    for (const v of [down, up]) {
      const sd = Math.sqrt(v.reduce((a, x) => a + x * x, 0) / v.length);
      assert.ok(Math.max(...v.map(Math.abs)) <= 2e-3 + 1e-9, 'truncated at 2 std');
      // a normal truncated at ±2σ has std 0.880σ
      assert.ok(Math.abs(sd - 0.88e-3) < 0.1e-3, `std ${sd}`);
    }
    h.remove();
    m.dispose();
  });

  test('full fine-tuning learns facts and remove() restores the base', async () => {
    const m = model(5);
    const base = snapshot(m);
    const h = wrap(m, { method: 'full' });
    const facts = toyFacts(8);
    await train(m, h, facts, { steps: 60, lr: 1e-2, batchSize: 8, checkEvery: 20 }, { padId: 0 });
    assert.equal(accuracy(m, facts), 1);
    h.remove();
    for (const [k, v] of m.params) assert.deepEqual(v.dataSync(), base.get(k), `${k} not restored`);
    m.dispose();
  });
});

describe('stacked adapters', () => {
  for (const method of ['lora', 'adapter'] as const) {
    test(`${method}: K stacked runs equal K separate runs`, async () => {
      const K = 3;
      const facts = toyFacts(6, 24, (i) => i % K); // two facts per adapter
      const cfg = { steps: 12, lr: 1e-2, batchSize: 2, checkEvery: 4 };
      const peft =
        method === 'lora'
          ? { method, r: 2, targetModules: ALL, seed: 9 }
          : { method, bottleneck: 4, seed: 9 };
      const m = model(6);
      const stacked = wrap(m, { ...peft, groups: K });
      const rs = await train(m, stacked, facts, cfg, { padId: 0 });
      const stackedLogits = [0, 1, 2].map((k) => {
        const rows = facts.filter((f) => f.group === k);
        return tf.tidy(() => {
          const ids = tf.tensor2d(
            rows.map((r) => r.ids),
            [2, 4],
            'int32',
          );
          return m.forward(ids, { rowGroups: [k, k] }).logits.dataSync();
        });
      });
      stacked.remove();
      for (let k = 0; k < K; k++) {
        const single = wrap(m, { ...peft, groups: 1 });
        // the same initial adapter as slot k of the stack
        const init = wrap(model(6), { ...peft, groups: K });
        single.trainable.forEach((t, i) => {
          const v = init.trainable[i].variable;
          t.variable.assign(v.slice([k], [1]));
        });
        init.remove();
        const rows = facts.filter((f) => f.group === k).map((f) => ({ ...f, group: 0 }));
        const r1 = await train(m, single, rows, cfg, { padId: 0 });
        r1.losses.forEach((l, step) => {
          assert.ok(
            Math.abs(l[0] - rs.losses[step][k]) < 1e-4,
            `adapter ${k} step ${step}: ${l[0]} vs ${rs.losses[step][k]}`,
          );
        });
        const own = logitsOf(
          m,
          rows.map((r) => r.ids),
        );
        assert.ok(
          maxDiff(own, stackedLogits[k]) < 1e-4,
          `adapter ${k} logits differ by ${maxDiff(own, stackedLogits[k])}`,
        );
        single.remove();
      }
      m.dispose();
    });
  }

  test('gradients through a subset of stacked adapters (finished ones dropped) match finite differences', () => {
    const m = model(10);
    const h = wrap(m, { method: 'lora', r: 2, targetModules: ['q_proj', 'down_proj'], groups: 4, seed: 5 });
    for (const t of h.trainable) t.variable.assign(tf.randomNormal(t.variable.shape, 0, 0.3, 'float32', 6));
    const ids = tf.tensor2d(
      [
        [1, 4, 5, 6],
        [1, 7, 8, 9],
      ],
      [2, 4],
      'int32',
    );
    // rows of adapters 2 and 0 only, in that order: the adapters' slices are gathered
    const loss = () => tf.sum(tf.square(m.forward(ids, { rowGroups: [2, 0] }).logits)) as tf.Scalar;
    for (const c of checkGradients(loss, h.trainable)) {
      assert.ok(
        Math.abs(c.analytic - c.numeric) < 2e-3 + 2e-2 * Math.abs(c.numeric),
        `${c.name}: ${c.analytic} vs ${c.numeric}`,
      );
    }
    ids.dispose();
    h.remove();
    m.dispose();
  });

  test('early stopping freezes each adapter once its fact is learned, with the step recorded', async () => {
    const facts = toyFacts(4, 24, (i) => i);
    const m = model(7);
    const h = wrap(m, { method: 'lora', r: 4, targetModules: ALL, groups: 4, seed: 3 });
    const r = await train(
      m,
      h,
      facts,
      { steps: 200, lr: 2e-2, batchSize: 1, earlyStop: true, checkEvery: 5 },
      { padId: 0 },
    );
    assert.ok(
      r.learnedAt.every((s) => s !== null),
      `not all learned: ${r.learnedAt}`,
    );
    assert.ok(r.steps < 200);
    assert.equal(accuracy(m, facts, 4), 1);
    h.remove();
    m.dispose();
  });
});

describe('trainer hygiene', () => {
  test('numTensors is flat over 50 training steps; same seed gives identical losses', async () => {
    const m = model(8);
    const run = async () => {
      const h = wrap(m, { method: 'lora', r: 2, seed: 4 });
      const r = await train(
        m,
        h,
        toyFacts(8),
        { steps: 50, lr: 1e-2, batchSize: 4, seed: 11, checkEvery: 10 },
        { padId: 0 },
      );
      h.remove();
      return r.losses.map((l) => l[0]);
    };
    await run(); // warm caches
    const before = tf.memory().numTensors;
    const a = await run();
    assert.equal(tf.memory().numTensors, before);
    const b = await run();
    assert.deepEqual(a, b);
    m.dispose();
  });

  test('a diverging run stops with a clear error', async () => {
    const m = model(9);
    const h = wrap(m, { method: 'lora', r: 2, seed: 4 });
    const a = h.trainable[0].variable;
    a.assign(tf.fill(a.shape, Number.NaN)); // a corrupted adapter: the loss is NaN from step 1
    await assert.rejects(
      train(m, h, toyFacts(4), { steps: 20, lr: 1e-2, checkEvery: 5 }, { padId: 0 }),
      /became (NaN|Infinity|-Infinity) at step/,
    );
    h.remove();
    m.dispose();
  });
});

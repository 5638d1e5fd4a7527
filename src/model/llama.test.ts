import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { checkGradients } from '../../test/gradcheck';
import { tinyConfig } from '../../test/helpers';
import { initBackend } from '../backend';
import { tokenCrossEntropy } from '../train/losses';
import { LlamaModel, parameterShapes } from './llama';

before(async () => {
  await initBackend('cpu', { quiet: true });
});

const ids = () =>
  tf.tensor2d(
    [
      [1, 5, 7, 9, 3],
      [2, 4, 6, 8, 10],
    ],
    [2, 5],
    'int32',
  );

describe('LlamaModel', () => {
  test('forward shapes, hidden states and HF parameter names', () => {
    const model = LlamaModel.random(tinyConfig(), 1);
    const out = tf.tidy(() => {
      const o = model.forward(ids(), { outputHidden: true });
      return { logits: o.logits.shape, hidden: o.hidden!.map((h) => h.shape), n: o.hidden!.length };
    });
    assert.deepEqual(out.logits, [2, 5, 24]);
    assert.equal(out.n, 3); // embeddings + 2 layers (last after the final norm)
    assert.deepEqual(out.hidden[0], [2, 5, 16]);
    assert.ok(model.params.has('model.layers.1.self_attn.q_proj.weight'));
    assert.ok(!model.params.has('lm_head.weight')); // tied
    assert.deepEqual(parameterShapes(tinyConfig()).get('model.layers.0.self_attn.k_proj.weight'), [8, 16]); // GQA: 2 kv heads × 4
    model.dispose();
  });

  test('causal: changing a later token leaves earlier logits unchanged', () => {
    const model = LlamaModel.random(tinyConfig(), 2);
    const [a, b] = tf.tidy(() => {
      const x = model
        .forward(tf.tensor2d([[1, 5, 7, 9]], [1, 4], 'int32'))
        .logits.slice([0, 0, 0], [1, 3, 24]);
      const y = model
        .forward(tf.tensor2d([[1, 5, 7, 2]], [1, 4], 'int32'))
        .logits.slice([0, 0, 0], [1, 3, 24]);
      return [x.dataSync(), y.dataSync()];
    });
    assert.deepEqual(Array.from(a), Array.from(b));
    model.dispose();
  });

  test('left padding with an attention mask gives the same last logits as no padding', () => {
    const model = LlamaModel.random(tinyConfig(), 3);
    const plain = model.lastLogits([[1, 5, 7]]);
    const padded = model.lastLogits([[0, 0, 1, 5, 7]], [[0, 0, 1, 1, 1]]);
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(plain, padded))).dataSync()[0]);
    assert.ok(d < 1e-5, `max diff ${d}`);
    tf.dispose([plain, padded]);
    model.dispose();
  });

  test('gradients of every parameter match finite differences', () => {
    const cfg = tinyConfig({ tie_word_embeddings: false });
    const model = LlamaModel.random(cfg, 4, 0.3);
    for (const v of model.params.values()) v.trainable = true;
    const x = ids();
    const targets = tf.tensor1d([5, 7, 9, 3, 4, 6, 8, 10], 'int32');
    const pos = tf.tensor1d([0, 1, 2, 3, 5, 6, 7, 8], 'int32');
    const loss = () =>
      tf.mean(
        tokenCrossEntropy(model.forward(x, { logitPositions: pos }).logits as tf.Tensor2D, targets),
      ) as tf.Scalar;
    const checks = checkGradients(
      loss,
      [...model.params].map(([name, variable]) => ({ name, variable })),
    );
    for (const c of checks) {
      const tol = 2e-3 + 2e-2 * Math.abs(c.numeric);
      assert.ok(
        Math.abs(c.analytic - c.numeric) < tol,
        `${c.name}: analytic ${c.analytic} vs numeric ${c.numeric}`,
      );
    }
    tf.dispose([x, targets, pos]);
    model.dispose();
  });

  test('toTensors → new model reproduces logits exactly', async () => {
    const model = LlamaModel.random(tinyConfig({ tie_word_embeddings: false }), 5);
    const copy = new LlamaModel(model.config, await model.toTensors());
    const [a, b] = tf.tidy(() => [
      model.forward(ids()).logits.dataSync(),
      copy.forward(ids()).logits.dataSync(),
    ]);
    assert.deepEqual(Array.from(a), Array.from(b));
    model.dispose();
    copy.dispose();
  });

  test('missing or mis-shaped weights give one clear error naming the tensor', async () => {
    const model = LlamaModel.random(tinyConfig(), 6);
    const t = await model.toTensors();
    t.delete('model.norm.weight');
    assert.throws(() => new LlamaModel(model.config, t), /missing tensor 'model\.norm\.weight'/);
    const t2 = await model.toTensors();
    t2.set('model.layers.0.mlp.up_proj.weight', { shape: [3, 3], data: new Float32Array(9) });
    assert.throws(
      () => new LlamaModel(model.config, t2),
      /'model\.layers\.0\.mlp\.up_proj\.weight' has shape \[3,3\]/,
    );
    model.dispose();
  });

  test('numTensors is flat over 50 forward passes', () => {
    const model = LlamaModel.random(tinyConfig(), 7);
    tf.tidy(() => {
      model.forward(ids()); // warm caches (causal mask)
    });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) {
      tf.tidy(() => {
        model.forward(ids(), { outputHidden: true });
      });
    }
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });
});

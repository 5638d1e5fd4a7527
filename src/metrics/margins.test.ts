import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { tinyConfig } from '../../test/helpers';
import { initBackend } from '../backend';
import { LlamaModel } from '../model/llama';
import { firstTokenMargins } from './margins';

let model: LlamaModel;
before(async () => {
  await initBackend('cpu', { quiet: true });
  model = LlamaModel.random(tinyConfig({ tie_word_embeddings: false }), 7);
});
after(() => model.dispose());

test('firstTokenMargins: logit(original) − logit(target) and the target rank at the last prompt token, batched', async () => {
  const rows = [
    { promptIds: [2, 4, 5, 6], originalId: 9, targetId: 11 },
    { promptIds: [2, 7], originalId: 3, targetId: 3 },
    { promptIds: [2, 8, 9, 10, 12, 13], originalId: 14, targetId: 1 },
    { promptIds: [2, 9, 4, 7], originalId: 5, targetId: 6 }, // the first row's length: batched with it
  ];
  // reference: one unbatched forward per row, logits of its last position
  const want = rows.map((r) => {
    const logits = tf.tidy(
      () =>
        model
          .forward(tf.tensor2d([r.promptIds], [1, r.promptIds.length], 'int32'))
          .logits.reshape([r.promptIds.length, -1])
          .slice([r.promptIds.length - 1, 0], [1, -1])
          .dataSync() as Float32Array,
    );
    const t = logits[r.targetId];
    return {
      margin: logits[r.originalId] - t,
      targetRank: 1 + Array.from(logits).filter((x) => x > t).length,
    };
  });
  assert.equal(want[1].margin, 0); // original = target: margin 0 by construction
  const before = tf.memory().numTensors;
  for (const batchSize of [1, 2, 64]) {
    const got = await firstTokenMargins(model, rows, 0, batchSize);
    got.forEach((g, i) => {
      assert.ok(
        Math.abs(g.margin - want[i].margin) < 1e-4,
        `row ${i} batch ${batchSize}: ${g.margin} vs ${want[i].margin}`,
      );
      assert.equal(g.targetRank, want[i].targetRank, `row ${i} batch ${batchSize}`);
    });
  }
  // one prompt length per batch: every row in the order given, each exactly as computed with its own length's rows
  const same = await firstTokenMargins(model, rows, 0, 64, true);
  const lengths = [...new Set(rows.map((r) => r.promptIds.length))];
  for (const n of lengths) {
    const at = rows.map((r, i) => (r.promptIds.length === n ? i : -1)).filter((i) => i >= 0);
    const alone = await firstTokenMargins(
      model,
      at.map((i) => rows[i]),
      0,
      64,
    );
    at.forEach((i, j) => {
      assert.equal(same[i].margin, alone[j].margin, `row ${i}`);
      assert.equal(same[i].targetRank, alone[j].targetRank, `row ${i}`);
    });
  }
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
});

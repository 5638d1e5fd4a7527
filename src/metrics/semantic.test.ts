import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { tinyConfig } from '../../test/helpers';
import { initBackend } from '../backend';
import { LlamaModel } from '../model/llama';
import {
  answerVectors,
  cosineSimilarity,
  DEFAULT_DISTANCE,
  DISTANCE_PROTOCOLS,
  distance,
  distanceProtocol,
  euclidean,
  meanPool,
  pairDistances,
  parseProtocol,
  poolRows,
  promptFeatures,
  protocolName,
  SEMANTIC_SPACES,
  targetDistance,
  targetDistances,
} from './semantic';
import { toyTokenizer } from './testing';

const close = (a: number, b: number, tol: number, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);
/** Runs fn twice; the second run must leave tf.memory().numTensors unchanged (the first may fill model caches). */
const assertNoLeak = async (fn: () => Promise<void>) => {
  await fn();
  const start = tf.memory().numTensors;
  await fn();
  assert.equal(tf.memory().numTensors, start, 'tensors leaked');
};
const closeVec = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what = '') => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) close(a[i], b[i], tol, `${what}[${i}]`);
};

describe('semantic distance: math', () => {
  test('cosine and euclidean on hand-computed vectors', () => {
    close(distance([1, 0], [0, 1]), 1, 1e-15);
    close(distance([1, 2, 3], [2, 4, 6]), 0, 1e-15);
    close(distance([1, 0], [-1, 0]), 2, 1e-15);
    close(cosineSimilarity([1, 1], [1, 0]), Math.SQRT1_2, 1e-15);
    close(distance([1, 1], [1, 0], 'cosine'), 1 - Math.SQRT1_2, 1e-15);
    assert.equal(euclidean([0, 0], [3, 4]), 5);
    assert.equal(distance([0, 0], [3, 4], 'euclidean'), 5);
    assert.ok(Number.isNaN(distance([0, 0], [1, 0])));
    assert.deepEqual(
      pairDistances(
        [
          [0, 0],
          [1, 1],
        ],
        [
          [3, 4],
          [1, 1],
        ],
        'euclidean',
      ),
      [5, 0],
    );
    assert.throws(() => distance([1], [1, 2]), /lengths 1 and 2/);
  });

  test('pooling', () => {
    assert.deepEqual(
      Array.from(
        meanPool([
          [1, 2],
          [3, 6],
        ]),
      ),
      [2, 4],
    );
    const rows = [1, 2, 3, 4, 5, 6]; // 3 rows of d = 2
    assert.deepEqual(Array.from(poolRows(rows, 2, 0, 3, 'first')), [1, 2]);
    assert.deepEqual(Array.from(poolRows(rows, 2, 0, 3, 'last')), [5, 6]);
    assert.deepEqual(Array.from(poolRows(rows, 2, 1, 3, 'mean')), [4, 5]);
  });

  test('protocol names are short, stable and invertible', () => {
    assert.equal(protocolName(DEFAULT_DISTANCE), 'emb/answer/mean/1-cos');
    assert.equal(
      protocolName({
        representation: { layer: -1 },
        tokens: 'last-prompt',
        pooling: 'last',
        metric: 'euclidean',
      }),
      'h-1/last-prompt/last/l2',
    );
    for (const [name, p] of Object.entries(DISTANCE_PROTOCOLS)) {
      assert.deepEqual(parseProtocol(name), p);
      assert.equal(protocolName(p), name);
    }
    assert.ok('emb/answer/mean/1-cos' in DISTANCE_PROTOCOLS);
    assert.throws(() => parseProtocol('emb/last-prompt/last/1-cos'), /embedding representation reads answer/);
    assert.throws(() => parseProtocol('cos'), /Unknown distance protocol 'cos'/);
    assert.throws(() => parseProtocol('out/last-prompt/last/1-cos'), /embedding representation reads answer/);
  });

  test('semantic spaces: input embeddings by default, output embeddings, hidden state 2; names resolve too', () => {
    assert.equal(distanceProtocol(), DEFAULT_DISTANCE);
    assert.equal(protocolName(distanceProtocol('input-embedding')), 'emb/answer/mean/1-cos');
    assert.equal(protocolName(distanceProtocol('output-embedding')), 'out/answer/mean/1-cos');
    assert.equal(protocolName(distanceProtocol('hidden-state')), 'h2/answer/mean/1-cos');
    assert.deepEqual(distanceProtocol('out/answer/first/l2'), {
      representation: 'output-embedding',
      tokens: 'answer',
      pooling: 'first',
      metric: 'euclidean',
    });
    for (const p of Object.values(SEMANTIC_SPACES)) assert.ok(protocolName(p) in DISTANCE_PROTOCOLS);
    assert.throws(
      () => distanceProtocol('lm-head'),
      /Unknown distance space or protocol 'lm-head'.*input-embedding/,
    );
  });
});

describe('semantic distance: model-backed', () => {
  let model: LlamaModel;
  const tok = toyTokenizer();
  let emb: Float32Array; // [V, d]
  const d = tinyConfig().hidden_size;
  const row = (i: number) => emb.subarray(i * d, (i + 1) * d);

  before(async () => {
    await initBackend('cpu', { quiet: true });
    model = LlamaModel.random(tinyConfig(), 3);
    emb = model.param('model.embed_tokens.weight').dataSync() as Float32Array;
  });
  after(() => model.dispose());

  test('embedding protocol: mean of the answer rows; target distance = 1 − cos of the means', async () => {
    await assertNoLeak(async () => {
      const [ny, paris] = await answerVectors(model, tok, ['New York', 'paris']);
      closeVec(ny, meanPool([row(11), row(12)]), 1e-7, 'new york');
      closeVec(paris, row(9), 0, 'paris');
      const [firstNy] = await answerVectors(model, tok, ['new york'], {
        ...DEFAULT_DISTANCE,
        pooling: 'first',
      });
      closeVec(firstNy, row(11), 0);
      const rec = { prompt: 'the capital of france is', original: 'paris', target: 'new york' };
      const want = 1 - cosineSimilarity(row(9), meanPool([row(11), row(12)]));
      close(await targetDistance(model, tok, rec), want, 1e-6);
      const l2 = await targetDistances(model, tok, [rec, { original: 'rome', target: 'rome' }], {
        ...DEFAULT_DISTANCE,
        metric: 'euclidean',
      });
      close(l2[0], euclidean(row(9), meanPool([row(11), row(12)])), 1e-6);
      assert.equal(l2[1], 0);
    });
  });

  test('output embeddings: the LM-head columns of an untied model, the input rows of a tied one', async () => {
    const untied = LlamaModel.random(tinyConfig({ tie_word_embeddings: false }), 4);
    try {
      const V = untied.config.vocab_size;
      const head = untied.param('lm_head.weight').dataSync() as Float32Array; // [d, V]
      const col = (v: number) => Float32Array.from({ length: d }, (_, k) => head[k * V + v]);
      const inRows = untied.param('model.embed_tokens.weight').dataSync() as Float32Array; // [V, d]
      const out = SEMANTIC_SPACES['output-embedding'];
      await assertNoLeak(async () => {
        const [ny, paris] = await answerVectors(untied, tok, ['new york', 'paris'], out);
        closeVec(ny, meanPool([col(11), col(12)]), 1e-6, 'new york');
        closeVec(paris, col(9), 0, 'paris');
        const [inParis] = await answerVectors(untied, tok, ['paris']);
        closeVec(inParis, inRows.subarray(9 * d, 10 * d), 0, 'input row');
        const rec = { prompt: 'the capital of france is', original: 'paris', target: 'new york' };
        close(
          await targetDistance(untied, tok, rec, out),
          1 - cosineSimilarity(col(9), meanPool([col(11), col(12)])),
          1e-6,
        );
      });
      // tied: the output rows are the input rows
      const tiedOut = await answerVectors(model, tok, ['new york', 'rome'], out);
      const tiedIn = await answerVectors(model, tok, ['new york', 'rome']);
      tiedOut.forEach((v, i) => {
        closeVec(v, tiedIn[i], 0, `tied ${i}`);
      });
    } finally {
      untied.dispose();
    }
  });

  test('hidden layer 0 equals the embedding rows; batching (right padding) does not change vectors', async () => {
    await assertNoLeak(async () => {
      const texts = ['new york city', 'paris', 'the capital of italy'];
      const h0 = await answerVectors(model, tok, texts, {
        ...DEFAULT_DISTANCE,
        representation: { layer: 0 },
      });
      const e = await answerVectors(model, tok, texts);
      h0.forEach((v, i) => {
        closeVec(v, e[i], 1e-6, `text ${i}`);
      });
      const last = { ...DEFAULT_DISTANCE, representation: { layer: -1 } };
      const batched = await answerVectors(model, tok, texts, last, undefined, { batchSize: 3 });
      const single = await answerVectors(model, tok, texts, last, undefined, { batchSize: 1 });
      batched.forEach((v, i) => {
        closeVec(v, single[i], 1e-5, `text ${i}`);
      });
    });
  });

  test('hidden states in context: forward of [bos] + prompt + answer, read at the answer positions', async () => {
    await assertNoLeak(async () => {
      const prompt = 'the capital of france is';
      const layer = 1;
      const ids = [2, 4, 5, 6, 7, 8, 11, 12]; // bos the capital of france is new york
      const ref = tf.tidy(() => {
        const out = model.forward(tf.tensor2d([ids], [1, ids.length], 'int32'), { outputHidden: true });
        return out.hidden![layer].reshape([ids.length, d]).dataSync();
      });
      const proto = {
        representation: { layer },
        tokens: 'answer',
        pooling: 'mean',
        metric: 'cosine',
      } as const;
      const [v] = await answerVectors(model, tok, ['new york'], proto, [prompt]);
      closeVec(v, poolRows(ref, d, 6, 8, 'mean'), 1e-5, 'in context');
      const [lastPrompt] = await answerVectors(
        model,
        tok,
        ['new york'],
        { ...proto, tokens: 'last-prompt', pooling: 'last' },
        [prompt],
      );
      closeVec(lastPrompt, poolRows(ref, d, 7, 8, 'last'), 1e-5, 'last-prompt');
      await assert.rejects(
        () => answerVectors(model, tok, ['paris'], { ...proto, tokens: 'last-prompt', pooling: 'last' }),
        /needs a prompt for text 0/,
      );
      const [feat] = await promptFeatures(model, tok, [prompt], layer);
      closeVec(feat, poolRows(ref, d, 5, 6, 'last'), 1e-5, 'prompt feature');
      await assert.rejects(() => promptFeatures(model, tok, [prompt], 5), /layer 5 is outside 0\.\.2/);
    });
  });
});

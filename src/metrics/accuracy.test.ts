import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { tinyConfig } from '../../test/helpers';
import { initBackend } from '../backend';
import { LlamaModel } from '../model/llama';
import { answerLogProbs, exactMatch, romeScores, scoreAnswers, teacherForcedAccuracy } from './accuracy';
import { generate, generateIds } from './generate';
import { TOY_WORDS, toyTokenizer } from './testing';

const close = (a: number, b: number, tol: number, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);

/** Runs fn twice; the second run must leave tf.memory().numTensors unchanged (the first may fill model caches). */
async function noLeak<T>(fn: () => Promise<T>): Promise<T> {
  await fn();
  const start = tf.memory().numTensors;
  const out = await fn();
  assert.equal(tf.memory().numTensors, start, 'tensors leaked');
  return out;
}

describe('accuracy metrics', () => {
  let model: LlamaModel;
  const tok = toyTokenizer();
  const words = (ids: number[]) => ids.map((i) => TOY_WORDS[i]).join(' ');

  /** Reference: one unbatched forward, log-softmax on the host. */
  function reference(ids: number[]): { logp: number[][]; argmax: number[] } {
    const logits = tf.tidy(() =>
      model.forward(tf.tensor2d([ids], [1, ids.length], 'int32')).logits.arraySync(),
    ) as number[][][];
    const logp = logits[0].map((row) => {
      const m = Math.max(...row);
      const z = Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0)) + m;
      return row.map((x) => x - z);
    });
    return { logp, argmax: logits[0].map((row) => row.indexOf(Math.max(...row))) };
  }

  before(async () => {
    await initBackend('cpu', { quiet: true });
    model = LlamaModel.random(tinyConfig(), 11, 0.5); // large init: confident, tie-free argmax
  });
  after(() => model.dispose());

  test('greedy generation: a left-padded batch equals each prompt alone', async () => {
    const prompts = ['the capital of france is', 'paris', 'new york city speaks'];
    const batched = await noLeak(() => generate(model, tok, prompts, { maxNewTokens: 4, stopAtEos: false }));
    assert.equal(batched.protocol, 'greedy');
    for (const [i, p] of prompts.entries()) {
      const alone = await generate(model, tok, [p], { maxNewTokens: 4, stopAtEos: false });
      assert.deepEqual(batched.ids[i], alone.ids[0], `prompt ${i}`);
      assert.equal(batched.texts[i], words(alone.ids[0]));
    }
    // first greedy token = argmax of the last prompt position of a plain forward
    const ids = [2, 4, 5, 6, 7, 8];
    assert.equal(batched.ids[0][0], reference(ids).argmax[ids.length - 1]);
    // per-row budgets and EOS stop
    const mixed = await generateIds(model, [ids, [2, 9]], { maxNewTokens: [1, 3], padId: 0 });
    assert.deepEqual(
      mixed.map((r) => r.length),
      [1, 3],
    );
    const eos = batched.ids[0][0];
    const stopped = await generateIds(model, [ids], { maxNewTokens: 4, padId: 0, eosId: eos });
    assert.deepEqual(stopped, [[]]);
    await assert.rejects(
      () => generateIds(model, [ids], { maxNewTokens: 12, padId: 0 }),
      /exceed the model's 16 positions/,
    );
  });

  test('teacher-forced scores and log-probs equal a hand computation from one forward', async () => {
    const items = [
      { prompt: 'the capital of france is', answer: 'new york' },
      { prompt: 'paris', answer: 'is the capital of italy' },
    ];
    const scores = await noLeak(() => scoreAnswers(model, tok, items, { batchSize: 2 }));
    const seqs = [
      [2, 4, 5, 6, 7, 8, 11, 12],
      [2, 9, 8, 4, 5, 6, 17],
    ];
    const starts = [6, 2];
    seqs.forEach((ids, r) => {
      const ref = reference(ids);
      const n = ids.length - starts[r];
      assert.equal(scores.logProbs[r].length, n);
      for (let j = 0; j < n; j++) {
        const t = starts[r] + j;
        close(scores.logProbs[r][j], ref.logp[t - 1][ids[t]], 1e-4, `record ${r} token ${j}`);
        assert.equal(scores.correct[r][j], ref.argmax[t - 1] === ids[t]);
      }
    });
    const lp = await answerLogProbs(model, tok, items);
    assert.equal(lp.protocol, 'sum-logprob');
    close(lp.logProbs[0], scores.logProbs[0][0] + scores.logProbs[0][1], 1e-5);
    close(lp.meanLogProbs[1], lp.logProbs[1] / 5, 1e-6);
    assert.deepEqual(lp.numTokens, [2, 5]);
    const acc = await teacherForcedAccuracy(model, tok, items);
    assert.equal(acc.protocol, 'teacher-forced-token-acc');
    const hits = scores.correct.map((c) => c.filter(Boolean).length);
    close(acc.accuracy, (hits[0] / 2 + hits[1] / 5) / 2, 1e-12);
    close(acc.tokenAccuracy, (hits[0] + hits[1]) / 7, 1e-12);
    await assert.rejects(
      () => answerLogProbs(model, tok, [{ prompt: 'paris', answer: '  ' }]),
      /record 0: field 'answer'/,
    );
  });

  test('exact match: the greedy answer matches, another answer does not; agrees with teacher forcing', async () => {
    const prompts = ['the capital of france is', 'italy speaks', 'a b c'];
    const greedy = await generate(model, tok, prompts, { maxNewTokens: 2, stopAtEos: false });
    const items = prompts.flatMap((prompt, i) => [
      { prompt, answer: greedy.texts[i] },
      { prompt, answer: words([greedy.ids[i][0], greedy.ids[i][1] === 20 ? 21 : 20]) },
    ]);
    const em = await noLeak(() => exactMatch(model, tok, items));
    assert.equal(em.protocol, 'greedy-exact-match');
    assert.deepEqual(em.correct, [true, false, true, false, true, false]);
    assert.equal(em.accuracy, 0.5);
    assert.deepEqual(em.predictedIds[0], greedy.ids[0]);
    assert.deepEqual((await teacherForcedAccuracy(model, tok, items)).allCorrect, em.correct);
  });

  test('ROME scores from hand-picked answers', async () => {
    const prompt = 'the capital of france is';
    const first = async (p: string) =>
      (await generate(model, tok, [p], { maxNewTokens: 1, stopAtEos: false })).ids[0][0];
    const best = TOY_WORDS[await first(prompt)];
    const other = best === 'rome' ? 'berlin' : 'rome';
    const para = ['capital of france is', 'france capital is'];
    const nb = [{ prompt: 'italy speaks', answer: TOY_WORDS[await first('italy speaks')] }];
    if (nb[0].answer === best) nb[0].answer = other;
    const rec = { prompt, original: other, target: best, paraphrases: para, neighbourhood: nb };
    const res = await noLeak(() => romeScores(model, tok, [rec, { ...rec, original: best, target: other }]));
    assert.equal(res.protocol, 'rome/mean-logprob');
    const [a, b] = res.perRecord;
    assert.equal(a.efficacy, 1); // greedy single token has the highest probability
    assert.equal(b.efficacy, 0);
    assert.ok(a.efficacyMargin > 0);
    close(b.efficacyMargin, -a.efficacyMargin, 1e-6);
    const lp = (
      await answerLogProbs(model, tok, [
        ...para.flatMap((p) => [
          { prompt: p, answer: best },
          { prompt: p, answer: other },
        ]),
        { prompt: nb[0].prompt, answer: nb[0].answer },
        { prompt: nb[0].prompt, answer: best },
        { prompt: nb[0].prompt, answer: other },
      ])
    ).meanLogProbs;
    close(a.paraphrase, ((lp[0] > lp[1] ? 1 : 0) + (lp[2] > lp[3] ? 1 : 0)) / 2, 0);
    close(b.paraphrase, 1 - a.paraphrase, 0);
    assert.equal(a.neighbourhoodScore, lp[4] > lp[5] ? 1 : 0);
    assert.equal(b.neighbourhoodScore, lp[4] > lp[6] ? 1 : 0);
    assert.equal(a.neighbourhoodAccuracy, TOY_WORDS[await first('italy speaks')] === nb[0].answer ? 1 : 0);
    close(res.means.efficacy, 0.5, 0);
    const bare = await romeScores(model, tok, [{ prompt, original: other, target: best }], {
      compare: 'sum',
    });
    assert.equal(bare.protocol, 'rome/sum-logprob');
    assert.ok(Number.isNaN(bare.perRecord[0].paraphrase) && Number.isNaN(bare.means.neighbourhoodAccuracy));
  });
});

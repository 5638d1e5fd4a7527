/**
 * The shipped checkpoint (data/models/beacon-base) against the probes, without re-running pretraining:
 * it knows its COUNTERFACT facts (greedy answer on a FIXED sample of 200 records of its corpus), its input
 * embeddings put answers of the same kind closer than answers of different kinds, and every experiment record's
 * target is in its vocabulary. Skips when the checkpoint is absent (rebuild with `npm run pretrain`).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { BEACON_BASE_DIR, type LoadedModel, loadModel } from '../src/model/load';
import { WordTokenizer } from '../src/model/tokenizer';
import { buildCorpus, type Corpus } from '../src/pretrain/corpus';
import { greedyKnowledge } from '../src/probes/knowledge-probe';
import { inVocab, pretrainingSubset, structureProbe } from '../src/probes/probes';
import { permutation } from '../src/util/random';

/** The aim: the model's greedy answer is the ground truth for ≥ 90 % of its COUNTERFACT records. */
const KNOWLEDGE_AIM = 0.9;
const SAMPLE = 200;
const SAMPLE_SEED = 20240531;

const hasModel = fs.existsSync(path.join(BEACON_BASE_DIR, 'model.safetensors'));
const skip = hasModel ? false : `no shipped model at ${BEACON_BASE_DIR} (run npm run pretrain)`;

describe('shipped base model (beacon-base)', { skip }, () => {
  let loaded: LoadedModel;
  let corpus: Corpus;

  before(async () => {
    await initBackend(process.env.BEACONS_BACKEND ?? 'wasm', { quiet: true });
    loaded = loadModel(BEACON_BASE_DIR);
    corpus = buildCorpus();
  });
  after(() => loaded?.model.dispose());

  test('its tokenizer is the one trained on the default corpus (the probes read the right facts)', () => {
    const tok = loaded.tokenizer;
    assert.ok(tok instanceof WordTokenizer);
    assert.deepEqual(WordTokenizer.train(corpus.statements).vocab, tok.vocab);
  });

  test(`knows ≥ ${KNOWLEDGE_AIM * 100} % of a fixed sample of ${SAMPLE} COUNTERFACT records (greedy answer)`, async () => {
    const subset = pretrainingSubset(corpus);
    const sample = permutation(subset.length, SAMPLE_SEED)
      .slice(0, SAMPLE)
      .map((i) => subset[i]);
    const items = sample.map((r) => ({ prompt: r.prompt, answers: [r.original] }));
    const k = await greedyKnowledge(loaded.model, loaded.tokenizer, items);
    // a second run allocates nothing new (the first one filled the model's causal-mask cache)
    const before = tf.memory().numTensors;
    const again = await greedyKnowledge(loaded.model, loaded.tokenizer, items);
    assert.equal(tf.memory().numTensors, before, 'the probe leaks tensors');
    assert.deepEqual(again.flags, k.flags);
    assert.equal(k.total, SAMPLE);
    assert.ok(
      k.share >= KNOWLEDGE_AIM,
      `known ${k.known}/${k.total} = ${(100 * k.share).toFixed(1)} %; misses e.g. ${JSON.stringify(k.misses.slice(0, 3))}`,
    );
  });

  test('embedding-layer cosine: same-kind answers closer than cross-kind, purity above chance', async () => {
    const s = await structureProbe(loaded.model, loaded.tokenizer, corpus.records, {
      bootstrapIterations: 300,
    });
    assert.ok(s.kinds >= 5, `only ${s.kinds} kinds`);
    assert.ok(s.sameKindMean > s.crossKindMean, `same ${s.sameKindMean} ≤ cross ${s.crossKindMean}`);
    assert.ok(s.difference.lo > 0, `difference CI ${s.difference.lo}..${s.difference.hi} includes 0`);
    assert.ok(s.nnPurity.lo > s.chancePurity, `purity ${s.nnPurity.estimate} vs chance ${s.chancePurity}`);
    const lang = s.perKind.find((r) => r.kind === 'language');
    const city = s.perKind.find((r) => r.kind === 'city');
    const country = s.perKind.find((r) => r.kind === 'country');
    for (const r of [lang, city, country]) {
      assert.ok(r !== undefined && r.sameKindMean > r.crossKindMean, `kind ${r?.kind}: ${JSON.stringify(r)}`);
    }
  });

  test('every experiment record (hence every pool record) has its target_new in the vocabulary', () => {
    const missing = corpus.records.filter((r) => !inVocab(loaded.tokenizer, r.target));
    assert.ok(corpus.records.length > 500, `${corpus.records.length} records`);
    assert.deepEqual(
      missing.map((r) => `${r.id}: ${r.target}`),
      [],
    );
  });
});

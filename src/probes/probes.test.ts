import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelConfig } from '../model/config';
import { type Knowledge, subsetKnowledge, withoutFlags } from './knowledge-probe';
import { renderModelCard } from './model-card';
import { cosineMatrix, kindStructure, pairLabelCorrelation } from './probe-stats';
import type { Probes } from './probes';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

describe('cosineMatrix', () => {
  test('unit diagonal, symmetric, hand values', () => {
    const m = cosineMatrix([
      [1, 0],
      [1, 1],
      [0, 2],
    ]);
    close(m[0], 1);
    close(m[1], Math.SQRT1_2);
    close(m[3], Math.SQRT1_2);
    close(m[2], 0);
    close(m[5], Math.SQRT1_2);
  });
});

describe('kindStructure', () => {
  test('two clean clusters: same 1, cross 0, purity 1, chance from the kind sizes', () => {
    const v = [
      [1, 0],
      [2, 0],
      [0, 1],
      [0, 3],
    ];
    const s = kindStructure(v, ['a', 'a', 'b', 'b'], { iterations: 200 });
    close(s.sameKindMean, 1);
    close(s.crossKindMean, 0);
    close(s.difference.estimate, 1);
    close(s.difference.lo, 1);
    assert.equal(s.sameKindPairs, 2);
    assert.equal(s.crossKindPairs, 4);
    close(s.nnPurity.estimate, 1);
    close(s.chancePurity, (2 * 1 + 2 * 1) / (4 * 3));
    assert.deepEqual(
      s.perKind.map((r) => [r.kind, r.answers, r.nnPurity]),
      [
        ['a', 2, 1],
        ['b', 2, 1],
      ],
    );
  });

  test('anchor means on a hand-made case', () => {
    // a1 = (1,0), a2 = (1,1)/√2·… , b1 = (0,1): cos(a1,a2) = √½, cos(a1,b1) = 0, cos(a2,b1) = √½, b2 = (-1,0)
    const v = [
      [1, 0],
      [1, 1],
      [0, 1],
      [-1, 0],
    ];
    const s = kindStructure(v, ['a', 'a', 'b', 'b'], { iterations: 100 });
    const h = Math.SQRT1_2;
    // same: a1 h, a2 h, b1 cos(b1,b2) = 0, b2 0 → mean h/2
    close(s.sameKindMean, h / 2);
    // cross: a1 (0 + -1)/2, a2 (h + -h)/2, b1 (0 + h)/2, b2 (-1 + -h)/2 → mean of those
    close(s.crossKindMean, (-0.5 + 0 + h / 2 + (-1 - h) / 2) / 4);
    close(s.difference.estimate, s.sameKindMean - s.crossKindMean);
    // nearest neighbours: a1→a2 (same), a2→a1 or b1 (tie → first, a1: same), b1→a2 (cross), b2→b1 (0 > -h: same)
    close(s.nnPurity.estimate, 3 / 4);
  });

  test('rejects a kind with one answer and a single kind', () => {
    assert.throws(() => kindStructure([[1], [2], [3]], ['a', 'a', 'b']), /kind 'b' has 1 answer/);
    assert.throws(() => kindStructure([[1], [2]], ['a', 'a']), /at least 2 kinds/);
    assert.throws(() => kindStructure([[1], [2]], ['a']), /2 vectors but 1 kinds/);
  });

  test('deterministic for a seed', () => {
    const v = Array.from({ length: 12 }, (_, i) => [Math.sin(i), Math.cos(3 * i), (i % 3) - 1]);
    const k = v.map((_, i) => ['x', 'y', 'z'][i % 3]);
    assert.deepEqual(kindStructure(v, k, { seed: 3 }), kindStructure(v, k, { seed: 3 }));
  });
});

describe('pairLabelCorrelation', () => {
  test('orthogonal groups: r = 1, same 1 vs different 0, Mantel p at its floor', () => {
    const v = [...Array.from({ length: 5 }, () => [1, 0]), ...Array.from({ length: 5 }, () => [0, 1])];
    const labels = v.map((_, i) => (i < 5 ? 'A' : 'B'));
    const r = pairLabelCorrelation(v, labels, { permutations: 199 });
    assert.equal(r.pairs, 45);
    assert.equal(r.sameLabelPairs, 20);
    close(r.pearson.r, 1);
    close(r.spearman.r, 1);
    close(r.sameLabelMeanCos, 1);
    close(r.differentLabelMeanCos, 0);
    // only relabelings that keep the partition reach r = 1: 2 of C(10,5) = 252
    assert.ok(r.mantelP <= 0.05, `p ${r.mantelP}`);
    assert.ok(r.mantelP >= 1 / 200);
  });

  test('labels unrelated to the vectors: Mantel p is not small', () => {
    const v = Array.from({ length: 30 }, (_, i) => [Math.cos(i * 0.2), Math.sin(i * 0.2)]);
    const labels = v.map((_, i) => (i % 2 === 0 ? 'even' : 'odd'));
    const r = pairLabelCorrelation(v, labels, { permutations: 199 });
    assert.ok(r.mantelP > 0.1, `p ${r.mantelP}`);
  });
});

describe('knowledge summary', () => {
  test('subsetKnowledge counts known, skipped, unknown-word prompts and lists misses', () => {
    const items = ['a', 'b', 'c', 'd'].map((p) => ({ prompt: p, answers: [p.toUpperCase()] }));
    const k: Knowledge = {
      known: 0,
      total: 0,
      share: 0,
      ci: { estimate: 0, lo: 0, hi: 1, level: 0.95, n: 0, method: 'wilson' },
      skipped: 0,
      withUnknownWords: 0,
      misses: [],
      flags: [true, false, undefined, true],
      greedy: ['a', 'x', '', 'd'],
      unknownFlags: [false, true, false, false],
    };
    const s = withoutFlags(subsetKnowledge(items, k, [0, 1, 2]));
    assert.equal(s.known, 1);
    assert.equal(s.total, 2);
    assert.equal(s.skipped, 1);
    assert.equal(s.withUnknownWords, 1);
    close(s.share, 0.5);
    assert.ok(s.ci.lo < 0.5 && s.ci.hi > 0.5);
    assert.deepEqual(s.misses, [{ prompt: 'b', expected: 'B', greedy: 'x' }]);
    assert.equal('flags' in s, false);
  });
});

test('renderModelCard: data, size, steps, loss, time, backend, rebuild, probes, licences', () => {
  const know = {
    known: 9,
    total: 10,
    share: 0.9,
    ci: { estimate: 0.9, lo: 0.6, hi: 0.98, level: 0.95, n: 10, method: 'wilson' },
    skipped: 0,
    withUnknownWords: 0,
    misses: [{ prompt: 'The capital of France is', expected: 'Paris', greedy: 'lyon' }],
  };
  const v = [
    [1, 0],
    [2, 0.1],
    [0, 1],
    [0.1, 3],
  ];
  const probes: Probes = {
    corpus: {
      statements: 100,
      counterfactRecords: 10,
      experimentRecords: 8,
      worldFacts: 50,
      matchesTokenizer: true,
    },
    knowledge: {
      counterfact: know,
      experimentRecords: know,
      worldFacts: { ...know, byRelation: { capital: { known: 9, total: 10, share: 0.9 } } },
    },
    paraphraseKnowledge: { heldOut: true, counterfact: know, worldFacts: know },
    structure: {
      protocol: 'emb/answer/mean/1-cos',
      droppedAmbiguous: 1,
      droppedUnknown: 0,
      droppedKinds: [],
      ...kindStructure(v, ['city', 'city', 'language', 'language'], { iterations: 50 }),
    },
    region: {
      protocol: 'emb/answer/mean/1-cos',
      regions: { A: 2, B: 2 },
      ...pairLabelCorrelation(v, ['A', 'A', 'B', 'B'], { permutations: 9 }),
    },
    vocabulary: { records: 8, targetInVocab: 8, originalInVocab: 8, targetIsTrainedAnswer: 8 },
    pool: { considered: 8, tokenizable: 8, known: 7, targetInVocab: 7 },
    options: { seed: 0, minPerKind: 2, maxPerKind: 150, bootstrapIterations: 50, permutations: 9 },
  };
  const config = {
    vocab_size: 40,
    hidden_size: 8,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    num_key_value_heads: 2,
    intermediate_size: 16,
    max_position_embeddings: 16,
    rope_theta: 10000,
    tie_word_embeddings: true,
  } as ModelConfig;
  const card = renderModelCard({
    name: 'beacon-test',
    config,
    log: {
      config,
      epochs: 3,
      steps: 30,
      finalLoss: 1.234,
      seconds: 600,
      tokensPerEpoch: 5000,
      statements: 100,
      lossByEpoch: [3, 2, 1.234],
      backend: 'wasm',
      date: '2026-01-01',
    },
    probes,
    parameters: 12345,
    files: [{ name: 'model.safetensors', bytes: 2_000_000 }],
  });
  for (const needle of [
    '# beacon-test',
    '12,345',
    '30 steps',
    '1.234',
    '10 min',
    'wasm',
    'npm run pretrain',
    'ODbL',
    'GeoNames',
    'MIT',
    '9 / 10',
    'Mantel',
    'Limitations',
    '2.00 MB',
    '| city |',
  ]) {
    assert.ok(card.includes(needle), `card lacks '${needle}'`);
  }
  assert.match(card, /Target: ≥ 90 % on the COUNTERFACT records: met/);
});

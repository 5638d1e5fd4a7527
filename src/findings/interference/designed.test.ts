/**
 * Designed interference sets: the 2 × 2 construction (nearer/farther half × clustered/spread targets, distinct
 * targets) on a toy embedding space, and the analysis on planted data (a planted spread effect is found with the
 * mean held fixed; an absent one is not).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PROTOCOL_NAME, type Fact } from '../../knowledge/facts';
import type { LearnContext } from '../../knowledge/learn';
import { mulberry32 } from '../../util/random';
import {
  type DesignedPoint,
  designCell,
  designedSet,
  meanPairwiseTargetDistance,
  summarizeDesigned,
} from './designed';
import type { InterferenceSummary } from './experiment';
import { interferenceHeadlines } from './summary';

// 2-D embeddings: token k sits at angle k·(π/2)/V on the quarter circle, so nearby ids are similar targets
const V = 200;
const ctx = {
  model: { config: { hidden_size: 2 } },
  embeddings: Float32Array.from(
    Array.from({ length: V }, (_, k) => [
      Math.cos((k * Math.PI) / 2 / V),
      Math.sin((k * Math.PI) / 2 / V),
    ]).flat(),
  ),
} as unknown as LearnContext;

const pool: Fact[] = Array.from({ length: 120 }, (_, i) => ({
  record: { id: `f${i}` },
  targetIds: [(i * 37) % V],
  distance: { [DEFAULT_PROTOCOL_NAME]: i / 120 },
})) as unknown as Fact[];

test('designed sets: each cell draws from its half, clustered targets are closer together than spread ones', () => {
  const spreads: Record<string, number[]> = { clustered: [], spread: [] };
  for (let index = 0; index < 8; index++) {
    const set = designedSet(ctx, pool, 8, 0, index);
    const { highMean, highSpread } = designCell(index);
    assert.equal(set.length, 8);
    assert.equal(new Set(set.map((f) => f.targetIds[0])).size, 8, 'distinct targets');
    const d = set.map((f) => f.distance[DEFAULT_PROTOCOL_NAME]);
    assert.ok(highMean ? Math.min(...d) >= 0.5 : Math.max(...d) < 0.5, `cell ${index}: ${d}`);
    spreads[highSpread ? 'spread' : 'clustered'].push(meanPairwiseTargetDistance(ctx, set));
  }
  assert.ok(Math.max(...spreads.clustered) < Math.min(...spreads.spread), JSON.stringify(spreads));
  // deterministic: the same seed and index give the same set
  assert.deepEqual(
    designedSet(ctx, pool, 8, 3, 2).map((f) => f.record.id),
    designedSet(ctx, pool, 8, 3, 2).map((f) => f.record.id),
  );
  const sameTarget = pool.map((f) => ({ ...f, targetIds: [5] }));
  assert.throws(() => designedSet(ctx, sameTarget, 8, 0, 0), /only 1 facts with distinct targets/);
});

function planted(effect: number, seed: number): DesignedPoint[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: 48 }, (_, i) => {
    const cell = designCell(i);
    const mean = (cell.highMean ? 0.6 : 0.4) + 0.05 * rnd();
    const pairwise = (cell.highSpread ? 0.5 : 0.2) + 0.05 * rnd();
    const noise = 0.03 * (rnd() + rnd() + rnd() - 1.5);
    const accuracy = 0.6 - 0.2 * (mean - 0.5) + effect * (pairwise - 0.35) + noise;
    return { ...cell, mean, pairwise, accuracy, crossTalk: 0 };
  });
}

const headlinesOf = (points: DesignedPoint[]) =>
  interferenceHeadlines({
    aloneVsTogether: null,
    features: {},
    designed: summarizeDesigned(points),
  } as unknown as InterferenceSummary);

test('designed sets: a planted spread effect is found, an absent one is not, with the mean held fixed', () => {
  const found = summarizeDesigned(planted(0.6, 1))!;
  assert.equal(found.cells.length, 4);
  assert.ok(
    Math.abs(found.meanVsPairwise.rho) < 0.3,
    `predictors independent by design: ${found.meanVsPairwise.rho}`,
  );
  assert.ok(found.fit.b2.lo > 0, `b_pairwise ${JSON.stringify(found.fit.b2)}`);
  assert.ok(found.fit.b1.hi < 0, `b_mean ${JSON.stringify(found.fit.b1)}`);
  const none = summarizeDesigned(planted(0, 2))!;
  assert.ok(none.fit.b2.lo < 0 && none.fit.b2.hi > 0, `b_pairwise ${JSON.stringify(none.fit.b2)}`);
  assert.equal(summarizeDesigned(planted(0, 2).slice(0, 3)), undefined);
});

test('designed-set headlines: the paper direction is positive, verdicts decided with a 2-point margin', () => {
  const yes = headlinesOf(planted(0.6, 1));
  assert.equal(yes.find((h) => h.finding.startsWith('3 target spread'))!.verdict, 'reproduces');
  assert.equal(yes.find((h) => h.finding.startsWith('3 lower mean'))!.verdict, 'reproduces');
  const no = headlinesOf(planted(0, 2)).find((h) => h.finding.startsWith('3 target spread'))!;
  assert.notEqual(no.verdict, 'reproduces', no.reason);
  const opposite = headlinesOf(planted(-0.6, 3)).find((h) => h.finding.startsWith('3 target spread'))!;
  assert.equal(opposite.verdict, 'does not reproduce', opposite.reason);
});

/** Knowledge features per fact: the paired together − alone summary on planted data, and its headline. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../util/random';
import type { InterferenceSummary } from './experiment';
import { summarizeFactSpecific } from './features';
import { interferenceHeadlines } from './summary';

/** `sets` sets of 16 facts: alone log p ≈ −0.3; together shifted by `shift` nats (with noise per set and fact). */
function planted(shift: number, seed: number, sets = 24) {
  const rnd = mulberry32(seed);
  const noise = () => rnd() + rnd() + rnd() - 1.5;
  return Array.from({ length: sets }, () => {
    const setEffect = 0.2 * noise();
    const alone = Array.from({ length: 16 }, () => Math.min(0, -0.3 + 0.2 * noise()));
    const together = alone.map((a) => Math.min(0, a + shift + setEffect + 0.3 * noise()));
    const zeros = alone.map(() => 0);
    return {
      logProb: alone.map((a) => a - 3),
      projection: zeros,
      alone: { logProb: alone, projection: alone.map(() => 1) },
      together: { logProb: together, projection: together.map(() => 0.5) },
    };
  });
}

const headline = (sets: ReturnType<typeof planted>) =>
  interferenceHeadlines({
    aloneVsTogether: null,
    features: { factSpecific: summarizeFactSpecific(sets) },
  } as unknown as InterferenceSummary).find((h) => h.finding === '3 features suppressed · fact-specific')!;

test('fact-specific features: a planted suppression is found, none is found where there is none', () => {
  const s = summarizeFactSpecific(planted(-1.5, 1))!;
  assert.equal(s.facts, 24 * 16);
  assert.equal(s.sets, 24);
  assert.ok(s.logProb.diff.hi < 0 && s.probability.diff.hi < 0, JSON.stringify(s.logProb.diff));
  assert.ok(Math.abs(s.projection.diff.estimate + 0.5) < 1e-9);
  assert.equal(headline(planted(-1.5, 1)).verdict, 'reproduces');
  const none = headline(planted(0, 2));
  assert.notEqual(none.verdict, 'reproduces', none.reason);
  assert.ok(none.lo < 0.05 && none.hi > -0.05, none.reason);
  assert.equal(headline(planted(-1.5, 1, 2)).verdict, 'inconclusive');
  assert.equal(summarizeFactSpecific([]), undefined);
});

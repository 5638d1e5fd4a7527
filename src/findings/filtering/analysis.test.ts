import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Fact } from '../../knowledge/facts';
import { mean } from '../../metrics/stats';
import { bestShareFrequencies, type FilteredRun, keptInBoth, pairedGain } from './analysis';
import { filteredSet } from './experiment';

const run = (
  set: number,
  strategy: string,
  share: number,
  accuracy: number,
  facts: string[],
  learned: boolean[],
) => ({ seed: 0, set, strategy, share, accuracy, facts, learned }) satisfies FilteredRun;

test('keptInBoth compares the facts both strategies kept, by hand', () => {
  const runs = [
    run(0, 'a', 0.5, 0.75, ['f1', 'f2', 'f3', 'x'], [true, true, false, true]),
    run(0, 'b', 0.5, 0.25, ['f1', 'f2', 'f3', 'y'], [false, true, false, false]),
    run(1, 'a', 0.5, 1, ['g1', 'g2'], [true, true]),
    run(1, 'b', 0.5, 0.5, ['g1', 'z'], [true, false]),
  ];
  const [k] = keptInBoth(runs, 'a', 'b', [0.5]);
  assert.equal(k.facts, 4); // f1, f2, f3, g1
  assert.equal(k.a, 3 / 4);
  assert.equal(k.b, 2 / 4);
  assert.equal(k.diff.estimate, 1 / 4);
  assert.equal(k.diff.n, 2); // clusters: the two sets
  const [g] = pairedGain(runs, 'a', 'b', [0.5]);
  assert.equal(g.diff.estimate, (0.5 + 0.5) / 2);
});

test('bestShareFrequencies: a clear best share wins nearly every resample; two equal shares split them', () => {
  const runs: FilteredRun[] = [];
  for (let set = 0; set < 30; set++) {
    for (const [share, gain] of [
      [0.3, 0.05],
      [0.6, 0.3],
      [0.9, 0.1],
    ] as const) {
      const noise = ((set * 7919 + share * 1000 * 104729) % 13) / 13 - 0.5; // deterministic spread
      runs.push(run(set, 'a', share, 0.5 + gain + 0.05 * noise, [], []));
      runs.push(run(set, 'b', share, 0.5, [], []));
    }
  }
  const f = bestShareFrequencies(runs, 'a', 'b', [0.3, 0.6, 0.9], 500, 1);
  assert.ok(f[1].frequency > 0.99, JSON.stringify(f));
  const tie = runs.map((r) =>
    r.strategy === 'a' && r.share === 0.9 ? { ...r, accuracy: r.accuracy + 0.2 } : r,
  );
  const t = bestShareFrequencies(tie, 'a', 'b', [0.3, 0.6, 0.9], 500, 1);
  assert.ok(t[1].frequency > 0.2 && t[2].frequency > 0.2, JSON.stringify(t));
  assert.ok(Math.abs(t.reduce((a, x) => a + x.frequency, 0) - 1) < 1e-12);
});

test("'nearest-first' swaps the set's farthest targets for the pool's nearest", () => {
  const fact = (id: number, d: number) =>
    ({ record: { id: `f${id}` }, distance: { 'emb/answer/mean/1-cos': d } }) as unknown as Fact;
  const pool = Array.from({ length: 40 }, (_, i) => fact(i, ((i * 37) % 40) / 40));
  const before = filteredSet(pool, 8, 0, 'nearest-first', 0, 0);
  const after = filteredSet(pool, 8, 0, 'nearest-first', 0.5, 0);
  const d = (fs: Fact[]) => fs.map((f) => f.distance['emb/answer/mean/1-cos']);
  const kept = after.filter((f) => before.includes(f));
  assert.equal(kept.length, 4);
  // the four kept are the four nearest of the original set
  assert.deepEqual(
    d(kept).sort(),
    d(before)
      .sort((a, b) => a - b)
      .slice(0, 4)
      .sort(),
  );
  // the four new ones are the pool's nearest outside the set
  const outside = pool.filter((f) => !before.includes(f)).map((f) => f.distance['emb/answer/mean/1-cos']);
  const added = after.filter((f) => !before.includes(f));
  assert.deepEqual(
    d(added).sort(),
    outside
      .sort((a, b) => a - b)
      .slice(0, 4)
      .sort(),
  );
  assert.ok(mean(d(after)) < mean(d(before)));
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mulberry32 } from '../util/random';
import { accuracyAt, accuracyCurve, type BudgetRun, chooseRegimes } from './regimes';

describe('accuracy by step budget', () => {
  // fact a: learned at 5 in all 3 seeds; fact b: learned at 10 once, never twice; fact c: never
  const runs: BudgetRun[] = [
    { unit: 'a', learnedAt: 5, maxSteps: 30 },
    { unit: 'a', learnedAt: 5, maxSteps: 30 },
    { unit: 'a', learnedAt: 5, maxSteps: 30 },
    { unit: 'b', learnedAt: 10, maxSteps: 30 },
    { unit: 'b', learnedAt: null, maxSteps: 30 },
    { unit: 'b', learnedAt: null, maxSteps: 30 },
    { unit: 'c', learnedAt: null, maxSteps: 30 },
  ];
  test('fact-level: each fact counts once whatever its number of runs (hand-computed)', () => {
    assert.equal(accuracyAt(runs, 4), 0);
    assert.equal(accuracyAt(runs, 5), 1 / 3);
    assert.equal(accuracyAt(runs, 30), (1 + 1 / 3 + 0) / 3);
  });
  test('a budget past what an unlearned run trained is an error, not a guess', () => {
    assert.throws(() => accuracyAt(runs, 31), /budget 31 exceeds the 30 steps that unit b was trained for/);
  });
  test('the curve is monotone and its interval holds the estimate and stays in [0, 1]', () => {
    const c = accuracyCurve(runs, [5, 10, 30], { iterations: 500 });
    for (let j = 0; j < c.length; j++) {
      assert.ok(c[j].lo <= c[j].estimate && c[j].estimate <= c[j].hi && c[j].lo >= 0 && c[j].hi <= 1);
      if (j > 0) assert.ok(c[j].estimate >= c[j - 1].estimate);
    }
  });
  test('cluster bootstrap covers the true accuracy about 95 % of the time with correlated seeds', () => {
    // 60 facts × 3 seeds; a fact's learn step depends mostly on the fact (seeds nearly agree), p(learned by 10) = 0.5
    let covered = 0;
    let coveredNaive = 0;
    const reps = 150;
    for (let r = 0; r < reps; r++) {
      const rnd = mulberry32(1000 + r);
      const rs: BudgetRun[] = [];
      for (let f = 0; f < 60; f++) {
        const base = rnd() < 0.5 ? 6 : 14;
        for (let s = 0; s < 3; s++)
          rs.push({ unit: f, learnedAt: rnd() < 0.9 ? base : 20 - base, maxSteps: 30 });
      }
      const [p] = accuracyCurve(rs, [10], { iterations: 400, seed: r });
      if (p.lo <= 0.5 && 0.5 <= p.hi) covered++;
      // naive: every run independent (Wald over 180 runs)
      const k = rs.filter((x) => x.learnedAt! <= 10).length / rs.length;
      const half = 1.96 * Math.sqrt((k * (1 - k)) / rs.length);
      if (k - half <= 0.5 && 0.5 <= k + half) coveredNaive++;
    }
    assert.ok(covered / reps >= 0.88, `cluster bootstrap coverage ${covered / reps}`);
    assert.ok(
      coveredNaive / reps <= 0.9,
      `runs treated as independent should under-cover: ${coveredNaive / reps}`,
    );
  });
});

describe('chooseRegimes', () => {
  const curves = new Map([
    [
      1e-3,
      [
        { budget: 10, estimate: 0.1 },
        { budget: 20, estimate: 0.3 },
        { budget: 40, estimate: 0.6 },
      ],
    ],
    [
      3e-3,
      [
        { budget: 10, estimate: 0.45 },
        { budget: 20, estimate: 0.9 },
        { budget: 40, estimate: 0.97 },
      ],
    ],
  ]);
  test('closest point per target; converged = best rate, first budget within tolerance of its final accuracy', () => {
    const r = chooseRegimes(curves, [0.3, 0.5, 0.95, 'converged'], 0.08);
    assert.deepEqual(
      r.map((x) => [x.name, x.rate, x.budget]),
      [
        [0.3, 1e-3, 20],
        [0.5, 3e-3, 10],
        [0.95, 3e-3, 40],
        ['converged', 3e-3, 20],
      ],
    );
  });
  test('bad targets are errors', () => {
    assert.throws(() => chooseRegimes(curves, [1.5]), /target accuracy must be in \(0, 1\), got 1.5/);
  });
});

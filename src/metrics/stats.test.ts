import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  logGamma,
  normalCdf,
  normalQuantile,
  regularizedBeta,
  studentTCdf,
  studentTQuantile,
} from './distributions';
import {
  bootstrapCI,
  equalWidthBins,
  mean,
  meanCI,
  olsSlope,
  pearson,
  quantile,
  quantileBins,
  ranks,
  spearman,
  wilsonCI,
} from './stats';

const close = (a: number, b: number, tol: number, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);

describe('distributions', () => {
  test('logGamma: Γ(5) = 24, Γ(½) = √π, Γ(10.5)', () => {
    close(logGamma(5), Math.log(24), 1e-13);
    close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13);
    close(logGamma(10.5), 13.940625219403763, 1e-12);
  });

  test('regularizedBeta: I_0.4(2, 3) = 0.5248 (by the binomial sum)', () => {
    // I_x(2,3) = P(Bin(4, x) ≥ 2) = 1 − 0.6⁴ − 4·0.4·0.6³ = 0.5248
    close(regularizedBeta(0.4, 2, 3), 0.5248, 1e-13);
  });

  test('normal CDF and quantile', () => {
    close(normalCdf(0), 0.5, 1e-15);
    close(normalCdf(1), 0.8413447460685429, 1e-13);
    close(normalQuantile(0.975), 1.959963984540054, 1e-12);
    close(normalQuantile(0.025), -1.959963984540054, 1e-12);
    close(normalQuantile(1e-10), -6.361340902404056, 1e-9);
  });

  test('Student t: quantiles at 0.975 match published tables; CDF of t(3)', () => {
    const table: [number, number][] = [
      [1, 12.706204736174694],
      [2, 4.302652729749462],
      [5, 2.5705818356363146],
      [10, 2.228138851986274],
      [30, 2.0422724563012378],
      [100, 1.9839715185235518],
    ];
    for (const [df, q] of table) close(studentTQuantile(0.975, df), q, 1e-9, `df ${df}`);
    close(studentTQuantile(0.025, 10), -2.228138851986274, 1e-9);
    // t(1) is Cauchy: CDF = ½ + atan(t)/π
    close(studentTCdf(2, 1), 0.5 + Math.atan(2) / Math.PI, 1e-13);
    close(studentTCdf(-2.5, 3), 0.04385332350403278, 1e-12);
  });
});

describe('stats', () => {
  test('meanCI: t interval of 2,4,4,4,5,5,7,9 (mean 5, s = √(32/7))', () => {
    const ci = meanCI([2, 4, 4, 4, 5, 5, 7, 9]);
    assert.equal(ci.estimate, 5);
    close(ci.sd, Math.sqrt(32 / 7), 1e-12);
    const half = 2.364624251592784 * (Math.sqrt(32 / 7) / Math.sqrt(8)); // t_{0.975,7}
    close(ci.lo, 5 - half, 1e-8);
    close(ci.hi, 5 + half, 1e-8);
    assert.equal(meanCI([3]).hi, Number.POSITIVE_INFINITY);
    assert.deepEqual([meanCI([2, 2]).lo, meanCI([2, 2]).hi], [2, 2]);
    assert.throws(() => meanCI([1, Number.NaN]), /meanCI values\[1\] is NaN/);
  });

  test('wilsonCI: 8 of 10 → [0.4902, 0.9433]; 0 of 10 → [0, 0.2775]', () => {
    const w = wilsonCI(8, 10);
    assert.equal(w.estimate, 0.8);
    close(w.lo, 0.49016, 1e-4);
    close(w.hi, 0.94332, 1e-4);
    const z = wilsonCI(0, 10);
    assert.equal(z.lo, 0);
    // k = 0: hi = z²/n / (1 + z²/n) = 3.8415/13.8415
    close(z.hi, 1.959963984540054 ** 2 / (10 + 1.959963984540054 ** 2), 1e-12);
    assert.throws(() => wilsonCI(11, 10), /0 ≤ successes ≤ n/);
  });

  test('bootstrapCI is seeded and brackets the estimate', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const a = bootstrapCI(xs, mean, { seed: 7, iterations: 500 });
    const b = bootstrapCI(xs, mean, { seed: 7, iterations: 500 });
    assert.deepEqual(a, b);
    assert.equal(a.estimate, 5.5);
    assert.ok(a.lo < 5.5 && a.hi > 5.5 && a.lo > 3 && a.hi < 8, `${a.lo} ${a.hi}`);
    const c = bootstrapCI([4, 4, 4], mean, { iterations: 50 });
    assert.deepEqual([c.lo, c.hi], [4, 4]);
  });

  test('pearson: x = 1..5, y = 2,4,5,4,5 → r = 6/√60; p from t(3)', () => {
    const c = pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
    close(c.r, 6 / Math.sqrt(60), 1e-14);
    close(c.t, Math.sqrt(0.6) * Math.sqrt(3 / 0.4), 1e-12);
    close(c.p, 0.1240270626575546, 1e-10);
    assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3]).r));
    assert.equal(pearson([1, 2, 3], [3, 2, 1]).r, -1);
    assert.equal(pearson([1, 2, 3], [3, 2, 1]).p, 0);
  });

  test('spearman: average ranks with ties', () => {
    assert.deepEqual(ranks([10, 30, 20, 30]), [1, 3.5, 2, 3.5]);
    const s = spearman([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
    // ranks y = 1, 2.5, 4.5, 2.5, 4.5: Sxy = 7, Sxx = 10, Syy = 9
    close(s.r, 7 / Math.sqrt(90), 1e-14);
    close(s.p, 0.15461852312844926, 1e-10);
    assert.equal(spearman([1, 2, 3, 4], [1, 4, 9, 16]).r, 1); // monotone
  });

  test('quantile type 7 and bins', () => {
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantile([4, 1, 3, 2], 0.25), 1.75);
    const eq = equalWidthBins([0, 1, 2, 3, 4, 10], 2);
    assert.deepEqual(
      eq.map((b) => [b.lo, b.hi, b.count]),
      [
        [0, 5, 5],
        [5, 10, 1],
      ],
    );
    assert.deepEqual(eq[1].indices, [5]);
    const q = quantileBins([8, 1, 2, 7, 3, 6, 4, 5], 4);
    assert.deepEqual(
      q.map((b) => b.count),
      [2, 2, 2, 2],
    );
    assert.deepEqual(q[0].indices.sort(), [1, 2]);
    const fixed = equalWidthBins([0.05, 0.5, 0.95, 2], 2, { min: 0, max: 1 });
    assert.deepEqual(
      fixed.map((b) => b.count),
      [1, 2],
    );
  });

  test('olsSlope: y = 2,4,5,4,5 on x = 1..5 → slope 0.6, se √0.08', () => {
    const f = olsSlope([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
    close(f.slope, 0.6, 1e-14);
    close(f.intercept, 2.2, 1e-14);
    // SSE = Syy − b·Sxy = 6 − 3.6 = 2.4; se² = 2.4/3/10 = 0.08
    close(f.se, Math.sqrt(0.08), 1e-14);
    close(f.hi - f.slope, 3.1824463052837078 * Math.sqrt(0.08), 1e-9);
    close(f.r2, 0.6, 1e-14);
    close(f.p, 0.1240270626575546, 1e-10);
    const exact = olsSlope([0, 1, 2], [1, 3, 5]);
    assert.deepEqual([exact.slope, exact.intercept, exact.se, exact.p], [2, 1, 0, 0]);
  });
});

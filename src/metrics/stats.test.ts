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
  clusterBootstrapCI,
  equalWidthBins,
  leastSquares,
  mcnemarExact,
  mean,
  meanCI,
  ols2,
  olsSlope,
  pearson,
  quantile,
  quantileBins,
  ranks,
  rate,
  rateDifference,
  spearman,
  variance,
  wilsonCI,
  wilsonProportionCI,
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

test('rateDifference is Newcombe’s hybrid score interval (Newcombe 1998, Table II: 56/70 − 48/80)', () => {
  const flags = (k: number, n: number) => Array.from({ length: n }, (_, i) => i < k);
  const d = rateDifference(rate(flags(56, 70)), rate(flags(48, 80)));
  assert.ok(Math.abs(d.diff - 0.2) < 1e-12);
  // published: 0.0524 to 0.3339
  assert.ok(Math.abs(d.lo - 0.0524) < 5e-5, `lo ${d.lo}`);
  assert.ok(Math.abs(d.hi - 0.3339) < 5e-5, `hi ${d.hi}`);
  const r = rate([true, null, false, true]);
  assert.deepEqual([r.k, r.n, r.rate], [2, 3, 2 / 3]);
});

test('ols2 recovers an exact linear model on standardised predictors', () => {
  const x1 = [1, 2, 3, 4, 5, 6, 7, 8];
  const x2 = [3, 1, 4, 1, 5, 9, 2, 6];
  const z = (xs: number[]) => {
    const m = mean(xs);
    const sd = Math.sqrt(variance(xs));
    return xs.map((x) => (x - m) / sd);
  };
  const [a, b] = [z(x1), z(x2)];
  const y = a.map((ai, i) => 2 + 3 * ai - b[i]);
  const fit = ols2(y, x1, x2);
  assert.ok(Math.abs(fit.b0 - 2) < 1e-9 && Math.abs(fit.b1.estimate - 3) < 1e-9);
  assert.ok(Math.abs(fit.b2.estimate + 1) < 1e-9 && Math.abs(fit.r2 - 1) < 1e-9);
  assert.ok(fit.b1.se < 1e-6);
  assert.ok(Number.isNaN(ols2([1, 2, 3], [1, 2, 3], [3, 2, 1]).b0), 'fewer than 4 points: no fit');
});

test('leastSquares matches olsSlope and skips non-finite pairs', () => {
  const x = [1, 2, 3, 4, Number.NaN];
  const y = [2, 4.1, 5.9, 8.2, 1];
  const ls = leastSquares(x, y);
  const ols = olsSlope(x.slice(0, 4), y.slice(0, 4));
  assert.equal(ls.n, 4);
  assert.ok(Math.abs(ls.slope - ols.slope) < 1e-12 && Math.abs(ls.intercept - ols.intercept) < 1e-12);
});

test('clusterBootstrapCI: singleton clusters give bootstrapCI; whole-cluster resampling widens correlated data', () => {
  const xs = [0.1, 0.5, 0.3, 0.9, 0.7, 0.2, 0.4];
  const one = clusterBootstrapCI(
    xs,
    xs.map((_, i) => i),
    mean,
    { seed: 3, iterations: 500 },
  );
  const plain = bootstrapCI(xs, mean, { seed: 3, iterations: 500 });
  assert.deepEqual([one.lo, one.hi, one.estimate], [plain.lo, plain.hi, plain.estimate]);
  // 4 clusters of 10 identical values: the effective sample size is 4, not 40
  const vals = [0, 1, 2, 3].flatMap((c) => Array(10).fill(c));
  const ids = [0, 1, 2, 3].flatMap((c) => Array(10).fill(c));
  const clustered = clusterBootstrapCI(vals, ids, mean, { seed: 1 });
  const naive = bootstrapCI(vals, mean, { seed: 1 });
  assert.equal(clustered.n, 4);
  assert.ok(clustered.hi - clustered.lo > 2 * (naive.hi - naive.lo));
  assert.throws(() => clusterBootstrapCI([1, 2], [0]), /2 values but 1 cluster labels/);
});

test('wilsonProportionCI equals wilsonCI for k/n and accepts a fractional proportion', () => {
  const a = wilsonCI(7, 20);
  const b = wilsonProportionCI(7 / 20, 20);
  assert.ok(Math.abs(a.lo - b.lo) < 1e-15 && Math.abs(a.hi - b.hi) < 1e-15);
  const f = wilsonProportionCI(0.333, 12);
  assert.ok(f.lo < 0.333 && f.hi > 0.333);
});

test('ols2 matches numpy lstsq + scipy t quantile on noisy data', () => {
  const x1 = [0.31, 0.42, 0.18, 0.55, 0.27, 0.61, 0.39, 0.47, 0.22, 0.58];
  const x2 = [0.01, 0.03, 0.02, 0.05, 0.012, 0.041, 0.022, 0.018, 0.035, 0.027];
  const y = [0.6, 0.45, 0.8, 0.3, 0.7, 0.35, 0.5, 0.55, 0.65, 0.4];
  const f = ols2(y, x1, x2);
  // numpy.linalg.lstsq on [1, z(x1), z(x2)], se from s²(XᵀX)⁻¹, scipy.stats.t.ppf(0.975, 7)
  close(f.b0, 0.53, 1e-9);
  close(f.b1.estimate, -0.12569151, 1e-8);
  close(f.b2.estimate, -0.04335843, 1e-8);
  close(f.b1.se, 0.02064392, 1e-8);
  close(f.b1.lo, -0.17450663673481107, 1e-8);
  close(f.b1.hi, -0.07687639262582599, 1e-8);
  close(f.r2, 0.9174888273423338, 1e-9);
});

describe('mcnemarExact', () => {
  test('matches the exact binomial by hand', () => {
    // 10 vs 2 discordant pairs: 2 · (C(12,0) + C(12,1) + C(12,2)) / 2¹² = 2 · 79 / 4096
    assert.ok(Math.abs(mcnemarExact(10, 2) - (2 * 79) / 4096) < 1e-12);
    assert.ok(Math.abs(mcnemarExact(2, 10) - (2 * 79) / 4096) < 1e-12);
    // 24 vs 1: 2 · (1 + 25) / 2²⁵
    assert.ok(Math.abs(mcnemarExact(24, 1) - (2 * 26) / 2 ** 25) < 1e-15);
    assert.equal(mcnemarExact(5, 5), 1);
    assert.equal(mcnemarExact(0, 0), 1);
    assert.ok(Math.abs(mcnemarExact(3, 4) - 1) < 1e-12); // 2 · P(X ≤ 3 | n = 7) = 1
    assert.throws(() => mcnemarExact(-1, 2), /b must be a count/);
  });
});

/**
 * Summary statistics with uncertainty, for the numbers the notebooks report next to the paper's claims.
 * All in float64 on the host. Non-finite inputs (NaN, ±∞) are rejected with an error naming the argument and
 * index — filter first (e.g. records with no paraphrases give NaN scores).
 *
 * Protocols:
 * - `meanCI`: mean ± t_{1−α/2, n−1} · s/√n (Student t, exact quantile from distributions.ts; s with n − 1).
 * - `bootstrapCI`: percentile bootstrap; `iterations` resamples with replacement drawn by mulberry32(seed); the
 *   interval is the type-7 quantiles α/2 and 1 − α/2 of the resampled statistic.
 * - `wilsonCI`: Wilson score interval for a binomial proportion (k of n), z = Φ⁻¹(1 − α/2).
 * - `pearson`: r, and a two-sided p-value from t = r·√((n−2)/(1−r²)) with n − 2 df (exact under bivariate normality).
 * - `spearman`: Pearson r of the average ranks (ties get the mean rank); the p-value uses the same t
 *   approximation (good for n ≳ 10; not the exact permutation distribution).
 * - `quantile`: type 7 (R's default, linear interpolation between order statistics).
 * - `quantileBins` / `equalWidthBins`: bins [lo, hi) with the last bin closed; counts and member indices.
 * - `olsSlope`: y = a + b·x by least squares; CI of b: b ± t_{1−α/2, n−2}·se(b), se(b) = √(SSE/(n−2) / Sxx).
 *   `leastSquares` is its line alone (no interval), over the finite pairs (figures' trend lines).
 * - `ols2`: y = b0 + b1·z(x1) + b2·z(x2), predictors standardised (so coefficients compare), t intervals (n − 3 df).
 * - `clusterBootstrapCI`: percentile bootstrap that resamples whole clusters (e.g. all facts of one set or seed).
 * - `rate`: a proportion of flags with its Wilson interval, stored as `Rate` {k, n, rate, lo, hi} in summaries;
 *   `rateDifference`: difference of two proportions with Newcombe's hybrid score interval (from the two Wilson
 *   intervals; method 10 of Newcombe 1998).
 */
import { mulberry32 } from '../util/random';
import { normalQuantile, regularizedBeta, studentTQuantile, studentTTwoSidedP } from './distributions';

export interface Interval {
  /** the point estimate */
  estimate: number;
  lo: number;
  hi: number;
  /** confidence level, e.g. 0.95 */
  level: number;
  n: number;
  /** how the interval was computed, e.g. 't', 'bootstrap-percentile', 'wilson' */
  method: string;
}

function check(xs: readonly number[], name: string): void {
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i]))
      throw new RangeError(`${name}[${i}] is ${xs[i]}: only finite numbers are allowed`);
  }
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
}

export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length === 0 ? Number.NaN : s / xs.length;
}

/** Sample variance (n − 1 denominator); NaN for n < 2. */
export function variance(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return s / (n - 1);
}

/** Mean with a Student-t interval. n = 1 gives an infinite interval; n = 0 gives NaN. */
export function meanCI(xs: readonly number[], level = 0.95): Interval & { sd: number; se: number } {
  check(xs, 'meanCI values');
  checkLevel(level);
  const n = xs.length;
  const m = mean(xs);
  const sd = Math.sqrt(variance(xs));
  const se = sd / Math.sqrt(n);
  let half = Number.NaN;
  if (n === 1) half = Number.POSITIVE_INFINITY;
  else if (n > 1) half = se === 0 ? 0 : studentTQuantile(1 - (1 - level) / 2, n - 1) * se;
  return { estimate: m, lo: m - half, hi: m + half, level, n, method: 't', sd, se };
}

/** Type-7 quantile of `xs` (sorted internally), 0 ≤ q ≤ 1. */
export function quantile(xs: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
  if (xs.length === 0) return Number.NaN;
  return quantileSorted(
    [...xs].sort((a, b) => a - b),
    q,
  );
}

function quantileSorted(s: readonly number[], q: number): number {
  const h = (s.length - 1) * q;
  const i = Math.floor(h);
  return i + 1 < s.length ? s[i] + (h - i) * (s[i + 1] - s[i]) : s[i];
}

/** Percentile bootstrap interval of `statistic` (seeded, deterministic). */
export function bootstrapCI(
  xs: readonly number[],
  statistic: (sample: number[]) => number = mean,
  opts: { iterations?: number; level?: number; seed?: number } = {},
): Interval {
  const { iterations = 2000, level = 0.95, seed = 0 } = opts;
  check(xs, 'bootstrapCI values');
  checkLevel(level);
  const n = xs.length;
  const estimate = statistic([...xs]);
  if (n === 0) return { estimate, lo: Number.NaN, hi: Number.NaN, level, n, method: 'bootstrap-percentile' };
  const rnd = mulberry32(seed);
  const stats: number[] = [];
  const sample = new Array<number>(n);
  for (let b = 0; b < iterations; b++) {
    for (let i = 0; i < n; i++) sample[i] = xs[Math.floor(rnd() * n)];
    const s = statistic(sample);
    if (Number.isFinite(s)) stats.push(s);
  }
  stats.sort((a, b) => a - b);
  const a = (1 - level) / 2;
  return {
    estimate,
    lo: quantileSorted(stats, a),
    hi: quantileSorted(stats, 1 - a),
    level,
    n,
    method: 'bootstrap-percentile',
  };
}

/** Wilson score interval for k successes out of n. */
export function wilsonCI(successes: number, n: number, level = 0.95): Interval {
  if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(successes) && successes >= 0 && successes <= n)) {
    throw new RangeError(`wilsonCI: need integers 0 ≤ successes ≤ n, got ${successes} of ${n}`);
  }
  const ci = wilsonProportionCI(n === 0 ? Number.NaN : successes / n, n, level);
  // exact ends at 0 and n (the score formula's rounding can leave them a hair inside)
  return { ...ci, lo: successes === 0 ? 0 : ci.lo, hi: successes === n ? 1 : ci.hi };
}

/**
 * Wilson score interval for a proportion p of n trials, where p need not be k/n for an integer k (e.g. a mean of
 * per-record proportions); `wilsonCI` for counts. n = 0 gives [0, 1].
 */
export function wilsonProportionCI(p: number, n: number, level = 0.95): Interval {
  checkLevel(level);
  if (!(n >= 0) || !(n === 0 || (p >= 0 && p <= 1)))
    throw new RangeError(`wilsonProportionCI: need 0 ≤ p ≤ 1 and n ≥ 0, got p ${p}, n ${n}`);
  if (n === 0) return { estimate: Number.NaN, lo: 0, hi: 1, level, n, method: 'wilson' };
  const z = normalQuantile(1 - (1 - level) / 2);
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return {
    estimate: p,
    lo: Math.max(0, centre - half),
    hi: Math.min(1, centre + half),
    level,
    n,
    method: 'wilson',
  };
}

export interface Correlation {
  r: number;
  n: number;
  /** t = r·√((n−2)/(1−r²)) */
  t: number;
  /** two-sided p-value from Student t with n − 2 df */
  p: number;
  method: 'pearson' | 'spearman';
}

function pairCheck(x: readonly number[], y: readonly number[], what: string): void {
  if (x.length !== y.length) throw new RangeError(`${what}: x has ${x.length} values, y has ${y.length}`);
  check(x, `${what} x`);
  check(y, `${what} y`);
}

/** Pearson correlation; r = NaN when a variable is constant or n < 2 (p NaN too). */
export function pearson(x: readonly number[], y: readonly number[]): Correlation {
  pairCheck(x, y, 'pearson');
  return pearsonUnchecked(x, y, 'pearson');
}

function pearsonUnchecked(
  x: readonly number[],
  y: readonly number[],
  method: Correlation['method'],
): Correlation {
  const n = x.length;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  const r =
    n < 2 || sxx === 0 || syy === 0 ? Number.NaN : Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
  const df = n - 2;
  let t = Number.NaN;
  let p = Number.NaN;
  if (df > 0 && Number.isFinite(r)) {
    t = Math.abs(r) === 1 ? Math.sign(r) * Number.POSITIVE_INFINITY : r * Math.sqrt(df / (1 - r * r));
    p = studentTTwoSidedP(t, df);
  }
  return { r, n, t, p, method };
}

/** Average ranks (1-based); ties share the mean of their ranks. */
export function ranks(xs: readonly number[]): number[] {
  const idx = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && xs[idx[j + 1]] === xs[idx[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[idx[k]] = r;
    i = j + 1;
  }
  return out;
}

/** Spearman rank correlation (Pearson on average ranks) with the t-approximation p-value. */
export function spearman(x: readonly number[], y: readonly number[]): Correlation {
  pairCheck(x, y, 'spearman');
  return pearsonUnchecked(ranks(x), ranks(y), 'spearman');
}

export interface Bin {
  lo: number;
  hi: number;
  count: number;
  /** indices into the input of the values in this bin */
  indices: number[];
}

/** Puts values into bins [e_i, e_{i+1}) by sorted `edges` (last bin closed); values outside are dropped. */
export function binByEdges(values: readonly number[], edges: readonly number[]): Bin[] {
  check(values, 'bin values');
  for (let i = 1; i < edges.length; i++) {
    if (!(edges[i] >= edges[i - 1])) throw new RangeError(`bin edges must be non-decreasing (edge ${i})`);
  }
  const bins: Bin[] = [];
  for (let i = 0; i + 1 < edges.length; i++)
    bins.push({ lo: edges[i], hi: edges[i + 1], count: 0, indices: [] });
  const last = bins.length - 1;
  values.forEach((v, idx) => {
    if (last < 0 || v < edges[0] || v > edges[last + 1]) return;
    let b = last;
    for (let i = 0; i < last; i++) {
      if (v < edges[i + 1]) {
        b = i;
        break;
      }
    }
    bins[b].count++;
    bins[b].indices.push(idx);
  });
  return bins;
}

/** k bins of equal width over [min, max] (default the data's range). */
export function equalWidthBins(
  values: readonly number[],
  k: number,
  range: { min?: number; max?: number } = {},
): Bin[] {
  if (!(Number.isInteger(k) && k >= 1))
    throw new RangeError(`equalWidthBins: k must be a positive integer, got ${k}`);
  check(values, 'bin values');
  const min = range.min ?? Math.min(...values);
  const max = range.max ?? Math.max(...values);
  const edges = Array.from({ length: k + 1 }, (_, i) => (i === k ? max : min + ((max - min) * i) / k));
  return binByEdges(values, edges);
}

/**
 * k bins with (about) equal counts: edges at the type-7 quantiles i/k. Tied values can make a bin empty or
 * uneven (a value goes to the first bin whose upper edge exceeds it).
 */
export function quantileBins(values: readonly number[], k: number): Bin[] {
  if (!(Number.isInteger(k) && k >= 1))
    throw new RangeError(`quantileBins: k must be a positive integer, got ${k}`);
  check(values, 'bin values');
  if (values.length === 0) return [];
  const s = [...values].sort((a, b) => a - b);
  const edges = Array.from({ length: k + 1 }, (_, i) => quantileSorted(s, i / k));
  return binByEdges(values, edges);
}

export interface OlsFit {
  slope: number;
  intercept: number;
  /** standard error of the slope */
  se: number;
  lo: number;
  hi: number;
  level: number;
  /** two-sided p-value of slope = 0 (t with n − 2 df) */
  p: number;
  r2: number;
  n: number;
}

/** Ordinary least squares y = intercept + slope·x with a t interval for the slope. */
export function olsSlope(x: readonly number[], y: readonly number[], level = 0.95): OlsFit {
  pairCheck(x, y, 'olsSlope');
  checkLevel(level);
  const n = x.length;
  if (n < 2) throw new RangeError(`olsSlope: need at least 2 points, got ${n}`);
  const mx = mean(x);
  const my = mean(y);
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) ** 2;
  }
  if (sxx === 0) throw new RangeError('olsSlope: x is constant, the slope is undefined');
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const sse = Math.max(0, syy - slope * sxy);
  const df = n - 2;
  const se = df > 0 ? Math.sqrt(sse / df / sxx) : Number.NaN;
  const tq = df > 0 ? studentTQuantile(1 - (1 - level) / 2, df) : Number.NaN;
  const t = se === 0 ? Math.sign(slope) * Number.POSITIVE_INFINITY : slope / se;
  const p = df > 0 ? (slope === 0 && se === 0 ? 1 : studentTTwoSidedP(t, df)) : Number.NaN;
  const r2 = syy === 0 ? Number.NaN : 1 - sse / syy;
  return { slope, intercept, se, lo: slope - tq * se, hi: slope + tq * se, level, p, r2, n };
}

/** Least-squares line y = slope·x + intercept over the pairs where both values are finite (no interval). */
export function leastSquares(
  x: readonly number[],
  y: readonly number[],
): { slope: number; intercept: number; r: number; n: number } {
  if (x.length !== y.length) throw new RangeError(`leastSquares: x has ${x.length} values, y ${y.length}`);
  const idx = x.map((_, i) => i).filter((i) => Number.isFinite(x[i]) && Number.isFinite(y[i]));
  const n = idx.length;
  const mx = idx.reduce((s, i) => s + x[i], 0) / n;
  const my = idx.reduce((s, i) => s + y[i], 0) / n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const i of idx) {
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r: sxy / Math.sqrt(sxx * syy), n };
}

export interface Coef {
  estimate: number;
  se: number;
  lo: number;
  hi: number;
}

export interface Ols2 {
  n: number;
  b0: number;
  b1: Coef;
  b2: Coef;
  r2: number;
}

function z(xs: number[]): number[] {
  const m = mean(xs);
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, xs.length - 1)) || 1;
  return xs.map((x) => (x - m) / sd);
}

/** Solves the 3×3 normal equations (Gauss–Jordan). */
export function ols2(y: number[], x1: number[], x2: number[]): Ols2 {
  const n = y.length;
  const nan: Coef = { estimate: Number.NaN, se: Number.NaN, lo: Number.NaN, hi: Number.NaN };
  if (n < 4) return { n, b0: Number.NaN, b1: nan, b2: nan, r2: Number.NaN };
  const a = z(x1);
  const b = z(x2);
  const X = y.map((_, i) => [1, a[i], b[i]]);
  const xtx = [0, 1, 2].map((r) => [0, 1, 2].map((c) => X.reduce((s, row) => s + row[r] * row[c], 0)));
  const xty = [0, 1, 2].map((r) => X.reduce((s, row, i) => s + row[r] * y[i], 0));
  const inv = invert3(xtx);
  if (inv === undefined) return { n, b0: Number.NaN, b1: nan, b2: nan, r2: Number.NaN };
  const beta = inv.map((row) => row.reduce((s, v, j) => s + v * xty[j], 0));
  const resid = y.map((yi, i) => yi - X[i].reduce((s, v, j) => s + v * beta[j], 0));
  const sse = resid.reduce((s, r) => s + r * r, 0);
  const my = mean(y);
  const sst = y.reduce((s, v) => s + (v - my) ** 2, 0);
  const s2 = sse / (n - 3);
  const t = studentTQuantile(0.975, n - 3);
  const coef = (j: number): Coef => {
    const se = Math.sqrt(s2 * inv[j][j]);
    return { estimate: beta[j], se, lo: beta[j] - t * se, hi: beta[j] + t * se };
  };
  return { n, b0: beta[0], b1: coef(1), b2: coef(2), r2: sst > 0 ? 1 - sse / sst : Number.NaN };
}

function invert3(m: number[][]): number[][] | undefined {
  const a = m.map((row, i) => [...row, ...[0, 1, 2].map((j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    if (Math.abs(a[p][c]) < 1e-12) return undefined;
    [a[c], a[p]] = [a[p], a[c]];
    const pv = a[c][c];
    for (let j = 0; j < 6; j++) a[c][j] /= pv;
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = a[r][c];
      for (let j = 0; j < 6; j++) a[r][j] -= f * a[c][j];
    }
  }
  return a.map((row) => row.slice(3));
}

/**
 * Percentile bootstrap of `statistic` over clusters: each resample draws whole clusters with replacement (seeded),
 * so values that are not independent (facts of one set, runs of one seed) move together. With one value per
 * cluster it is `bootstrapCI`.
 */
export function clusterBootstrapCI(
  values: readonly number[],
  clusters: readonly (string | number)[],
  statistic: (sample: number[]) => number = mean,
  opts: { iterations?: number; level?: number; seed?: number } = {},
): Interval {
  const { iterations = 2000, level = 0.95, seed = 0 } = opts;
  check(values, 'clusterBootstrapCI values');
  checkLevel(level);
  if (clusters.length !== values.length)
    throw new RangeError(`clusterBootstrapCI: ${values.length} values but ${clusters.length} cluster labels`);
  const groups = new Map<string | number, number[]>();
  values.forEach((v, i) => {
    const g = groups.get(clusters[i]);
    if (g === undefined) groups.set(clusters[i], [v]);
    else g.push(v);
  });
  const members = [...groups.values()];
  const k = members.length;
  const estimate = statistic([...values]);
  const method = 'cluster-bootstrap-percentile';
  if (k === 0) return { estimate, lo: Number.NaN, hi: Number.NaN, level, n: 0, method };
  const rnd = mulberry32(seed);
  const stats: number[] = [];
  for (let b = 0; b < iterations; b++) {
    const sample: number[] = [];
    for (let i = 0; i < k; i++) sample.push(...members[Math.floor(rnd() * k)]);
    const s = statistic(sample);
    if (Number.isFinite(s)) stats.push(s);
  }
  stats.sort((a, b) => a - b);
  const a = (1 - level) / 2;
  return { estimate, lo: quantileSorted(stats, a), hi: quantileSorted(stats, 1 - a), level, n: k, method };
}

export interface Rate {
  k: number;
  n: number;
  rate: number;
  lo: number;
  hi: number;
}

export function rate(flags: readonly (boolean | null)[]): Rate {
  const xs = flags.filter((x): x is boolean => x !== null);
  const k = xs.filter(Boolean).length;
  const n = xs.length;
  const ci = n > 0 ? wilsonCI(k, n) : { lo: Number.NaN, hi: Number.NaN };
  return { k, n, rate: n > 0 ? k / n : Number.NaN, lo: ci.lo, hi: ci.hi };
}

export interface BinnedRate extends Rate {
  bin: number;
  lo_d: number;
  hi_d: number;
  mid: number;
}

/** Rates of `flags` in `k` quantile bins of `values`; `members[i]` are the indices in bin i. */
export function binnedRates(
  values: number[],
  flags: boolean[],
  k: number,
): { bins: BinnedRate[]; members: number[][] } {
  const qb = quantileBins(values, k);
  const bins = qb.map((b, i) => {
    const r = rate(b.indices.map((j) => flags[j]));
    const ds = b.indices.map((j) => values[j]).sort((a, c) => a - c);
    return { ...r, bin: i, lo_d: b.lo, hi_d: b.hi, mid: ds[Math.floor(ds.length / 2)] ?? Number.NaN };
  });
  return { bins, members: qb.map((b) => b.indices) };
}

/** Difference of two proportions with a 95 % Newcombe (Wilson-score) interval. */
export function rateDifference(a: Rate, b: Rate): { diff: number; lo: number; hi: number } {
  const diff = a.rate - b.rate;
  const lo = diff - Math.sqrt((a.rate - a.lo) ** 2 + (b.hi - b.rate) ** 2);
  const hi = diff + Math.sqrt((a.hi - a.rate) ** 2 + (b.rate - b.lo) ** 2);
  return { diff, lo, hi };
}

/**
 * Exact McNemar test for paired binary outcomes: `b` pairs changed one way (e.g. learned alone, not together), `c`
 * the other way. Under no effect b ~ Binomial(b + c, ½); the two-sided p-value is 2·P(X ≤ min(b, c)), capped at 1
 * (the binomial CDF via the regularised incomplete beta: P(X ≤ k) = I_{½}(n − k, k + 1)).
 */
export function mcnemarExact(b: number, c: number): number {
  for (const [k, v] of Object.entries({ b, c }))
    if (!(Number.isInteger(v) && v >= 0))
      throw new RangeError(`mcnemarExact: ${k} must be a count ≥ 0, got ${v}`);
  const n = b + c;
  const k = Math.min(b, c);
  if (n === 0 || k === n / 2) return 1;
  return Math.min(1, 2 * regularizedBeta(0.5, n - k, k + 1));
}

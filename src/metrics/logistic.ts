/**
 * Logistic regression with cluster-robust standard errors, and the tests of an inverted U built on it (finding 1).
 *
 * - `logisticFit(X, y, clusters)`: maximum likelihood by Newton–Raphson (IRLS); standard errors from the sandwich
 *   V = B⁻¹ (Σ_g u_g u_gᵀ) B⁻¹ · G/(G − 1), B = XᵀWX, u_g = Σ_{i∈g} x_i (y_i − p_i) — the CR1 estimator of
 *   statsmodels' `cov_type='cluster'` without its (n − 1)/(n − k) factor (negligible at our n). Several runs of the same fact are
 *   one cluster, so the standard errors respect the fact as the unit of analysis. Non-convergence or separation is
 *   an error, never a silent estimate.
 * - `peakTest(x, y, clusters)`: is P(y | x) highest at an interior x? Three pieces of evidence, all required:
 *   1. quadratic: logit p = b0 + b1·x + b2·x² with b2 < 0 significant (clustered z-test);
 *   2. the vertex −b1/(2·b2) lies inside the central range of x (10th–90th percentile), and its cluster-bootstrap
 *      interval is reported;
 *   3. two lines (Simonsohn 2018, "Two lines: a valid alternative to the invalid testing of U-shaped relationships
 *      with quadratic regressions"): an interrupted logistic regression at the breakpoint (the vertex, clamped to the
 *      central range) has a significantly positive slope before it and a significantly negative slope after it.
 *   A concave but monotone curve passes (1) and fails (3); that is why the quadratic alone never decides.
 * Covariates (for example the base logit margin and the target's starting rank) enter every model as extra columns.
 */
import { mulberry32 } from '../util/random';
import { normalCdf } from './distributions';

export interface LogisticFit {
  coef: number[];
  /** cluster-robust standard errors */
  se: number[];
  /** two-sided p-values of coef/se under the normal */
  p: number[];
  n: number;
  clusters: number;
  iterations: number;
}

export function logisticFit(
  X: readonly (readonly number[])[],
  y: readonly number[],
  clusters: readonly (string | number)[],
  opts: { maxIter?: number; tol?: number } = {},
): LogisticFit {
  const { maxIter = 50, tol = 1e-10 } = opts;
  const n = X.length;
  if (n === 0) throw new RangeError('logisticFit: no observations');
  if (y.length !== n || clusters.length !== n)
    throw new RangeError(`logisticFit: X has ${n} rows, y ${y.length}, clusters ${clusters.length}`);
  const k = X[0].length;
  for (let i = 0; i < n; i++) {
    if (X[i].length !== k)
      throw new RangeError(`logisticFit: row ${i} has ${X[i].length} columns, expected ${k}`);
    if (y[i] !== 0 && y[i] !== 1) throw new RangeError(`logisticFit: y[${i}] must be 0 or 1, got ${y[i]}`);
    for (let j = 0; j < k; j++)
      if (!Number.isFinite(X[i][j])) throw new RangeError(`logisticFit: X[${i}][${j}] is ${X[i][j]}`);
  }
  const beta = new Array<number>(k).fill(0);
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIter; iterations++) {
    const { grad, info } = scoreAndInformation(X, y, beta);
    const step = solve(info, grad);
    let maxStep = 0;
    for (let j = 0; j < k; j++) {
      beta[j] += step[j];
      maxStep = Math.max(maxStep, Math.abs(step[j]));
    }
    if (beta.some((b) => Math.abs(b) > 1e6)) break;
    if (maxStep < tol * (1 + Math.max(...beta.map(Math.abs)))) {
      converged = true;
      iterations++;
      break;
    }
  }
  if (!converged)
    throw new RangeError(
      `logisticFit: did not converge in ${maxIter} iterations (complete or quasi-complete separation?)`,
    );
  const { info } = scoreAndInformation(X, y, beta);
  const bread = invert(info);
  // meat: Σ_g u_g u_gᵀ
  const byCluster = new Map<string | number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = y[i] - sigmoid(dot(X[i], beta));
    let u = byCluster.get(clusters[i]);
    if (!u) {
      u = new Array<number>(k).fill(0);
      byCluster.set(clusters[i], u);
    }
    for (let j = 0; j < k; j++) u[j] += X[i][j] * r;
  }
  const G = byCluster.size;
  if (G < 2) throw new RangeError('logisticFit: cluster-robust errors need at least 2 clusters');
  const meat = zeros(k);
  for (const u of byCluster.values())
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) meat[a][b] += u[a] * u[b];
  const V = mul(mul(bread, meat), bread);
  const se = V.map((row, j) => Math.sqrt(Math.max(0, (row[j] * G) / (G - 1))));
  const p = beta.map((b, j) => (se[j] === 0 ? (b === 0 ? 1 : 0) : 2 * (1 - normalCdf(Math.abs(b / se[j])))));
  return { coef: beta, se, p, n, clusters: G, iterations };
}

export interface PeakTestOptions {
  /** extra columns (one array per covariate, aligned with x), e.g. the base logit margin */
  covariates?: readonly (readonly number[])[];
  alpha?: number;
  /** cluster-bootstrap resamples for the vertex interval (0 skips it) */
  iterations?: number;
  seed?: number;
}

export interface PeakTest {
  quadratic: LogisticFit;
  /** location of the maximum on the x scale (NaN when b2 ≥ 0) */
  vertex: number;
  /** percentile interval of the vertex over cluster-bootstrap resamples (resamples with b2 ≥ 0 count as ±∞) */
  vertexLo: number;
  vertexHi: number;
  /** the central range [10th, 90th percentile] of x, where an interior maximum must lie */
  range: [number, number];
  breakpoint: number;
  left: { slope: number; se: number; p: number };
  right: { slope: number; se: number; p: number };
  /** all three pieces of evidence hold */
  peaked: boolean;
  /** why it is or is not called peaked */
  reason: string;
}

/** Standardises x (mean 0, sd 1) for numerical stability and maps results back to the x scale. */
export function peakTest(
  x: readonly number[],
  y: readonly number[],
  clusters: readonly (string | number)[],
  opts: PeakTestOptions = {},
): PeakTest {
  const { covariates = [], alpha = 0.05, iterations = 500, seed = 0 } = opts;
  const n = x.length;
  covariates.forEach((c, j) => {
    if (c.length !== n) throw new RangeError(`peakTest: covariate ${j} has ${c.length} values, x has ${n}`);
  });
  const mu = x.reduce((a, v) => a + v, 0) / n;
  const sd = Math.sqrt(x.reduce((a, v) => a + (v - mu) ** 2, 0) / Math.max(1, n - 1)) || 1;
  const zs = x.map((v) => (v - mu) / sd);
  const covZ = covariates.map(standardise);
  const extra = (i: number) => covZ.map((c) => c[i]);
  const quadRows = (idx: readonly number[]) => idx.map((i) => [1, zs[i], zs[i] * zs[i], ...extra(i)]);
  const all = x.map((_, i) => i);
  const quadratic = logisticFit(quadRows(all), y, clusters);
  const vertexOf = (c: number[]) => (c[2] < 0 ? mu + sd * (-c[1] / (2 * c[2])) : Number.NaN);
  const vertex = vertexOf(quadratic.coef);
  const sorted = [...x].sort((a, b) => a - b);
  const range: [number, number] = [quantile(sorted, 0.1), quantile(sorted, 0.9)];

  // cluster bootstrap of the vertex
  let vertexLo = Number.NaN;
  let vertexHi = Number.NaN;
  if (iterations > 0) {
    const groups = groupIndices(clusters);
    const rnd = mulberry32(seed);
    const vs: number[] = [];
    for (let b = 0; b < iterations; b++) {
      const idx: number[] = [];
      for (let g = 0; g < groups.length; g++) idx.push(...groups[Math.floor(rnd() * groups.length)]);
      try {
        // clusters are resampled whole; only the point estimate of each resample is used
        const fit = logisticFit(
          quadRows(idx),
          idx.map((i) => y[i]),
          idx.map((i) => clusters[i]),
        );
        const v = vertexOf(fit.coef);
        vs.push(
          Number.isNaN(v) ? (fit.coef[1] > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY) : v,
        );
      } catch {
        // a resample that separates perfectly contributes no vertex
      }
    }
    vs.sort((a, b) => a - b);
    if (vs.length > 0) {
      vertexLo = quantile(vs, alpha / 2);
      vertexHi = quantile(vs, 1 - alpha / 2);
    }
  }

  // two lines at the breakpoint
  const bp = Number.isNaN(vertex)
    ? (range[0] + range[1]) / 2
    : Math.min(range[1], Math.max(range[0], vertex));
  const bpZ = (bp - mu) / sd;
  const twoRows = all.map((i) => {
    const high = zs[i] >= bpZ ? 1 : 0;
    return [1, high ? 0 : zs[i] - bpZ, high ? zs[i] - bpZ : 0, high, ...extra(i)];
  });
  const two = logisticFit(twoRows, y, clusters);
  const line = (j: number) => ({ slope: two.coef[j] / sd, se: two.se[j] / sd, p: two.p[j] });
  const left = line(1);
  const right = line(2);

  const b2Neg = quadratic.coef[2] < 0 && quadratic.p[2] < alpha;
  const interior = !Number.isNaN(vertex) && vertex > range[0] && vertex < range[1];
  const twoLines = left.slope > 0 && left.p < alpha && right.slope < 0 && right.p < alpha;
  const peaked = b2Neg && interior && twoLines;
  const reasons: string[] = [];
  if (!b2Neg) reasons.push('no significant negative curvature');
  if (!interior) reasons.push('the maximum is not inside the central range of distances');
  if (!(left.slope > 0 && left.p < alpha)) reasons.push('no significant rise before the breakpoint');
  if (!(right.slope < 0 && right.p < alpha)) reasons.push('no significant fall after the breakpoint');
  const reason = peaked
    ? 'negative curvature, an interior maximum, and a significant rise then fall (two lines)'
    : reasons.join('; ');
  return { quadratic, vertex, vertexLo, vertexHi, range, breakpoint: bp, left, right, peaked, reason };
}

/** xs minus their mean, over their SD (n − 1; 1 when constant): the columns of every model here. */
export function standardise(xs: readonly number[]): number[] {
  const n = xs.length;
  const m = xs.reduce((a, v) => a + v, 0) / n;
  const s = Math.sqrt(xs.reduce((a, v) => a + (v - m) ** 2, 0) / Math.max(1, n - 1)) || 1;
  return xs.map((v) => (v - m) / s);
}

function groupIndices(clusters: readonly (string | number)[]): number[][] {
  const m = new Map<string | number, number[]>();
  clusters.forEach((c, i) => {
    const g = m.get(c);
    if (g) g.push(i);
    else m.set(c, [i]);
  });
  return [...m.values()];
}

/** Type-7 quantile of an ascending array (±∞ allowed at the ends). */
function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const i = Math.floor(h);
  if (i + 1 >= sorted.length) return sorted[i];
  const a = sorted[i];
  const b = sorted[i + 1];
  return a === b ? a : a + (h - i) * (b - a);
}

function sigmoid(t: number): number {
  return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}

function scoreAndInformation(X: readonly (readonly number[])[], y: readonly number[], beta: number[]) {
  const k = beta.length;
  const grad = new Array<number>(k).fill(0);
  const info = zeros(k);
  for (let i = 0; i < X.length; i++) {
    const p = sigmoid(dot(X[i], beta));
    const w = p * (1 - p);
    for (let a = 0; a < k; a++) {
      grad[a] += X[i][a] * (y[i] - p);
      for (let b = 0; b < k; b++) info[a][b] += w * X[i][a] * X[i][b];
    }
  }
  return { grad, info };
}

function zeros(k: number): number[][] {
  return Array.from({ length: k }, () => new Array<number>(k).fill(0));
}

function mul(a: number[][], b: number[][]): number[][] {
  const k = a.length;
  const out = zeros(k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) for (let l = 0; l < k; l++) out[i][j] += a[i][l] * b[l][j];
  return out;
}

/** Gauss–Jordan inverse with partial pivoting; a singular matrix is an error (collinear columns). */
function invert(m: number[][]): number[][] {
  const k = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: k }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
    if (Math.abs(a[piv][c]) < 1e-12)
      throw new RangeError(
        'logisticFit: the information matrix is singular (collinear or constant columns, or an outcome that never varies on one side)',
      );
    [a[c], a[piv]] = [a[piv], a[c]];
    const d = a[c][c];
    for (let j = 0; j < 2 * k; j++) a[c][j] /= d;
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = a[r][c];
      if (f !== 0) for (let j = 0; j < 2 * k; j++) a[r][j] -= f * a[c][j];
    }
  }
  return a.map((row) => row.slice(k));
}

function solve(m: number[][], v: number[]): number[] {
  const inv = invert(m);
  return inv.map((row) => dot(row, v));
}

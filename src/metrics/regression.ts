/**
 * OLS of y on two predictors (standardised, so coefficients compare), with t-based 95 % intervals:
 * y = b0 + b1·z(x1) + b2·z(x2).
 */
import { studentTQuantile } from './distributions';
import { mean } from './stats';

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

/**
 * Small dense linear algebra on the host in float64, for parameter analysis (params.ts).
 *
 * - `svd`: thin SVD A = U·diag(S)·Vᵀ by one-sided Jacobi (Hestenes) rotations on the columns, cyclic sweeps until
 *   every column pair is orthogonal to 1e-15 relative; singular values sorted descending. Accurate (relative
 *   accuracy of small singular values too) and simple; O(sweeps · m·n²), fine up to a few hundred columns and
 *   usable (tens of seconds) at 1024×1024.
 * - `topSingular` (k leading triplets), method 'auto' picks: 'jacobi' (the full SVD above) for min(m, n) ≤ 64;
 *   'gram' for min(m, n) ≤ 2048: eigenvectors of the smaller Gram matrix AᵀA (or AAᵀ) by Householder + QL
 *   (eigen.ts), σ = √max(λ, 0), u = A·v/σ; the leading directions are accurate to about ε·σ₁²/(σ_i² − σ_{i+1}²),
 *   small σ lose relative accuracy (the top-k does not need them); ≈ 10 s at 1024×1024 (measured).
 *   'subspace' beyond: block subspace iteration (seeded random start, k + 10 columns, QR by twice-applied modified
 *   Gram–Schmidt each half step) with a Rayleigh–Ritz step (Jacobi SVD of the small projected matrix), until every
 *   residual ‖A·v_i − σ_i·u_i‖ ≤ tol·σ_1 (default 1e-10) or maxIters (500); O(iters · m·n·k), for large weights
 *   (e.g. 4096×4096) when few directions are wanted; slow when the spectrum is flat around σ_k.
 *
 * Matrices are row-major `Mat { rows, cols, data: Float64Array }`.
 */
import { normalArray } from '../util/random';
import { symmetricEigen } from './eigen';

export interface Mat {
  rows: number;
  cols: number;
  /** row-major, length rows·cols */
  data: Float64Array;
}

export interface Svd {
  /** [m, r] orthonormal columns */
  U: Mat;
  /** [r] descending, ≥ 0 */
  S: Float64Array;
  /** [n, r] orthonormal columns */
  V: Mat;
}

export function mat(rows: number, cols: number, data?: ArrayLike<number>): Mat {
  if (data !== undefined && data.length !== rows * cols) {
    throw new RangeError(`mat: ${data.length} values for a ${rows}×${cols} matrix`);
  }
  return { rows, cols, data: data === undefined ? new Float64Array(rows * cols) : Float64Array.from(data) };
}

export function transpose(a: Mat): Mat {
  const t = mat(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j];
  return t;
}

/** A·B */
export function matMul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new RangeError(`matMul: ${a.rows}×${a.cols} times ${b.rows}×${b.cols}`);
  const c = mat(a.rows, b.cols);
  const n = b.cols;
  for (let i = 0; i < a.rows; i++) {
    const ci = i * n;
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) c.data[ci + j] += aik * b.data[bk + j];
    }
  }
  return c;
}

/** Squared Frobenius norm. */
export function frobenius2(a: Mat): number {
  let s = 0;
  for (const v of a.data) s += v * v;
  return s;
}

/** The first k columns of a. */
export function leadingColumns(a: Mat, k: number): Mat {
  const out = mat(a.rows, k);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < k; j++) out.data[i * k + j] = a.data[i * a.cols + j];
  return out;
}

/**
 * Orthonormalises the columns of a column-major block `cols[j]` (each length m) in place by modified Gram–Schmidt,
 * applied twice; a column that vanishes is replaced by a unit vector orthogonal to the others.
 */
function orthonormalize(cols: Float64Array[]): void {
  const m = cols[0]?.length ?? 0;
  for (let j = 0; j < cols.length; j++) {
    const c = cols[j];
    const before = Math.sqrt(dot(c, c));
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) axpy(-dot(cols[i], c), cols[i], c);
    }
    let norm = Math.sqrt(dot(c, c));
    for (let e = 0; !(norm > 1e-10 * before && norm > 1e-300) && e < m; e++) {
      c.fill(0);
      c[(j + e) % m] = 1;
      for (let pass = 0; pass < 2; pass++) for (let i = 0; i < j; i++) axpy(-dot(cols[i], c), cols[i], c);
      norm = Math.sqrt(dot(c, c));
      if (norm > 0.5) break;
    }
    for (let t = 0; t < m; t++) c[t] /= norm;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

function columns(a: Mat): Float64Array[] {
  return Array.from({ length: a.cols }, (_, j) => {
    const c = new Float64Array(a.rows);
    for (let i = 0; i < a.rows; i++) c[i] = a.data[i * a.cols + j];
    return c;
  });
}

function fromColumns(cols: Float64Array[], rows: number): Mat {
  const out = mat(rows, cols.length);
  cols.forEach((c, j) => {
    for (let i = 0; i < rows; i++) out.data[i * cols.length + j] = c[i];
  });
  return out;
}

/** Thin SVD by one-sided Jacobi: r = min(m, n) triplets. */
export function svd(a: Mat, maxSweeps = 60): Svd {
  if (a.rows < a.cols) {
    const t = svd(transpose(a), maxSweeps);
    return { U: t.V, S: t.S, V: t.U };
  }
  const m = a.rows;
  const n = a.cols;
  const u = columns(a); // n columns of length m, rotated into U·diag(S)
  const v = Array.from({ length: n }, (_, j) => {
    const c = new Float64Array(n);
    c[j] = 1;
    return c;
  });
  const norms = u.map((c) => dot(c, c));
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const alpha = norms[p];
        const beta = norms[q];
        const gamma = dot(u[p], u[q]);
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(u[p], u[q], c, s);
        rotate(v[p], v[q], c, s);
        norms[p] = dot(u[p], u[p]);
        norms[q] = dot(u[q], u[q]);
      }
    }
    if (!rotated) break;
  }
  const sv = norms.map(Math.sqrt);
  const order = sv.map((_, j) => j).sort((x, y) => sv[y] - sv[x]);
  const S = Float64Array.from(order.map((j) => sv[j]));
  const uCols = order.map((j) => {
    const c = u[j];
    if (sv[j] > 0) for (let i = 0; i < m; i++) c[i] /= sv[j];
    else c.fill(0);
    return c;
  });
  orthonormalize(uCols); // completes the columns of zero singular values; a no-op (to rounding) elsewhere
  return {
    U: fromColumns(uCols, m),
    S,
    V: fromColumns(
      order.map((j) => v[j]),
      n,
    ),
  };
}

function rotate(x: Float64Array, y: Float64Array, c: number, s: number): void {
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const yi = y[i];
    x[i] = c * xi - s * yi;
    y[i] = s * xi + c * yi;
  }
}

/** A·X for column-major X (cols of length a.cols) → columns of length a.rows; `t` uses Aᵀ instead. */
function applyCols(a: Mat, xs: Float64Array[], t: boolean): Float64Array[] {
  const outLen = t ? a.cols : a.rows;
  return xs.map((x) => {
    const y = new Float64Array(outLen);
    for (let i = 0; i < a.rows; i++) {
      const row = i * a.cols;
      if (t) {
        const xi = x[i];
        if (xi !== 0) for (let j = 0; j < a.cols; j++) y[j] += a.data[row + j] * xi;
      } else {
        let s = 0;
        for (let j = 0; j < a.cols; j++) s += a.data[row + j] * x[j];
        y[i] = s;
      }
    }
    return y;
  });
}

export type TopSingularMethod = 'auto' | 'jacobi' | 'gram' | 'subspace';

/** The k leading singular triplets of `a` (see the file comment for the methods and 'auto'). */
export function topSingular(
  a: Mat,
  k: number,
  opts: { method?: TopSingularMethod; seed?: number; maxIters?: number; tol?: number } = {},
): Svd {
  const r = Math.min(a.rows, a.cols);
  if (!(Number.isInteger(k) && k >= 1 && k <= r)) {
    throw new RangeError(`topSingular: k must be an integer in 1..${r}, got ${k}`);
  }
  const method = opts.method ?? (r <= 64 ? 'jacobi' : r <= 2048 ? 'gram' : 'subspace');
  if (method === 'jacobi') {
    const f = svd(a);
    return { U: leadingColumns(f.U, k), S: f.S.slice(0, k), V: leadingColumns(f.V, k) };
  }
  if (method === 'gram') return gramTop(a, k);
  const l = Math.min(r, k + 10);
  const { seed = 0, maxIters = 500, tol = 1e-10 } = opts;
  const g = normalArray(a.cols * l, 1, seed);
  let z = Array.from({ length: l }, (_, j) => Float64Array.from(g.subarray(j * a.cols, (j + 1) * a.cols)));
  let q = applyCols(a, z, false);
  orthonormalize(q);
  let best: Svd | undefined;
  for (let it = 0; it < maxIters; it++) {
    z = applyCols(a, q, true); // Aᵀ Q: [n, l]
    orthonormalize(z);
    q = applyCols(a, z, false); // A Z: [m, l]
    orthonormalize(q);
    // Rayleigh–Ritz: B = Qᵀ A = (Aᵀ Q)ᵀ, [l, n]; A ≈ Q B = (Q U_B) S V_Bᵀ
    const bt = fromColumns(applyCols(a, q, true), a.cols); // [n, l] = Bᵀ
    const f = svd(bt); // Bᵀ = U' S V'ᵀ → B = V' S U'ᵀ
    const qm = fromColumns(q, a.rows);
    best = { U: leadingColumns(matMul(qm, f.V), k), S: f.S.slice(0, k), V: leadingColumns(f.U, k) };
    // stop when every residual ‖A·v_i − σ_i·u_i‖ is below tol·σ_1
    const av = applyCols(a, columns(best.V), false);
    const uc = columns(best.U);
    let worst = 0;
    for (let i = 0; i < k; i++) {
      let e = 0;
      for (let t = 0; t < a.rows; t++) e += (av[i][t] - best.S[i] * uc[i][t]) ** 2;
      worst = Math.max(worst, Math.sqrt(e));
    }
    if (worst <= tol * Math.max(best.S[0], 1e-300)) break;
  }
  return best!;
}

/** Leading triplets from the eigenvectors of the smaller Gram matrix (AᵀA or AAᵀ). */
function gramTop(a: Mat, k: number): Svd {
  const wide = a.rows < a.cols;
  const b = wide ? transpose(a) : a; // [m, n] with m ≥ n
  const n = b.cols;
  const g = new Float64Array(n * n);
  for (let i = 0; i < b.rows; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) {
      const x = b.data[row + j];
      if (x === 0) continue;
      for (let l = j; l < n; l++) g[j * n + l] += x * b.data[row + l];
    }
  }
  for (let j = 0; j < n; j++) for (let l = 0; l < j; l++) g[j * n + l] = g[l * n + j];
  const eig = symmetricEigen(g, n);
  const vCols = eig.vectors.slice(0, k);
  const S = Float64Array.from(eig.values.subarray(0, k), (x) => Math.sqrt(Math.max(0, x)));
  const uCols = applyCols(b, vCols, false).map((u, i) => {
    if (S[i] > 0) for (let t = 0; t < u.length; t++) u[t] /= S[i];
    else u.fill(0);
    return u;
  });
  orthonormalize(uCols);
  const U = fromColumns(uCols, b.rows);
  const V = fromColumns(vCols, n);
  return wide ? { U: V, S, V: U } : { U, S, V };
}

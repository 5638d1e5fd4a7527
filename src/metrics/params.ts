/**
 * Parameter-update analysis (paper, Finding 2/3: Frobenius norm of the weight change, its projection on the base
 * weight's singular directions, PCA of knowledge features). Host-side float64 (linalg.ts); tensors are read with
 * async `data()` (`dataSync` throws on the WebGPU backend in Node), so the functions taking tensors are async, and
 * never kept.
 *
 * Protocols:
 * - 'frobenius': ‖ΔW‖_F = √Σ ΔW_ij² per module. ΔW in the model's layout [in, out] (LoraHandle.delta), which
 *   does not change the norm, nor the projections below (they use W in the same layout).
 * - 'svd-topk-energy': W = U S Vᵀ (W the BASE weight, [in, out]); with U_k, V_k its k leading singular vectors,
 *   energyFraction = ‖U_kᵀ ΔW V_k‖²_F / ‖ΔW‖²_F, the share of the update living in the top-k singular subspace
 *   (1 = only re-weights existing directions; ≈ k²/(in·out) for an isotropic random update: `randomBaseline`).
 *   Per direction i < k: `diagonal[i]` = u_iᵀ ΔW v_i (the change of σ_i to first order), `leftEnergy[i]` =
 *   ‖u_iᵀ ΔW‖² / ‖ΔW‖² (input side), `rightEnergy[i]` = ‖ΔW v_i‖² / ‖ΔW‖² (output side).
 *   Singular vectors by `topSingular` (subspace iteration, Jacobi SVD below 65 columns).
 * - 'pca': rows = one feature vector per fact (e.g. `promptFeatures` from semantic.ts); centred by the column
 *   mean (no scaling); components = leading right singular vectors of the centred matrix, sign fixed so the
 *   largest-|·| loading is positive; explainedVariance_i = σ_i²/(n−1), ratio = σ_i² / ‖X_c‖²_F; coordinates =
 *   X_c · components (= U_k S_k). A fitted PCA can project new rows (e.g. after training) with `pcaProject`.
 */
import * as tf from '@tensorflow/tfjs';
import { tidyRead } from '../util/tensors';
import { frobenius2, type Mat, mat, matMul, topSingular, transpose } from './linalg';

/** Reads a 2-D tensor into a float64 matrix. */
export async function tensorToMat(t: tf.Tensor2D): Promise<Mat> {
  if (t.rank !== 2) throw new RangeError(`expected a 2-D tensor, got shape [${t.shape}]`);
  return mat(t.shape[0], t.shape[1], await t.data());
}

/** 'frobenius': ‖ΔW‖_F per module, in the map's order. */
export async function frobeniusNorms(deltas: Map<string, tf.Tensor2D>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [name, d] of deltas) {
    const [v] = await tidyRead(() => tf.sqrt(tf.sum(tf.square(d))));
    out.set(name, v);
  }
  return out;
}

/** The weight changes of a LoRA-style handle (anything with `modules` and `delta(module, k)`), k-th adapter. */
export function adapterDeltas(
  handle: { modules: readonly string[]; delta(module: string, k?: number): tf.Tensor2D },
  k = 0,
): Map<string, tf.Tensor2D> {
  const out = new Map<string, tf.Tensor2D>();
  for (const m of handle.modules) out.set(m, handle.delta(m, k));
  return out;
}

export interface SvdProjection {
  protocol: 'svd-topk-energy';
  k: number;
  /** ‖U_kᵀ ΔW V_k‖²_F / ‖ΔW‖²_F (NaN when ΔW = 0) */
  energyFraction: number;
  /** k² / (in·out): the expected energyFraction of an isotropic random ΔW */
  randomBaseline: number;
  /** ‖ΔW‖_F */
  deltaNorm: number;
  /** base weight's k leading singular values */
  singularValues: number[];
  /** u_iᵀ ΔW v_i */
  diagonal: number[];
  /** ‖u_iᵀ ΔW‖² / ‖ΔW‖² */
  leftEnergy: number[];
  /** ‖ΔW v_i‖² / ‖ΔW‖² */
  rightEnergy: number[];
}

/** 'svd-topk-energy' of one module: `base` = W, `delta` = ΔW, same shape [in, out] (tensors or matrices). */
export async function svdProjection(
  base: tf.Tensor2D | Mat,
  delta: tf.Tensor2D | Mat,
  k: number,
  seed = 0,
): Promise<SvdProjection> {
  const w = base instanceof tf.Tensor ? await tensorToMat(base) : base;
  const d = delta instanceof tf.Tensor ? await tensorToMat(delta) : delta;
  if (w.rows !== d.rows || w.cols !== d.cols) {
    throw new RangeError(`svdProjection: base is ${w.rows}×${w.cols} but delta is ${d.rows}×${d.cols}`);
  }
  const { U, S, V } = topSingular(w, k, { seed });
  const total = frobenius2(d);
  const ut = transpose(U); // [k, in]
  const left = matMul(ut, d); // U_kᵀ ΔW: [k, out]
  const right = matMul(d, V); // ΔW V_k: [in, k]
  const core = matMul(left, V); // [k, k]
  const rowEnergy = (m: Mat, i: number) => {
    let s = 0;
    for (let j = 0; j < m.cols; j++) s += m.data[i * m.cols + j] ** 2;
    return s;
  };
  const colEnergy = (m: Mat, j: number) => {
    let s = 0;
    for (let i = 0; i < m.rows; i++) s += m.data[i * m.cols + j] ** 2;
    return s;
  };
  const idx = Array.from({ length: k }, (_, i) => i);
  return {
    protocol: 'svd-topk-energy',
    k,
    energyFraction: total === 0 ? Number.NaN : frobenius2(core) / total,
    randomBaseline: (k * k) / (w.rows * w.cols),
    deltaNorm: Math.sqrt(total),
    singularValues: Array.from(S),
    diagonal: idx.map((i) => core.data[i * k + i]),
    leftEnergy: idx.map((i) => (total === 0 ? Number.NaN : rowEnergy(left, i) / total)),
    rightEnergy: idx.map((i) => (total === 0 ? Number.NaN : colEnergy(right, i) / total)),
  };
}

/** `svdProjection` for every module of `deltas` against the model's base weights `${module}.weight`. */
export async function svdProjections(
  params: Map<string, tf.Tensor>,
  deltas: Map<string, tf.Tensor2D>,
  k: number,
): Promise<Map<string, SvdProjection>> {
  const out = new Map<string, SvdProjection>();
  for (const [m, d] of deltas) {
    const w = params.get(`${m}.weight`);
    if (w === undefined) throw new Error(`svdProjections: the model has no parameter '${m}.weight'`);
    out.set(m, await svdProjection(w as tf.Tensor2D, d, k));
  }
  return out;
}

export interface Pca {
  protocol: 'pca';
  /** column means, length d */
  mean: Float64Array;
  /** k unit vectors of length d */
  components: Float64Array[];
  /** σ_i² / (n − 1) */
  explainedVariance: number[];
  /** σ_i² / Σ_j σ_j² */
  explainedVarianceRatio: number[];
  /** [n][k] coordinates of the rows */
  coordinates: number[][];
}

/** PCA of feature rows (n facts × d dims), k components (default 2). */
export function pca(rows: readonly ArrayLike<number>[], k = 2): Pca {
  const n = rows.length;
  if (n < 2) throw new RangeError(`pca: need at least 2 rows, got ${n}`);
  const d = rows[0].length;
  rows.forEach((r, i) => {
    if (r.length !== d) throw new RangeError(`pca: row ${i} has ${r.length} values, row 0 has ${d}`);
  });
  if (!(Number.isInteger(k) && k >= 1 && k <= Math.min(n, d))) {
    throw new RangeError(`pca: k must be an integer in 1..${Math.min(n, d)}, got ${k}`);
  }
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j] / n;
  const x = mat(n, d);
  rows.forEach((r, i) => {
    for (let j = 0; j < d; j++) {
      const v = r[j] - mean[j];
      if (!Number.isFinite(v)) throw new RangeError(`pca: row ${i}, column ${j} is ${r[j]}`);
      x.data[i * d + j] = v;
    }
  });
  const total = frobenius2(x);
  const { S, V } = topSingular(x, k);
  const components = Array.from({ length: k }, (_, c) => {
    const v = new Float64Array(d);
    for (let j = 0; j < d; j++) v[j] = V.data[j * k + c];
    let big = 0;
    for (let j = 1; j < d; j++) if (Math.abs(v[j]) > Math.abs(v[big]) + 1e-12) big = j;
    if (v[big] < 0) for (let j = 0; j < d; j++) v[j] = -v[j];
    return v;
  });
  const fit: Pca = {
    protocol: 'pca',
    mean,
    components,
    explainedVariance: Array.from(S, (s) => (s * s) / (n - 1)),
    explainedVarianceRatio: Array.from(S, (s) => (total === 0 ? Number.NaN : (s * s) / total)),
    coordinates: [],
  };
  fit.coordinates = pcaProject(fit, rows);
  return fit;
}

/** Coordinates of rows in a fitted PCA: (row − mean) · components. */
export function pcaProject(fit: Pca, rows: readonly ArrayLike<number>[]): number[][] {
  const d = fit.mean.length;
  return rows.map((r, i) => {
    if (r.length !== d) throw new RangeError(`pcaProject: row ${i} has ${r.length} values, the PCA has ${d}`);
    return fit.components.map((c) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += (r[j] - fit.mean[j]) * c[j];
      return s;
    });
  });
}

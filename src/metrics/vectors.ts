/**
 * Vector math for semantic distances (semantic.ts re-exports all of it), float64 accumulation:
 * - 'cosine' distance = 1 − u·v/(‖u‖‖v‖), in [0, 2]; NaN when either vector is zero.
 * - 'euclidean' distance = ‖u − v‖₂.
 * - pooling of token vectors: 'mean' (sum / count), 'first', 'last'.
 */
export type Pooling = 'mean' | 'first' | 'last';
export type Metric = 'cosine' | 'euclidean';

export function dot(u: ArrayLike<number>, v: ArrayLike<number>): number {
  if (u.length !== v.length) throw new RangeError(`vectors of lengths ${u.length} and ${v.length}`);
  let s = 0;
  for (let i = 0; i < u.length; i++) s += u[i] * v[i];
  return s;
}

export function norm(u: ArrayLike<number>): number {
  return Math.sqrt(dot(u, u));
}

/** u·v / (‖u‖‖v‖); NaN when either is zero. */
export function cosineSimilarity(u: ArrayLike<number>, v: ArrayLike<number>): number {
  const d = dot(u, v);
  const n = norm(u) * norm(v);
  return n === 0 ? Number.NaN : Math.max(-1, Math.min(1, d / n));
}

export function euclidean(u: ArrayLike<number>, v: ArrayLike<number>): number {
  if (u.length !== v.length) throw new RangeError(`vectors of lengths ${u.length} and ${v.length}`);
  let s = 0;
  for (let i = 0; i < u.length; i++) s += (u[i] - v[i]) ** 2;
  return Math.sqrt(s);
}

/** 'cosine' → 1 − cos(u, v); 'euclidean' → ‖u − v‖. */
export function distance(u: ArrayLike<number>, v: ArrayLike<number>, metric: Metric = 'cosine'): number {
  return metric === 'cosine' ? 1 - cosineSimilarity(u, v) : euclidean(u, v);
}

/** distance(us[i], vs[i]) for each i. */
export function pairDistances(
  us: readonly ArrayLike<number>[],
  vs: readonly ArrayLike<number>[],
  metric: Metric = 'cosine',
): number[] {
  if (us.length !== vs.length) throw new RangeError(`pairDistances: ${us.length} vs ${vs.length} vectors`);
  return us.map((u, i) => distance(u, vs[i], metric));
}

/** Pools rows [n, d] (row-major in `data`, rows `from..to−1`) into one float32 vector. */
export function poolRows(
  data: ArrayLike<number>,
  d: number,
  from: number,
  to: number,
  pooling: Pooling,
): Float32Array {
  if (!(to > from)) throw new RangeError('poolRows: no rows to pool');
  if (pooling === 'first' || pooling === 'last') {
    const r = pooling === 'first' ? from : to - 1;
    return Float32Array.from({ length: d }, (_, j) => data[r * d + j]);
  }
  const acc = new Float64Array(d);
  for (let r = from; r < to; r++) for (let j = 0; j < d; j++) acc[j] += data[r * d + j];
  return Float32Array.from(acc, (x) => x / (to - from));
}

/** Mean of equal-length vectors (float64 accumulation). */
export function meanPool(vectors: readonly ArrayLike<number>[]): Float32Array {
  if (vectors.length === 0) throw new RangeError('meanPool: no vectors');
  const d = vectors[0].length;
  const flat = new Float64Array(vectors.length * d);
  vectors.forEach((v, i) => {
    if (v.length !== d)
      throw new RangeError(`meanPool: vector ${i} has length ${v.length}, vector 0 has ${d}`);
    for (let j = 0; j < d; j++) flat[i * d + j] = v[j];
  });
  return poolRows(flat, d, 0, vectors.length, 'mean');
}

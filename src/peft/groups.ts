/**
 * Helpers for stacked adapters: K independent adapters along axis 0, batch rows grouped by adapter.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherRows } from '../model/gradients';
import type { ForwardContext } from '../model/llama';

/** Which adapters the rows of this forward use, in row order: one entry per group of rows. */
export interface RowLayout {
  /** adapter index of each group of rows, e.g. [0, 3, 5] */
  active: number[];
  /** rows (tokens, i.e. batch rows × seq) per group */
  rowsPerGroup: number;
  /** true when active = [0 … K−1] (no gather needed) */
  identity: boolean;
}

/** Validates ctx.rowGroups (contiguous, equal counts) and returns the layout, cached per forward. */
export function rowLayout(ctx: ForwardContext, K: number): RowLayout {
  const groups = ctx.rowGroups;
  if (groups === undefined) {
    if (K !== 1)
      throw new Error(`A forward through ${K} stacked adapters needs rowGroups (the adapter of each row)`);
    return { active: [0], rowsPerGroup: ctx.batch * ctx.seq, identity: true };
  }
  if (groups.length !== ctx.batch)
    throw new Error(`rowGroups has ${groups.length} entries for ${ctx.batch} rows`);
  const active: number[] = [];
  const counts: number[] = [];
  for (const g of groups) {
    if (!Number.isInteger(g) || g < 0 || g >= K)
      throw new Error(`rowGroups entry ${g} is not an adapter in 0..${K - 1}`);
    if (active.length > 0 && active[active.length - 1] === g) counts[counts.length - 1]++;
    else {
      if (active.includes(g))
        throw new Error(`rowGroups must keep each adapter's rows contiguous (adapter ${g})`);
      active.push(g);
      counts.push(1);
    }
  }
  if (counts.some((c) => c !== counts[0])) {
    throw new Error(`Every adapter needs the same number of rows in a batch, got ${counts.join(', ')}`);
  }
  const identity = active.length === K && active.every((g, i) => g === i);
  return { active, rowsPerGroup: counts[0] * ctx.seq, identity };
}

/**
 * The active adapters' slices of a stacked variable: v [K, …rest] → [Ka, …rest], differentiable on every backend
 * (one-hot product gradient; `gather`'s gradient is missing on wasm).
 */
export function selectGroups(v: tf.Tensor, layout: RowLayout, ctx: ForwardContext): tf.Tensor {
  if (layout.identity) return v;
  const rest = v.shape.slice(1);
  let idx = ctx.cache.get(`groups:${layout.active.join(',')}`);
  if (idx === undefined) {
    idx = tf.tensor1d(layout.active, 'int32');
    ctx.cache.set(`groups:${layout.active.join(',')}`, idx);
  }
  const flat = v.reshape([v.shape[0], rest.reduce((a, b) => a * b, 1)]) as tf.Tensor2D;
  return gatherRows(flat, idx as tf.Tensor1D).reshape([layout.active.length, ...rest]);
}

/**
 * Applies per-adapter weights to grouped rows: x [N, in] with W [Ka, in, out] → [N, out], using a plain 2-D
 * product when only one adapter is active (the fast path on wasm) and a batched product otherwise.
 */
export function groupedMatMul(x: tf.Tensor2D, w: tf.Tensor, layout: RowLayout): tf.Tensor2D {
  const Ka = layout.active.length;
  const [inF, outF] = [w.shape[1] as number, w.shape[2] as number];
  if (Ka === 1) return tf.matMul(x, w.reshape([inF, outF]) as tf.Tensor2D);
  const xg = x.reshape([Ka, layout.rowsPerGroup, inF]) as tf.Tensor3D;
  return tf.matMul(xg, w as tf.Tensor3D).reshape([Ka * layout.rowsPerGroup, outF]) as tf.Tensor2D;
}

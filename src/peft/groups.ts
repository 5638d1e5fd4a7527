/**
 * Helpers for stacked adapters: K independent adapters along axis 0, batch rows grouped by adapter.
 */
import * as tf from '@tensorflow/tfjs';
import { loneMatMul } from '../kernels/simd-matmul';
import { gatherRows } from '../model/gradients';
import type { ForwardContext } from '../model/llama';
import { deriveSeed, uniformArray } from '../util/random';

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
    idx = tf.keep(tf.tensor1d(layout.active, 'int32')); // shared by the layers; forward disposes ctx.cache
    ctx.cache.set(`groups:${layout.active.join(',')}`, idx);
  }
  const flat = v.reshape([v.shape[0], rest.reduce((a, b) => a * b, 1)]) as tf.Tensor2D;
  return gatherRows(flat, idx as tf.Tensor1D).reshape([layout.active.length, ...rest]);
}

/**
 * A batched product over stacked adapters, a [K, m, k] × b [K, k, n] → [K, m, n], summed the same whatever K: a
 * batch of one is multiplied as a batch of two (itself and a zero pair, sliced off). tfjs-wasm sums a batched
 * product with more than one matrix in another order than a batch of one or a 2-D product (from an inner size of
 * about 64), so without this an adapter training alone (a run alone, or the last one left in a stack after early
 * stops) would differ in its last bits from the same adapter in a stack, and results would depend on --stack and
 * the worker count. Batches of 2, 3 and 8 sum alike (src/peft/stacking.test.ts checks it on wasm). Where the SIMD
 * kernels are active (src/kernels), a batch of one runs there in the batched order directly (`loneMatMul`: the same
 * bits, forward and gradients, without the zero pair's half of the work). Call it inside
 * the caller's tidy or gradient tape, which frees the intermediates.
 */
export function stackMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (a.shape[0] !== 1) return tf.matMul(a, b);
  const lone = loneMatMul(a, b); // the batched order at batch one, where src/kernels is active (same bits, half the work)
  if (lone !== undefined) return lone;
  const [m, n] = [a.shape[1], b.shape[2]];
  const out = tf.matMul(tf.concat([a, tf.zerosLike(a)]), tf.concat([b, tf.zerosLike(b)])) as tf.Tensor3D; // [2, m, n]
  return out.slice([0, 0, 0], [1, m, n]);
}

/** Applies per-adapter weights to grouped rows: x [N, in] with W [Ka, in, out] → [N, out] (see stackMatMul). */
export function groupedMatMul(x: tf.Tensor2D, w: tf.Tensor, layout: RowLayout): tf.Tensor2D {
  const Ka = layout.active.length;
  const [inF, outF] = [w.shape[1] as number, w.shape[2] as number];
  const xg = x.reshape([Ka, layout.rowsPerGroup, inF]) as tf.Tensor3D;
  return stackMatMul(xg, w as tf.Tensor3D).reshape([Ka * layout.rowsPerGroup, outF]) as tf.Tensor2D;
}

/** The per-adapter seeds of a stacked config: `seeds` checked against K, or undefined (one `seed` for the stack). */
export function adapterSeeds(seeds: number[] | undefined, K: number, method: string): number[] | undefined {
  if (seeds === undefined) return undefined;
  if (!Array.isArray(seeds) || seeds.length !== K || !seeds.every((s) => Number.isInteger(s))) {
    throw new Error(
      `${method} config: seeds must hold ${K} integers (one per stacked adapter), got ${seeds}`,
    );
  }
  return seeds;
}

/**
 * Initial values of a stacked variable [K, …] with n values per adapter, drawn by `draw(count, seed)`. With per-adapter
 * `seeds`, adapter k's slice is draw(n, deriveSeed(seeds[k], label)) — exactly a single adapter's init with that
 * seed; without them the whole stack is one draw(K·n, deriveSeed(seed, label)) (so K = 1 is the same either way).
 */
export function stackedValues(
  K: number,
  n: number,
  label: string,
  seed: number,
  seeds: number[] | undefined,
  draw: (count: number, seed: number) => Float32Array,
): Float32Array {
  if (seeds === undefined) return draw(K * n, deriveSeed(seed, label));
  const out = new Float32Array(K * n);
  seeds.forEach((s, k) => {
    out.set(draw(n, deriveSeed(s, label)), k * n);
  });
  return out;
}

/**
 * Inverted dropout on the adapters' inputs with one random stream per adapter: every forward advances the stream of
 * each adapter whose rows it holds, and each batch row's mask [seq, in] is drawn on its own, so an adapter's masks
 * depend only on its seed, its rows and their order — not on its neighbours, its position in the stack or how far
 * the batch is padded (a row's real tokens come first and take the first values of its draw).
 */
export class GroupDropout {
  private readonly streams: number[];

  constructor(
    readonly rate: number,
    K: number,
    label: string,
    seed: number,
    seeds: number[] | undefined,
  ) {
    this.streams = Array.from({ length: K }, (_, k) =>
      seeds !== undefined
        ? deriveSeed(seeds[k], label)
        : K === 1
          ? deriveSeed(seed, label)
          : deriveSeed(seed, `${label}-${k}`),
    );
  }

  /** x [N, in] with N = rows·seq, rows grouped as `layout` → dropout(x) [N, in] (training forwards only). */
  apply(x: tf.Tensor2D, layout: RowLayout, seq: number): tf.Tensor2D {
    if (this.rate === 0) return x;
    const inF = x.shape[1];
    const rows = layout.rowsPerGroup / seq;
    const keep = 1 - this.rate;
    const mask = new Float32Array(x.shape[0] * inF);
    layout.active.forEach((g, i) => {
      this.streams[g] = (this.streams[g] + 1) >>> 0;
      for (let b = 0; b < rows; b++) {
        const u = uniformArray(seq * inF, 0, 1, deriveSeed(this.streams[g], `row-${b}`));
        const off = (i * rows + b) * seq * inF;
        for (let j = 0; j < u.length; j++) mask[off + j] = u[j] < keep ? 1 / keep : 0;
      }
    });
    return tf.mul(x, tf.tensor2d(mask, [x.shape[0], inF])) as tf.Tensor2D;
  }
}

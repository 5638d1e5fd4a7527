/**
 * Transposes of the frozen weights, made once per training run instead of once per step.
 *
 * A step's backward multiplies by every frozen linear weight transposed (dX = dY·Wᵀ, src/model/gradients.ts), and a
 * tied model's head is the embedding transposed, in the forward and again (transposed back) in the backward. Each
 * was a fresh copy every step, and on wasm a fresh tensor is also a fresh XNNPACK operator: tfjs-wasm caches the
 * operator (which repacks the weights) by the weights tensor's id, so a product by a new copy repacks it. While
 * PEFT trains, the base weights never change, so `train()` registers them here (`cacheFrozenTransposes`): each gets
 * its transpose once, both are looked up by their data, and `transposeLastCached` returns the kept one, sharing its
 * buffer (a reshape), so XNNPACK keeps one operator per weight for the whole run.
 *
 * The same bits: a transpose copies values exactly, so the product sees the same numbers in the same layout
 * (`src/model/frozen-transposes.test.ts` compares losses and trained adapters bit for bit with and without it).
 * A weight being trained is never registered, and the lookup is by the tensor's data (a variable that is assigned
 * gets new data), so its gradient still flows through `tf.transpose`. Only on wasm with src/kernels (where the copies
 * and the repacking cost); elsewhere the extra copy of every weight would cost GPU memory for nothing.
 * `BEACONS_FROZEN_TRANSPOSES=0` turns it off.
 */
import * as tf from '@tensorflow/tfjs';
import { simdMatMulEnabled } from '../kernels/simd-matmul';
import { transposeLast } from '../util/tensors';

/** data of a registered frozen weight → its transpose, and the transpose's data → the weight */
const other = new WeakMap<object, tf.Tensor>();

/** Whether `train()` caches frozen weights' transposes: wasm with src/kernels, unless BEACONS_FROZEN_TRANSPOSES=0. */
export function frozenTransposesEnabled(): boolean {
  return process.env.BEACONS_FROZEN_TRANSPOSES !== '0' && tf.getBackend() === 'wasm' && simdMatMulEnabled();
}

/**
 * `transposeLast(x)`, or, when x's data is a registered frozen weight (or its transpose) with no batch, the kept
 * other orientation reshaped to x's transposed shape (no copy, not on the tape: the weight gets no gradient).
 */
export function transposeLastCached(x: tf.Tensor): tf.Tensor {
  const t = other.get(x.dataId);
  if (t === undefined || t.size !== x.size || x.rank < 2) return transposeLast(x);
  const shape = x.shape.slice();
  [shape[x.rank - 2], shape[x.rank - 1]] = [shape[x.rank - 1], shape[x.rank - 2]];
  return t.reshape(shape);
}

/**
 * Registers the 2-D `weights` (which must not change until the returned release is called) and makes each one's
 * transpose; release disposes them. Does nothing (and releases nothing) unless frozenTransposesEnabled(). A weight
 * registered already (a nested run) is left to its first registration.
 */
export function cacheFrozenTransposes(weights: Iterable<tf.Tensor>): () => void {
  if (!frozenTransposesEnabled()) return () => {};
  const made: [object, tf.Tensor, tf.Tensor][] = [];
  for (const w of weights) {
    if (w.rank !== 2 || other.has(w.dataId)) continue;
    const t = tf.tidy(() => transposeLast(w)); // [n, m] of w's [m, n]
    const data = tf.keep(tf.clone(w)); // w's data as it is now (shared, no copy), whatever is assigned to w later
    other.set(w.dataId, t);
    other.set(t.dataId, data);
    made.push([w.dataId, t, data]);
  }
  return () => {
    for (const [dataId, t, data] of made) {
      other.delete(dataId);
      other.delete(t.dataId);
      tf.dispose([t, data]);
    }
    made.length = 0;
  };
}

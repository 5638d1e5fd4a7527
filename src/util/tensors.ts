/** Small tfjs helpers shared across the library. */
import * as tf from '@tensorflow/tfjs';

/**
 * A variable from a freshly built initial value, without leaving the initial tensor alive (tf.variable shares the
 * value's data but the value itself would otherwise stay counted in tf.memory().numTensors).
 */
export function newVariable(init: () => tf.Tensor, trainable = true): tf.Variable {
  return tf.tidy(() => tf.variable(init(), trainable));
}

/**
 * Host reads that work on every backend: computes tensors inside tf.tidy, reads them with async `data()` (dataSync
 * throws on the WebGPU backend in Node, and tf.tidy cannot await), then disposes them, so tf.memory().numTensors
 * ends where it started.
 */
export async function tidyReadAll(fn: () => tf.Tensor[]): Promise<tf.TypedArray[]> {
  const ts = tf.tidy(fn);
  try {
    return await Promise.all(ts.map((t) => t.data()));
  } finally {
    tf.dispose(ts);
  }
}

/** `tidyReadAll` for one tensor. */
export async function tidyRead(fn: () => tf.Tensor): Promise<tf.TypedArray> {
  const [v] = await tidyReadAll(() => [fn()]);
  return v;
}

/** Swaps the last two axes. */
export function transposeLast(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  if (r < 2) throw new Error(`transposeLast needs rank ≥ 2, got ${r}`);
  const perm = Array.from({ length: r }, (_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm);
}

/**
 * Whether tensors are freed once spent: the lean backward pass (src/backend/lean-backprop.ts) and the forward's
 * per-layer tidy (src/model/llama.ts); `BEACONS_LEAN_MEMORY=0` turns both off (read at each call).
 */
export function leanMemory(): boolean {
  return process.env.BEACONS_LEAN_MEMORY !== '0';
}

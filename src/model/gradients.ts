/**
 * Gradient kernels that keep training on the fast paths of every backend.
 *
 * 1. BatchMatMul gradient with explicit transposes. tfjs's own gradient calls `matMul` with `transposeA` /
 *    `transposeB`; on the wasm backend only a plain product (no transpose flag) reaches XNNPACK, every transposed
 *    product runs a scalar loop 9–12× slower (README, Performance). Transposing explicitly and calling a plain
 *    product is the same math and made a LoRA step ≈ 4× faster on wasm; on cpu/webgpu it is neutral.
 * 2. A row gather (embedding lookup) whose gradient is a scatter-add (`scatterND`): `gather`'s own gradient needs
 *    `UnsortedSegmentSum`, which the wasm backend lacks (full fine-tuning and pretraining would fail there) and which
 *    is slow on cpu. (A one-hot product, the first version, was 50–1000× slower than the scatter.)
 */
import * as tf from '@tensorflow/tfjs';
import { transposeLast } from '../util/tensors';
import { transposeLastCached } from './frozen-transposes';

// re-exported for the importers of model/gradients (defined in util/ so that kernels/ needs nothing of model/)
export { transposeLast };

/**
 * matMul(x, y) with optional transposes, always computed as a plain product of explicit transposes (a frozen
 * weight's transpose is made once per training run: src/model/frozen-transposes.ts).
 */
export function plainMatMul(x: tf.Tensor, y: tf.Tensor, tx = false, ty = false): tf.Tensor {
  return tf.matMul(tx ? transposeLastCached(x) : x, ty ? transposeLastCached(y) : y);
}

let installed = false;

/** Replaces the BatchMatMul gradient (idempotent). Called by initBackend. */
export function installFastGradients(): void {
  if (installed) return;
  installed = true;
  tf.unregisterGradient('BatchMatMul');
  tf.registerGradient({
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const g = dy as tf.Tensor;
      const [a, b] = saved;
      const transposeA = attrs.transposeA as boolean;
      const transposeB = attrs.transposeB as boolean;
      if (!transposeA && !transposeB) {
        return { a: () => plainMatMul(g, b, false, true), b: () => plainMatMul(a, g, true, false) };
      }
      if (!transposeA && transposeB) {
        return { a: () => plainMatMul(g, b), b: () => plainMatMul(g, a, true, false) };
      }
      if (transposeA && !transposeB) {
        return { a: () => plainMatMul(b, g, false, true), b: () => plainMatMul(a, g) };
      }
      return { a: () => plainMatMul(b, g, true, true), b: () => plainMatMul(g, a, true, true) };
    },
  });
}

/**
 * Row gather rows = table[ids] with gradient dTable = scatter-add of dRows at ids (embedding lookups, picking positions).
 * @param table [V, d]
 * @param ids   [N] int32
 * @returns     [N, d]
 */
export function gatherRows(table: tf.Tensor, ids: tf.Tensor1D): tf.Tensor2D {
  const vocab = table.shape[0];
  // ids is an input too (no gradient) so that the engine keeps it alive until the backward pass: a tensor only
  // captured by the closure would be disposed with the forward scope.
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [t, idx] = args as [tf.Tensor2D, tf.Tensor1D];
    const save = args[2] as tf.GradSaveFunc;
    save([idx]);
    return {
      value: tf.gather(t, idx),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        // scatter-add of the rows into [V, d] (repeated ids sum); no gradient for ids
        const rows = tf.scatterND(saved[0].reshape([-1, 1]), dy, [vocab, dy.shape[1] as number]);
        return [rows, tf.zerosLike(saved[0])];
      },
    };
  });
  return f(table, ids) as tf.Tensor2D;
}

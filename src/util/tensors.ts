/** Small tfjs helpers shared across the library. */
import * as tf from '@tensorflow/tfjs';

/**
 * A variable from a freshly built initial value, without leaving the initial tensor alive (tf.variable shares the
 * value's data but the value itself would otherwise stay counted in tf.memory().numTensors).
 */
export function newVariable(init: () => tf.Tensor, trainable = true): tf.Variable {
  return tf.tidy(() => tf.variable(init(), trainable));
}

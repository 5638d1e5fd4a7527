/**
 * Losses on answer tokens only, with per-example and per-token weights, reduced per adapter group.
 *
 * For a batch whose answer tokens are flattened to M positions:
 *   ce_m      = −log softmax(logits_m)[target_m]                          (token cross-entropy)
 *   loss_k    = Σ_{m in group k} w_m · ce_m                                (group loss)
 * with token weights w_m = exampleWeight_i · tokenWeight_m / (answerTokens_i · examplesInGroup_k), so that with all
 * weights 1 each group's loss is the mean over its examples of each example's mean answer-token cross-entropy.
 * The semantic-distance re-weighted loss (findings/reweighting) plugs in through the example weights.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Token cross-entropy without `gather` (whose gradient is missing on wasm).
 * @param logits  [M, V]
 * @param targets [M] int32
 * @returns       [M]
 */
export function tokenCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const logp = tf.logSoftmax(logits);
  const oneHot = tf.oneHot(targets, logits.shape[1]).asType('float32');
  return tf.neg(tf.sum(tf.mul(logp, oneHot), -1)) as tf.Tensor1D;
}

/**
 * Per-group weighted loss.
 * @param ce       [M] token cross-entropies
 * @param weights  [K, M] weight of token m in group k (0 outside the group)
 * @returns        [K]
 */
export function groupLoss(ce: tf.Tensor1D, weights: tf.Tensor2D): tf.Tensor1D {
  return tf.matMul(weights, ce.reshape([-1, 1])).reshape([-1]) as tf.Tensor1D;
}

/**
 * Per-group count of answer tokens whose argmax is wrong (teacher forcing): 0 means the group's facts are learned.
 * @param logits   [M, V]
 * @param targets  [M] int32
 * @param members  [K, M] 1 where token m belongs to group k
 * @returns        [K]
 */
export function groupErrors(logits: tf.Tensor2D, targets: tf.Tensor1D, members: tf.Tensor2D): tf.Tensor1D {
  const wrong = tf.notEqual(tf.argMax(logits, -1), targets).asType('float32'); // [M]
  return tf.matMul(members, wrong.reshape([-1, 1])).reshape([-1]) as tf.Tensor1D;
}

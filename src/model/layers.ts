/**
 * Building blocks of the LLaMA forward pass that hold no state: RMSNorm and the rotary-embedding tables.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import { headDim } from './shapes';

/** RMSNorm: x · rsqrt(mean(x²) + eps) · w. x: [N, d], w: [d] */
export function rmsNorm(x: tf.Tensor2D, w: tf.Tensor, eps: number): tf.Tensor2D {
  const ms = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), w) as tf.Tensor2D;
}

/** RoPE tables (HF: inv_freq = θ^(−2i/hd), emb = cat(freqs, freqs)) and the rotate_half matrix. */
export function ropeTables(config: ModelConfig): { cos: tf.Tensor2D; sin: tf.Tensor2D; rotate: tf.Tensor2D } {
  const hd = headDim(config);
  const half = hd / 2;
  const P = config.max_position_embeddings;
  const cos = new Float32Array(P * hd);
  const sin = new Float32Array(P * hd);
  for (let p = 0; p < P; p++) {
    for (let i = 0; i < half; i++) {
      const invFreq = 1 / config.rope_theta ** ((2 * i) / hd);
      const angle = p * invFreq;
      cos[p * hd + i] = cos[p * hd + i + half] = Math.cos(angle);
      sin[p * hd + i] = sin[p * hd + i + half] = Math.sin(angle);
    }
  }
  // rotate_half(x) = cat(−x[half:], x[:half]) as x·R
  const r = new Float32Array(hd * hd);
  for (let j = 0; j < half; j++) {
    r[(j + half) * hd + j] = -1;
    r[j * hd + j + half] = 1;
  }
  return { cos: tf.tensor2d(cos, [P, hd]), sin: tf.tensor2d(sin, [P, hd]), rotate: tf.tensor2d(r, [hd, hd]) };
}

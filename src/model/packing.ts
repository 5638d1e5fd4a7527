/**
 * The packed token layout of a right-padded batch: the dense, row-wise work of a forward (embedding, norms, every
 * projection, the MLP, the residual stream) runs on the real tokens only, and only attention and the PEFT hooks see
 * the padded [B·T] layout.
 *
 * Why it keeps every bit (on wasm): each of those operations computes a row from that row alone (a product sums over
 * the inner dimension per output row; a norm reduces along the row), so a real row gets the same bits whether pad
 * rows sit beside it or not. In the padded layout that attention and the hooks see, a pad slot holds a copy of its
 * row's last real token instead of the pad token's activations: with right padding and the causal mask a real query
 * never attends to a pad key (its probability is exactly 0), logits are read at real positions only, and the
 * gradient a pad slot sends back is ±0 either way. Where a sum runs over tokens (full fine-tuning's weight gradients,
 * XᵀdY), the pad rows it loses only ever added zeros; XNNPACK accumulates the inner dimension in order in one sum per
 * output, so dropping them keeps the bits there too (tfjs's cpu backend sums in blocks of 48, where it would not).
 * `src/model/packing.test.ts` compares losses, stop steps and trained weights bit for bit with and without it, for
 * every method. Only on wasm with src/kernels (packingEnabled); `BEACONS_PACK=0` turns it off.
 */
import * as tf from '@tensorflow/tfjs';
import { simdMatMulEnabled } from '../kernels/simd-matmul';
import { gatherRows } from './gradients';

/**
 * Whether forward packs right-padded batches: on the wasm backend (where every experiment runs, and where the bits
 * are verified) with src/kernels active (tfjs-wasm's own gather copies element by element, slower than the rows it
 * saves), unless BEACONS_PACK=0; so `BEACONS_SIMD_MATMUL=0` turns it off too. Not on cpu: its products sum the
 * inner dimension in blocks of 48, so full fine-tuning's weight gradient (summed over tokens) would round
 * differently without the pad rows; nor on the GPU backends, whose tiling is their own.
 */
export function packingEnabled(): boolean {
  return process.env.BEACONS_PACK !== '0' && tf.getBackend() === 'wasm' && simdMatMulEnabled();
}

export class Packing {
  /** [Nr] flat padded index (b·T + t) of each real token, in row-major order */
  readonly real: tf.Tensor1D;
  /** [N] packed index of each padded slot (a pad slot: its row's last real token) */
  private readonly slot: tf.Tensor1D;
  /** [Nr] position t of each real token within its row */
  readonly positions: tf.Tensor1D;

  private constructor(
    readonly realCount: number,
    real: number[],
    slot: Int32Array,
    positions: number[],
  ) {
    this.real = tf.tensor1d(real, 'int32');
    this.slot = tf.tensor1d(slot, 'int32');
    this.positions = tf.tensor1d(positions, 'int32');
  }

  /**
   * The layout of a [B, T] batch whose row b holds lengths[b] real tokens followed by padding; undefined when no
   * row is padded (nothing to gain) or packing is off. Tensors are made in the caller's scope (tidy disposes them).
   */
  static of(B: number, T: number, lengths: readonly number[]): Packing | undefined {
    if (lengths.length !== B) throw new Error(`forward: lengths has ${lengths.length} entries for ${B} rows`);
    lengths.forEach((n, b) => {
      if (!Number.isInteger(n) || n < 1 || n > T)
        throw new Error(`forward: lengths[${b}] = ${n}, expected an integer in 1..${T} (the padded length)`);
    });
    const Nr = lengths.reduce((a, n) => a + n, 0);
    if (Nr === B * T || !packingEnabled()) return undefined;
    const real: number[] = [];
    const positions: number[] = [];
    const slot = new Int32Array(B * T);
    lengths.forEach((n, b) => {
      for (let t = 0; t < T; t++) {
        if (t < n) {
          real.push(b * T + t);
          positions.push(t);
        }
        slot[b * T + t] = real.length - 1; // a pad slot repeats its row's last real token
      }
    });
    return new Packing(Nr, real, slot, positions);
  }

  /**
   * [Nr, w] → [N, w]: real rows to their slots; a pad slot repeats its row's last real token (its value is never
   * read, and the gradient it sends back is ±0). Deliberately not cached: each consumer of x gets its own copy, so
   * that x's gradient sums the consumers' contributions one by one in the order the padded forward sums them (a
   * shared copy would add two of them first and change the rounding).
   */
  padded(x: tf.Tensor2D): tf.Tensor2D {
    return gatherRows(x, this.slot); // [N, w]
  }

  /** [N, w] → [Nr, w]: the real rows of a padded tensor. */
  packed(x: tf.Tensor2D): tf.Tensor2D {
    return gatherRows(x, this.real);
  }
}

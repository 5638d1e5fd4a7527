/**
 * The lean backward pass (backend/lean-backprop.ts) gives tfjs's own pass's values bit for bit, frees as it goes
 * (a lower peak of live tensor bytes), leaves nothing behind, and keeps tfjs's behaviour at the edges (a given dy
 * stays alive, no path from x to y throws the same error).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { tinyConfig } from '../../test/helpers';
import { LlamaModel } from '../model/llama';
import type { PeftConfig } from '../peft';
import { wrap } from '../peft';
import { tokenCrossEntropy } from '../train/losses';
import { withEnv } from '../util/env';
import { initBackend } from '.';
import { leanBackpropInstalled } from './lean-backprop';

const bits = (a: tf.TypedArray) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

/** Loss value, every trainable gradient (as bit patterns) and the peak of live tensor bytes of one backward. */
interface OneBackward {
  value: number[];
  grads: Map<string, number[]>;
  peakBytes: number;
}

/** One backward with the lean pass on or off (BEACONS_LEAN_MEMORY). */
function gradsOnce(spec: PeftConfig, lean: boolean): Promise<OneBackward> {
  return withEnv('BEACONS_LEAN_MEMORY', lean ? '1' : '0', () => gradsNow(spec));
}

async function gradsNow(spec: PeftConfig): Promise<OneBackward> {
  const config = tinyConfig({ hidden_size: 64, intermediate_size: 96, head_dim: 16, vocab_size: 40 });
  const m = LlamaModel.random(config, 5, 0.3);
  const h = wrap(m, spec);
  try {
    const ids = tf.tensor2d(
      Array.from({ length: 4 * 9 }, (_, i) => 3 + ((i * 7 + (i % 5)) % 37)),
      [4, 9],
      'int32',
    );
    const targets = tf.tensor1d([5, 9, 11, 17], 'int32');
    const positions = tf.tensor1d([8, 17, 26, 35], 'int32');
    let out: { value: tf.Scalar; grads: tf.NamedTensorMap } | undefined;
    const profile = await tf.profile(() => {
      out = tf.variableGrads(
        () => {
          const logits = m.forward(ids, { logitPositions: positions, training: true }).logits as tf.Tensor2D;
          return tf.mean(tokenCrossEntropy(logits, targets)) as tf.Scalar;
        },
        h.trainable.map((t) => t.variable),
      );
      return [];
    });
    const { value, grads } = out!;
    const named = new Map<string, number[]>();
    for (const t of h.trainable) named.set(t.name, bits(await grads[t.variable.name].data()));
    const result = { value: bits(await value.data()), grads: named, peakBytes: profile.peakBytes };
    tf.dispose([value, ...Object.values(grads), ids, targets, positions]);
    return result;
  } finally {
    h.remove();
    m.dispose();
  }
}

const SPECS: Record<string, PeftConfig> = {
  lora: { method: 'lora', r: 4, alpha: 8, dropout: 0, targetModules: ['q_proj', 'v_proj', 'down_proj'] },
  adapter: { method: 'adapter', bottleneck: 4, trainNorms: true },
  full: { method: 'full' },
};

for (const backend of ['wasm', 'cpu'])
  describe(`${backend}: the lean backward pass`, () => {
    after(async () => {
      await initBackend('wasm', { quiet: true });
    });

    for (const [name, spec] of Object.entries(SPECS)) {
      test(`${name}: the same loss and gradients, bit for bit, from a lower peak`, async () => {
        await initBackend(backend, { quiet: true });
        assert.ok(leanBackpropInstalled());
        const before = tf.memory().numTensors;
        const lean = await gradsOnce(spec, true);
        const tfjs = await gradsOnce(spec, false);
        assert.deepEqual(lean.value, tfjs.value, 'loss');
        assert.deepEqual([...lean.grads.keys()], [...tfjs.grads.keys()]);
        for (const [k, g] of lean.grads) assert.deepEqual(g, tfjs.grads.get(k), `gradient of ${k}`);
        assert.ok(
          lean.peakBytes < 0.8 * tfjs.peakBytes,
          `peak live bytes: lean ${lean.peakBytes}, tfjs's pass ${tfjs.peakBytes}`,
        );
        assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
      });
    }

    test('a given dy stays alive, nothing else does; no path from x to y throws as in tfjs', async () => {
      await initBackend(backend, { quiet: true });
      const before = tf.memory().numTensors;
      const x = tf.tensor1d([1, 2, 3]);
      const dy = tf.tensor1d([1, 0.5, -1]);
      const g = tf.grad((a: tf.Tensor) => tf.mul(tf.square(a), 2))(x, dy);
      assert.deepEqual(Array.from(await g.data()), [4, 4, -12]);
      assert.equal(dy.isDisposed, false, 'the caller keeps dy');
      tf.dispose([dy, g]);
      assert.equal(tf.memory().numTensors, before + 1, 'only x left');
      // (on this error tfjs's own pass leaves f's result behind too)
      const y = tf.scalar(2);
      assert.throws(
        () => tf.grad(() => tf.square(y))(x),
        /Cannot compute gradient of y=f\(x\) with respect to x/,
      );
      tf.dispose([x, y]);
    });
  });

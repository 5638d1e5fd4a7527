/** Finding 2's random-ΔW control: the random update has the requested norm, touches only its adapter, is seeded. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { tinyConfig } from '../../test/helpers';
import { initBackend } from '../backend';
import { LlamaModel } from '../model/llama';
import { wrap } from '../peft/index';
import type { LoraHandle } from '../peft/lora';
import { setRandomDelta } from './regime-runs';

before(async () => {
  await initBackend('cpu', { quiet: true });
});

/** ‖ΔW_m‖_F of adapter g, per module, and the updates themselves (host copies). */
async function deltas(handle: LoraHandle, g: number): Promise<{ norms: number[]; values: Float32Array[] }> {
  const norms: number[] = [];
  const values: Float32Array[] = [];
  for (const m of handle.modules) {
    const d = handle.delta(m, g);
    const v = (await d.data()) as Float32Array;
    d.dispose();
    values.push(v);
    norms.push(Math.sqrt(v.reduce((a, x) => a + x * x, 0)));
  }
  return { norms, values };
}

const lora = (model: LlamaModel, seeds: number[]) =>
  wrap(model, { method: 'lora', r: 4, alpha: 8, groups: seeds.length, seed: 0, seeds }) as LoraHandle;

test('setRandomDelta: Σ‖ΔW_m‖_F equals the norm, spread evenly, only in its adapter, whatever the stacking', async () => {
  const model = LlamaModel.random(tinyConfig(), 3);
  const before = tf.memory().numTensors;
  const stacked = lora(model, [10, 11, 12]);
  await setRandomDelta(stacked, 1, 2.5, 7);
  await setRandomDelta(stacked, 2, 0, 7); // a zero norm leaves a zero update
  const one = await deltas(stacked, 1);
  const others = [...(await deltas(stacked, 0)).norms, ...(await deltas(stacked, 2)).norms];
  stacked.remove();
  assert.ok(Math.abs(one.norms.reduce((a, b) => a + b, 0) - 2.5) < 1e-4, `${one.norms}`);
  for (const n of one.norms) assert.ok(Math.abs(n - 2.5 / one.norms.length) < 1e-4, `${n}`);
  for (const n of others) assert.equal(n, 0);
  // the same adapter seed and control seed, trained alone: the same update
  const alone = lora(model, [11]);
  await setRandomDelta(alone, 0, 2.5, 7);
  const single = await deltas(alone, 0);
  alone.remove();
  for (const [i, v] of single.values.entries())
    assert.ok(
      v.every((x, j) => Math.abs(x - one.values[i][j]) < 1e-6),
      `module ${i}`,
    );
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

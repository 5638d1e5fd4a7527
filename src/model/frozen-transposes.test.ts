/**
 * Frozen weights' transposes made once per run (model/frozen-transposes.ts) keep every bit: each PEFT method (stacked
 * and alone), and a partial fine-tune that trains the tied embedding while the rest stays frozen, give the same
 * per-step losses, stop steps and trained weights (as bit patterns) with the cache on and off
 * (BEACONS_FROZEN_TRANSPOSES=0) on wasm; the cache is used, leaves no tensor behind, and never serves a trained
 * weight.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { raggedFacts, TINY_ADALORA, tinyConfig } from '../../test/helpers';
import { initBackend } from '../backend';
import { type PeftConfig, wrap } from '../peft';
import type { PeftHandle } from '../peft/types';
import { train } from '../train/trainer';
import { withEnv } from '../util/env';
import { cacheFrozenTransposes, frozenTransposesEnabled, transposeLastCached } from './frozen-transposes';
import { LlamaModel } from './llama';

const ALL = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];

type Spec = PeftConfig | 'partial';
const SPECS: Record<string, { spec: Spec; K: number; lr: number }> = {
  'lora, 4 stacked': {
    spec: { method: 'lora', r: 2, alpha: 4, dropout: 0.1, targetModules: ALL },
    K: 4,
    lr: 3e-2,
  },
  'lora, alone': {
    spec: { method: 'lora', r: 2, alpha: 4, dropout: 0, targetModules: ['q_proj', 'v_proj'] },
    K: 1,
    lr: 3e-2,
  },
  adalora: {
    spec: TINY_ADALORA,
    K: 2,
    lr: 5e-2,
  },
  adapter: { spec: { method: 'adapter', bottleneck: 4, trainNorms: true }, K: 2, lr: 1e-2 },
  // full fine-tuning of the tied embedding and layer 0 only: the other weights frozen, the head's weight trained
  'partial fine-tune': { spec: 'partial', K: 1, lr: 3e-3 },
};

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

interface Run {
  losses: number[][];
  learnedAt: (number | null)[];
  weights: Map<string, Float32Array>;
  /** transposes made (tfjs Transpose kernels run) during training */
  transposes: number;
}

function handleFor(m: LlamaModel, spec: Spec, K: number): PeftHandle {
  if (spec !== 'partial') return wrap(m, { ...spec, ...(K > 1 ? { groups: K } : {}) } as PeftConfig);
  const full = wrap(m, { method: 'full' });
  const trainable = full.trainable.filter(
    (t) => t.name === 'model.embed_tokens.weight' || t.name.startsWith('model.layers.0.'),
  );
  return {
    ...full,
    method: 'full',
    groups: 1,
    trainable,
    parametersPerGroup: () => 0,
    remove: () => full.remove(),
  };
}

async function trainOnce(name: string, cache: boolean): Promise<Run> {
  const { spec, K, lr } = SPECS[name];
  return withEnv('BEACONS_FROZEN_TRANSPOSES', cache ? '1' : '0', async () => {
    const config = tinyConfig({ hidden_size: 64, intermediate_size: 96, head_dim: 16, vocab_size: 40 });
    const m = LlamaModel.random(config, 11, 0.3);
    const examples = raggedFacts(8, config.vocab_size).map((e, i) => ({ ...e, group: i % K }));
    const h = handleFor(m, spec, K);
    let r: Awaited<ReturnType<typeof train>> | undefined;
    const profile = await tf.profile(async () => {
      r = await train(
        m,
        h,
        examples,
        { steps: 12, lr, batchSize: 2, earlyStop: K > 1, checkEvery: 3, seed: 5 },
        { padId: 0 },
      );
    });
    const weights = new Map<string, Float32Array>();
    for (const t of h.trainable) weights.set(t.name, (await t.variable.data()) as Float32Array);
    h.remove();
    m.dispose();
    const transposes = profile.kernels.filter((k) => k.name === 'Transpose').length;
    return { losses: r!.losses, learnedAt: r!.learnedAt, weights, transposes };
  });
}

/** Transpose kernels that fn runs (its result disposed). */
async function transposesIn(fn: () => tf.Tensor): Promise<number> {
  const info = await tf.profile(() => tf.tidy(fn));
  tf.dispose(info.result as tf.Tensor);
  return info.kernels.filter((k) => k.name === 'Transpose').length;
}

describe('wasm: frozen weights transposed once per run give the same bits as every step', () => {
  before(async () => {
    await initBackend('wasm', { quiet: true });
  });

  for (const name of Object.keys(SPECS)) {
    test(`${name}: losses, stop steps and trained weights`, async () => {
      const numTensors = tf.memory().numTensors;
      const on = await trainOnce(name, true);
      const off = await trainOnce(name, false);
      assert.deepEqual(on.learnedAt, off.learnedAt, 'stop steps');
      assert.deepEqual(
        on.losses.map((row) => bits(Float32Array.from(row))),
        off.losses.map((row) => bits(Float32Array.from(row))),
        'per-step losses',
      );
      assert.ok(
        on.losses.flat().some((l) => Number.isFinite(l) && l > 0),
        'the runs trained',
      );
      for (const [w, a] of on.weights) {
        const x = bits(a);
        const y = bits(off.weights.get(w)!);
        const first = x.findIndex((v, i) => v !== y[i]);
        assert.equal(first, -1, `${w}[${first}] differs`);
      }
      // the cache replaces the per-step transposes of frozen weights (steps × frozen linears at least)
      assert.ok(
        on.transposes + 12 * 4 <= off.transposes,
        `transposes: ${on.transposes} on, ${off.transposes} off`,
      );
      assert.equal(tf.memory().numTensors, numTensors, 'no tensors left behind');
    });
  }

  test('serves only registered data, in the right layout, and releases it', async () => {
    const before = tf.memory().numTensors;
    const w = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const v = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    // registered with the switch at its default (on), whatever the environment the tests run in
    const release = await withEnv('BEACONS_FROZEN_TRANSPOSES', undefined, () => cacheFrozenTransposes([w]));
    assert.ok(await withEnv('BEACONS_FROZEN_TRANSPOSES', undefined, frozenTransposesEnabled));
    assert.equal(tf.memory().numTensors, before + 4, 'one transpose kept (and a handle on the weight)');
    tf.tidy(() => {
      const t = transposeLastCached(w.reshape([1, 2, 3])); // [1, 3, 2]
      assert.deepEqual(t.shape, [1, 3, 2]);
      assert.deepEqual(Array.from(t.dataSync()), [1, 4, 2, 5, 3, 6]);
      const back = transposeLastCached(t); // the weight itself, reshaped
      assert.deepEqual(back.shape, [1, 2, 3]);
      assert.deepEqual(Array.from(back.dataSync()), [1, 2, 3, 4, 5, 6]);
    });
    // the same values under other data: not served from the cache (a trained weight's data is never registered)
    assert.equal(await transposesIn(() => transposeLastCached(w)), 0);
    assert.equal(await transposesIn(() => transposeLastCached(v)), 1);
    release();
    assert.equal(tf.memory().numTensors, before + 2, 'the transpose and the handle disposed');
    assert.equal(await transposesIn(() => transposeLastCached(w)), 1, 'released: transposed again');
    tf.dispose([w, v]);
  });

  test('off on the cpu backend and with BEACONS_FROZEN_TRANSPOSES=0', async () => {
    assert.equal(await withEnv('BEACONS_FROZEN_TRANSPOSES', '0', frozenTransposesEnabled), false);
    await initBackend('cpu', { quiet: true });
    assert.equal(await withEnv('BEACONS_FROZEN_TRANSPOSES', undefined, frozenTransposesEnabled), false);
    const w = tf.tensor2d([1, 2], [1, 2]);
    const before = tf.memory().numTensors;
    cacheFrozenTransposes([w])();
    assert.equal(tf.memory().numTensors, before, 'nothing made');
    w.dispose();
    await initBackend('wasm', { quiet: true });
  });
});

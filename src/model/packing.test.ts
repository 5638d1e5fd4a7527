/**
 * The packed layout (model/packing.ts) keeps every bit: training each PEFT method and full fine-tuning on ragged,
 * right-padded batches gives the same per-step losses, stop steps and trained weights (compared as bit patterns,
 * so even a −0 for a +0 fails) with packing on and off (BEACONS_PACK=0) on wasm (XNNPACK and the SIMD kernels),
 * the backend that packs; and the teacher-forced scorer returns the same log-probabilities.
 */
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { raggedFacts, TINY_ADALORA, tinyConfig } from '../../test/helpers';
import { initBackend } from '../backend';
import { scoreTokens } from '../metrics/evaluate';
import { type PeftConfig, wrap } from '../peft';
import { train } from '../train/trainer';
import { LlamaModel, linearModuleNames } from './llama';
import { Packing } from './packing';

const ALL = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];

const SPECS: Record<string, PeftConfig> = {
  lora: { method: 'lora', r: 2, alpha: 4, dropout: 0.1, targetModules: ALL },
  adalora: TINY_ADALORA,
  adapter: { method: 'adapter', bottleneck: 4, trainNorms: true },
  full: { method: 'full' },
};
const LR: Record<string, number> = { lora: 3e-2, adalora: 5e-2, adapter: 1e-2, full: 3e-3 };

/** Bit patterns of a float array (so that −0 and +0, or two NaNs, are told apart). */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

interface Run {
  losses: number[][];
  learnedAt: (number | null)[];
  weights: Map<string, Float32Array>;
}

async function trainOnce(config: ReturnType<typeof tinyConfig>, method: string, pack: boolean): Promise<Run> {
  const saved = process.env.BEACONS_PACK;
  process.env.BEACONS_PACK = pack ? '1' : '0';
  const spy = mock.method(Packing, 'of');
  try {
    const m = LlamaModel.random(config, 11, 0.3);
    const stacked = method !== 'full';
    const K = stacked ? 4 : 1;
    const examples = raggedFacts(8, config.vocab_size).map((e, i) => ({ ...e, group: stacked ? i % K : 0 }));
    const h = wrap(m, { ...SPECS[method], ...(stacked ? { groups: K } : {}) } as PeftConfig);
    const r = await train(
      m,
      h,
      examples,
      { steps: 12, lr: LR[method], batchSize: stacked ? 2 : 8, earlyStop: stacked, checkEvery: 3, seed: 5 },
      { padId: 0 },
    );
    const weights = new Map<string, Float32Array>();
    for (const t of h.trainable) weights.set(t.name, (await t.variable.data()) as Float32Array);
    h.remove();
    m.dispose();
    const packs = spy.mock.calls.filter((c) => c.result !== undefined).length;
    if (pack) assert.ok(packs > 0, 'the packed run packed its batches');
    else assert.equal(packs, 0, 'BEACONS_PACK=0 packs nothing');
    return { losses: r.losses, learnedAt: r.learnedAt, weights };
  } finally {
    spy.mock.restore();
    if (saved === undefined) delete process.env.BEACONS_PACK;
    else process.env.BEACONS_PACK = saved;
  }
}

function assertSameBits(a: Run, b: Run, what: string): void {
  assert.deepEqual(a.learnedAt, b.learnedAt, `${what}: stop steps`);
  assert.equal(a.losses.length, b.losses.length, `${what}: steps`);
  a.losses.forEach((row, s) => {
    assert.deepEqual(
      bits(Float32Array.from(row)),
      bits(Float32Array.from(b.losses[s])),
      `${what}: step ${s + 1} losses`,
    );
  });
  assert.deepEqual([...a.weights.keys()], [...b.weights.keys()]);
  for (const [name, w] of a.weights) {
    const x = bits(w);
    const y = bits(b.weights.get(name)!);
    const first = x.findIndex((v, i) => v !== y[i]);
    assert.equal(
      first,
      -1,
      `${what}: ${name}[${first}] differs (${w[first]} vs ${b.weights.get(name)![first]})`,
    );
  }
}

for (const backend of ['wasm'])
  describe(`${backend}: the packed layout gives the same bits as the padded one`, () => {
    // an inner size of 64 and more, where wasm's products take XNNPACK and the SIMD kernel
    const config = tinyConfig({ hidden_size: 64, intermediate_size: 96, head_dim: 16, vocab_size: 40 });
    let saved: string | undefined;
    before(async () => {
      saved = process.env.BEACONS_PACK;
      await initBackend(backend, { quiet: true });
    });
    after(() => {
      if (saved === undefined) delete process.env.BEACONS_PACK;
      else process.env.BEACONS_PACK = saved;
    });

    for (const method of Object.keys(SPECS)) {
      test(`${method}: losses, stop steps and trained weights`, async () => {
        const before = tf.memory().numTensors;
        const packed = await trainOnce(config, method, true);
        const padded = await trainOnce(config, method, false);
        assertSameBits(packed, padded, method);
        assert.ok(
          packed.losses.some((row) => row.some((l) => Number.isFinite(l) && l > 0)),
          'the runs trained',
        );
        assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
      });
    }

    test('the teacher-forced scorer: the same log-probabilities and argmax hits', async () => {
      const m = LlamaModel.random(config, 3, 0.3);
      const items = raggedFacts(9, config.vocab_size).map((e) => ({
        prompt: e.ids.slice(0, e.answerStart),
        answer: e.ids.slice(e.answerStart),
      }));
      process.env.BEACONS_PACK = '1';
      const a = await scoreTokens(m, items, 0);
      process.env.BEACONS_PACK = '0';
      const b = await scoreTokens(m, items, 0);
      assert.deepEqual(
        a.logProbs.map((r) => bits(Float32Array.from(r))),
        b.logProbs.map((r) => bits(Float32Array.from(r))),
      );
      assert.deepEqual(a.correct, b.correct);
      m.dispose();
    });
  });

describe('linearWraps: the modules a method leaves alone are the ones its hook returns y for', () => {
  for (const method of ['lora', 'adalora', 'adapter']) {
    test(method, async () => {
      await initBackend('wasm', { quiet: true });
      const config = tinyConfig();
      const m = LlamaModel.random(config, 1);
      // LoRA on q, v only here (SPECS wraps every module), so that some module is left alone by each method
      const spec = method === 'lora' ? { ...SPECS.lora, targetModules: ['q_proj', 'v_proj'] } : SPECS[method];
      const h = wrap(m, spec as PeftConfig);
      const wraps = m.hooks.linearWraps;
      assert.ok(wraps !== undefined && m.hooks.linear !== undefined);
      const ctx = { batch: 1, seq: 2, cache: new Map(), training: false };
      let wrapped = 0;
      tf.tidy(() => {
        for (const name of linearModuleNames(config)) {
          const [inF, outF] = m.param(`${name}.weight`).shape;
          const x = tf.ones([2, inF]) as tf.Tensor2D;
          const y = tf.ones([2, outF]) as tf.Tensor2D;
          const out = m.hooks.linear!(name, x, y, ctx);
          assert.equal(out !== y, wraps(name), `${name}: the hook ${out !== y ? 'changes' : 'keeps'} y`);
          if (wraps(name)) wrapped++;
        }
      });
      assert.ok(wrapped > 0 && wrapped < linearModuleNames(config).length, 'some modules wrapped, some not');
      h.remove();
      m.dispose();
    });
  }
});

describe('Packing.of', () => {
  test('packs only a padded batch, only on wasm, and only when BEACONS_PACK is not 0', async () => {
    const saved = process.env.BEACONS_PACK;
    try {
      delete process.env.BEACONS_PACK;
      await initBackend('cpu', { quiet: true });
      tf.tidy(() => assert.equal(Packing.of(2, 3, [2, 3]), undefined, 'not on cpu'));
      await initBackend('wasm', { quiet: true });
      tf.tidy(() => {
        assert.equal(Packing.of(2, 3, [3, 3]), undefined, 'nothing padded');
        const p = Packing.of(2, 3, [2, 3])!;
        assert.equal(p.realCount, 5);
        assert.deepEqual(Array.from(p.real.dataSync()), [0, 1, 3, 4, 5]);
        assert.deepEqual(Array.from(p.positions.dataSync()), [0, 1, 0, 1, 2]);
        const x = tf.tensor2d([1, 2, 3, 4, 5], [5, 1]);
        assert.deepEqual(
          Array.from(p.padded(x).dataSync()),
          [1, 2, 2, 3, 4, 5],
          'a pad slot repeats its row',
        );
        assert.deepEqual(Array.from(p.packed(p.padded(x)).dataSync()), [1, 2, 3, 4, 5]);
        process.env.BEACONS_PACK = '0';
        assert.equal(Packing.of(2, 3, [2, 3]), undefined, 'BEACONS_PACK=0');
      });
    } finally {
      if (saved === undefined) delete process.env.BEACONS_PACK;
      else process.env.BEACONS_PACK = saved;
    }
  });

  test('names the row of a bad length', () => {
    assert.throws(() => Packing.of(2, 3, [3]), /lengths has 1 entries for 2 rows/);
    assert.throws(() => Packing.of(2, 3, [3, 4]), /lengths\[1\] = 4, expected an integer in 1\.\.3/);
    assert.throws(() => Packing.of(2, 3, [0, 3]), /lengths\[0\] = 0/);
  });
});

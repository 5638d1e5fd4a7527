/**
 * learnFactSets records each set's accuracy after every epoch, and one run gives every shorter budget: the first
 * epochs of a longer run equal a shorter run (same seeds, constant schedule), and the last epoch is the final state.
 * learnSingleFacts does the same per step (byStep). On the shipped model (skips when it is absent).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { BEACON_BASE_DIR } from '../model/load';
import { prepareSession, sample, setConfig } from './config';
import { learnFactSets, learnSingleFacts } from './learn';

const hasModel = fs.existsSync(path.join(BEACON_BASE_DIR, 'model.safetensors'));
const skip = hasModel ? false : `no shipped model at ${BEACON_BASE_DIR}`;

before(async () => {
  await initBackend(process.env.BEACONS_BACKEND ?? 'wasm', { quiet: true });
});

test('learnFactSets: accuracy after every epoch; a shorter run equals the longer run’s first epochs', {
  skip,
}, async () => {
  const cfg = setConfig({ scale: 'smoke' });
  const s = await prepareSession(cfg);
  const sets = [sample(s.pool, 4, 1, 'a'), sample(s.pool, 4, 2, 'b')];
  const train = { ...cfg.train, schedule: 'constant' as const, batchSize: 2, lr: cfg.lr * 3 };
  const long = await learnFactSets(s, sets, cfg.spec, { ...train, epochs: 3 }, 5);
  const tensors = tf.memory().numTensors; // after a first run: the model caches causal masks per length
  const short = await learnFactSets(s, sets, cfg.spec, { ...train, epochs: 2 }, 5);
  assert.equal(tf.memory().numTensors, tensors, 'learnFactSets leaks tensors');
  for (const [g, r] of long.entries()) {
    assert.equal(r.learnedByEpoch.length, 3);
    assert.deepEqual(r.learnedByEpoch[2], r.learned, 'the last epoch is the final state');
    assert.deepEqual(short[g].learnedByEpoch, r.learnedByEpoch.slice(0, 2));
    assert.deepEqual(short[g].learned, r.learnedByEpoch[1]);
  }
  const learned = long.flatMap((r) => r.learnedByEpoch.map((e) => e.filter(Boolean).length));
  assert.ok(
    learned.some((x) => x > 0),
    `something is learned in 3 epochs: ${learned}`,
  );
});

test('learnSingleFacts byStep: the outcome after every step; a shorter run equals the longer run’s first steps', {
  skip,
}, async () => {
  const cfg = setConfig({ scale: 'smoke' });
  const s = await prepareSession(cfg);
  const facts = sample(s.pool, 4, 3, 'c');
  const train = { ...cfg.train, schedule: 'constant' as const, lr: cfg.lr * 3 };
  const long = await learnSingleFacts(s, facts, cfg.spec, { ...train, steps: 5 }, 5, 4, undefined, {
    byStep: true,
  });
  const short = await learnSingleFacts(s, facts, cfg.spec, { ...train, steps: 3 }, 5, 4, undefined, {
    byStep: true,
  });
  for (const [i, r] of long.entries()) {
    assert.equal(r.learnedByStep?.length, 5);
    assert.equal(r.learnedByStep![4], r.learned, 'the last step is the final state');
    assert.deepEqual(short[i].learnedByStep, r.learnedByStep!.slice(0, 3));
    assert.equal(short[i].learned, r.learnedByStep![2]);
  }
  assert.ok(
    long.some((r) => r.learnedByStep!.some(Boolean)),
    'something is learned in 5 steps',
  );
});

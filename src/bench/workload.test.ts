/**
 * The workload benchmark learns each fact at the same step whatever stack, position or worker process it trains in: fact i's
 * adapter is seeded by its index in the whole set, so the single-process run, other stack sizes and the workers
 * report the very same step at which each fact was learned (they once seeded a worker's stacks by their position in
 * that worker, so the workers learned other facts in other step counts than the single-process run).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../backend';
import { type FactSet, prepareFacts, runStacked, runStackedWorkers } from './workload';

const N = 12;
let set: FactSet;

before(async () => {
  await initBackend('wasm', { quiet: true });
  set = prepareFacts(N, 0);
});

test('a fact learns in the same step alone in its stack order, in other stack sizes and in worker processes', async () => {
  const whole = await runStacked(set, N, 30, 1e-3, 0, 5);
  const steps = whole.learnedAt.map((x) => x.at);
  assert.equal(steps.length, N);
  assert.ok(new Set(steps).size >= 3, `facts should learn at different steps, got ${steps}`);
  const fives = await runStacked(set, 5, 30, 1e-3, 0, 5);
  assert.deepEqual(fives.learnedAt, whole.learnedAt, 'stacks of 5');
  // the second half on its own, keeping the facts' indices (as a worker does)
  const ids = Array.from({ length: N / 2 }, (_, i) => N / 2 + i);
  const half = await runStacked(
    { ...set, examples: ids.map((i) => set.examples[i]) },
    4,
    30,
    1e-3,
    0,
    5,
    ids,
  );
  assert.deepEqual(half.learnedAt, whole.learnedAt.slice(N / 2), 'the second half alone, in stacks of 4');
  const workers = await runStackedWorkers(N, 4, 30, 1e-3, 5, 2, 'wasm');
  assert.deepEqual(workers.learnedAt, whole.learnedAt, 'two workers, stacks of 4');
  assert.equal(workers.adapterSteps, whole.adapterSteps);
  // the runs above leave the model's causal masks cached (one per padded length); a rerun leaves nothing
  const again = await runStacked(set, 5, 30, 1e-3, 0, 5);
  assert.deepEqual(again.learnedAt, whole.learnedAt, 'a rerun');
  assert.equal(again.numTensorsAfter, again.numTensorsBefore, 'no tensors left');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCycles, cycleOfEpoch, PRETRAIN_DEFAULTS, resolvePretrainConfig } from './pretrain';

test('learning-rate cycles: default one cycle; epochs map to their cycle; bad cycles rejected', () => {
  assert.deepEqual(checkCycles({ epochs: 14 }), [14]);
  assert.deepEqual(checkCycles({ epochs: 13, cycles: [8, 5] }), [8, 5]);
  assert.throws(() => checkCycles({ epochs: 12, cycles: [8, 5] }), /summing to epochs 12/);
  assert.throws(() => checkCycles({ epochs: 8, cycles: [8, 0] }), /positive integers/);
  const c = [8, 5];
  assert.deepEqual(cycleOfEpoch(c, 0), { start: 0, len: 8 });
  assert.deepEqual(cycleOfEpoch(c, 7), { start: 0, len: 8 });
  assert.deepEqual(cycleOfEpoch(c, 8), { start: 8, len: 5 });
  assert.deepEqual(cycleOfEpoch(c, 12), { start: 8, len: 5 });
  assert.throws(() => cycleOfEpoch(c, 13), /outside the cycles/);
});

test('the default recipe resolves to PRETRAIN_DEFAULTS with no cycles (beacon-base unchanged)', () => {
  const cfg = resolvePretrainConfig();
  assert.deepEqual(cfg, PRETRAIN_DEFAULTS);
  assert.equal('cycles' in cfg, false);
  assert.equal(cfg.tie_word_embeddings, true);
});

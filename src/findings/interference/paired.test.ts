import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairedAloneTogether } from './experiment';

test('pairedAloneTogether counts discordant facts by hand and clusters by set', () => {
  const r = pairedAloneTogether([
    { alone: [true, true, true, false], together: [true, false, false, false] }, // 2 only alone
    { alone: [true, true, false, false], together: [false, true, true, false] }, // 1 only alone, 1 only together
    { alone: [true, true, true, true], together: [true, true, true, false] }, // 1 only alone
  ]);
  assert.ok(r);
  assert.equal(r.facts, 12);
  assert.equal(r.sets, 3);
  assert.equal(r.onlyAlone, 4);
  assert.equal(r.onlyTogether, 1);
  assert.equal(r.alone, 9 / 12);
  assert.equal(r.together, 6 / 12);
  assert.ok(Math.abs(r.diff.estimate - 3 / 12) < 1e-12);
  // set means 0.5, 0, 0.25: se = sd / √3
  assert.ok(Math.abs(r.diff.se - 0.25 / Math.sqrt(3)) < 1e-12);
  // McNemar exact: 2 · (1 + 5) / 2⁵
  assert.ok(Math.abs(r.mcnemarP - 12 / 32) < 1e-12);
  assert.ok(r.diff.lo <= r.diff.estimate && r.diff.estimate <= r.diff.hi);
  assert.equal(pairedAloneTogether([]), null);
});

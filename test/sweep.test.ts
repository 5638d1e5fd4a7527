/** The summary comparison with a tolerance (the --stack determinism check) can fail: it flags all but last-digit drift. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summaryDiffsBeyond } from './sweep';

test('summaryDiffsBeyond: last-digit drift passes; larger changes, counts, flags, strings and keys do not', () => {
  const want = {
    'a/1': { x: 0.7868937990862424, n: 10000000, ok: true, verdict: 'reproduces', list: [1.5, 2] },
  };
  const drift = {
    'a/1': { x: 0.7868937975510515, n: 10000000, ok: true, verdict: 'reproduces', list: [1.5, 2] },
  };
  assert.deepEqual(summaryDiffsBeyond(want, drift, 1e-6), []);
  const bad = {
    'a/1': { x: 0.7869, n: 10000001, ok: false, verdict: 'inconclusive', list: [1.5] },
    'b/2': {},
  };
  assert.deepEqual(summaryDiffsBeyond(want, bad, 1e-6), [
    'a/1.list.1: 2 vs undefined',
    'a/1.n: 10000000 vs 10000001',
    'a/1.ok: true vs false',
    'a/1.verdict: "reproduces" vs "inconclusive"',
    'a/1.x: 0.7868937990862424 vs 0.7869',
    'b/2: undefined vs {}',
  ]);
});

/** The number formats of the findings' text and tables: percent, percentage points, clipped intervals, rates. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asPct, asPctClipped, clip01, gain, lr, lrs, pci, pct, pts } from '../src/findings/format';

test('one unit: accuracies in %, differences in signed percentage points, intervals clipped to [0, 1]', () => {
  assert.equal(pct(0.4512), '45.1 %');
  assert.equal(pts(-0.002), '-0.2');
  assert.equal(gain(0.042), '+4.2 points');
  assert.equal(gain(-0.0625), '−6.3 points');
  assert.equal(gain(0), '±0.0 points');
  assert.equal(gain(null), 'n/a');
  assert.equal(asPct(0.4512), 45.1);
  assert.equal(asPct(Number.NaN), null);
  assert.equal(asPctClipped(1.19), 100);
  assert.equal(asPctClipped(-0.05), 0);
  assert.equal(clip01(1.2), 1);
  assert.equal(pci(0.47, 1.19), '[47.0 %, 100.0 %]');
});

test('learning rates read as numbers, not JSON', () => {
  assert.equal(lr(0.00067), '6.7e-4');
  assert.equal(lr(0.001), '1e-3');
  assert.equal(lrs({ lora: 0.00067, full: 0.000037 }), 'lora 6.7e-4, full 3.7e-5');
});

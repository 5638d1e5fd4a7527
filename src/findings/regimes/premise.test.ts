// The premise's verdict and the rate grid's edge (issue 29, item 7): an arm whose best rate is the top of its grid
// could do better at a higher rate, so the verdict that a better rate could reverse is not given.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PremiseComparison } from './analysis';
import { premiseHeadline } from './summary';

const interval = (estimate: number, se: number) => ({
  estimate,
  lo: estimate - 1.96 * se,
  hi: estimate + 1.96 * se,
  se,
  sd: se * Math.sqrt(96),
  n: 96,
  level: 0.95,
  method: 't',
});

const comparison = (diff: number): PremiseComparison =>
  ({
    method: 'lora',
    lr: 0.01,
    fullLr: 0.001,
    facts: 96,
    diff: interval(diff, 0.01),
    full: 0.7,
    peft: 0.7 - diff,
    atBudgets: [],
    toConvergence: { horizon: 10, diff: interval(diff, 0.01), full: 0.7, peft: 0.7 - diff },
  }) as unknown as PremiseComparison;

const grid = (lora: number, full: number) => ({
  bestRate: { lora, full },
  rates: { lora: [1, 2, 3, 4, 5], full: [1, 2, 3, 4, 5] },
  multipliers: [1 / 3, 1, 3, 10, 30],
});

test('a deficit reproduces with both best rates inside the grid; not while PEFT is at its top', () => {
  assert.equal(premiseHeadline(comparison(0.15), grid(2, 2)).verdict, 'reproduces');
  const h = premiseHeadline(comparison(0.15), grid(4, 2));
  assert.equal(h.verdict, 'inconclusive');
  assert.equal(h.because, 'grid edge');
  assert.match(
    h.reason,
    /lora's best rate is the top of its grid \(30×\): a higher rate could reverse "reproduces"/,
  );
  // full fine-tuning at the top cannot undo a deficit it already shows
  assert.equal(premiseHeadline(comparison(0.15), grid(2, 4)).verdict, 'reproduces');
});

test('equivalence is "does not reproduce" only while full fine-tuning is inside its grid', () => {
  assert.equal(premiseHeadline(comparison(0), grid(2, 2)).verdict, 'does not reproduce');
  assert.equal(premiseHeadline(comparison(0), grid(4, 2)).verdict, 'does not reproduce');
  const h = premiseHeadline(comparison(0), grid(2, 4));
  assert.equal(h.verdict, 'inconclusive');
  assert.equal(h.because, 'grid edge');
});

test('every fact one step slower (se 0): the exact sign test decides, not "no variation"', () => {
  const constant = (d: number, n: number): PremiseComparison => {
    const c = { estimate: d, lo: d, hi: d, se: 0, sd: 0, n, level: 0.95, method: 't' };
    return {
      ...comparison(d),
      facts: n,
      diff: c,
      toConvergence: { horizon: 2, diff: c, full: 0.5 + d / 2, peft: 0.5 - d / 2 },
    } as unknown as PremiseComparison;
  };
  // 8 of 8 facts on one side: p = 2 · 0.5⁸ = 0.0078
  const h = premiseHeadline(constant(0.5, 8), grid(2, 2));
  assert.equal(h.verdict, 'reproduces');
  assert.match(h.reason, /exact sign test decides: 8 of 8 on one side, p 0\.0078/);
  assert.equal(h.mde, null);
  assert.equal(premiseHeadline(constant(-0.5, 8), grid(2, 2)).verdict, 'does not reproduce');
  // 5 of 5: p = 0.0625, too few
  const few = premiseHeadline(constant(0.5, 5), grid(2, 2));
  assert.equal(few.verdict, 'inconclusive');
  assert.equal(few.because, 'underpowered');
  // no difference at all stays "no variation"
  const none = premiseHeadline(constant(0, 8), grid(2, 2));
  assert.equal(none.because, 'no variation');
});

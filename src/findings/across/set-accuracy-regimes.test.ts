/**
 * Findings 3–5 per accuracy regime: the regimes chosen on held-out curves (reached or not), and a finding's view at a
 * shorter budget (Experiment.atEpoch) — the whole budget is the result itself, and an effect planted only in the last
 * epoch is found there and not at the first.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../util/random';
import { type FilteringConfig, type FilteringResult, filtering } from '../filtering/experiment';
import { filteringHeadlines } from '../filtering/summary';
import { filteringFinding } from '../index';
import { chooseSetRegimes, regimeFigures } from './set-accuracy-regimes';

const curve = (accs: number[]) =>
  accs.map((a, i) => ({
    budget: i + 1,
    estimate: a,
    interval: { estimate: a, lo: a, hi: a, level: 0.95, n: 2, method: 'test' },
  }));

test('chooseSetRegimes: the closest (rate, epoch) per level; far levels and a still-rising end are not reached', () => {
  const rising = new Map([
    [1, curve([0.1, 0.3, 0.45, 0.5])],
    [3, curve([0.4, 0.7, 0.9, 0.96])],
  ]);
  const r = chooseSetRegimes(rising, [0.3, 0.5, 0.7, 0.95, 'converged']);
  assert.deepEqual(
    r.map((x) => [x.name, x.rate, x.budget, x.reached]),
    [
      [0.3, 1, 2, true],
      [0.5, 1, 4, true],
      [0.7, 3, 2, true],
      [0.95, 3, 4, true],
      ['converged', 3, 4, false], // the best rate gained 6 points in its last epoch
    ],
  );
  const plateau = new Map([[1, curve([0.2, 0.3, 0.35, 0.355])]]);
  const p = chooseSetRegimes(plateau, [0.3, 0.95, 'converged']);
  assert.deepEqual(
    p.map((x) => [x.name, x.budget, x.reached]),
    [
      [0.3, 2, true],
      [0.95, 4, false], // 35.5 % is 60 points away
      ['converged', 3, true], // within 1 point of the end one epoch early
    ],
  );
  // rates of different lengths: the faster rate trained longer reaches its plateau
  const longer = new Map([
    [1, curve([0.1, 0.3, 0.45, 0.5])],
    [3, curve([0.4, 0.7, 0.9, 0.96, 0.99, 0.995, 0.996, 0.996])],
  ]);
  const l = chooseSetRegimes(longer, [0.5, 0.95, 'converged']);
  assert.deepEqual(
    l.map((x) => [x.name, x.rate, x.budget, x.epochs, x.reached]),
    [
      [0.5, 1, 4, 4, true],
      [0.95, 3, 4, 8, true],
      ['converged', 3, 5, 8, true],
    ],
  );
});

/** Filtering results for every case: each fact learned with probability p(strategy, share, epoch), seeded. */
function plantedFiltering(cfg: FilteringConfig, lateGain: number): FilteringResult[] {
  const rnd = mulberry32(11);
  return filtering.cases(cfg).map((c) => {
    const byEpoch = Array.from({ length: cfg.epochs }, (_, e) => {
      const late = e === cfg.epochs - 1 && c.strategy === 'semantic-greedy' && c.share >= 0.5;
      const p = 0.4 + (late ? lateGain : 0);
      return Array.from({ length: cfg.setSize }, () => rnd() < p);
    });
    const learned = byEpoch[cfg.epochs - 1];
    return {
      accuracy: learned.filter(Boolean).length / learned.length,
      meanDistance: 0.5,
      varDistance: 0.03,
      replaced: Math.round(c.share * cfg.setSize),
      facts: learned.map((_, i) => `f${i}`),
      learned,
      learnedByEpoch: byEpoch,
    };
  });
}

const cfg = {
  seeds: [0],
  sets: 12,
  setSize: 32,
  epochs: 3,
  shares: [0, 0.3, 0.6],
  strategies: ['semantic-greedy', 'random'],
} as unknown as FilteringConfig;

test('atEpoch views: the last epoch is the result itself; a planted late gain is found there, not at epoch 1', () => {
  const cases = filtering.cases(cfg);
  const results = plantedFiltering(cfg, 0.4);
  const view = (e: number) => results.map((r, i) => filtering.atEpoch!(cfg, cases[i], r, e));
  assert.deepEqual(view(3), results);
  const late = filteringHeadlines(filtering.summarize(cfg, view(3)))[0];
  const early = filteringHeadlines(filtering.summarize(cfg, view(1)))[0];
  assert.equal(late.verdict, 'reproduces', late.reason);
  assert.notEqual(early.verdict, 'reproduces', early.reason);
  // no planted gain: no epoch reproduces
  const none = plantedFiltering(cfg, 0);
  for (const e of [1, 2, 3]) {
    const h = filteringHeadlines(
      filtering.summarize(
        cfg,
        none.map((r, i) => filtering.atEpoch!(cfg, cases[i], r, e)),
      ),
    )[0];
    assert.notEqual(h.verdict, 'reproduces', `epoch ${e}: ${h.reason}`);
  }
  // an epoch outside the run, or a result without the per-epoch record: a clear error
  assert.throws(() => filtering.atEpoch!(cfg, cases[0], results[0], 4), /epoch must be an integer in 1\.\.3/);
  assert.throws(
    () => filtering.atEpoch!(cfg, cases[0], { ...results[0], learnedByEpoch: [] }, 1),
    /no outcome recorded after epoch 1 .*need a rerun/,
  );
});

test('regimeFigures: each finding’s first figure in every regime column, as a selector and as small multiples', () => {
  const cases = filtering.cases(cfg);
  const results = plantedFiltering(cfg, 0.4);
  const column = (epoch: number, label: 0.3 | 0.5) => {
    const s = filtering.summarize(
      cfg,
      results.map((r, i) => filtering.atEpoch!(cfg, cases[i], r, epoch)),
    );
    const regime = { name: label, rate: 1, budget: epoch, accuracy: label, epochs: 3 };
    return {
      name: `${label}`,
      regimes: [
        {
          ...regime,
          heldOut: { estimate: label, lo: label, hi: label, level: 0.95, n: 2, method: 't' },
          reached: true,
        },
      ],
      headlines: filteringHeadlines(s),
      views: [{ key: 'filtering', headlines: filteringHeadlines(s), figures: filteringFinding.figures(s) }],
    };
  };
  const figs = regimeFigures([column(1, 0.3), column(3, 0.5)]);
  assert.deepEqual(
    figs.map((f) => f.name),
    ['set-regimes-filtering', 'set-regimes-filtering-panels'],
  );
  const one = filteringFinding.figures(filtering.summarize(cfg, results))[0].spec.data.length;
  const menu = (figs[0].spec.layout['updatemenus'] as { buttons: { label: string }[] }[])[0];
  assert.deepEqual(
    menu.buttons.map((b) => b.label),
    ['30 %', '50 %'],
  );
  assert.equal(figs[0].spec.data.length, 2 * one);
  assert.equal(figs[1].spec.data.length, 2 * one);
  assert.deepEqual(regimeFigures([]), []);
});

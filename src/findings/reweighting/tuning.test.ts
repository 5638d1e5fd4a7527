import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseFromGrid, type ReweightingConfig, reweighting, variantLabel } from './experiment';

const cfg = {
  variants: ['ce', 'distance', 'extremes', 'inverse'],
  grid: [0.5, 1, 2],
} as unknown as Pick<ReweightingConfig, 'variants' | 'grid'>;

const held = (grid: Record<string, number>) => ({ grid });

test('each variant keeps the grid value with the largest mean gain over CE on the held-out sets', () => {
  const sets = [
    held({
      ce: 0.5,
      'distance γ=0.5': 0.5,
      'distance γ=1': 0.55,
      'distance γ=2': 0.65,
      'extremes α=0.5': 0.5,
      'extremes α=1': 0.5,
      'extremes α=2': 0.5,
      'inverse γ=0.5': 0.4,
      'inverse γ=1': 0.45,
      'inverse γ=2': 0.7,
    }),
    held({
      ce: 0.6,
      'distance γ=0.5': 0.6,
      'distance γ=1': 0.65,
      'distance γ=2': 0.7,
      'extremes α=0.5': 0.6,
      'extremes α=1': 0.6,
      'extremes α=2': 0.6,
      'inverse γ=0.5': 0.6,
      'inverse γ=1': 0.6,
      'inverse γ=2': 0.6,
    }),
  ];
  const { chosen, ties } = chooseFromGrid(cfg, sets);
  // distance: γ=2 gains 0.125 on average, the most; inverse: γ=2; extremes: every value ties at 0 → reported, γ... α=1
  assert.deepEqual(chosen, { distance: 2, extremes: 1, inverse: 2 });
  assert.deepEqual(ties, { extremes: [0.5, 1, 2] });
  assert.equal(variantLabel('extremes', 2), 'extremes α=2');
  assert.equal(variantLabel('ce'), 'ce');
});

test('a tie is reported and goes to the value nearest 1, never to the first by position', () => {
  // every value at the ceiling on every held-out set (the 3× case of the verdicts issue)
  const ceiling = held(
    Object.fromEntries(
      [
        'ce',
        ...['distance', 'extremes', 'inverse'].flatMap((v) =>
          [0.5, 1, 2].map((x) => variantLabel(v as 'distance', x)),
        ),
      ].map((l) => [l, 1]),
    ),
  );
  const { chosen, ties } = chooseFromGrid(cfg, [ceiling, ceiling]);
  assert.deepEqual(chosen, { distance: 1, extremes: 1, inverse: 1 });
  assert.deepEqual(Object.keys(ties).sort(), ['distance', 'extremes', 'inverse']);
  // a two-way tie between 0.5 and 2 (equally far from 1 on a log scale): the smaller
  const two = held({ ce: 0.5, 'distance γ=0.5': 0.6, 'distance γ=1': 0.5, 'distance γ=2': 0.6 });
  const r = chooseFromGrid({ variants: ['ce', 'distance'], grid: [0.5, 1, 2] }, [two]);
  assert.deepEqual(r, { chosen: { distance: 0.5 }, ties: { distance: [0.5, 2] } });
  // no held-out sets: nothing is chosen (no crash)
  assert.deepEqual(chooseFromGrid(cfg, []), { chosen: {}, ties: {} });
});

test('at an earlier epoch, γ and α are chosen again on the held-out sets at that epoch, and tested there', () => {
  const full = {
    variants: ['ce', 'distance'],
    grid: [0.5, 2],
    epochs: 2,
    seeds: [0],
    sets: 1,
    tuningSets: 1,
  } as unknown as ReweightingConfig;
  const labels = ['ce', 'distance γ=0.5', 'distance γ=2'];
  // held-out: γ=0.5 is best after epoch 1, γ=2 after epoch 2
  const held = {
    facts: ['a', 'b'],
    grid: { ce: 0.5, 'distance γ=0.5': 0.5, 'distance γ=2': 1 },
    gridByEpoch: { ce: [0, 0.5], 'distance γ=0.5': [0.5, 0.5], 'distance γ=2': [0, 1] },
  };
  // test: per fact, [epoch][fact]
  const byEpoch: Record<string, boolean[][]> = {
    ce: [
      [false, false],
      [true, false],
    ],
    'distance γ=0.5': [
      [true, false],
      [true, false],
    ],
    'distance γ=2': [
      [false, false],
      [true, true],
    ],
  };
  const testSet = {
    facts: ['c', 'd'],
    grid: Object.fromEntries(labels.map((l) => [l, byEpoch[l][1].filter(Boolean).length / 2])),
    gridByEpoch: Object.fromEntries(
      labels.map((l) => [l, byEpoch[l].map((e) => e.filter(Boolean).length / 2)]),
    ),
    learned: Object.fromEntries(labels.map((l) => [l, byEpoch[l][1]])),
    learnedByEpoch: byEpoch,
  };
  const cases = reweighting.cases(full);
  assert.deepEqual(
    cases.map((c) => c.id),
    ['tuning|0|0', '0|0'],
  );
  const results = [held, testSet];
  const at = (e: number) =>
    reweighting.summarize(
      full,
      results.map((r, i) => reweighting.atEpoch!(full, cases[i], r, e)),
    );
  const one = at(1);
  assert.deepEqual(one.chosen, { distance: 0.5 });
  assert.equal(one.variants.find((v) => v.variant === 'distance')?.gainOverCE.estimate, 0.5);
  const two = at(2);
  assert.deepEqual(two.chosen, { distance: 2 });
  assert.equal(two.variants.find((v) => v.variant === 'distance')?.gainOverCE.estimate, 0.5);
  // the whole run is epoch 2: the summary of the results themselves agrees
  assert.deepEqual(reweighting.summarize(full, results).chosen, { distance: 2 });
  assert.equal(two.sensitivity.length, 2);
  assert.equal(two.heldOutSets, 1);
});

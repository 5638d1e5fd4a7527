import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseFromGrid, type ReweightingConfig, variantLabel } from './experiment';

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
  // a two-way tie between 0.5 and 2 (equally far from 1 on a log scale): the first of them
  const two = held({ ce: 0.5, 'distance γ=0.5': 0.6, 'distance γ=1': 0.5, 'distance γ=2': 0.6 });
  const r = chooseFromGrid({ variants: ['ce', 'distance'], grid: [0.5, 1, 2] }, [two]);
  assert.deepEqual(r, { chosen: { distance: 0.5 }, ties: { distance: [0.5, 2] } });
});

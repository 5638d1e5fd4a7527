import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseFromGrid, type ReweightingConfig, type ReweightingResult, variantLabel } from './experiment';

const cfg = {
  variants: ['ce', 'distance', 'extremes', 'inverse'],
  grid: [0.5, 1, 2],
} as unknown as ReweightingConfig;

const tuned = (grid: Record<string, number>): ReweightingResult =>
  ({ ce: grid.ce, distance: 0, extremes: 0, inverse: 0, facts: [], learned: {}, grid }) as ReweightingResult;

test('each variant keeps the grid value with the largest mean gain over CE on the held-out sets (ties: the first)', () => {
  const sets = [
    tuned({
      ce: 0.5,
      'distance γ=0.5': 0.5,
      'distance γ=1': 0.6,
      'distance γ=2': 0.55,
      'extremes α=0.5': 0.5,
      'extremes α=1': 0.5,
      'extremes α=2': 0.5,
      'inverse γ=0.5': 0.4,
      'inverse γ=1': 0.45,
      'inverse γ=2': 0.7,
    }),
    tuned({
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
  // distance: γ=1 gains (0.1 + 0.05)/2, γ=2 (0.05 + 0.1)/2: a tie, the first (γ = 1) wins
  assert.deepEqual(chooseFromGrid(cfg, sets), { distance: 1, extremes: 0.5, inverse: 2 });
  assert.equal(variantLabel('extremes', 2), 'extremes α=2');
  assert.equal(variantLabel('ce'), 'ce');
});

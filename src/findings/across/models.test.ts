import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Headline } from '../headline';
import { modelResultsDir, modelsReport } from './models';

const h = (finding: string, verdict: Headline['verdict'], estimate: number): Headline => ({
  finding,
  measure: 'm',
  estimate,
  lo: estimate - 0.01,
  hi: estimate + 0.01,
  verdict,
  reason: 'r',
  mde: null,
});

test('modelsReport: one row per finding, one column per model, and the verdicts that move', () => {
  assert.equal(
    modelsReport([{ name: 'a', description: 'A', headlines: [h('1 x', 'reproduces', 0.1)] }]),
    undefined,
  );
  const r = modelsReport([
    { name: 'a', description: 'A', headlines: [h('1 x', 'reproduces', 0.1), h('2 y', 'inconclusive', 0)] },
    {
      name: 'b',
      description: 'B',
      headlines: [h('1 x', 'reproduces', 0.2), h('2 y', 'does not reproduce', -0.05)],
    },
  ]);
  assert.ok(r);
  assert.match(r.section, /\| finding · method \| a \| b \|/);
  assert.match(r.section, /\| 1 x \| \*\*reproduces\*\* 10\.0 \[9\.0, 11\.0\] \| \*\*reproduces\*\* 20\.0/);
  assert.match(
    r.section,
    /Verdicts that move with the model \(they belong to the models that give them\):\n\n- 2 y: inconclusive on a; does not reproduce on b\./,
  );
  assert.match(r.section, /Stable across the models:\n\n- reproduces on every model: 1 x\.\n/);
  // a finding one model lacks is shown as '—' and listed, not counted as a verdict that moved
  const partial = modelsReport([
    { name: 'a', description: 'A', headlines: [h('1 x', 'reproduces', 0.1), h('3 z', 'inconclusive', 0)] },
    { name: 'b', description: 'B', headlines: [h('1 x', 'reproduces', 0.2)] },
  ]);
  assert.ok(partial);
  assert.match(partial.section, /No verdict moves with the model\./);
  // stable means every model has the row: 1 x is, 3 z (one model) is neither stable nor moving
  assert.match(
    partial.section,
    /Stable across the models:\n\n- reproduces on every model: 1 x\.\n\nNo verdict/,
  );
  assert.doesNotMatch(partial.section, /inconclusive on every model/);
  // inconclusive for different reasons is the same verdict
  const reasons = modelsReport([
    { name: 'a', description: 'A', headlines: [{ ...h('4 w', 'inconclusive', 0), because: 'floor' }] },
    { name: 'b', description: 'B', headlines: [{ ...h('4 w', 'inconclusive', 0), because: 'underpowered' }] },
  ]);
  assert.match(reasons?.section ?? '', /- inconclusive on every model: 4 w\./);
  assert.match(reasons?.section ?? '', /No verdict moves with the model\./);
  assert.match(partial.section, /\| 3 z \| \*\*inconclusive\*\* 0\.0 \[-1\.0, 1\.0\] \| — \|/);
  assert.match(
    partial.section,
    /no cached run of this finding with the current settings for that model .*: 3 z\./,
  );
  assert.equal(r.figures[0].name, 'models');
  assert.equal(r.figures[0].spec.data.length, 2);
  assert.equal(modelResultsDir('results', 'beacon-base'), 'results');
  assert.equal(modelResultsDir('results', 'beacon-large'), 'results/models/beacon-large');
});

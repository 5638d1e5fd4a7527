/** The set-rate comparison of SUMMARY.md (`--scale full`), from the committed runs. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadSummary } from '../../runner/runner';
import { reweightingFinding } from '../index';
import type { ReweightingSummary } from '../reweighting/experiment';
import { setRegimeDir, setRegimesExtra } from './set-regimes';

test('the set-rate section orders the regimes by rate and states the accuracy each rate gives', {
  skip: fs.existsSync(path.join('results', 'full', 'set-rate-3x')) ? false : 'no committed full-scale runs',
}, () => {
  const [extra] = setRegimesExtra({ scale: 'full' }, path.join('results', 'full'));
  assert.match(
    extra.section,
    /\| finding \| 0\.33× the rate \| calibrated \(1×\) \| 3× the rate, 12 epochs \| reproduces in \|/,
  );
  // the accuracy line: plain cross-entropy on re-weighting's test sets, read here from each run's summary
  const ce = (k: number | undefined, dir: string, setEpochs?: number) => {
    const cfg = reweightingFinding.config({ scale: 'full', ...(k ? { setRateScale: k, setEpochs } : {}) });
    const s = loadSummary(reweightingFinding.experiment, cfg, dir)!.summary as ReweightingSummary;
    return (100 * s.variants.find((v) => v.variant === 'ce')!.accuracy.estimate).toFixed(1);
  };
  const full = path.join('results', 'full');
  const want = [
    `0.33× the rate ${ce(0.33, setRegimeDir(full, 0.33))} %`,
    `calibrated (1×) ${ce(undefined, full)} %`,
    `3× the rate, 12 epochs ${ce(3, setRegimeDir(full, 3), 12)} %`,
  ];
  for (const w of want) assert.ok(extra.section.includes(w), `${w} in the accuracy line`);
  // not at a scale without second regimes, nor for a run that is itself one
  assert.deepEqual(setRegimesExtra({ scale: 'toy' }, 'results'), []);
  assert.deepEqual(setRegimesExtra({ scale: 'full', setRateScale: 3 }, full), []);
});

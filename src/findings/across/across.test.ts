/** findingAcross: one finding's verdicts per shipped model and per set rate, from cached runs only. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { FindingKey } from '../index';
import { findingAcross } from './across';

test('findingAcross says so when there is nothing cached, and refuses an unknown finding', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'across-'));
  assert.match(findingAcross('reweighting', { scale: 'toy' }, dir), /No cached runs of this finding/);
  assert.throws(() => findingAcross('nope' as FindingKey, {}, dir), /unknown finding 'nope'/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('findingAcross reads the committed runs: every shipped model, and the three set rates at full scale', {
  skip: fs.existsSync(path.join('results', 'full', 'set-rate-3x')) ? false : 'no committed full-scale runs',
}, () => {
  const md = findingAcross('reweighting', { scale: 'toy' }, 'results');
  assert.match(md, /\| finding · method \| beacon-base \| beacon-untied \| beacon-large \|/);
  assert.match(md, /\| finding \| 0\.33× the rate \| calibrated \(1×\) \| 3× the rate, 12 epochs \|/);
  assert.match(md, /\| 5 re-weighting \| \*\*(reproduces|does not reproduce|inconclusive)\*\*/);
  // a single-fact finding has no set rates
  assert.doesNotMatch(findingAcross('distance', { scale: 'toy' }, 'results'), /set learning rate/);
});

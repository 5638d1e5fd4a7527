// Finding 5's reading and its verdict say the same about the multiple-comparison correction (issue 32): both take
// the wording from familyCorrection, the rule bestOfFamily applies.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { familyCorrection } from '../headline';
import { reweightingFinding } from '../index';
import type { ReweightingSummary } from './experiment';

const ROOT = path.join(__dirname, '..', '..', '..');

test('re-weighting: the figure reading names the correction the verdict applied (one source)', () => {
  const dirs = fs
    .readdirSync(path.join(ROOT, 'results', 'reweighting'))
    .map((h) => path.join(ROOT, 'results', 'reweighting', h, 'summary.json'))
    .filter((f) => fs.existsSync(f));
  assert.ok(dirs.length > 0, 'no committed re-weighting summary');
  for (const file of dirs) {
    const s = (JSON.parse(fs.readFileSync(file, 'utf8')) as { summary: ReweightingSummary }).summary;
    const r = reweightingFinding.reading(s);
    const n = s.variants.filter((v) => v.variant !== 'ce').length;
    const figure = r.figures['reweighting']!;
    assert.doesNotMatch(figure, /no multiple-comparison correction/, file);
    assert.ok(
      figure.includes(familyCorrection(n)),
      `${file}: the reading does not name ${familyCorrection(n)}`,
    );
    assert.ok(
      r.verdict.includes(familyCorrection(n)),
      `${file}: the verdict does not name ${familyCorrection(n)}`,
    );
    assert.match(r.verdict, /v1 rule: best of \d, uncorrected/, file);
  }
});

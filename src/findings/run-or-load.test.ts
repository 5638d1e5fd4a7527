import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Experiment } from '../runner/experiment';
import { defineFinding } from './finding';
import { runOrLoad } from './run-or-load';

type Cfg = { n: number };
let computed = 0;
const squares: Experiment<Cfg, { id: string; x: number }, number, { sum: number }> = {
  name: 'squares',
  version: 1,
  cases: (cfg) => Array.from({ length: cfg.n }, (_, x) => ({ id: String(x), x })),
  async runBatch(_cfg, cases) {
    computed += cases.length;
    return cases.map((c) => c.x * c.x);
  },
  summarize: (_cfg, rs) => ({ sum: rs.reduce((a, b) => a + b, 0) }),
};
const finding = defineFinding({
  key: 'squares',
  experiment: squares,
  config: () => ({ n: 4 }),
  figures: () => [],
  section: (cfg, s) => `${cfg.n} squares sum to ${s.sum}`,
  tables: (s) => [{ rows: [{ sum: s.sum }], caption: 'sum' }],
  headlines: () => [],
  reading: (s) => ({ number: String(s.sum), verdict: 'none', figures: {} }),
  caveat: 'a test finding',
});

test('runOrLoad computes a new config, then reads it from the cache and says which it did', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-or-load-'));
  try {
    const lines: string[] = [];
    const first = await runOrLoad(finding, { n: 4 }, { resultsDir: dir, onProgress: (l) => lines.push(l) });
    assert.equal(first.computed, true);
    assert.equal(first.summary.sum, 0 + 1 + 4 + 9);
    assert.match(first.message, /computed its 4 cases now/);
    assert.ok(lines.length > 0);
    const second = await runOrLoad(finding, { n: 4 }, { resultsDir: dir });
    assert.equal(second.computed, false);
    assert.equal(computed, 4);
    assert.deepEqual(second.summary, first.summary);
    assert.match(second.message, /read from the cache/);
    assert.equal(second.dir, first.dir);
    // the report reads the same cached run through the table's untyped entry point
    assert.equal(finding.report({}, dir)?.section, '4 squares sum to 14');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

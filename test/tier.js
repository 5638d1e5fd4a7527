#!/usr/bin/env node
// The test tiers (README, Setup). `node test/tier.js fast` — the unit tests a newcomer runs with `npm test` (after
// the type check and lint): every src/**/*.test.ts but the slow ones below, plus the option-table tests, two files
// at a time. `node test/tier.js all` — every *.test.ts under src/ and test/ (end-to-end sweeps, determinism, the
// hostile suite, browser checks), one file at a time; `npm run test:all` adds the notebooks. CI runs test:all.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/** Unit tests left to test:all, each with why (seconds: one run on a busy 2-core machine, 2026-12-06). */
const SLOW = {
  'src/findings/regimes/analysis.test.ts': 'operating characteristics by simulation (160 s)',
  'src/knowledge/learn.test.ts': 'trains adapters on the shipped model (62 s)',
  'src/peft/peft.test.ts': 'trains every method (41 s)',
  'src/viz/display.test.ts': 'starts headless Chromium (24 s)',
  'src/report/html.test.ts': 'opens the report in headless Chromium (25 s)',
  'src/peft/stacking.test.ts': 'trains stacked adapters on cpu and wasm (81 s)',
};

/** Tests under test/ that are fast enough for the first tier. */
// (test/cli.test.ts starts the command line once per command: about a minute, so it is in test:all only)
const FAST_EXTRA = ['test/cli-docs.test.ts', 'test/front-door.test.ts', 'test/hostile/options.test.ts'];

function find(dir) {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return find(rel);
    return e.name.endsWith('.test.ts') ? [rel] : [];
  });
}

const tier = process.argv[2];
if (tier !== 'fast' && tier !== 'all') {
  console.error('usage: node test/tier.js fast|all');
  process.exit(2);
}
const files =
  tier === 'fast'
    ? [...find('src').filter((f) => !(f in SLOW)), ...FAST_EXTRA].sort()
    : [...find('src'), ...find('test')].sort();
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${tier === 'fast' ? 2 : 1}`, ...files],
  { cwd: ROOT, stdio: 'inherit' },
);
process.exit(r.status ?? 1);

/**
 * The notebooks' what-if and DataFrame helpers: config changes (merged, typos refused, listed as 'path old → new'),
 * a run's cases as flat rows, overlaid figures, and whatIf itself on a tiny smoke-scale run (computed, then read
 * from the cache, every run's changed setting in the legend and the table).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { applyChanges, describeChanges } from '../src/findings/run-or-load';
import { caseRows, initBackend, whatIf, whatIfFigures, whatIfTable } from '../src/index';
import { lineCI, overlay } from '../src/viz/figures';

test('applyChanges merges nested settings, replaces lists and values, refuses unknown keys', () => {
  const base = {
    steps: 8,
    lrs: { lora: 1e-3, full: 1e-5 },
    methods: ['lora', 'full'],
    data: null as string | null,
  };
  const c = applyChanges(base, { lrs: { lora: 3e-3 }, methods: ['lora'], data: 'x.json' });
  assert.deepEqual(c, { steps: 8, lrs: { lora: 3e-3, full: 1e-5 }, methods: ['lora'], data: 'x.json' });
  assert.deepEqual(base.lrs, { lora: 1e-3, full: 1e-5 }, 'base untouched');
  assert.throws(
    () => applyChanges(base, { stepz: 3 } as never),
    /'stepz' is not a setting here; the settings are: steps, lrs/,
  );
  assert.throws(
    () => applyChanges(base, { lrs: { lorra: 1 } } as never, 'cfg'),
    /cfg\.lrs: 'lorra' is not a setting/,
  );
  assert.deepEqual(describeChanges(base, c), [
    'lrs.lora 1e-3 → 3e-3',
    'methods ["lora","full"] → ["lora"]',
    'data null → "x.json"',
  ]);
  assert.deepEqual(describeChanges(base, base), []);
});

test('caseRows: nested fields dotted, booleans 1/0, boolean lists as shares, other lists left out', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-cases-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'cases.jsonl'),
      [
        JSON.stringify({
          id: 'a|0',
          result: { learned: true, d: { emb: 0.5 }, hits: [true, false, true, true], v: [1, 2] },
        }),
        JSON.stringify({ id: 'a|1', result: { learned: false, d: { emb: 0.25 }, extra: 'x' } }),
        '',
      ].join('\n'),
    );
    assert.deepEqual(caseRows({ dir }), [
      { id: 'a|0', learned: 1, 'd.emb': 0.5, 'hits share': 0.75, extra: null },
      { id: 'a|1', learned: 0, 'd.emb': 0.25, 'hits share': null, extra: 'x' },
    ]);
    fs.appendFileSync(path.join(dir, 'cases.jsonl'), '{oops\n');
    assert.throws(() => caseRows({ dir }), /cases\.jsonl: line 3: not JSON/);
    assert.throws(() => caseRows({ dir: path.join(dir, 'none') }), /no cases file/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('overlay: runs named and coloured apart, y range covering both', () => {
  const one = (y: number) =>
    lineCI(
      [{ name: 'lora', x: [1, 2], mean: [y, y], lo: [y - 0.1, y - 0.1], hi: [y + 0.1, y + 0.1] }],
      {
        title: 't',
        x: 'x',
        y: 'y',
      },
      { yRange: [0, y + 0.2], ci: 'bars' },
    );
  const o = overlay([
    { label: 'default', spec: one(0.2) },
    { label: 'lr ×3 (lrs.lora 1e-3 → 3e-3)', spec: one(0.8) },
  ]);
  assert.deepEqual(
    o.data.map((t) => t['name']),
    ['default: lora', 'lr ×3 (lrs.lora 1e-3 → 3e-3): lora'],
  );
  const colours = o.data.map((t) => (t['line'] as { color: string }).color);
  assert.notEqual(colours[0], colours[1]);
  assert.deepEqual((o.layout['yaxis'] as { range: number[] }).range, [0, 1]);
});

test('whatIf: each run computed once, then read from the cache; changed settings in legend and table', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-whatif-'));
  try {
    // wasm, as the experiments run (the cpu backend takes minutes to find the facts the model knows)
    await initBackend(process.env.BEACONS_BACKEND ?? 'wasm', { quiet: true });
    const go = () =>
      whatIf(
        'distance',
        { default: {}, 'more steps': { steps: 4 } },
        {
          options: { scale: 'smoke' },
          base: { methods: ['lora'], facts: 4, steps: 2, bins: 2 },
          resultsDir: dir,
        },
      );
    const first = await go();
    assert.deepEqual(
      first.map((r) => [r.label, r.changed, r.result.computed]),
      [
        ['default', [], true],
        ['more steps', ['steps 2 → 4'], true],
      ],
    );
    assert.match(first[0]!.result.message, /^computed its 4 cases now/);
    const again = await go();
    assert.ok(again.every((r) => !r.result.computed && /^read from the cache/.test(r.result.message)));
    const table = whatIfTable(again);
    assert.deepEqual(
      table.rows.map((r) => [r['run'], r['changed settings'], r['source']]),
      [
        ['default', '— (default)', 'read from the cache'],
        ['more steps', 'steps 2 → 4', 'read from the cache'],
      ],
    );
    assert.ok(table.rows.every((r) => /accuracy overall: lora/.test(String(r['our number']))));
    const figs = whatIfFigures('distance', again);
    assert.ok(figs.length >= 1);
    const names = figs[0]!.spec.data.map((t) => String(t['name']));
    assert.ok(
      names.some((n) => n.startsWith('more steps (steps 2 → 4): lora')),
      names.join(' | '),
    );
    assert.ok(
      names.some((n) => n.startsWith('default (default settings): lora')),
      names.join(' | '),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  barGroups,
  formatCI,
  formatNumber,
  fromRows,
  groupMeans,
  lineSeries,
  meanCI,
  stepsToLearnByGroup,
  summarise,
  toHTML,
  toMarkdown,
  wilsonCI,
} from './tables';

const close = (a: number, b: number, tol = 1e-4) => assert.ok(Math.abs(a - b) < tol, `${a} ≉ ${b}`);

test('meanCI: Student-t interval; non-finite values dropped; n < 2 has no interval', () => {
  const ci = meanCI([1, 2, 3, 4, 5, Number.NaN]);
  assert.equal(ci.n, 5);
  assert.equal(ci.mean, 3);
  close(ci.sd, Math.sqrt(2.5), 1e-12);
  close(ci.hi - ci.mean, (2.7764 * Math.sqrt(2.5)) / Math.sqrt(5));
  close(ci.mean - ci.lo, ci.hi - ci.mean, 1e-12);
  const one = meanCI([0.7]);
  assert.equal(one.mean, 0.7);
  assert.ok(Number.isNaN(one.lo) && Number.isNaN(one.hi));
  assert.ok(Number.isNaN(meanCI([]).mean));
});

test('wilsonCI: known values, clipped to [0, 1]', () => {
  const w = wilsonCI(8, 10);
  close(w.lo, 0.4902);
  close(w.hi, 0.9433);
  const all = wilsonCI(10, 10);
  assert.equal(all.hi, 1);
  close(all.lo, 0.7225);
  assert.equal(wilsonCI(0, 10).lo, 0);
});

const rows = [
  { method: 'LoRA', bin: 2, acc: 1 },
  { method: 'LoRA', bin: 1, acc: 0 },
  { method: 'LoRA', bin: 1, acc: 1 },
  { method: 'full', bin: 1, acc: 1 },
  { method: 'LoRA', bin: 2, acc: 1 },
  { method: 'full', bin: 1, acc: 0.5 },
];

test('summarise: groups sorted by key, n/mean/sd/lo/hi', () => {
  const s = summarise(rows, { by: ['method', 'bin'], value: 'acc' }).objects() as Record<string, number>[];
  assert.deepEqual(
    s.map((r) => [r['method'], r['bin'], r['n'], r['mean']]),
    [
      ['LoRA', 1, 2, 0.5],
      ['LoRA', 2, 2, 1],
      ['full', 1, 2, 0.75],
    ],
  );
  const lora1 = meanCI([0, 1]);
  close(s[0]!['lo']!, lora1.lo, 1e-12);
  assert.equal(s[1]!['lo'], 1); // zero variance: the interval is the point
  const w = summarise(rows, { by: ['method'], value: 'acc', ci: 'wilson' }).objects() as Record<
    string,
    number
  >[];
  close(w[0]!['lo']!, wilsonCI(3, 4).lo, 1e-12);
  const all = summarise(fromRows(rows), { value: 'acc' }).objects() as Record<string, number>[];
  assert.equal(all.length, 1);
  assert.equal(all[0]!['n'], 6);
  assert.throws(() => summarise(rows, { by: ['nope'], value: 'acc' }), /no column 'nope'/);
});

test('fromRows: names the first row whose columns differ', () => {
  assert.throws(() => fromRows([{ a: 1 }, { a: 2 }, { b: 3 }]), /row 2: .*missing: a; extra: b/);
});

test('formatNumber / formatCI', () => {
  assert.equal(formatNumber(12), '12');
  assert.equal(formatNumber(0.123456), '0.123');
  assert.equal(formatNumber(0.123456, 1), '0.1');
  assert.equal(formatNumber(0.00001234), '1.23e-5');
  assert.equal(formatNumber(Number.NaN), '–');
  assert.equal(formatNumber(null), '–');
  assert.equal(formatNumber('LoRA'), 'LoRA');
  assert.equal(formatCI({ mean: 0.61234, lo: 0.5, hi: 0.7 }, 2), '0.61 [0.50, 0.70]');
});

test('toMarkdown: header, alignment, formatting, escaping, truncation', () => {
  const md = toMarkdown(
    [
      { method: 'LoRA|r=8', acc: 0.51234, n: 10 },
      { method: 'full', acc: Number.NaN, n: 12 },
      { method: 'Adapter', acc: 0.5, n: 3 },
    ],
    { digits: { acc: 2 }, maxRows: 2, caption: 'Table 1' },
  );
  assert.equal(
    md,
    [
      '**Table 1**',
      '',
      '| method | acc | n |',
      '| :--- | ---: | ---: |',
      '| LoRA\\|r=8 | 0.51 | 10 |',
      '| full | – | 12 |',
      '',
      '… 1 more rows',
      '',
    ].join('\n'),
  );
});

test('toHTML: escaped cells, right-aligned numbers', () => {
  const html = toHTML([{ name: '<b>', v: 0.5 }], { caption: 'c & d' });
  assert.match(html, /<caption[^>]*>c &amp; d<\/caption>/);
  assert.match(html, /<td style="text-align:left">&lt;b&gt;<\/td><td style="text-align:right">0\.500<\/td>/);
});

test('lineSeries / barGroups: summary rows to figure inputs', () => {
  const s = summarise(rows, { by: ['method', 'bin'], value: 'acc' });
  const lines = lineSeries(s, 'bin', { series: 'method' });
  assert.deepEqual(
    lines.map((l) => [l.name, l.x, l.mean]),
    [
      ['LoRA', [1, 2], [0.5, 1]],
      ['full', [1], [0.75]],
    ],
  );
  assert.equal(lines[0]!.lo!.length, 2);
  const bars = barGroups(s, 'bin', { series: 'method' });
  assert.deepEqual(bars[0]!.categories, ['1', '2']);
  assert.throws(() => lineSeries([{ bin: 'x', mean: 1 }], 'bin'), /row 0: field 'bin' is not a number/);
});

test('groupMeans: nulls and NaN left out (not 0), with a count where any group leaves one out', () => {
  const rows = [
    { m: 'a', x: 1, s: 4 },
    { m: 'b', x: 3, s: null },
    { m: 'a', x: 2, s: Number.NaN },
    { m: 'b', x: 5, s: null },
  ];
  assert.deepEqual(groupMeans(rows, ['m'], ['x', 's']), [
    { m: 'a', rows: 2, x: 1.5, s: 4, 's n': 1 },
    { m: 'b', rows: 2, x: 4, s: null, 's n': 0 },
  ]);
  assert.throws(() => groupMeans(rows, ['m'], ['y']), /row 0: no column 'y'/);
});

test('stepsToLearnByGroup: the mean over learned facts with a step; unlearned and stepless ones counted apart', () => {
  const rows = [
    { method: 'lora', learned: 1, stepsToLearn: 4 },
    { method: 'lora', learned: 1, stepsToLearn: 10 },
    { method: 'lora', learned: 1, stepsToLearn: null },
    { method: 'lora', learned: 0, stepsToLearn: null },
    { method: 'full', learned: 0, stepsToLearn: null },
  ];
  assert.deepEqual(stepsToLearnByGroup(rows, ['method']), [
    { method: 'lora', runs: 4, learned: 3, 'with a step': 2, 'mean steps to learn': 7, 'median steps': 7 },
    {
      method: 'full',
      runs: 1,
      learned: 0,
      'with a step': 0,
      'mean steps to learn': null,
      'median steps': null,
    },
  ]);
  // danfojs-style mean with null as 0 would give (4 + 10 + 0) / 3 = 4.67 for lora's learned facts
  assert.throws(
    () => stepsToLearnByGroup([{ method: 'x', learned: 2, stepsToLearn: 1 }], ['method']),
    /row 0: field 'learned' is 2/,
  );
  assert.throws(
    () => stepsToLearnByGroup([{ method: 'x', learned: 1, stepsToLearn: 'a' }], ['method']),
    /row 0: field 'stepsToLearn'/,
  );
});

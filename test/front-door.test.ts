/**
 * The README is a front door (issue: one screen to the answer): at most 10 KB, its answer generated from the cached
 * results, and no result typed by hand in README.md or docs/*.md outside generated blocks.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { claimBlocks, claimFiles, staleClaimFiles } from '../src/commands/claims';
import type { Headline } from '../src/findings/headline';
import {
  cellText,
  FRONT_ROWS,
  frontCell,
  generatedBlocks,
  ladderLine,
  outsideGenerated,
  rewriteGenerated,
} from '../src/report/front';

const ROOT = path.resolve(__dirname, '..');

function headline(finding: string, verdict: Headline['verdict'], estimate = 0.02): Headline {
  return {
    finding,
    measure: 'm',
    estimate,
    lo: estimate - 0.01,
    hi: estimate + 0.01,
    verdict,
    reason: 'r',
    mde: 0.01,
  };
}

test('README.md is at most 10 KB', () => {
  const bytes = fs.statSync(path.join(ROOT, 'README.md')).size;
  assert.ok(bytes <= 10 * 1024, `README.md is ${bytes} bytes (limit 10 KB): move detail to docs/`);
});

test('README carries the answer table and figure as generated blocks', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.deepEqual(
    generatedBlocks(readme)
      .filter((b) => b.startsWith('answer'))
      .sort(),
    ['answer', 'answer-figure'],
  );
  // the answer comes before any other section
  assert.ok(readme.indexOf('<!-- generated:answer -->') < readme.indexOf('\n## Quick start'));
});

test('regenerating README and docs from the committed caches gives no diff', () => {
  const stale = staleClaimFiles(ROOT, claimBlocks(ROOT));
  assert.deepEqual(
    stale.map((s) => s.file),
    [],
    'run "npx beacons claims" (the results changed, or a generated block was edited by hand)',
  );
});

/**
 * What a hand-typed result looks like: a percentage or a "points" number with decimals, an interval, a verdict
 * word outside inline code (definitions write them as `reproduces`). Integer percentages are configuration (the
 * paper's "60 %", a 5 % bar) and allowed.
 */
export function handTypedResults(text: string): string[] {
  const hits: string[] = [];
  const patterns = [
    /\b\d+\.\d+\s?%/g,
    /\[-?\d+\.\d+, -?\d+\.\d+\]/g,
    /[+−-]\d+\.\d+ points/g,
    /\b(reproduces|does not reproduce|inconclusive)\b/g,
  ];
  // the bench block of docs/performance.md is generated too (src/bench/render.test.ts checks it against its files)
  outsideGenerated(text)
    .replace(/<!-- bench:begin[\s\S]*?<!-- bench:end -->/g, '')
    .split('\n')
    .forEach((line, i) => {
      const prose = line.replace(/`[^`]*`/g, '``');
      for (const p of patterns) for (const m of prose.matchAll(p)) hits.push(`line ${i + 1}: ${m[0]}`);
    });
  return hits;
}

test('the scan for hand-typed results finds them (and passes generated blocks and code)', () => {
  assert.deepEqual(handTypedResults('LoRA gains 2.1 points [0.7, 3.4] and reproduces.'), [
    'line 1: [0.7, 3.4]',
    'line 1: reproduces',
  ]);
  assert.deepEqual(handTypedResults('it learns 94.2 % of them'), ['line 1: 94.2 %']);
  assert.deepEqual(handTypedResults('a verdict is `reproduces`, a 5 % bar'), []);
  assert.deepEqual(
    handTypedResults('<!-- generated:x -->\n+3.1 [2.6, 3.5] reproduces\n<!-- /generated:x -->\n'),
    [],
  );
  assert.deepEqual(
    handTypedResults('<!-- bench:begin (generated) -->\nExp 2 41.4 4.4%\n<!-- bench:end -->\nafter 4.4%\n'),
    ['line 2: 4.4%'],
  );
});

test('no result is typed by hand in README.md or docs/*.md (outside generated blocks)', () => {
  for (const file of claimFiles(ROOT)) {
    const hits = handTypedResults(fs.readFileSync(path.join(ROOT, file), 'utf8'));
    assert.deepEqual(hits, [], `${file}: generate these from the results (beacons claims) or remove them`);
  }
});

test('a row is one verdict when the methods agree, "mixed" with the split when not', () => {
  const row = FRONT_ROWS[0]!;
  const agree = frontCell(row, [
    headline(`${row.primary} · lora`, 'reproduces'),
    headline(`${row.primary} · adalora`, 'reproduces'),
    headline(`${row.primary} · full`, 'does not reproduce'), // full fine-tuning is not a PEFT claim
    headline('3 interference', 'does not reproduce'), // another row
  ]);
  assert.equal(agree.word, 'reproduces');
  assert.equal(agree.headlines.length, 2);
  const mixed = frontCell(row, [
    headline(`${row.primary} · lora`, 'reproduces'),
    headline(`${row.primary} · adalora`, 'does not reproduce'),
    headline(`${row.primary} · adapter`, 'inconclusive'),
  ]);
  assert.equal(mixed.word, 'mixed');
  assert.equal(cellText(mixed), '◐ mixed 1✓ 1✗ 1?');
  assert.equal(frontCell(row, []).word, 'not run');
});

test('the ladder line: same answer on every full-scale model, or changes with it; not run is neither', () => {
  const [r0, r1, r2] = FRONT_ROWS;
  const col = (model: string, scale: 'toy' | 'full', hs: Headline[]) => ({
    column: { model, scale, dir: 'x' },
    reports: [],
    headlines: hs,
  });
  const a = [
    headline(`${r0!.primary} · lora`, 'reproduces'),
    headline(`${r1!.primary} · lora`, 'reproduces'),
  ];
  const b = [
    headline(`${r0!.primary} · lora`, 'reproduces'),
    headline(`${r1!.primary} · lora`, 'inconclusive'),
  ];
  const c = [...b, headline(`${r2!.primary} · lora`, 'reproduces')];
  const t = { columns: [col('m0', 'toy', b), col('m1', 'full', a), col('m2', 'full', c)], reference: 1 };
  assert.equal(
    ladderLine(t),
    `At full scale on m1, m2: the same answer on every model for claim ${r0!.n} (✓ reproduces); it changes with the model for claim ${r1!.n} ([which verdict on which model](results/full/SUMMARY.md#verdict-per-finding--model)).`,
  );
  assert.equal(ladderLine({ columns: [col('m1', 'full', a), col('m0', 'toy', b)], reference: 0 }), undefined);
});

test('generated blocks: rewritten in place, an unknown block is an error naming the file', () => {
  const text = 'a\n<!-- generated:x -->\nold\n<!-- /generated:x -->\nb\n';
  assert.equal(
    rewriteGenerated(text, { x: 'new' }, 'F.md'),
    'a\n<!-- generated:x -->\nnew\n<!-- /generated:x -->\nb\n',
  );
  assert.throws(() => rewriteGenerated(text, { y: 'new' }, 'F.md'), /F\.md: generated block 'x'/);
  assert.equal(outsideGenerated(text), 'a\n\nb\n');
});

test('every answer row finds its primary headlines in the default results', () => {
  const blocks = claimBlocks(ROOT);
  const lines = blocks['answer']!.split('\n').filter((l) => /^\| \*\*\d\*\* /.test(l));
  assert.equal(lines.length, FRONT_ROWS.length);
  // the default run (the first model column) has every experiment; a column of a partial run may say "not run"
  for (const l of lines) {
    const cells = l.split(' | ');
    assert.ok(!cells[1]!.includes('not run'), `a row has no headline in the default results: ${l}`);
  }
});

test('every relative link in README.md and docs/*.md resolves to a file of the project', () => {
  const broken: string[] = [];
  for (const file of claimFiles(ROOT)) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
      const url = m[1]!;
      if (/^(https?:|#|mailto:)/.test(url)) continue;
      const target = path.join(ROOT, path.dirname(file), url.split('#')[0]!);
      if (!fs.existsSync(target)) broken.push(`${file}: ${url}`);
    }
  }
  assert.deepEqual(broken, []);
});

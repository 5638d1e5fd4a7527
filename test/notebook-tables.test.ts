// Every per-case table an executed notebook shows, recomputed from its run's cases.jsonl by a second, independent
// path (plain JSON and arithmetic here; the notebooks use caseRows, groupMeans and stepsToLearnByGroup) and
// compared cell by cell, to the decimals shown. Issue 32: danfojs's mean counted a missing step as 0 and taught a
// wrong ranking; notebook 04 grouped by the set index under the name 'strategy'.
// Notebooks: env BEACONS_TABLE_NOTEBOOKS (a folder), else the committed notebooks/; runs are looked up by the hash a
// notebook prints (`run \`<hash>\``) under env BEACONS_RESULTS (else results/), and in notebook 06 by the run_dir
// column of its what-if tables.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const ROOT = path.join(__dirname, '..');
const NOTEBOOKS = path.resolve(ROOT, process.env['BEACONS_TABLE_NOTEBOOKS'] ?? 'notebooks');
const RESULTS = path.resolve(ROOT, process.env['BEACONS_RESULTS'] ?? 'results');

type Result = { [k: string]: unknown };
type Case = { id: string; result: Result };
/** expected rows: key (the grouping cells joined by '|') → column → value */
type Expected = Map<string, { [column: string]: number | null }>;

function cases(dir: string): Case[] {
  return fs
    .readFileSync(path.join(dir, 'cases.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Case);
}

const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const share = (v: unknown) => (Array.isArray(v) ? v.filter((x) => x === true).length / v.length : null);

/** Group `items` by `key`; per group, the columns `cols(items)` computes. */
function grouped<T>(
  items: T[],
  key: (t: T) => string,
  cols: (g: T[]) => { [column: string]: number | null },
): Expected {
  const groups = new Map<string, T[]>();
  for (const t of items) groups.set(key(t), [...(groups.get(key(t)) ?? []), t]);
  return new Map([...groups].map(([k, g]) => [k, { rows: g.length, ...cols(g) }]));
}

function steps(items: { key: string; r: Result }[]): Expected {
  return grouped(
    items,
    (x) => x.key,
    (g) => {
      const learned = g.filter((x) => x.r['learned'] === true);
      const s = learned
        .map((x) => x.r['stepsToLearn'])
        .filter((v): v is number => typeof v === 'number')
        .sort((a, b) => a - b);
      const median = s.length
        ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2
        : null;
      return {
        runs: g.length,
        learned: learned.length,
        'with a step': s.length,
        'mean steps to learn': avg(s),
        'steps to learn': avg(s), // the danfojs table's column before issue 32
        'median steps': median,
      };
    },
  );
}

const learnedPct = (g: { r: Result }[]) => ({
  'learned %': avg(g.map((x) => (x.r['learned'] === true ? 100 : 0))),
});

/** The table a caption names, recomputed from the run(s); null for a table that does not come from cases. */
function expectedFor(caption: string, run: () => Case[], runsOf: () => Map<string, Case[]>): Expected | null {
  const byRun = () =>
    [...runsOf()].flatMap(([label, cs]) => cs.map((c) => ({ key: label, r: c.result, id: c.id })));
  if (caption.startsWith('Accuracy (% learned) per method and seed'))
    return grouped(
      run().map((c) => ({ key: `${c.result['method']}|${c.result['seed']}`, r: c.result })),
      (x) => x.key,
      learnedPct,
    );
  if (caption.startsWith('Steps to learn: mean and median') || caption.startsWith('Mean steps to learn'))
    return steps(run().map((c) => ({ key: String(c.result['method']), r: c.result })));
  if (caption.startsWith('Per run: accuracy (% learned)')) return grouped(byRun(), (x) => x.key, learnedPct);
  if (caption.startsWith('Per run: Steps to learn') || caption.startsWith('Per run: mean steps to learn'))
    return steps(byRun());
  if (caption.startsWith('Per run and sweep'))
    return grouped(
      byRun(),
      (x) => `${x.key}|${x.id.split('|')[0]}`,
      (g) => ({
        'accuracy %': avg(g.map((x) => 100 * share(x.r['learned'])!)),
        'cross-talk %': avg(g.map((x) => 100 * share(x.r['crossTalk'])!)),
      }),
    );
  if (caption.startsWith('Per run and strategy'))
    return grouped(
      byRun(),
      (x) => `${x.key}|${x.id.split('|')[2]}`,
      (g) => ({ 'accuracy %': avg(g.map((x) => 100 * (x.r['accuracy'] as number))) }),
    );
  if (caption.startsWith('Per run and variant')) {
    const long = byRun()
      .filter((x) => !x.id.startsWith('tuning|'))
      .flatMap((x) =>
        // every grid value a set trained (result.grid: accuracy per value, 'ce' among them)
        Object.entries(x.r['grid'] as Record<string, number>).map(([v, acc]) => ({
          key: `${x.key}|${v}`,
          acc: 100 * acc,
          gain: 100 * (acc - (x.r['grid'] as Record<string, number>)['ce']!),
        })),
      );
    return grouped(
      long,
      (x) => x.key,
      (g) => ({ 'accuracy %': avg(g.map((x) => x.acc)), 'gain over ce (points)': avg(g.map((x) => x.gain)) }),
    );
  }
  if (caption.startsWith('Failed runs per method')) {
    const failed = run()
      .map((c) => c.result)
      .filter((r) => r['learned'] === false && r['learnedDistance'] !== null);
    return grouped(
      failed,
      (r) => String(r['method']),
      (g) => {
        const d0 = g.map((r) => (r['distance'] as Result)['emb/answer/mean/1-cos'] as number);
        const d1 = g.map((r) => r['learnedDistance'] as number);
        return {
          'kept original %': avg(g.map((r) => (r['answerIsOriginal'] === true ? 100 : 0))),
          'pushed away %': avg(d1.map((d, i) => (d > d0[i]! ? 100 : 0))),
          d0: avg(d0),
          d1: avg(d1),
        };
      },
    );
  }
  if (caption.startsWith('Size sweep'))
    return grouped(
      run().filter((c) => c.id.split('|')[0] === 'size'),
      (c) => c.id.split('|')[2]!,
      (g) => ({
        'accuracy %': avg(g.map((c) => 100 * share(c.result['learned'])!)),
        'cross-talk %': avg(g.map((c) => 100 * share(c.result['crossTalk'])!)),
      }),
    );
  if (caption.startsWith('Composition sweep')) {
    const comp = run().filter((c) => c.id.split('|')[0] === 'composition');
    const cut = comp.map((c) => c.result['meanDistance'] as number).sort((a, b) => a - b)[
      Math.floor(comp.length / 2)
    ]!;
    return grouped(
      comp,
      (c) => ((c.result['meanDistance'] as number) < cut ? 'below median' : 'above median'),
      (g) => ({
        'accuracy %': avg(g.map((c) => 100 * share(c.result['learned'])!)),
        variance: avg(g.map((c) => c.result['varDistance'] as number)),
      }),
    );
  }
  if (caption.startsWith('Per strategy, over every share'))
    return grouped(
      run(),
      (c) => c.id.split('|')[2]!, // seed|set|strategy|share
      (g) => ({
        'accuracy %': avg(g.map((c) => 100 * (c.result['accuracy'] as number))),
        'mean distance': avg(g.map((c) => c.result['meanDistance'] as number)),
        'distance variance': avg(g.map((c) => c.result['varDistance'] as number)),
      }),
    );
  if (
    caption.startsWith('Per grid value, over every test set and seed') ||
    caption.startsWith('The same gain per seed')
  ) {
    const perSeed = caption.startsWith('The same gain');
    const test = run().filter((c) => !c.id.startsWith('tuning|'));
    const long = test.flatMap((c) =>
      Object.entries(c.result['grid'] as Record<string, number>).map(([v, acc]) => ({
        key: perSeed ? `${c.id.split('|')[0]}|${v}` : v,
        acc: 100 * acc,
        gain: 100 * (acc - (c.result['grid'] as Record<string, number>)['ce']!),
      })),
    );
    return grouped(
      long,
      (x) => x.key,
      (g) => ({
        ...(perSeed ? {} : { 'accuracy %': avg(g.map((x) => x.acc)) }),
        'gain over ce (points)': avg(g.map((x) => x.gain)),
      }),
    );
  }
  return null;
}

/** A markdown table in a text/plain output: caption, header, rows (cells as shown). */
function parseTable(text: string): { caption: string; head: string[]; rows: string[][] } | null {
  const m = /^\*\*(.+?)\*\*\n\n(\|[^\n]*\|)\n\|[-:| ]+\|\n((?:\|[^\n]*\|\n?)*)/.exec(text);
  if (!m) return null;
  const cells = (l: string) =>
    l
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim().replace(/\\\|/g, '|'));
  // danfojs names a group mean '<column>_mean'
  return {
    caption: m[1]!,
    head: cells(m[2]!).map((c) => c.replace(/_mean$/, '')),
    rows: m[3]!.trim().split('\n').filter(Boolean).map(cells),
  };
}

/** The run folder of a hash under RESULTS (any experiment, any depth up to 3). */
function runDir(hash: string): string {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (e.name === hash && fs.existsSync(path.join(p, 'cases.jsonl'))) found.push(p);
      else if (depth < 3) walk(p, depth + 1);
    }
  };
  walk(RESULTS, 0);
  assert.ok(found.length > 0, `run ${hash}: no folder with cases.jsonl under ${RESULTS}`);
  return found[0]!;
}

/** The shown value matches the expected one to the decimals shown ('–' for none). */
function sameShown(shown: string, expected: number | null | undefined): boolean {
  if (expected === null || expected === undefined) return shown === '–';
  const v = Number(shown.replace('−', '-'));
  if (!Number.isFinite(v)) return false;
  const decimals = /e/i.test(shown) ? 3 : (shown.split('.')[1]?.length ?? 0);
  return Math.abs(v - expected) <= 0.5 * 10 ** -decimals + 1e-9 * Math.max(1, Math.abs(expected));
}

/** Headings of the notebooks' per-case sections (today's and the danfojs ones before issue 32). */
const PER_CASE = /case by case|DataFrame|side by side|Exercises/;

interface Output {
  output_type: string;
  data?: { [mime: string]: string | string[] };
}
const text = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join('') : (v ?? ''));

const files = fs.existsSync(NOTEBOOKS)
  ? fs
      .readdirSync(NOTEBOOKS)
      .filter((f) => /^0[1-6].*\.ipynb$/.test(f))
      .sort()
  : [];
const executed = files.filter((f) =>
  (
    JSON.parse(fs.readFileSync(path.join(NOTEBOOKS, f), 'utf8')) as { cells: { outputs?: Output[] }[] }
  ).cells.some((c) => (c.outputs ?? []).length > 0),
);

for (const file of executed) {
  test(`${file}: every per-case table equals its recomputation from cases.jsonl`, () => {
    const nb = JSON.parse(fs.readFileSync(path.join(NOTEBOOKS, file), 'utf8')) as {
      cells: { cell_type: string; source: string | string[]; outputs?: Output[] }[];
    };
    // the section each output is in: tables under the per-case headings must all be recognised
    const sections: string[] = [];
    let section = '';
    for (const c of nb.cells) {
      const heading = /^## (.*)$/m.exec(c.cell_type === 'markdown' ? text(c.source) : '');
      if (heading) section = heading[1]!;
      for (const _ of c.outputs ?? []) sections.push(section);
    }
    const all = nb.cells.flatMap((c) => c.outputs ?? []);
    const outputs = all.map((o) => text(o.data?.['text/plain']));
    const hash = all
      .map(
        (o) =>
          /\brun `([0-9a-f]{12})`/.exec(text(o.data?.['text/plain']) + text(o.data?.['text/markdown']))?.[1],
      )
      .find(Boolean);
    let loaded: Case[] | null = null;
    const run = () => {
      assert.ok(hash, `${file}: no 'run \`<hash>\`' in its outputs`);
      loaded ??= cases(runDir(hash));
      return loaded;
    };
    let runs = new Map<string, string>(); // 06: run label → run_dir, from the latest what-if table
    const runsOf = () => new Map([...runs].map(([label, dir]) => [label, cases(path.resolve(ROOT, dir))]));
    let checked = 0;
    for (const [i, out] of outputs.entries()) {
      const t = parseTable(out);
      if (!t) continue;
      if (t.head.includes('run_dir')) {
        const [r, d] = [t.head.indexOf('run'), t.head.indexOf('run_dir')];
        runs = new Map(t.rows.map((row) => [row[r]!, row[d]!]));
        continue;
      }
      // notebook 06's exercise runs live in .cache/what-if (not committed): where they are gone, say so and skip
      const gone = [...runs.values()].filter((d) => !fs.existsSync(path.resolve(ROOT, d, 'cases.jsonl')));
      if (/^Per run/.test(t.caption) && gone.length > 0) {
        assert.ok(
          gone.every((d) => d.startsWith('.cache')),
          `${file}: '${t.caption}': committed runs missing: ${gone.join(', ')}`,
        );
        console.log(`notebook-tables: ${file}: '${t.caption}' not checked: ${gone.join(', ')} not here`);
        continue;
      }
      const expected = expectedFor(t.caption, run, runsOf);
      if (!expected) {
        assert.doesNotMatch(
          sections[i]!,
          PER_CASE,
          `${file}: table '${t.caption}' under '${sections[i]}' is not recomputed by this test`,
        );
        continue;
      }
      // value columns are those the recomputation has; a groupMeans count column '<c> n' is neither
      const some = expected.values().next().value ?? {};
      const valueCols = t.head.filter((c) => c in some);
      const keyCols = t.head.filter((c) => !(c in some) && !/ n$/.test(c));
      assert.equal(
        t.rows.length,
        expected.size,
        `${file}: '${t.caption}': ${t.rows.length} rows shown, ${expected.size} expected`,
      );
      for (const row of t.rows) {
        const key = keyCols.map((c) => row[t.head.indexOf(c)]).join('|');
        const want = expected.get(key);
        assert.ok(
          want,
          `${file}: '${t.caption}': row '${key}' is not in the recomputation (${[...expected.keys()]})`,
        );
        for (const c of valueCols) {
          if (!(c in want)) continue;
          const shown = row[t.head.indexOf(c)]!;
          assert.ok(
            sameShown(shown, want[c]),
            `${file}: '${t.caption}', row '${key}', column '${c}': shown ${shown}, recomputed ${want[c]}`,
          );
        }
      }
      checked++;
    }
    assert.ok(checked > 0, `${file}: no per-case table found to check`);
    console.log(`notebook-tables: ${file}: ${checked} table(s) equal their recomputation`);
  });
}

test('notebook-tables: executed notebooks to check', {
  skip: executed.length ? false : `none in ${NOTEBOOKS}`,
}, () => {
  // the committed notebooks are all executed; a folder named by the env may hold some of them
  const want = process.env['BEACONS_TABLE_NOTEBOOKS'] ? 1 : 6;
  assert.ok(executed.length >= want, `only ${executed.length} executed notebooks in ${NOTEBOOKS}`);
});

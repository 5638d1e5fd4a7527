/**
 * "What changed from v2": every headline verdict that moved when the verdict engine gained room, power and
 * degenerate-data rules and findings 1–2 were tested as the paper states them (issue 29). The v2 verdicts are read
 * once from the v2 SUMMARY.md files (`extractVerdicts`) into results/verdicts-v2.json; the report compares the
 * current headlines with them and says why each moved (the rule that changed, per finding).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomic';

/** One v2 verdict: the finding label and the printed verdict, per column (a rate, model or regime, '' = main). */
export interface OldVerdict {
  column: string;
  finding: string;
  verdict: string;
}

/**
 * The headline verdicts of a SUMMARY.md: each finding section's "- finding, measure: … — **verdict**" lines (column
 * '') and, where present, the "Verdict per finding × model" table (column = model).
 */
export function extractVerdicts(markdown: string): OldVerdict[] {
  const out: OldVerdict[] = [];
  for (const line of markdown.split('\n')) {
    const m = /^- ([^,]+(?:, every regime)?[^,]*), .*? — \*\*([a-z ()]+)\*\*/.exec(line);
    if (m) out.push({ column: '', finding: m[1].trim(), verdict: m[2] });
  }
  // every verdict table: a header row starting "| finding", a row per finding, a column per model / rate / regime
  const lines = markdown.split('\n');
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('## ')) section = lines[i].slice(3).split(':')[0].trim();
    if (!lines[i].startsWith('| finding') || !lines[i + 1]?.startsWith('|---')) continue;
    const cols = lines[i]
      .split('|')
      .slice(2, -1)
      .map((c) => c.trim());
    for (let j = i + 2; j < lines.length && lines[j].startsWith('|'); j++) {
      const cells = lines[j]
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      cells.slice(1).forEach((c, k) => {
        const v = /^\*\*([a-z ()]+)\*\*/.exec(c);
        if (v && k < cols.length)
          out.push({ column: `${section} · ${cols[k]}`, finding: cells[0], verdict: v[1] });
      });
    }
  }
  // a finding listed twice (its section line and the per-model table's base column) keeps its section line
  return out.filter((v, i) => out.findIndex((w) => w.column === v.column && w.finding === v.finding) === i);
}

/** Writes `<out>`: the v2 verdicts of each SUMMARY.md given (key: a name for the file, e.g. 'default', 'full'). */
export function writeOldVerdicts(files: Record<string, string>, out: string): void {
  const all = Object.fromEntries(
    Object.entries(files).map(([k, f]) => [k, extractVerdicts(fs.readFileSync(f, 'utf8'))]),
  );
  writeFileAtomic(out, `${JSON.stringify(all, null, 1)}\n`);
}

/** Why a finding's verdict moved: the rule of issue 29 that changed, per finding (prefix of its label). */
const WHY: readonly [RegExp, string][] = [
  [
    /^0 /,
    "the area under the learning curve is taken up to the slower method's convergence on the paired facts (v2: budgets 1–48, where the converged tail dilutes the gap); the rate grid extended to 10×–300× (v2's best rates were all its top, 3×; with 30× the top, still three methods'), and a best rate still at the top is 'inconclusive (grid edge)' in the direction it could reverse; room rule on both arms; equivalence needs MDE ≤ margin",
  ],
  [
    /^1 distance curve, every regime/,
    'decided by the pre-registered middle bins − near end contrast (±10 points) over the regimes with room; the peak test and Spearman are descriptions',
  ],
  [
    /^1 distance curve/,
    'decided by middle bins − nearest bin (±10 points); the peak test and Spearman are descriptions',
  ],
  [
    /^2 drift away at any rate/,
    'the 5 % bar is a description: finding 2 is tested as existence among failed runs',
  ],
  [
    /^2 drift away beyond the null/,
    'the null is not matched on failed runs (answer changed): a description, not a verdict',
  ],
  [
    /^2 drift away beyond random/,
    'paired: exact McNemar on the discordant runs; a family of one is uncorrected',
  ],
  [
    /^2 push-away exists/,
    'new: finding 2 as the paper states it, existence among failed runs, with the room rule (enough failed runs to see a 5 % rate)',
  ],
  [
    /^2 /,
    'existence among failed runs (lower bound > 0) with the room rule, instead of a 5 % bar on all runs',
  ],
  [
    /^3 variance of distances/,
    "new: the paper's measure (variance of original→target distances) beside the pairwise target spread, which re-operationalises it",
  ],
  [
    /^3 interference$/,
    'both arms at the ceiling: inconclusive (ceiling), with the p(target) contrast reported',
  ],
  [/^3 /, 'no variation (se 0, estimate at float noise) is inconclusive, never "credibly opposite"'],
  [
    /^4 /,
    'floor and ceiling rule on both arms; members without variation left out of the family; MDE ≤ margin for equivalence',
  ],
  [
    /^5 /,
    'γ and α chosen on 42 held-out sets (v2: 15, which could not rank the grid), every set training the whole grid, a tie reported instead of broken by the grid order; floor and ceiling rule on both arms; MDE ≤ margin for equivalence',
  ],
];

export function whyMoved(finding: string): string {
  return WHY.find(([re]) => re.test(finding))?.[1] ?? 'the verdict engine (room, power, degenerate data)';
}

/** The SUMMARY.md section: a row per verdict that differs from v2 (or is new, or gone), with the reason. */
export function changesMarkdown(old: readonly OldVerdict[] | undefined, now: readonly OldVerdict[]): string {
  if (!old) return '';
  const key = (v: OldVerdict) => `${v.column}\u0000${v.finding}`;
  const before = new Map(old.map((v) => [key(v), v.verdict]));
  const after = new Map(now.map((v) => [key(v), v.verdict]));
  const where = (v: OldVerdict) => (v.column ? ` (${v.column})` : '');
  // 'inconclusive' → 'inconclusive (underpowered)' names the reason; it is not a move
  const base = (v: string | undefined) => v?.replace(/ \(.*\)$/, '');
  const rows = now
    .filter((v) => base(before.get(key(v))) !== base(v.verdict))
    .map(
      (v) =>
        `| ${v.finding}${where(v)} | ${before.get(key(v)) ?? 'new'} | ${v.verdict} | ${whyMoved(v.finding)} |`,
    );
  const gone = old
    .filter((v) => !after.has(key(v)))
    .map((v) => `| ${v.finding}${where(v)} | ${v.verdict} | no longer a verdict | ${whyMoved(v.finding)} |`);
  return [
    '## What changed from v2',
    `Every verdict of this summary that moved when the verdicts gained the room, power and no-variation rules and findings 1–2 were tested as the paper states them: ${rows.length} moved or new, ${gone.length} no longer a verdict, ${now.length - rows.length} unchanged (an inconclusive verdict that now names its reason counts as unchanged) (the v2 verdicts: results/verdicts-v2.json, read from the v2 SUMMARY.md files by report/changes.ts).`,
    '',
    '| finding (table · column) | v2 | now | why |',
    '|---|---|---|---|',
    ...rows,
    ...gone,
  ].join('\n');
}

/**
 * The v2 verdicts of the summary in `resultsDir` (results/verdicts-v2.json beside the top results directory, keyed by
 * the directory as given to reproduce: 'results', 'results/full', 'results/models/<name>'), or undefined.
 */
export function oldVerdictsFor(resultsDir: string): OldVerdict[] | undefined {
  const rel = path.relative(process.cwd(), path.resolve(resultsDir)).split(path.sep).join('/');
  const top = rel.split('/')[0];
  const file = path.join(top, 'verdicts-v2.json');
  if (!fs.existsSync(file)) return undefined;
  const all = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, OldVerdict[]>;
  return all[rel];
}

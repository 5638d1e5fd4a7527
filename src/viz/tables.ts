// Tables for notebooks and reports: row objects → arquero table, grouped summaries with 95 % confidence
// intervals, HTML / Markdown with number formatting, and a tslab display helper.
import * as aq from 'arquero';
import { meanCI as statsMeanCI, wilsonCI as statsWilsonCI, wilsonProportionCI } from '../metrics/stats';
import { displayBundle } from './display';
import type { BarGroup, LineSeries } from './figures';

export type Row = { [column: string]: unknown };
export type Table = ReturnType<typeof aq.from>;

/** Row objects → arquero table; every row must have the same columns as the first (names the bad row). */
export function fromRows(rows: readonly Row[]): Table {
  const cols = rows.length ? Object.keys(rows[0]!) : [];
  rows.forEach((r, i) => {
    const keys = Object.keys(r);
    const missing = cols.filter((c) => !(c in r));
    const extra = keys.filter((k) => !cols.includes(k));
    if (missing.length || extra.length) {
      throw new Error(
        `tables: row ${i}: columns differ from row 0 (missing: ${missing.join(', ') || '–'}; extra: ${extra.join(', ') || '–'})`,
      );
    }
  });
  return aq.from(rows as Row[]);
}

// ---------------------------------------------------------------------------------------------------------
// Confidence intervals: the statistics live in src/metrics/stats.ts; these adapt them to table rows.

/** An interval as table columns (n, mean, sd, lo, hi); metrics/stats.ts computes it. */
export interface IntervalRow {
  n: number;
  mean: number;
  /** sample standard deviation (n − 1); NaN for n < 2 */
  sd: number;
  lo: number;
  hi: number;
}

/** Mean and its Student-t confidence interval over the finite values (non-finite ones dropped; n < 2: no interval). */
export function meanCI(values: readonly number[], level = 0.95): IntervalRow {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return { n: 0, mean: Number.NaN, sd: Number.NaN, lo: Number.NaN, hi: Number.NaN };
  const ci = statsMeanCI(v, level);
  const interval = v.length > 1;
  return {
    n: v.length,
    mean: ci.estimate,
    sd: ci.sd,
    lo: interval ? ci.lo : Number.NaN,
    hi: interval ? ci.hi : Number.NaN,
  };
}

/** Wilson score interval for a proportion k / n (better than t near 0 and 1, e.g. exact-match accuracy). */
export function wilsonCI(k: number, n: number, level = 0.95): IntervalRow {
  if (!(n > 0)) return { n: 0, mean: Number.NaN, sd: Number.NaN, lo: Number.NaN, hi: Number.NaN };
  const p = k / n;
  // fractional k (a mean of proportions) has no integer form: the same score interval for the proportion
  const ci = Number.isInteger(k) ? statsWilsonCI(k, n, level) : wilsonProportionCI(p, n, level);
  const sd = n > 1 ? Math.sqrt((p * (1 - p) * n) / (n - 1)) : Number.NaN;
  return { n, mean: p, sd, lo: ci.lo, hi: ci.hi };
}

export interface SummariseOptions {
  /** Columns to group by (none: one row for the whole table). */
  by?: string[];
  /** The numeric column summarised. */
  value: string;
  /** 't' (default): Student-t interval of the mean; 'wilson': values are 0/1 outcomes (or proportions). */
  ci?: 't' | 'wilson';
  level?: number;
  /** Sort the result by the `by` columns (default true). */
  sort?: boolean;
}

/** Group by, then n, mean, sd, lo, hi of `value` per group (an arquero table; `.objects()` for rows). */
export function summarise(input: Table | readonly Row[], opts: SummariseOptions): Table {
  const t = Array.isArray(input) ? fromRows(input as Row[]) : (input as Table);
  const by = opts.by ?? [];
  for (const c of [...by, opts.value]) {
    if (!t.columnNames().includes(c))
      throw new Error(`tables: summarise: no column '${c}' (have ${t.columnNames()})`);
  }
  const grouped = by.length ? t.groupby(...by) : t;
  const agg = grouped.rollup({ _values: aq.op.array_agg(opts.value) }) as Table;
  const rows = (agg.objects() as Row[]).map((r) => {
    const values = (r['_values'] as unknown[]).map((v) => (typeof v === 'number' ? v : Number.NaN));
    const finite = values.filter((v) => Number.isFinite(v));
    const ci =
      opts.ci === 'wilson'
        ? wilsonCI(
            finite.reduce((s, v) => s + v, 0),
            finite.length,
            opts.level,
          )
        : meanCI(values, opts.level);
    const out: Row = {};
    for (const c of by) out[c] = r[c];
    return { ...out, n: ci.n, mean: ci.mean, sd: ci.sd, lo: ci.lo, hi: ci.hi };
  });
  const result = aq.from(rows);
  return opts.sort === false || !by.length ? result : (result.orderby(...by) as Table);
}

// ---------------------------------------------------------------------------------------------------------
// Formatting.

export interface FormatOptions {
  /** Decimals for non-integers: one number for all columns, or per column (default 3; 1 for a column whose name
   * has '%' or 'points'). */
  digits?: number | { [column: string]: number };
  /** Show at most this many rows (default 50); a last line says how many were left out. */
  maxRows?: number;
  caption?: string;
}

/** A number for a table cell: integers as is, tiny/huge as 1.23e-5, else fixed decimals; NaN/null as '–'. */
export function formatNumber(v: unknown, digits = 3): string {
  if (v === null || v === undefined) return '–';
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return Number.isNaN(v) ? '–' : v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 10 ** -digits || a >= 1e6)) return v.toExponential(2);
  return v.toFixed(digits);
}

/** 'mean [lo, hi]' as one string, the way numbers are quoted in the notebooks' prose. */
export function formatCI(i: { mean: number; lo: number; hi: number }, digits = 3): string {
  return `${formatNumber(i.mean, digits)} [${formatNumber(i.lo, digits)}, ${formatNumber(i.hi, digits)}]`;
}

function cells(input: Table | readonly Row[], opts: FormatOptions) {
  const t = Array.isArray(input) ? fromRows(input as Row[]) : (input as Table);
  const cols = t.columnNames();
  const all = t.objects() as Row[];
  const max = opts.maxRows ?? 50;
  // columns in percent or percentage points ('accuracy %', 'gain (points)') show one decimal unless told
  const digitsOf = (c: string) =>
    typeof opts.digits === 'number' ? opts.digits : (opts.digits?.[c] ?? (/%|\bpoints\b/.test(c) ? 1 : 3));
  const numeric = cols.map((c) =>
    all.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number'),
  );
  const body = all.slice(0, max).map((r) => cols.map((c) => formatNumber(r[c], digitsOf(c))));
  return { cols, numeric, body, omitted: Math.max(0, all.length - max) };
}

function escapeHTML(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An HTML table (numbers right-aligned, formatted). */
export function toHTML(input: Table | readonly Row[], opts: FormatOptions = {}): string {
  const { cols, numeric, body, omitted } = cells(input, opts);
  const align = (j: number) => (numeric[j] ? ' style="text-align:right"' : ' style="text-align:left"');
  const head = cols.map((c, j) => `<th${align(j)}>${escapeHTML(c)}</th>`).join('');
  const rows = body.map(
    (r) => `<tr>${r.map((v, j) => `<td${align(j)}>${escapeHTML(v)}</td>`).join('')}</tr>`,
  );
  if (omitted) rows.push(`<tr><td colspan="${cols.length}">… ${omitted} more rows</td></tr>`);
  const caption = opts.caption
    ? `<caption style="text-align:left">${escapeHTML(opts.caption)}</caption>`
    : '';
  return `<table class="beacons-table">${caption}<thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** A GitHub-flavoured Markdown table (numbers right-aligned, formatted, '|' escaped). */
export function toMarkdown(input: Table | readonly Row[], opts: FormatOptions = {}): string {
  const { cols, numeric, body, omitted } = cells(input, opts);
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const line = (r: string[]) => `| ${r.map(esc).join(' | ')} |`;
  const rule = `|${numeric.map((n) => (n ? ' ---: ' : ' :--- ')).join('|')}|`;
  const out = [
    ...(opts.caption ? [`**${esc(opts.caption)}**`, ''] : []),
    line(cols),
    rule,
    ...body.map(line),
  ];
  if (omitted) out.push('', `… ${omitted} more rows`);
  return `${out.join('\n')}\n`;
}

/** Show a table in the notebook (HTML, with Markdown as the text fallback). */
export function showTable(input: Table | readonly Row[], opts: FormatOptions = {}): void {
  displayBundle({ 'text/html': toHTML(input, opts), 'text/plain': toMarkdown(input, opts) });
}

/** Shows each table (rows + caption, e.g. a finding's `tables(summary)`); an empty one prints its caption only. */
export function showTables(
  tables: readonly { rows: readonly Row[]; caption: string; maxRows?: number }[],
): void {
  for (const t of tables) {
    if (t.rows.length > 0) showTable(t.rows, { caption: t.caption, maxRows: t.maxRows });
    else console.log(t.caption);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Rows → figure inputs (figures.ts takes plain arrays).

type Keys = { series?: string; mean?: string; lo?: string; hi?: string };

function collect(input: Table | readonly Row[], key: string, keys: Keys, numericKey: boolean) {
  const rows = Array.isArray(input) ? (input as Row[]) : ((input as Table).objects() as Row[]);
  const { series, mean = 'mean', lo = 'lo', hi = 'hi' } = keys;
  const out = new Map<string, { name: string; k: unknown[]; mean: number[]; lo: number[]; hi: number[] }>();
  rows.forEach((r, i) => {
    const name = series ? String(r[series]) : mean;
    const s = out.get(name) ?? { name, k: [], mean: [], lo: [], hi: [] };
    out.set(name, s);
    for (const f of numericKey ? [key, mean] : [mean]) {
      if (typeof r[f] !== 'number')
        throw new Error(`tables: row ${i}: field '${f}' is not a number (${r[f]})`);
    }
    const num = (f: string) => (typeof r[f] === 'number' ? (r[f] as number) : Number.NaN);
    s.k.push(r[key]);
    s.mean.push(r[mean] as number);
    s.lo.push(num(lo));
    s.hi.push(num(hi));
  });
  return [...out.values()];
}

/** Summary rows (e.g. `summarise(...)`) → one line series per value of `keys.series`, x from column `x`. */
export function lineSeries(input: Table | readonly Row[], x: string, keys: Keys = {}): LineSeries[] {
  return collect(input, x, keys, true).map((s) => ({ ...s, x: s.k as number[] }));
}

/** Summary rows → one bar group per value of `keys.series`, categories from column `category`. */
export function barGroups(input: Table | readonly Row[], category: string, keys: Keys = {}): BarGroup[] {
  return collect(input, category, keys, false).map((s) => ({ ...s, categories: s.k.map(String) }));
}

// ---------------------------------------------------------------------------------------------------------
// Group means for the notebooks' tables. danfojs's `groupby().mean()` counts a missing value as 0 (a fact never
// learned has stepsToLearn = null): these say what they average instead.

/** Groups in order of first appearance (the key joins the `by` values). */
function groupsOf(rows: readonly Row[], by: readonly string[]): { key: Row; rows: Row[] }[] {
  const out = new Map<string, { key: Row; rows: Row[] }>();
  rows.forEach((r, i) => {
    for (const c of by) {
      if (!(c in r)) throw new Error(`tables: row ${i}: no column '${c}' to group by`);
    }
    const id = JSON.stringify(by.map((c) => r[c]));
    const g = out.get(id) ?? { key: Object.fromEntries(by.map((c) => [c, r[c]])), rows: [] };
    out.set(id, g);
    g.rows.push(r);
  });
  return [...out.values()];
}

/**
 * Per group (order of first appearance): `rows`, then the mean of each column over its finite numbers — a null,
 * NaN or non-number is left out, never counted as 0. Where some group leaves a value out, a column `<c> n` says
 * how many values each group's mean of `c` averages. A group with no value has mean null ('–').
 */
export function groupMeans(rows: readonly Row[], by: readonly string[], columns: readonly string[]): Row[] {
  rows.forEach((r, i) => {
    for (const c of columns) {
      if (!(c in r)) throw new Error(`tables: groupMeans: row ${i}: no column '${c}'`);
    }
  });
  const groups = groupsOf(rows, by);
  const finite = (g: { rows: Row[] }, c: string) =>
    g.rows.map((r) => r[c]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const partial = new Set(columns.filter((c) => groups.some((g) => finite(g, c).length < g.rows.length)));
  return groups.map((g) => {
    const out: Row = { ...g.key, rows: g.rows.length };
    for (const c of columns) {
      const v = finite(g, c);
      out[c] = v.length ? v.reduce((s, x) => s + x, 0) / v.length : null;
      if (partial.has(c)) out[`${c} n`] = v.length;
    }
    return out;
  });
}

/**
 * Steps to learn per group, from case rows with `learned` (1/0 or boolean) and `stepsToLearn` (a step or null):
 * runs, facts learned, learned facts with a recorded step (a fact can pass the final greedy check without the
 * early-stop check having fired during training: learned, no step), and the mean and median step over those
 * (null where there is none). A fact not learned never enters the mean. Errors name the row and field.
 */
export function stepsToLearnByGroup(rows: readonly Row[], by: readonly string[]): Row[] {
  rows.forEach((r, i) => {
    const l = r['learned'];
    if (!(l === 0 || l === 1 || l === true || l === false))
      throw new Error(
        `tables: stepsToLearnByGroup: row ${i}: field 'learned' is ${JSON.stringify(l)}, not 1/0`,
      );
    const s = r['stepsToLearn'];
    if (!(s === null || s === undefined || (typeof s === 'number' && Number.isFinite(s))))
      throw new Error(
        `tables: stepsToLearnByGroup: row ${i}: field 'stepsToLearn' is ${JSON.stringify(s)}, not a step or null`,
      );
  });
  return groupsOf(rows, by).map((g) => {
    const learned = g.rows.filter((r) => r['learned'] === 1 || r['learned'] === true);
    const steps = learned
      .map((r) => r['stepsToLearn'])
      .filter((s): s is number => typeof s === 'number')
      .sort((a, b) => a - b);
    const m = steps.length;
    return {
      ...g.key,
      runs: g.rows.length,
      learned: learned.length,
      'with a step': m,
      'mean steps to learn': m ? steps.reduce((s, x) => s + x, 0) / m : null,
      'median steps': m ? (m % 2 ? steps[(m - 1) / 2]! : (steps[m / 2 - 1]! + steps[m / 2]!) / 2) : null,
    };
  });
}

/** The caption that says what `stepsToLearnByGroup`'s mean averages. */
export const STEPS_TO_LEARN_CAPTION =
  'Steps to learn: mean and median over the learned facts with a recorded step (facts not learned are left out, ' +
  'not counted as 0; "with a step" says how many are averaged)';

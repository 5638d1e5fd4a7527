// danfojs DataFrames for analysts: row objects (a findings table, a run's records) → danfojs-node DataFrame, and
// back, plus a notebook display. danfojs-node is loaded on first use (≈ 1–2 s of CPU: mathjs, xlsx, …), so
// importing this file costs nothing. Its '@tensorflow/tfjs-node' dependency is the local shim shims/tfjs-node
// (package.json `overrides`), which re-exports the project's one @tensorflow/tfjs.
//   const df = toDataFrame(rows);
//   df.groupby(['method']).col(['acc']).mean().print();
//   showDataFrame(df.groupby(['method', 'rank']).col(['acc']).mean());
import type { DataFrame } from 'danfojs-node';
import { type FormatOptions, type Row, showTable } from './tables';

export type { DataFrame };

type Danfo = typeof import('danfojs-node');
let danfo: Danfo | null = null;

/** The danfojs-node module (loaded once, on first use). */
export function danfojs(): Danfo {
  danfo ??= require('danfojs-node') as Danfo;
  return danfo;
}

type Cell = string | number | boolean | null;

function cell(v: unknown, i: number, column: string): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new Error(
    `dataframe: row ${i}, column '${column}': ${Array.isArray(v) ? 'an array' : typeof v} is not a table cell ` +
      '(use strings, numbers, booleans or null; flatten or JSON.stringify nested values)',
  );
}

/**
 * Row objects → danfojs DataFrame. Every row must have the columns of the first one (the error names the row and
 * the missing or extra columns); cells must be strings, numbers, booleans or null/undefined (→ null). An empty
 * list gives an empty DataFrame with `columns` (if given).
 */
export function toDataFrame(rows: readonly Row[], columns?: readonly string[]): DataFrame {
  const cols = columns ? [...columns] : rows.length ? Object.keys(rows[0]!) : [];
  const data = rows.map((r, i) => {
    const missing = cols.filter((c) => !(c in r));
    const extra = Object.keys(r).filter((k) => !cols.includes(k));
    if (missing.length || extra.length) {
      throw new Error(
        `dataframe: row ${i}: columns differ from ${columns ? 'the given columns' : 'row 0'} ` +
          `(missing: ${missing.join(', ') || '–'}; extra: ${extra.join(', ') || '–'})`,
      );
    }
    return cols.map((c) => cell(r[c], i, c));
  });
  const { DataFrame: Frame } = danfojs();
  return data.length ? new Frame(data, { columns: cols }) : new Frame([], { columns: cols });
}

/** DataFrame → row objects (column order kept). */
export function fromDataFrame(df: DataFrame): Row[] {
  const cols = df.columns as string[];
  return (df.values as Cell[][]).map((r) => Object.fromEntries(cols.map((c, j) => [c, r[j] ?? null])));
}

/** Show a DataFrame in the notebook as a formatted HTML table (Markdown as the text fallback). */
export function showDataFrame(df: DataFrame, opts: FormatOptions = {}): void {
  showTable(fromDataFrame(df), opts);
}

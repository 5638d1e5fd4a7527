/**
 * Reading a run's stored files without trusting them (README, Reliability):
 * - digests: a `summary.json` written by this version carries `digest: {cases, summary}`, the sha256 of the case
 *   rows it was built from (sorted by id, canonical JSON: independent of the order and of the shard files that hold
 *   them) and of its own `summary`. `checkDigest` recomputes both on every read: an edited summary or case row is
 *   reported (naming the file and `--force`), never used. Summaries written before digests existed (`digest`
 *   absent: results written up to 2026-12-06) are read after a check that their case count matches the rows stored
 *   (`meta.cases`), and `reproduce` rebuilds them from their cases, with a digest (runner.ts runExperiment).
 * - shapes: valid JSON of the wrong shape (`"result": null`, `"summary": {}`) makes the code that reads it fail
 *   with a TypeError deep inside. `useStored` runs that code, and on an error runs it again on a traced copy of
 *   the stored value to find the first field that was missing, then throws ONE FileError naming the file, the
 *   field and `--force` (no cost when the file is fine).
 */
import { createHash } from 'node:crypto';
import { FileError } from '../util/atomic';
import { canonicalJson } from '../util/hash';

export interface SummaryDigest {
  /** sha256 of the case rows the summary was built from (see casesDigest) */
  cases: string;
  /** sha256 of canonicalJson(summary) */
  summary: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** sha256 of the rows `{id, result}` as canonical JSON lines, sorted by id. */
export function casesDigest(rows: Map<string, unknown>): string {
  const ids = [...rows.keys()].sort();
  const h = createHash('sha256');
  for (const id of ids) h.update(`${canonicalJson({ id, result: rows.get(id) })}\n`);
  return h.digest('hex');
}

/** The digest a summary file carries: of its rows and of its summary as read back from JSON. */
export function summaryDigest(rows: Map<string, unknown>, summary: unknown): SummaryDigest {
  return { cases: casesDigest(rows), summary: sha256(canonicalJson(summary)) };
}

const FORCE = 'rerun with --force to recompute the run';

/**
 * Checks a stored summary against its digest (or, for a summary without one, its case count) and the rows now
 * stored; throws a FileError naming the file that changed. `casesFile` names the rows' main file.
 */
export function checkDigest(
  file: string,
  stored: { summary: unknown; meta: { cases: number }; digest?: unknown },
  rows: Map<string, unknown>,
  casesFile: string,
): void {
  const d = stored.digest as Partial<SummaryDigest> | undefined;
  if (d === undefined) {
    if (rows.size !== stored.meta.cases)
      throw new FileError(
        casesFile,
        `holds ${rows.size} cases but ${file} was built from ${stored.meta.cases}: the cache was changed after it was written; ${FORCE}`,
      );
    return;
  }
  if (typeof d !== 'object' || d === null || typeof d.cases !== 'string' || typeof d.summary !== 'string')
    throw new FileError(file, `field "digest" must be {cases, summary} (two sha256 strings); ${FORCE}`);
  if (sha256(canonicalJson(stored.summary)) !== d.summary)
    throw new FileError(
      file,
      `field "summary" was edited after it was written (it no longer matches its digest); ${FORCE}`,
    );
  if (casesDigest(rows) !== d.cases)
    throw new FileError(
      casesFile,
      `the stored case results changed after ${file} was built from them (they no longer match its digest); ${FORCE}`,
    );
}

/** The first missing or null field that `use` read (as `$.a[3].b`), recorded by a Proxy over `value`. */
function traced<T>(value: T, at: string, seen: { last?: string }): T {
  if (value === null || typeof value !== 'object') return value;
  return new Proxy(value as unknown as object, {
    get(target, key, receiver) {
      const x = Reflect.get(target, key, receiver);
      if (typeof key === 'symbol' || typeof x === 'function') return x;
      const here = Array.isArray(target) && /^\d+$/.test(key) ? `${at}[${key}]` : `${at}.${key}`;
      if (x === undefined || x === null) seen.last = here;
      return traced(x, here, seen);
    },
  }) as T;
}

/**
 * `use(value)` for a value read from `file`; any error it throws (other than a FileError) becomes ONE FileError
 * naming the file, the field it tripped over (`field(path)` turns a traced path like `$[17].grid` into words, e.g.
 * with the case id) and `--force`.
 */
export function useStored<T, R>(
  file: string,
  value: T,
  use: (v: T) => R,
  field: (path: string) => string = (p) => `field "${p.replace(/^\$\.?/, '')}"`,
): R {
  try {
    return use(value);
  } catch (e) {
    if (e instanceof FileError) throw e;
    const seen: { last?: string } = {};
    try {
      use(traced(value, '$', seen));
    } catch {
      // the same failure, now with the path it tripped over
    }
    const what = seen.last ? `${field(seen.last)} is missing or null` : 'has an unexpected shape';
    throw new FileError(
      file,
      `${what} (${(e as Error).message.split('\n')[0]}): not what this version writes; ${FORCE}`,
    );
  }
}

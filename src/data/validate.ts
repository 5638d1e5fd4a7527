/**
 * Shared validation for the dataset loaders: every problem becomes ONE `DataError` whose message names the
 * file, the record (index and id when known) and the field, e.g.
 *   `data/x.json, record 3 (id "cf-7"), field "target_new": empty answer`.
 *
 * Problems come in three kinds:
 * - `file`: unreadable file, not JSON, top level not a non-empty array — always thrown;
 * - `schema`: a record that is not an object, a missing field, a wrong type, a duplicate id — always thrown;
 * - `content`: a well-formed record that cannot be learned (empty answer or prompt, target equal to the
 *   original answer, an exact duplicate of an earlier record). Thrown by default; with
 *   `{ onInvalid: 'skip' }` the record is dropped and reported to `onSkip`.
 */
import * as fs from 'node:fs';
import { inputFileProblem } from '../util/paths';
import type { KnowledgeRecord } from './types';

export type DataErrorKind = 'file' | 'schema' | 'content';

/** Where in a file a problem is: record index (0-based position in the top-level array), id, field path. */
export interface DataErrorWhere {
  index?: number;
  id?: string;
  field?: string;
}

export class DataError extends Error {
  readonly file: string;
  readonly problem: string;
  readonly kind: DataErrorKind;
  readonly index?: number;
  readonly id?: string;
  readonly field?: string;

  constructor(file: string, problem: string, where: DataErrorWhere = {}, kind: DataErrorKind = 'schema') {
    super(formatDataError(file, problem, where));
    this.name = 'DataError';
    this.file = file;
    this.problem = problem;
    this.kind = kind;
    this.index = where.index;
    this.id = where.id;
    this.field = where.field;
  }
}

function formatDataError(file: string, problem: string, w: DataErrorWhere): string {
  const parts = [file];
  const id = w.id === undefined ? '' : `id ${JSON.stringify(w.id)}`;
  if (w.index !== undefined) parts.push(`record ${w.index}${id ? ` (${id})` : ''}`);
  else if (id) parts.push(`record ${id}`);
  if (w.field) parts.push(`field "${w.field}"`);
  return `${parts.join(', ')}: ${problem}`;
}

/** A short description of a JSON value's type for error messages. */
export function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? 'a string' : `the string ${JSON.stringify(v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads `file` and returns its top-level JSON array; throws a `file` DataError otherwise. */
export function readJsonArray(file: string): unknown[] {
  // a device (/dev/zero) would be read forever, a huge file fill the memory: checked before reading
  const problem = inputFileProblem(file);
  if (problem !== undefined) throw new DataError(file, problem, {}, 'file');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new DataError(file, `cannot read file (${code})`, {}, 'file');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new DataError(file, `not valid JSON (${(e as Error).message})`, {}, 'file');
  }
  if (!Array.isArray(data)) {
    throw new DataError(
      file,
      `top level must be a JSON array of records, got ${describeJson(data)}`,
      {},
      'file',
    );
  }
  if (data.length === 0) throw new DataError(file, 'contains no records (empty array)', {}, 'file');
  return data;
}

/** Typed, error-reporting access to the fields of one raw record. Field paths may be dotted ("a.b.c"). */
export class RecordReader {
  /** Set as soon as the record's id is known, so later errors name it. */
  id: string | undefined;

  constructor(
    readonly file: string,
    readonly index: number,
    readonly raw: unknown,
  ) {
    if (!isObject(raw)) throw this.fail(undefined, `record must be a JSON object, got ${describeJson(raw)}`);
  }

  fail(field: string | undefined, problem: string, kind: DataErrorKind = 'schema'): DataError {
    return new DataError(this.file, problem, { index: this.index, id: this.id, field }, kind);
  }

  has(field: string): boolean {
    return this.lookup(field) !== undefined;
  }

  /** The raw value at `field`; a missing (or null) field is a schema error. */
  get(field: string): unknown {
    const v = this.lookup(field);
    if (v === undefined || v === null) throw this.fail(field, 'missing field');
    return v;
  }

  /** A string, trimmed; empty (after trimming) is a content error, worded with `what` ("answer", "prompt"). */
  text(field: string, what = 'text'): string {
    const v = this.get(field);
    if (typeof v !== 'string') throw this.fail(field, `expected a string, got ${describeJson(v)}`);
    const t = v.trim();
    if (t === '') throw this.fail(field, `empty ${what}`, 'content');
    return t;
  }

  /** A string or an array of strings (each non-empty), trimmed, as an array. */
  texts(field: string, what = 'text'): string[] {
    const v = this.get(field);
    const items = Array.isArray(v) ? v : [v];
    return items.map((x, i) => {
      const f = Array.isArray(v) ? `${field}[${i}]` : field;
      if (typeof x !== 'string')
        throw this.fail(f, `expected a string or an array of strings, got ${describeJson(x)}`);
      const t = x.trim();
      if (t === '') throw this.fail(f, `empty ${what}`, 'content');
      return t;
    });
  }

  /** A non-negative integer, or a non-empty string (returned as is). */
  key(field: string): string {
    const v = this.get(field);
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return String(v);
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    throw this.fail(field, `expected a non-negative integer or a non-empty string, got ${describeJson(v)}`);
  }

  private lookup(field: string): unknown {
    let v: unknown = this.raw;
    for (const part of field.split('.')) {
      if (!isObject(v)) return undefined;
      v = v[part];
    }
    return v;
  }
}

/**
 * The template of a prompt: the first occurrence of `subject` replaced by "{}" (exact case first, then
 * case-insensitive); the prompt itself when the subject does not occur in it.
 */
export function templateOf(prompt: string, subject: string): string {
  let at = prompt.indexOf(subject);
  if (at < 0) at = prompt.toLowerCase().indexOf(subject.toLowerCase());
  return at < 0 ? prompt : `${prompt.slice(0, at)}{}${prompt.slice(at + subject.length)}`;
}

const norm = (s: string) => s.trim().toLowerCase();

/** Content checks every KnowledgeRecord must pass: the target must differ from the original answer(s). */
export function checkKnowledgeRecord(r: RecordReader, rec: KnowledgeRecord, targetField: string): void {
  const originals = [rec.original, ...(rec.originalAliases ?? [])].map(norm);
  if (originals.includes(norm(rec.target))) {
    throw r.fail(targetField, `target ${JSON.stringify(rec.target)} equals an original answer`, 'content');
  }
}

export interface LoadOptions {
  /** Unusable-but-well-formed records: 'error' (default) throws the DataError, 'skip' drops the record. */
  onInvalid?: 'error' | 'skip';
  /** Called with each dropped record's DataError when `onInvalid` is 'skip'. */
  onSkip?: (error: DataError) => void;
}

/**
 * Runs `parse` over every raw record, applies the `onInvalid` policy to content errors, then rejects
 * duplicate ids (always) and exact duplicate records (content: the later copy is the invalid one).
 */
export function parseAll(
  file: string,
  data: unknown[],
  opts: LoadOptions,
  parse: (r: RecordReader) => KnowledgeRecord,
): KnowledgeRecord[] {
  const out: KnowledgeRecord[] = [];
  const byId = new Map<string, number>();
  const byContent = new Map<string, string>();
  const skipOrThrow = (e: unknown) => {
    if (!(e instanceof DataError && e.kind === 'content')) throw e;
    if (opts.onInvalid === 'skip') return opts.onSkip?.(e);
    const where = { index: e.index, id: e.id, field: e.field };
    throw new DataError(
      file,
      `${e.problem} (load with { onInvalid: 'skip' } to drop such records)`,
      where,
      'content',
    );
  };
  data.forEach((raw, index) => {
    try {
      const rec = parse(new RecordReader(file, index, raw));
      const first = byId.get(rec.id);
      if (first !== undefined) {
        throw new DataError(file, `duplicate id (first used by record ${first})`, {
          index,
          id: rec.id,
          field: 'id',
        });
      }
      byId.set(rec.id, index);
      const { id, ...rest } = rec;
      const key = JSON.stringify(rest);
      const same = byContent.get(key);
      if (same !== undefined) {
        throw new DataError(
          file,
          `duplicate record (identical to id ${JSON.stringify(same)})`,
          { index, id },
          'content',
        );
      }
      byContent.set(key, id);
      out.push(rec);
    } catch (e) {
      skipOrThrow(e);
    }
  });
  return out;
}

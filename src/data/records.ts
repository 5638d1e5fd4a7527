/**
 * The one record type every knowledge-learning experiment consumes, whatever dataset it came from,
 * and `loadRecords`, which detects a file's schema (COUNTERFACT or ZsRE) and loads it.
 */
import { parseCounterfact } from './counterfact';
import { DATA_DIR, DEFAULT_COUNTERFACT_PATH, DEFAULT_ZSRE_PATH } from './paths';
import type { KnowledgeRecord } from './types';
import { DataError, type LoadOptions, readJsonArray } from './validate';
import { parseZsre } from './zsre';

export type { KnowledgeRecord, PromptAnswer, RecordSource } from './types';
export { DATA_DIR, DEFAULT_COUNTERFACT_PATH, DEFAULT_ZSRE_PATH };

export type RecordFormat = 'counterfact' | 'zsre';

/** Which schema a raw record follows, from its field names; undefined if neither. */
export function detectFormat(raw: unknown): RecordFormat | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const has = (k: string) => k in raw;
  if (has('requested_rewrite') || (has('target_new') && has('prompt'))) return 'counterfact';
  if (has('src') && has('alt')) return 'zsre';
  return undefined;
}

/**
 * Loads a COUNTERFACT (EasyEdit flat or ROME nested) or ZsRE (MEND) JSON array. `format` 'auto' (default)
 * detects the schema from the first record. Throws one DataError for the first problem found.
 */
export function loadRecords(
  file: string,
  format: RecordFormat | 'auto' = 'auto',
  opts: LoadOptions = {},
): KnowledgeRecord[] {
  const data = readJsonArray(file);
  const fmt = format === 'auto' ? detectFormat(data[0]) : format;
  if (fmt === undefined) {
    throw new DataError(
      file,
      'cannot detect the schema: expected COUNTERFACT fields (prompt, target_new, ... or requested_rewrite) ' +
        'or ZsRE fields (src, alt, answers, ...)',
      { index: 0 },
    );
  }
  return fmt === 'counterfact' ? parseCounterfact(file, data, opts) : parseZsre(file, data, opts);
}

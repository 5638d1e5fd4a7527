/**
 * The one record type every knowledge-learning experiment consumes, whatever dataset it came from,
 * and `loadRecords`, which detects a file's schema (COUNTERFACT or ZsRE) and loads it.
 */
import { parseCounterfact } from './counterfact';
import { DATA_DIR, DEFAULT_COUNTERFACT_PATH, DEFAULT_ZSRE_PATH } from './paths';
import { DataError, type LoadOptions, readJsonArray } from './validate';
import { parseZsre } from './zsre';

export { DATA_DIR, DEFAULT_COUNTERFACT_PATH, DEFAULT_ZSRE_PATH };

export type RecordSource = 'counterfact' | 'zsre' | 'worldfacts';

/** A cloze/question prompt with the answer that completes it. */
export interface PromptAnswer {
  prompt: string;
  answer: string;
}

export interface KnowledgeRecord {
  /** Unique within a dataset: `cf-<case_id>`, `zsre-<index>`, `wf-...`. */
  id: string;
  subject: string;
  /**
   * A relation id where the data has one (ROME's `relation_id`, e.g. "P103"), else the prompt with the
   * subject replaced by "{}" ("The mother tongue of {} is"; ZsRE: "What is the product made by {}?").
   * If the subject does not occur in the prompt, the prompt itself.
   */
  relation: string;
  /** Ends where the answer begins (COUNTERFACT); for ZsRE the question itself ("...?"). Trimmed. */
  prompt: string;
  /** The true / original answer (what the model should know before editing). */
  original: string;
  /** Other accepted forms of the original answer (ZsRE `answers[1..]`); absent when there are none. */
  originalAliases?: string[];
  /** The new answer to learn. */
  target: string;
  /** Paraphrases of `prompt` (same subject and relation), answered by `target` after editing. */
  paraphrases: string[];
  /** Unrelated or same-relation prompts whose answers must not change when the record is learned. */
  neighbourhood: PromptAnswer[];
  source: RecordSource;
}

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

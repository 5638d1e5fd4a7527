/**
 * COUNTERFACT loader. Two layouts are accepted, detected per record:
 * - EasyEdit's flattened split (the shipped `data/counterfact/counterfact-edit.json`):
 *   `{ case_id, prompt, target_new, subject, ground_truth, rephrase_prompt, locality_prompt,
 *   locality_ground_truth }`, every field a string except the integer `case_id`; `rephrase_prompt` and
 *   `locality_prompt` may also be arrays of strings (then `locality_ground_truth` is one answer or one per prompt).
 * - ROME's original `counterfact.json`: `{ case_id, requested_rewrite: { prompt: "... {} ...", relation_id,
 *   subject, target_new: { str }, target_true: { str } }, paraphrase_prompts, neighborhood_prompts }`;
 *   its neighbourhood prompts are answered by `target_true` (they share the relation and the true object).
 *
 * Mapping: id `cf-<case_id>`; original = ground truth; target = target_new; relation = ROME's relation_id,
 * or (EasyEdit, which has none) the prompt template with the subject replaced by "{}".
 */

import { DEFAULT_COUNTERFACT_PATH } from './paths';
import type { KnowledgeRecord, PromptAnswer } from './types';
import {
  checkKnowledgeRecord,
  type LoadOptions,
  parseAll,
  type RecordReader,
  readJsonArray,
  templateOf,
} from './validate';

export { DEFAULT_COUNTERFACT_PATH };

/** Loads a COUNTERFACT JSON array (either layout); throws one DataError for the first problem. */
export function loadCounterfact(
  file: string = DEFAULT_COUNTERFACT_PATH,
  opts: LoadOptions = {},
): KnowledgeRecord[] {
  return parseCounterfact(file, readJsonArray(file), opts);
}

/** Parses already-read raw COUNTERFACT records; `file` is only used in error messages. */
export function parseCounterfact(file: string, data: unknown[], opts: LoadOptions = {}): KnowledgeRecord[] {
  return parseAll(file, data, opts, (r) => (r.has('requested_rewrite') ? parseRome(r) : parseEasyEdit(r)));
}

function parseEasyEdit(r: RecordReader): KnowledgeRecord {
  r.id = `cf-${r.key('case_id')}`;
  const subject = r.text('subject', 'subject');
  const prompt = r.text('prompt', 'prompt');
  const locPrompts = r.texts('locality_prompt', 'prompt');
  const locAnswers = r.texts('locality_ground_truth', 'answer');
  if (locAnswers.length !== 1 && locAnswers.length !== locPrompts.length) {
    throw r.fail(
      'locality_ground_truth',
      `expected 1 or ${locPrompts.length} answers (one per locality_prompt), got ${locAnswers.length}`,
    );
  }
  const rec: KnowledgeRecord = {
    id: r.id,
    subject,
    relation: templateOf(prompt, subject),
    prompt,
    original: r.text('ground_truth', 'answer'),
    target: r.text('target_new', 'answer'),
    paraphrases: r.texts('rephrase_prompt', 'prompt'),
    neighbourhood: locPrompts.map((p, i) => ({
      prompt: p,
      answer: locAnswers[locAnswers.length === 1 ? 0 : i],
    })),
    source: 'counterfact',
  };
  checkKnowledgeRecord(r, rec, 'target_new');
  return rec;
}

function parseRome(r: RecordReader): KnowledgeRecord {
  r.id = `cf-${r.key('case_id')}`;
  const rw = 'requested_rewrite';
  const subject = r.text(`${rw}.subject`, 'subject');
  const template = r.text(`${rw}.prompt`, 'prompt');
  if (!template.includes('{}')) throw r.fail(`${rw}.prompt`, 'prompt template has no "{}" for the subject');
  const original = r.text(`${rw}.target_true.str`, 'answer');
  const neighbourhood: PromptAnswer[] = r.has('neighborhood_prompts')
    ? r.texts('neighborhood_prompts', 'prompt').map((p) => ({ prompt: p, answer: original }))
    : [];
  const rec: KnowledgeRecord = {
    id: r.id,
    subject,
    relation: r.has(`${rw}.relation_id`) ? r.text(`${rw}.relation_id`, 'relation id') : template,
    prompt: template.replace('{}', subject),
    original,
    target: r.text(`${rw}.target_new.str`, 'answer'),
    paraphrases: r.has('paraphrase_prompts') ? r.texts('paraphrase_prompts', 'prompt') : [],
    neighbourhood,
    source: 'counterfact',
  };
  checkKnowledgeRecord(r, rec, `${rw}.target_new.str`);
  return rec;
}

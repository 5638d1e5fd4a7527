/**
 * ZsRE loader for the MEND layout (the shipped `data/zsre/zsre_mend_train-1k.json`, also EasyEdit's
 * `zsre_mend_*.json`): `{ subject, src, pred, rephrase, alt, answers, loc, loc_ans, cond }`, all strings
 * except `answers` (an array of strings; `rephrase` may also be an array).
 *
 * Mapping: id `zsre-<index>` (the data has no id); prompt = `src`; original = `answers[0]` (the gold answer;
 * `answers[1..]` become `originalAliases`); target = `alt`; paraphrases = `rephrase`; neighbourhood =
 * `loc` without its "nq question: " prefix, answered by `loc_ans`; relation = the question with the subject
 * replaced by "{}". `pred` (the prediction of MEND's base model, which disagrees with `answers` in 43 % of the
 * shipped records) and `cond` (`"pred >> alt || src"`) are ignored.
 *
 * ZsRE prompts are QUESTIONS ("What is the product made by UniFirst?"), not cloze prompts: they are kept as
 * they are, so a model is asked the question and the answer follows it. Turn them into cloze form, if an
 * experiment needs it, in that experiment, not here.
 *
 * MEND's `alt` strings often start with a space (a tokenizer artefact); all strings are trimmed. Two shipped
 * records have an empty `alt` and 21 have an `alt` that is one of the gold `answers`: these are content
 * errors, so load the shipped file with `{ onInvalid: 'skip' }` (977 records remain).
 */
import { DEFAULT_ZSRE_PATH } from './paths';
import type { KnowledgeRecord } from './types';
import { checkKnowledgeRecord, type LoadOptions, parseAll, readJsonArray, templateOf } from './validate';

export { DEFAULT_ZSRE_PATH };

/** The prefix MEND puts on Natural Questions neighbourhood questions. */
export const NQ_PREFIX = 'nq question: ';

/** A neighbourhood question for display and prompting: without the "nq question: " prefix. */
export function stripNqPrefix(question: string): string {
  const q = question.trim();
  return q.toLowerCase().startsWith(NQ_PREFIX) ? q.slice(NQ_PREFIX.length).trim() : q;
}

/** Loads a ZsRE (MEND layout) JSON array; throws one DataError for the first problem. */
export function loadZsre(file: string = DEFAULT_ZSRE_PATH, opts: LoadOptions = {}): KnowledgeRecord[] {
  return parseZsre(file, readJsonArray(file), opts);
}

/** Parses already-read raw ZsRE records; `file` is only used in error messages. */
export function parseZsre(file: string, data: unknown[], opts: LoadOptions = {}): KnowledgeRecord[] {
  return parseAll(file, data, opts, (r) => {
    r.id = `zsre-${r.index}`;
    const answers = r.get('answers');
    if (!Array.isArray(answers)) throw r.fail('answers', 'expected an array of strings');
    if (answers.length === 0) throw r.fail('answers', 'empty answer list', 'content');
    const [original, ...aliases] = r.texts('answers', 'answer');
    const subject = r.text('subject', 'subject');
    const prompt = r.text('src', 'question');
    const loc = stripNqPrefix(r.text('loc', 'question'));
    if (loc === '') throw r.fail('loc', 'empty question', 'content');
    const rec: KnowledgeRecord = {
      id: r.id,
      subject,
      relation: templateOf(prompt, subject),
      prompt,
      original,
      ...(aliases.length > 0 ? { originalAliases: aliases } : {}),
      target: r.text('alt', 'answer'),
      paraphrases: r.texts('rephrase', 'question'),
      neighbourhood: [{ prompt: loc, answer: r.text('loc_ans', 'answer') }],
      source: 'zsre',
    };
    checkKnowledgeRecord(r, rec, 'alt');
    return rec;
  });
}

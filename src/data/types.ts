/** The one record type every knowledge-learning experiment consumes, whatever dataset it came from. */
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

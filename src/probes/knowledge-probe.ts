/**
 * Knowledge probe of a base model: is the model's greedy answer to a prompt one of its true answers?
 * Protocol 'greedy-exact-match' (accuracy.ts): the first |answer| greedy tokens after [bos] ++ prompt are exactly
 * the answer's tokens; a prompt with several true answers is known if any of them matches. Items whose prompt
 * plus answer do not fit the model's positions are skipped and counted; prompts with out-of-vocabulary words are
 * probed (as <unk>) and counted.
 */
import { exactMatch } from '../metrics/accuracy';
import { type Interval, wilsonCI } from '../metrics/stats';
import { continuation } from '../metrics/text';
import type { LlamaModel } from '../model/llama';
import type { Tokenizer } from '../model/tokenizer';

/** A prompt with all its true answers. */
export interface KnowledgeItem {
  prompt: string;
  answers: string[];
}

export interface Knowledge {
  known: number;
  /** items probed (not counting skipped ones) */
  total: number;
  share: number;
  ci: Interval;
  /** longer than the model's positions */
  skipped: number;
  /** prompts with an out-of-vocabulary word (probed anyway) */
  withUnknownWords: number;
  /** the first few misses */
  misses: { prompt: string; expected: string; greedy: string }[];
  /** per item: known (undefined when skipped) */
  flags: (boolean | undefined)[];
  /** per item: the greedy answer (as many tokens as its first answer) */
  greedy: string[];
  unknownFlags: boolean[];
}

export type KnowledgeSummary = Omit<Knowledge, 'flags' | 'greedy' | 'unknownFlags'>;

/** Greedy-exact-match knowledge of each item (known if the greedy answer is any of its answers). */
export async function greedyKnowledge(
  model: LlamaModel,
  tok: Tokenizer,
  items: readonly KnowledgeItem[],
  level = 0.95,
): Promise<Knowledge> {
  const bos = tok.bosId !== undefined ? 1 : 0;
  const max = model.config.max_position_embeddings;
  const pairs: { item: number; prompt: string; answer: string }[] = [];
  const unknown: boolean[] = [];
  const fits = items.map((it, i) => {
    const ok = it.answers.every((a) => {
      const c = continuation(tok, it.prompt, a);
      return c.answerIds.length > 0 && bos + c.promptIds.length + c.answerIds.length <= max;
    });
    if (ok) for (const a of it.answers) pairs.push({ item: i, prompt: it.prompt, answer: a });
    unknown.push(ok && tok.encode(it.prompt).includes(tok.unkId));
    return ok;
  });
  const em = await exactMatch(model, tok, pairs);
  const flags: (boolean | undefined)[] = items.map((_, i) => (fits[i] ? false : undefined));
  const greedy: string[] = items.map(() => '');
  pairs.forEach((p, k) => {
    if (em.correct[k]) flags[p.item] = true;
    if (greedy[p.item] === '') greedy[p.item] = em.predictions[k];
  });
  return summarise(items, flags, greedy, unknown, level);
}

/** Knowledge of the items at `indices` of an earlier result. */
export function subsetKnowledge(
  items: readonly KnowledgeItem[],
  k: Knowledge,
  indices: readonly number[],
): Knowledge {
  return summarise(
    indices.map((i) => items[i]),
    indices.map((i) => k.flags[i]),
    indices.map((i) => k.greedy[i]),
    indices.map((i) => k.unknownFlags[i]),
    k.ci.level,
  );
}

function summarise(
  items: readonly KnowledgeItem[],
  flags: (boolean | undefined)[],
  greedy: string[],
  unknownFlags: boolean[],
  level: number,
): Knowledge {
  const total = flags.filter((f) => f !== undefined).length;
  const known = flags.filter((f) => f === true).length;
  const misses = items
    .map((it, i) => ({ it, i }))
    .filter(({ i }) => flags[i] === false)
    .slice(0, 5)
    .map(({ it, i }) => ({ prompt: it.prompt, expected: it.answers.join(' | '), greedy: greedy[i] }));
  return {
    known,
    total,
    share: total === 0 ? Number.NaN : known / total,
    ci: wilsonCI(known, total, level),
    skipped: items.length - total,
    withUnknownWords: unknownFlags.filter(Boolean).length,
    misses,
    flags,
    greedy,
    unknownFlags,
  };
}

/** The summary without the per-item arrays (for probes.json). */
export const withoutFlags = ({
  flags: _f,
  greedy: _g,
  unknownFlags: _u,
  ...rest
}: Knowledge): KnowledgeSummary => rest;

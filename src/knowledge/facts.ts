/**
 * The experiment pool: knowledge records turned into token ids, kept only where the experiment is meaningful —
 * the answers tokenize without unknown words, fit the model, and the model KNOWS the original fact (its greedy answer
 * to the prompt is the original answer). Target semantic distances are computed here once per protocol.
 */
import type { KnowledgeRecord } from '../data/records';
import { teacherForced } from '../metrics/evaluate';
import { DEFAULT_DISTANCE, type DistanceProtocol, protocolName, targetDistances } from '../metrics/semantic';
import { encodeScored } from '../metrics/text';
import type { LlamaModel } from '../model/llama';
import type { Tokenizer } from '../model/tokenizer';

export interface Fact {
  record: KnowledgeRecord;
  /** <bos> + prompt tokens */
  promptIds: number[];
  targetIds: number[];
  originalIds: number[];
  paraphraseIds?: number[];
  neighbourIds?: { prompt: number[]; answer: number[] };
  /** target semantic distance by protocol name */
  distance: Record<string, number>;
}

/** Protocols computed for every fact (the first is the default used for binning). */
export const FACT_PROTOCOLS: DistanceProtocol[] = [
  DEFAULT_DISTANCE,
  { ...DEFAULT_DISTANCE, metric: 'euclidean' },
  { ...DEFAULT_DISTANCE, representation: { layer: -1 } },
];
export const DEFAULT_PROTOCOL_NAME = protocolName(DEFAULT_DISTANCE);

function encodePair(
  tok: Tokenizer,
  prompt: string,
  answer: string,
): { prompt: number[]; answer: number[] } | undefined {
  const e = encodeScored(tok, prompt, answer);
  if (e.answer.length === 0 || e.answer.includes(tok.unkId) || e.prompt.includes(tok.unkId)) return undefined;
  return e;
}

/**
 * How a prompt is shown to the model: 'plain' (a cloze prompt, as pretrained) or 'llama2-chat' (LLaMA-2-chat's
 * `[INST] prompt [/INST]` wrapping, for chat checkpoints; the answer follows the closing tag).
 */
export type PromptFormat = 'plain' | 'llama2-chat';

export function formatPrompt(prompt: string, format: PromptFormat = 'plain'): string {
  return format === 'llama2-chat' ? `[INST] ${prompt.trim()} [/INST]` : prompt;
}

export interface PoolInfo {
  considered: number;
  tokenizable: number;
  known: number;
}

/** Builds the pool of facts the model knows (at most `limit`, in record order). Async: reads the device. */
export async function buildPool(
  model: LlamaModel,
  tok: Tokenizer,
  records: readonly KnowledgeRecord[],
  limit = Number.POSITIVE_INFINITY,
  format: PromptFormat = 'plain',
): Promise<{ facts: Fact[]; info: PoolInfo }> {
  const fmt = (p: string) => formatPrompt(p, format);
  const maxLen = model.config.max_position_embeddings;
  const candidates: Fact[] = [];
  for (const record of records) {
    const t = encodePair(tok, fmt(record.prompt), record.target);
    const o = encodePair(tok, fmt(record.prompt), record.original);
    if (t === undefined || o === undefined) continue;
    if (t.prompt.length + Math.max(t.answer.length, o.answer.length) > maxLen) continue;
    const para =
      record.paraphrases.length > 0 ? encodePair(tok, fmt(record.paraphrases[0]), record.target) : undefined;
    const n = record.neighbourhood[0];
    const neigh = n !== undefined ? encodePair(tok, fmt(n.prompt), n.answer) : undefined;
    const fits = (p?: { prompt: number[]; answer: number[] }) =>
      p !== undefined && p.prompt.length + p.answer.length <= maxLen;
    candidates.push({
      record,
      promptIds: t.prompt,
      targetIds: t.answer,
      originalIds: o.answer,
      paraphraseIds: fits(para) ? para!.prompt : undefined,
      neighbourIds: fits(neigh) ? neigh : undefined,
      distance: {},
    });
  }
  // the model knows the original fact: every original answer token is the argmax under teacher forcing
  const known: Fact[] = [];
  for (let i = 0; i < candidates.length && known.length < limit; i += 128) {
    const chunk = candidates.slice(i, i + 128);
    const res = await teacherForced(
      model,
      chunk.map((f) => ({ prompt: f.promptIds, answer: f.originalIds })),
      tok.padId,
    );
    chunk.forEach((f, j) => {
      if (res[j].correct && known.length < limit) known.push(f);
    });
  }
  for (const p of FACT_PROTOCOLS) {
    const name = protocolName(p);
    const d = await targetDistances(
      model,
      tok,
      known.map((f) => ({ prompt: f.record.prompt, original: f.record.original, target: f.record.target })),
      p,
    );
    known.forEach((f, i) => {
      f.distance[name] = d[i];
    });
  }
  return {
    facts: known,
    info: { considered: records.length, tokenizable: candidates.length, known: known.length },
  };
}

/**
 * Probes of a model's three semantic spaces (metrics/semantic.ts SEMANTIC_SPACES: input embeddings, output
 * embeddings = LM-head rows, hidden state 2), for tied and untied models alike:
 * - structure per space: kindStructure (probe-stats.ts) of the kinded answers of probes.ts `kindedAnswers`, each
 *   answer read WITHOUT a prompt (the hidden state reads [bos] ++ answer): same-kind minus cross-kind cosine, and
 *   nearest-neighbour kind purity against chance;
 * - margin coupling on the experiment pool (buildPool: the experiment records the model knows): the base logit
 *   margin m = logit(original) − logit(target) of the FIRST answer token after [bos] ++ prompt, the target's rank
 *   there (1 = top), and per space the target distance d(original, target) read in the record's prompt
 *   (targetDistances). Reported: Spearman ρ(d, m) and ρ(d, rank) per space. Facts whose original and target
 *   begin with the same token have m = 0 by construction and are left out (counted in `sameFirstToken`).
 * In a tied model the output-embedding rows ARE the input rows, so its 'input' and 'output' numbers coincide.
 */
import * as tf from '@tensorflow/tfjs';
import type { KnowledgeRecord } from '../data/records';
import { buildPool, type Fact } from '../knowledge/facts';
import {
  answerVectors,
  protocolName,
  SEMANTIC_SPACES,
  type SemanticSpace,
  targetDistances,
} from '../metrics/semantic';
import { type Correlation, spearman } from '../metrics/stats';
import type { LlamaModel } from '../model/llama';
import type { Tokenizer } from '../model/tokenizer';
import { tidyRead } from '../util/tensors';
import { type KindStructure, kindStructure } from './probe-stats';

export interface SpaceProbe {
  protocol: string;
  structure: KindStructure;
  /** Spearman ρ between the target distance and the base margin logit(original) − logit(target) */
  rhoMargin: Correlation;
  /** Spearman ρ between the target distance and the target's rank at the first answer token */
  rhoRank: Correlation;
}

export interface SpaceProbes {
  tied: boolean;
  /** pool facts used for the margin correlations */
  facts: number;
  /** pool facts left out because original and target share their first token */
  sameFirstToken: number;
  margin: { mean: number; min: number; max: number };
  spaces: Record<SemanticSpace, SpaceProbe>;
}

export interface MarginRow {
  /** logit(original first token) − logit(target first token) */
  margin: number;
  /** 1 + number of vocabulary tokens with a higher logit than the target's first token */
  targetRank: number;
}

/**
 * Base logit margin and target rank at the first answer token of each (prompt ids, original id, target id),
 * batched (≤ 64 rows, right-padded: causal attention hides the padding from the read position). `sameLength`:
 * batch only prompts of one length, so no row is padded and each row's numbers are those of the row alone (on wasm a
 * padded batch moves them in the 7th digit: README, Reliability); the rows come back in the order given.
 */
export async function firstTokenMargins(
  model: LlamaModel,
  rows: readonly { promptIds: number[]; originalId: number; targetId: number }[],
  padId = 0,
  batchSize = 64,
  sameLength = false,
): Promise<MarginRow[]> {
  if (sameLength) {
    const out: MarginRow[] = new Array(rows.length);
    const lengths = [...new Set(rows.map((r) => r.promptIds.length))].sort((a, b) => a - b);
    for (const n of lengths) {
      const at = rows.map((r, i) => (r.promptIds.length === n ? i : -1)).filter((i) => i >= 0);
      const got = await firstTokenMargins(
        model,
        at.map((i) => rows[i]),
        padId,
        batchSize,
      );
      at.forEach((i, j) => {
        out[i] = got[j];
      });
    }
    return out;
  }
  const out: MarginRow[] = [];
  const V = model.config.vocab_size;
  for (let s = 0; s < rows.length; s += batchSize) {
    const chunk = rows.slice(s, s + batchSize);
    const T = Math.max(...chunk.map((r) => r.promptIds.length));
    const flat = new Int32Array(chunk.length * T).fill(padId);
    chunk.forEach((r, b) => {
      flat.set(r.promptIds, b * T);
    });
    const logits = await tidyRead(() => {
      const ids = tf.tensor2d(flat, [chunk.length, T], 'int32');
      const pos = tf.tensor1d(
        chunk.map((r, b) => b * T + r.promptIds.length - 1),
        'int32',
      );
      return model.forward(ids, { logitPositions: pos }).logits; // [B, V]
    });
    chunk.forEach((r, b) => {
      const row = logits.subarray(b * V, (b + 1) * V);
      const t = row[r.targetId];
      let above = 0;
      for (let v = 0; v < V; v++) if (row[v] > t) above++;
      out.push({ margin: row[r.originalId] - t, targetRank: above + 1 });
    });
  }
  return out;
}

/**
 * Runs the space probes (see the module comment). `records`: the model's experiment records; `set`: the kinded
 * answers (probes.ts kindedAnswers); `pool`: buildPool(model, tok, records).facts when already built.
 */
export async function spaceProbes(
  model: LlamaModel,
  tok: Tokenizer,
  records: readonly KnowledgeRecord[],
  set: { answers: string[]; kinds: string[] },
  opts: { seed: number; bootstrapIterations: number },
  pool?: readonly Fact[],
): Promise<SpaceProbes> {
  const o = opts;
  const facts = pool ?? (await buildPool(model, tok, records)).facts;
  const kept = facts.filter((f) => f.originalIds[0] !== f.targetIds[0]);
  const margins = await firstTokenMargins(
    model,
    kept.map((f) => ({ promptIds: f.promptIds, originalId: f.originalIds[0], targetId: f.targetIds[0] })),
    tok.padId,
  );
  const m = margins.map((r) => r.margin);
  const rank = margins.map((r) => r.targetRank);
  const spaces = {} as Record<SemanticSpace, SpaceProbe>;
  for (const space of Object.keys(SEMANTIC_SPACES) as SemanticSpace[]) {
    const protocol = SEMANTIC_SPACES[space];
    const vectors = await answerVectors(model, tok, set.answers, protocol);
    const structure = kindStructure(vectors, set.kinds, { iterations: o.bootstrapIterations, seed: o.seed });
    const d = await targetDistances(
      model,
      tok,
      kept.map((f) => ({ prompt: f.record.prompt, original: f.record.original, target: f.record.target })),
      protocol,
    );
    spaces[space] = {
      protocol: protocolName(protocol),
      structure,
      rhoMargin: spearman(d, m),
      rhoRank: spearman(d, rank),
    };
  }
  return {
    tied: model.config.tie_word_embeddings,
    facts: kept.length,
    sameFirstToken: facts.length - kept.length,
    margin:
      m.length === 0
        ? { mean: Number.NaN, min: Number.NaN, max: Number.NaN }
        : { mean: m.reduce((a, x) => a + x, 0) / m.length, min: Math.min(...m), max: Math.max(...m) },
    spaces,
  };
}

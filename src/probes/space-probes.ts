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
import type { KnowledgeRecord } from '../data/records';
import { buildPool, type Fact } from '../knowledge/facts';
import { firstTokenMargins } from '../metrics/margins';
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

/**
 * Probes of the shipped base model (saved in its MODEL_CARD.md and probes.json, checked by test/base-model.test.ts):
 * - knowledge: share of the COUNTERFACT records it was pretrained on whose ground truth is its greedy answer
 *   ('greedy-exact-match' of accuracy.ts: the first |answer| greedy tokens after [bos] ++ prompt are the answer's),
 *   with a Wilson CI; the same for the experiment candidates (buildCorpus().records) and for the world facts'
 *   prompts (a multi-valued prompt, "People in Switzerland speak", is known if the greedy answer is any of its
 *   true answers). Items longer than the model's positions are skipped and counted.
 * - paraphraseKnowledge: the same on paraphrase prompts (COUNTERFACT rephrase prompts, the other world-fact
 *   templates) — held out of the corpus by default, so a generalisation check.
 * - structure: embedding-layer cosine ('emb/answer/mean', DEFAULT_DISTANCE: mean input embedding of the answer's
 *   words) within vs across answer kinds, nearest-neighbour kind purity vs chance (probe-stats.ts kindStructure).
 *   Answers: the experiment records' true and target answers (kind from kinds.ts, 'other' left out) and the world
 *   facts' answers and subjects (countries, cities, languages, currencies, …); an answer claimed by two kinds
 *   ("French": language and demonym) or with out-of-vocabulary words is left out; kinds with fewer than
 *   `minPerKind` answers are left out and larger ones subsampled to `maxPerKind` (seeded).
 * - region: for the independent countries, correlation of a country pair's embedding cosine with sharing a
 *   region, with a Mantel permutation p-value (probe-stats.ts pairLabelCorrelation).
 * - vocabulary / pool: experiment records whose target_new has no out-of-vocabulary word, and the experiment pool
 *   (buildPool: the records the model knows) with its size.
 * - spaces (space-probes.ts): the same structure statistics in each semantic space (input embeddings, output
 *   embeddings, hidden state) and the Spearman correlation of each space's target distance with the base logit
 *   margin logit(original) − logit(target) on the pool facts.
 */
import { loadCounterfact } from '../data/counterfact';
import { recordAnswerKind } from '../data/kinds';
import type { KnowledgeRecord } from '../data/records';
import { worldFacts } from '../data/worldfacts';
import { buildPool, type Fact, type PoolInfo } from '../knowledge/facts';
import { answerVectors, DEFAULT_DISTANCE, protocolName } from '../metrics/semantic';
import type { LlamaModel } from '../model/llama';
import { type Tokenizer, WordTokenizer } from '../model/tokenizer';
import { buildCorpus, CORPUS_DEFAULTS, type Corpus, type CorpusConfig } from '../pretrain/corpus';
import { deriveSeed, permutation } from '../util/random';
import {
  greedyKnowledge,
  type KnowledgeItem,
  type KnowledgeSummary,
  subsetKnowledge,
  withoutFlags,
} from './knowledge-probe';
import {
  type KindStructure,
  kindStructure,
  type PairLabelCorrelation,
  pairLabelCorrelation,
} from './probe-stats';
import { type SpaceProbes, spaceProbes } from './space-probes';

export interface ProbeOptions {
  /** the corpus the model was pretrained on (default CORPUS_DEFAULTS, what `beacons pretrain` uses) */
  corpus?: Partial<CorpusConfig>;
  seed?: number;
  minPerKind?: number;
  maxPerKind?: number;
  bootstrapIterations?: number;
  permutations?: number;
  /** also build the experiment pool (buildPool; a few forward passes over the experiment records) */
  pool?: boolean;
  /** also probe the three semantic spaces (space-probes.ts; default true) */
  spaces?: boolean;
}

export const PROBE_DEFAULTS = {
  seed: 0,
  minPerKind: 5,
  maxPerKind: 150,
  bootstrapIterations: 2000,
  permutations: 999,
};

export interface Probes {
  corpus: {
    statements: number;
    /** COUNTERFACT records whose true statement (prompt + ground truth) is in the corpus */
    counterfactRecords: number;
    /** of which the experiment candidates (target_new is another record's true answer) */
    experimentRecords: number;
    worldFacts: number;
    /** the tokenizer equals one trained on this corpus (so these are the facts the checkpoint saw) */
    matchesTokenizer: boolean | 'not a word tokenizer';
  };
  knowledge: {
    counterfact: KnowledgeSummary;
    experimentRecords: KnowledgeSummary;
    worldFacts: KnowledgeSummary & {
      byRelation: Record<string, { known: number; total: number; share: number }>;
    };
  };
  paraphraseKnowledge: {
    /** paraphrase prompts are not in the corpus */
    heldOut: boolean;
    counterfact: KnowledgeSummary;
    worldFacts: KnowledgeSummary;
  };
  structure: KindStructure & {
    protocol: string;
    droppedAmbiguous: number;
    droppedUnknown: number;
    droppedKinds: string[];
  };
  region: PairLabelCorrelation & { protocol: string; regions: Record<string, number> };
  vocabulary: {
    records: number;
    targetInVocab: number;
    originalInVocab: number;
    targetIsTrainedAnswer: number;
  };
  pool?: PoolInfo & { targetInVocab: number };
  spaces?: SpaceProbes;
  options: typeof PROBE_DEFAULTS;
}

const join = (prompt: string, answer: string) => `${prompt.trimEnd()} ${answer.trim()}`;

/** COUNTERFACT records whose true statement is in the corpus and whose prompt has one true answer in the file. */
export function pretrainingSubset(corpus: Corpus, counterfactPath?: string): KnowledgeRecord[] {
  const statements = new Set(corpus.statements);
  const all = loadCounterfact(counterfactPath, { onInvalid: 'skip' });
  const answers = new Map<string, Set<string>>();
  for (const r of all) {
    const key = r.prompt.toLowerCase();
    if (!answers.has(key)) answers.set(key, new Set());
    answers.get(key)!.add(r.original.toLowerCase());
  }
  return all.filter(
    (r) => answers.get(r.prompt.toLowerCase())!.size === 1 && statements.has(join(r.prompt, r.original)),
  );
}

/** True when every word of `text` is in the vocabulary. */
export function inVocab(tok: Tokenizer, text: string): boolean {
  const ids = tok.encode(text);
  return ids.length > 0 && !ids.includes(tok.unkId);
}

/** World facts grouped by prompt (or by paraphrase template), each with all its true answers. */
function worldItems(paraphrases: boolean): { items: KnowledgeItem[]; relations: string[] } {
  const byPrompt = new Map<string, { item: KnowledgeItem; relation: string }>();
  for (const f of worldFacts()) {
    const prompts = paraphrases ? f.paraphrases : [f.prompt];
    for (const p of prompts) {
      if (!byPrompt.has(p)) byPrompt.set(p, { item: { prompt: p, answers: [] }, relation: f.relation });
      const it = byPrompt.get(p)!.item;
      for (const a of [f.answer, ...f.otherAnswers]) if (!it.answers.includes(a)) it.answers.push(a);
    }
  }
  const list = [...byPrompt.values()];
  return { items: list.map((x) => x.item), relations: list.map((x) => x.relation) };
}

/** Answers with one kind each, for the structure probe (see the module comment). */
export function kindedAnswers(
  tok: Tokenizer,
  records: readonly KnowledgeRecord[],
  opts: { minPerKind?: number; maxPerKind?: number; seed?: number } = {},
): {
  answers: string[];
  kinds: string[];
  droppedAmbiguous: number;
  droppedUnknown: number;
  droppedKinds: string[];
} {
  const { minPerKind = PROBE_DEFAULTS.minPerKind, maxPerKind = PROBE_DEFAULTS.maxPerKind, seed = 0 } = opts;
  const seen = new Map<string, { text: string; kinds: Set<string> }>();
  const add = (text: string, kind: string) => {
    const key = text.trim().toLowerCase();
    if (!seen.has(key)) seen.set(key, { text: text.trim(), kinds: new Set() });
    seen.get(key)!.kinds.add(kind);
  };
  for (const r of records) {
    const k = recordAnswerKind(r);
    if (k === 'other') continue;
    add(r.original, k);
    add(r.target, k);
  }
  for (const f of worldFacts()) {
    add(f.answer, f.kind);
    add(f.subject, f.relation === 'city_country' ? 'city' : 'country');
  }
  let droppedAmbiguous = 0;
  let droppedUnknown = 0;
  const byKind = new Map<string, string[]>();
  for (const { text, kinds } of seen.values()) {
    if (kinds.size > 1) droppedAmbiguous++;
    else if (!inVocab(tok, text)) droppedUnknown++;
    else {
      const k = [...kinds][0];
      if (!byKind.has(k)) byKind.set(k, []);
      byKind.get(k)!.push(text);
    }
  }
  const answers: string[] = [];
  const kinds: string[] = [];
  const droppedKinds: string[] = [];
  for (const kind of [...byKind.keys()].sort()) {
    const list = byKind.get(kind)!;
    if (list.length < minPerKind) {
      droppedKinds.push(kind);
      continue;
    }
    const keep = permutation(list.length, deriveSeed(seed, kind))
      .slice(0, maxPerKind)
      .sort((a, b) => a - b);
    for (const i of keep) {
      answers.push(list[i]);
      kinds.push(kind);
    }
  }
  return { answers, kinds, droppedAmbiguous, droppedUnknown, droppedKinds };
}

/** Embedding-layer structure: same-kind vs cross-kind cosine, nearest-neighbour purity. */
export async function structureProbe(
  model: LlamaModel,
  tok: Tokenizer,
  records: readonly KnowledgeRecord[],
  opts: Omit<ProbeOptions, 'corpus' | 'pool'> = {},
): Promise<Probes['structure']> {
  const o = { ...PROBE_DEFAULTS, ...opts };
  const set = kindedAnswers(tok, records, o);
  const vectors = await answerVectors(model, tok, set.answers, DEFAULT_DISTANCE);
  const stats = kindStructure(vectors, set.kinds, { iterations: o.bootstrapIterations, seed: o.seed });
  return {
    protocol: protocolName(DEFAULT_DISTANCE),
    droppedAmbiguous: set.droppedAmbiguous,
    droppedUnknown: set.droppedUnknown,
    droppedKinds: set.droppedKinds,
    ...stats,
  };
}

/** Country-pair embedding cosine vs sharing a region. */
export async function regionProbe(
  model: LlamaModel,
  tok: Tokenizer,
  opts: { permutations?: number; seed?: number } = {},
): Promise<Probes['region']> {
  const facts = worldFacts({ relations: ['region'] }).filter((f) => inVocab(tok, f.subject));
  const vectors = await answerVectors(
    model,
    tok,
    facts.map((f) => f.subject),
    DEFAULT_DISTANCE,
  );
  const labels = facts.map((f) => f.answer);
  const regions: Record<string, number> = {};
  for (const l of [...labels].sort()) regions[l] = (regions[l] ?? 0) + 1;
  return {
    protocol: protocolName(DEFAULT_DISTANCE),
    regions,
    ...pairLabelCorrelation(vectors, labels, {
      permutations: opts.permutations ?? PROBE_DEFAULTS.permutations,
      seed: opts.seed ?? 0,
    }),
  };
}

/** Runs every probe (see the module comment). */
export async function runProbes(model: LlamaModel, tok: Tokenizer, opts: ProbeOptions = {}): Promise<Probes> {
  const o = { ...PROBE_DEFAULTS, ...opts };
  const cfg = { ...CORPUS_DEFAULTS, ...opts.corpus };
  const corpus = buildCorpus(cfg);
  const subset = pretrainingSubset(corpus, cfg.counterfactPath);
  const matchesTokenizer =
    tok instanceof WordTokenizer
      ? JSON.stringify(WordTokenizer.train(corpus.statements, { lowercase: tok.lowercase }).vocab) ===
        JSON.stringify(tok.vocab)
      : ('not a word tokenizer' as const);

  const cfItems = subset.map((r) => ({ prompt: r.prompt, answers: [r.original] }));
  const cf = await greedyKnowledge(model, tok, cfItems);
  const ids = new Set(corpus.records.map((r) => r.id));
  const exp = subsetKnowledge(
    cfItems,
    cf,
    subset.flatMap((r, i) => (ids.has(r.id) ? [i] : [])),
  );
  const world = worldItems(false);
  const wk = await greedyKnowledge(model, tok, world.items);
  const byRelation: Record<string, { known: number; total: number; share: number }> = {};
  world.relations.forEach((rel, i) => {
    if (wk.flags[i] === undefined) return;
    byRelation[rel] ??= { known: 0, total: 0, share: 0 };
    byRelation[rel].total++;
    if (wk.flags[i]) byRelation[rel].known++;
  });
  for (const r of Object.values(byRelation)) r.share = r.known / r.total;

  const cfPara = await greedyKnowledge(
    model,
    tok,
    subset.flatMap((r) => r.paraphrases.map((p) => ({ prompt: p, answers: [r.original] }))),
  );
  const wPara = await greedyKnowledge(model, tok, worldItems(true).items);

  const trueAnswers = new Set(subset.map((r) => r.original.toLowerCase()));
  const vocabulary = {
    records: corpus.records.length,
    targetInVocab: corpus.records.filter((r) => inVocab(tok, r.target)).length,
    originalInVocab: corpus.records.filter((r) => inVocab(tok, r.original)).length,
    targetIsTrainedAnswer: corpus.records.filter((r) => trueAnswers.has(r.target.toLowerCase())).length,
  };
  let pool: Probes['pool'];
  let poolFacts: Fact[] | undefined;
  if (opts.pool ?? true) {
    const { facts, info } = await buildPool(model, tok, corpus.records);
    pool = { ...info, targetInVocab: facts.filter((f) => !f.targetIds.includes(tok.unkId)).length };
    poolFacts = facts;
  }
  const spaces =
    (opts.spaces ?? true)
      ? await spaceProbes(model, tok, corpus.records, kindedAnswers(tok, corpus.records, o), o, poolFacts)
      : undefined;
  return {
    corpus: {
      statements: corpus.statements.length,
      counterfactRecords: subset.length,
      experimentRecords: corpus.records.length,
      worldFacts: corpus.worldFactCount,
      matchesTokenizer,
    },
    knowledge: {
      counterfact: withoutFlags(cf),
      experimentRecords: withoutFlags(exp),
      worldFacts: { ...withoutFlags(wk), byRelation },
    },
    paraphraseKnowledge: {
      heldOut: !cfg.includeParaphrases && !cfg.worldFactParaphrases,
      counterfact: withoutFlags(cfPara),
      worldFacts: withoutFlags(wPara),
    },
    structure: await structureProbe(model, tok, corpus.records, o),
    region: await regionProbe(model, tok, o),
    vocabulary,
    pool,
    spaces,
    options: {
      seed: o.seed,
      minPerKind: o.minPerKind,
      maxPerKind: o.maxPerKind,
      bootstrapIterations: o.bootstrapIterations,
      permutations: o.permutations,
    },
  };
}

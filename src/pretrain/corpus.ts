/**
 * The pretraining corpus of the shipped model: TRUE statements only.
 * - COUNTERFACT records (a deterministic subset): prompt + ground truth, neighbourhood prompts + their answers
 *   (paraphrase prompts optional, off by default: they are held out to measure generalisation, and many begin with
 *   an unrelated sentence that costs pretraining time). Records whose prompt repeats another record's prompt with a different
 *   true answer (COUNTERFACT has ~80 such "twin city" pairs) are dropped so the corpus never contradicts itself.
 * - World facts (src/data/worldfacts.ts): the first template of every fact (all templates optional).
 * The subset is chosen so that every kept record's counterfactual target_new also occurs in the corpus as some
 * record's true answer: its tokens are in the vocabulary and their embeddings are trained (so embedding-layer
 * semantic distance is meaningful for every experiment record).
 */
import { loadCounterfact } from '../data/counterfact';
import type { KnowledgeRecord } from '../data/records';
import { worldFactStatements, worldFacts } from '../data/worldfacts';
import { permutation } from '../util/random';

export interface CorpusConfig {
  /** COUNTERFACT records to consider (a seeded sample of the file) */
  counterfactRecords: number;
  includeParaphrases: boolean;
  includeNeighbourhood: boolean;
  includeWorldFacts: boolean;
  /** all templates of each world fact (true) or only its first (false) */
  worldFactParaphrases: boolean;
  seed: number;
  /** COUNTERFACT file (default: the shipped one) */
  counterfactPath?: string;
}

export const CORPUS_DEFAULTS: CorpusConfig = {
  counterfactRecords: 1200,
  includeParaphrases: false,
  includeNeighbourhood: true,
  includeWorldFacts: true,
  worldFactParaphrases: false,
  seed: 0,
};

export interface Corpus {
  statements: string[];
  /** the COUNTERFACT records whose true statements are in the corpus */
  records: KnowledgeRecord[];
  worldFactCount: number;
}

const join = (prompt: string, answer: string) => `${prompt.trimEnd()} ${answer.trim()}`;

export function buildCorpus(partial: Partial<CorpusConfig> = {}): Corpus {
  const cfg = { ...CORPUS_DEFAULTS, ...partial };
  const all = loadCounterfact(cfg.counterfactPath, { onInvalid: 'skip' });
  // drop prompts with conflicting true answers
  const answersByPrompt = new Map<string, Set<string>>();
  for (const r of all) {
    const key = r.prompt.toLowerCase();
    if (!answersByPrompt.has(key)) answersByPrompt.set(key, new Set());
    answersByPrompt.get(key)!.add(r.original.toLowerCase());
  }
  const consistent = all.filter((r) => answersByPrompt.get(r.prompt.toLowerCase())!.size === 1);
  const order = permutation(consistent.length, cfg.seed);
  const sample = order
    .slice(0, Math.min(cfg.counterfactRecords, consistent.length))
    .map((i) => consistent[i]);
  // keep records whose target is some sampled record's true answer
  const trueAnswers = new Set(sample.map((r) => r.original.toLowerCase()));
  const records = sample.filter((r) => trueAnswers.has(r.target.toLowerCase()));
  const statements: string[] = [];
  for (const r of sample) {
    statements.push(join(r.prompt, r.original));
    if (cfg.includeParaphrases) for (const p of r.paraphrases) statements.push(join(p, r.original));
    if (cfg.includeNeighbourhood) for (const n of r.neighbourhood) statements.push(join(n.prompt, n.answer));
  }
  let worldFactCount = 0;
  if (cfg.includeWorldFacts) {
    const facts = worldFacts();
    worldFactCount = facts.length;
    statements.push(...worldFactStatements(facts, { paraphrases: cfg.worldFactParaphrases }));
  }
  return { statements: [...new Set(statements)], records, worldFactCount };
}

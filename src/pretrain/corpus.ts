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
 *
 * Answers in input positions (both off by default; the untied models turn them on). In the statements above an
 * answer is almost always the LAST word, so with untied embeddings its input embedding is almost never trained.
 * Two restatements of the same true facts put answers first (no new facts, same provenance):
 * - `answerFirst`: every sampled COUNTERFACT record's true statement once more as
 *   "‹ground truth› is the answer to : ‹prompt›" (`answerFirst()`). Every experiment answer (a record's ground
 *   truth or target_new, itself some record's ground truth) is thus an input word; neighbourhood statements are not
 *   restated (their answers are mostly the same entities, and the larger model's pretraining time is the limit);
 * - `reverseWorldFacts`: every world fact in the corpus whose reverse is also true, in a reverse template with the
 *   answer as the sentence's subject ("Paris is the capital of France.", REVERSE_TEMPLATES; 'border' is symmetric
 *   and already in the corpus both ways, so it has none).
 * No "‹answer› is a ‹kind›" type statements: the kinds of COUNTERFACT answers come from a keyword heuristic
 * (kinds.ts) that could make a statement false, and the structure probe scores the embeddings against those same
 * kinds, which would make its purity partly circular.
 */
import { loadCounterfact } from '../data/counterfact';
import type { KnowledgeRecord } from '../data/records';
import {
  countryPhrase,
  type WorldFact,
  type WorldRelation,
  worldFactStatements,
  worldFacts,
} from '../data/worldfacts';
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
  /** also "‹ground truth› is the answer to : ‹prompt›" for every sampled record (see the module comment) */
  answerFirst?: boolean;
  /** also the reverse statement of every world fact whose relation has a reverse template */
  reverseWorldFacts?: boolean;
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

/** A true COUNTERFACT statement restated with its answer first. */
export const answerFirst = (prompt: string, answer: string) =>
  `${answer.trim()} is the answer to : ${prompt.trim()}`;

/**
 * Reverse templates per world relation: "{a}" the answer (first), "{s}" the subject as it reads in a sentence.
 * Each is true whenever the forward fact is (capital of, official language spoken in, currency used in, region
 * and subregion containing the country, demonym of, country containing the city).
 */
export const REVERSE_TEMPLATES: Readonly<Partial<Record<WorldRelation, string>>> = {
  capital: '{a} is the capital of {s}.',
  region: '{a} includes {s}.',
  subregion: '{a} includes {s}.',
  language: '{a} is spoken in {s}.',
  currency: 'The {a} is used in {s}.',
  demonym: '{a} is the demonym for people from {s}.',
  city_country: '{a} contains the city of {s}.',
};

/** The reverse statement of a world fact, or undefined when its relation has none. */
export function reverseStatement(f: WorldFact): string | undefined {
  const t = REVERSE_TEMPLATES[f.relation];
  if (t === undefined) return undefined;
  const subject = f.relation === 'city_country' ? f.subject : countryPhrase(f.subject);
  const s = t.replace('{a}', f.answer).replace('{s}', subject);
  return s.charAt(0).toUpperCase() + s.slice(1);
}

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
    if (cfg.answerFirst) statements.push(answerFirst(r.prompt, r.original));
    if (cfg.includeParaphrases) for (const p of r.paraphrases) statements.push(join(p, r.original));
    if (cfg.includeNeighbourhood) for (const n of r.neighbourhood) statements.push(join(n.prompt, n.answer));
  }
  let worldFactCount = 0;
  if (cfg.includeWorldFacts) {
    const facts = worldFacts();
    worldFactCount = facts.length;
    statements.push(...worldFactStatements(facts, { paraphrases: cfg.worldFactParaphrases }));
    if (cfg.reverseWorldFacts) {
      for (const f of facts) {
        const r = reverseStatement(f);
        if (r !== undefined) statements.push(r);
      }
    }
  }
  return { statements: [...new Set(statements)], records, worldFactCount };
}

/**
 * Best-effort answer kinds for COUNTERFACT / ZsRE records, so that analyses can compare semantic distance
 * within a kind (languages with languages, cities with cities). COUNTERFACT's EasyEdit split has no relation
 * ids, so the kind comes from keywords of the relation template ("The mother tongue of {} is" → language),
 * then from the world-facts vocabulary (countries, cities, languages, regions), else 'other'.
 * Heuristic by design: check a sample before relying on it for a new dataset.
 */
import type { KnowledgeRecord } from './types';
import { type AnswerKind, worldFacts } from './worldfacts';

export type RecordAnswerKind =
  | AnswerKind
  | 'religion'
  | 'office'
  | 'position'
  | 'instrument'
  | 'sport'
  | 'genre'
  | 'occupation'
  | 'field'
  | 'broadcaster'
  | 'label'
  | 'organization'
  | 'other';

/** Template keyword rules, first match wins ("{}" is the subject). */
const RULES: ReadonlyArray<readonly [RegExp, RecordAnswerKind]> = [
  [/language|speak|mother tongue|writes in|written in|a native$|they understand/i, 'language'],
  [/religion|follower of/i, 'religion'],
  [/continent/i, 'region'],
  [/holds the (title|position)|has the position|whose position|'s position is|^\{\} is a$/i, 'office'],
  [/position|plays as|They play as/i, 'position'],
  [/instrument|perform(s|ing) on the|playing the$|plays the$/i, 'instrument'],
  [/sport|is a professional$/i, 'sport'],
  [/genre|performs$|performing$|plays$|They play$/i, 'genre'],
  [/profession|occupation|works as/i, 'occupation'],
  [/field|area of|domain|expertise|specializes/i, 'field'],
  [/debut|premiere|aired on|released on/i, 'broadcaster'],
  [/label|represented by|recorded for|released by/i, 'label'],
  [
    /created by|developed by|produced by|product|manufactured by|employed by|works for|owner|owned by|affiliated|member of|organization|part of the$|, by$|, of$/i,
    'organization',
  ],
  [
    /capital|twin city|city of|work|employ|born in|died|passed away|life ended|expired at|succumbed|lost their life|headquarter|based in/i,
    'city',
  ],
  [/citizen|country of/i, 'country'],
];

let vocab: Map<string, AnswerKind> | undefined;

/** The kind of an answer by vocabulary alone (world facts, plus continents and UK nations); undefined if unknown. */
export function vocabularyKind(answer: string): AnswerKind | undefined {
  if (!vocab) {
    vocab = new Map<string, AnswerKind>();
    const extra: Array<[string, AnswerKind]> = [
      ...[
        'Africa',
        'Antarctica',
        'Asia',
        'Europe',
        'North America',
        'South America',
        'Oceania',
        'Americas',
      ].map((r) => [r, 'region'] as [string, AnswerKind]),
      ...['England', 'Scotland', 'Wales', 'Turkey', 'USA'].map((c) => [c, 'country'] as [string, AnswerKind]),
    ];
    // Earlier entries win: countries and languages before demonyms ("French" is a language first).
    const facts = worldFacts();
    const order: AnswerKind[] = ['country', 'language', 'region', 'city', 'subregion', 'currency', 'demonym'];
    for (const [a, k] of extra) vocab.set(a.toLowerCase(), k);
    const add = (word: string, k: AnswerKind) => {
      if (!vocab!.has(word.toLowerCase())) vocab!.set(word.toLowerCase(), k);
    };
    for (const f of facts) add(f.subject, f.relation === 'city_country' ? 'city' : 'country');
    for (const k of order) for (const f of facts) if (f.kind === k) add(f.answer, k);
  }
  return vocab.get(answer.trim().toLowerCase());
}

/** The kind of `answer` to a prompt of template `relation` (e.g. a COUNTERFACT record's relation). */
export function answerKind(relation: string, answer: string): RecordAnswerKind {
  for (const [re, kind] of RULES) if (re.test(relation)) return kind;
  return vocabularyKind(answer) ?? 'other';
}

/** The kind of a record's original answer (its target shares the relation, so usually the same kind). */
export function recordAnswerKind(rec: KnowledgeRecord): RecordAnswerKind {
  return answerKind(rec.relation, rec.original);
}

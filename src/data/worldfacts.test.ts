import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  countryPhrase,
  factStatement,
  largestCities,
  RELATION_KIND,
  slug,
  WORLD_RELATIONS,
  type WorldFact,
  worldFactStatements,
  worldFacts,
  worldFactsToRecords,
} from './worldfacts';

const facts = worldFacts();
const find = (subject: string, relation: string) =>
  facts.filter((f) => f.subject === subject && f.relation === relation);

describe('worldFacts', () => {
  it('is deterministic', () => {
    assert.deepEqual(worldFacts(), facts);
    assert.deepEqual(worldFactsToRecords(facts), worldFactsToRecords(worldFacts()));
  });
  it('covers every relation with a plausible number of facts', () => {
    for (const r of WORLD_RELATIONS) assert.ok(facts.filter((f) => f.relation === r).length >= 150, r);
    assert.ok(facts.length > 2000 && facts.length < 3000, String(facts.length));
  });
  it('contains known facts', () => {
    const fr = (relation: string) => find('France', relation).map((f) => f.answer);
    assert.deepEqual(fr('capital'), ['Paris']);
    assert.deepEqual(fr('region'), ['Europe']);
    assert.deepEqual(fr('subregion'), ['Western Europe']);
    assert.deepEqual(fr('language'), ['French']);
    assert.deepEqual(fr('currency'), ['Euro']);
    assert.deepEqual(fr('demonym'), ['French']);
    assert.ok(fr('border').includes('Spain') && fr('border').includes('Germany'));
    assert.equal(find('France', 'capital')[0].prompt, 'The capital of France is');
    assert.deepEqual(find('London', 'city_country')[0].answer, 'United Kingdom');
    assert.equal(find('Hyderabad', 'city_country')[0].answer, 'India');
    assert.equal(find('Germany', 'capital')[0].id, 'wf-capital-DEU-berlin');
    assert.equal(find('United States', 'capital')[0].prompt, 'The capital of the United States is');
    assert.equal(find('United States', 'border')[0].prompt, 'The United States shares a border with');
  });
  it('has no empty answers, no duplicate ids, subjects inside prompts, known kinds', () => {
    assert.equal(new Set(facts.map((f) => f.id)).size, facts.length);
    for (const f of facts) {
      assert.ok(f.answer.trim() === f.answer && f.answer !== '', f.id);
      assert.ok(f.subject !== '' && f.prompt.includes(f.subject), f.id);
      assert.equal(f.paraphrases.length, 2, f.id);
      assert.ok(!f.otherAnswers.includes(f.answer), f.id);
      assert.equal(f.kind, RELATION_KIND[f.relation]);
      assert.ok(!/[()]/.test(f.answer), f.id);
    }
  });
  it('multi-valued relations give one fact per answer with the others listed', () => {
    const za = find('South Africa', 'capital');
    assert.deepEqual(
      za.map((f) => f.answer),
      ['Pretoria', 'Bloemfontein', 'Cape Town'],
    );
    assert.deepEqual(za[0].otherAnswers, ['Bloemfontein', 'Cape Town']);
  });
  it('keeps only large, unambiguous cities', () => {
    const cities = largestCities();
    assert.ok(cities.every((c) => c.population >= 1_000_000));
    assert.equal(find('Valencia', 'city_country').length, 0); // Venezuela's is larger than Spain's
    assert.equal(new Set(cities.map((c) => c.name)).size, cities.length);
    assert.equal(largestCities(1_000_000, 10).length, 10);
    const few = worldFacts({ relations: ['city_country'], maxCities: 5 });
    assert.deepEqual(
      few.map((f) => f.subject),
      cities.slice(0, 5).map((c) => c.name),
    );
  });
});

describe('statements and records', () => {
  it('turns facts into true sentences', () => {
    const paris = find('France', 'capital')[0];
    assert.equal(factStatement(paris), 'The capital of France is Paris.');
    assert.deepEqual(worldFactStatements([paris]), [
      'The capital of France is Paris.',
      'The capital city of France is Paris.',
      "France's capital city is Paris.",
    ]);
    assert.equal(worldFactStatements(facts, { paraphrases: false }).length, facts.length);
  });
  it('records get a same-relation target that is not true for the subject', () => {
    const recs = worldFactsToRecords(facts);
    const byId = new Map<string, WorldFact>(facts.map((f) => [f.id, f]));
    assert.equal(recs.length, facts.length);
    for (const r of recs) {
      const f = byId.get(r.id)!;
      const sameRelation = facts.filter((o) => o.relation === f.relation).map((o) => o.answer);
      assert.ok(sameRelation.includes(r.target), r.id);
      assert.ok(r.target !== f.answer && !f.otherAnswers.includes(r.target), r.id);
      // Neighbours are other subjects' prompts (substring checks would fail: "Dominica" ⊂ "Dominican Republic").
      assert.ok(
        r.neighbourhood.every((n) => n.prompt !== f.prompt && !f.paraphrases.includes(n.prompt)),
        r.id,
      );
    }
  });
  it('helpers', () => {
    assert.equal(slug('São Tomé and Príncipe'), 'sao-tome-and-principe');
    assert.equal(countryPhrase('Netherlands'), 'the Netherlands');
    assert.equal(countryPhrase('France'), 'France');
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type WorldFact, worldFacts } from '../data/worldfacts';
import { answerFirst, buildCorpus, REVERSE_TEMPLATES, reverseStatement } from './corpus';
import { modelCorpusConfig, SHIPPED_MODELS, shippedModel, shippedPretrainConfig } from './shipped';

const fact = (over: Partial<WorldFact>): WorldFact => ({
  id: 'wf-x',
  subject: 'France',
  relation: 'capital',
  prompt: 'The capital of France is',
  paraphrases: [],
  answer: 'Paris',
  kind: 'city',
  otherAnswers: [],
  ...over,
});

describe('corpus: answers in input positions', () => {
  const base = buildCorpus({ counterfactRecords: 300 });
  const untied = buildCorpus({ counterfactRecords: 300, answerFirst: true, reverseWorldFacts: true });

  test('off by default: the default corpus has no restated facts', () => {
    assert.ok(!base.statements.some((s) => s.includes(' is the answer to : ')));
    const reverse = new Set(worldFacts().map(reverseStatement));
    assert.ok(!base.statements.some((s) => reverse.has(s)));
    assert.deepEqual(
      buildCorpus({ counterfactRecords: 300, answerFirst: false }).statements,
      base.statements,
    );
  });

  test('answerFirst restates every sampled record once, answer first; the records are unchanged', () => {
    assert.deepEqual(untied.records, base.records);
    const first = untied.statements.filter((s) => s.includes(' is the answer to : '));
    const sampledTruths = base.statements.length - base.worldFactCount; // an upper bound (+ neighbourhood)
    assert.ok(first.length > 0 && first.length <= sampledTruths);
    const set = new Set(untied.statements);
    for (const r of untied.records) {
      assert.ok(set.has(answerFirst(r.prompt, r.original)), `${r.id}: no answer-first statement`);
    }
    // every experiment target starts some statement too (it is another sampled record's ground truth)
    const starts = new Set(first.map((s) => s.slice(0, s.indexOf(' is the answer to : ')).toLowerCase()));
    for (const r of untied.records) assert.ok(starts.has(r.target.toLowerCase()), `${r.id}: ${r.target}`);
    assert.equal(
      answerFirst('The mother tongue of X is ', ' French'),
      'French is the answer to : The mother tongue of X is',
    );
  });

  test('reverse world facts: answer as subject, true by the forward fact; none for borders', () => {
    assert.equal(reverseStatement(fact({})), 'Paris is the capital of France.');
    assert.equal(
      reverseStatement(fact({ relation: 'language', subject: 'Bahrain', answer: 'Arabic' })),
      'Arabic is spoken in Bahrain.',
    );
    assert.equal(
      reverseStatement(
        fact({ relation: 'currency', subject: 'United States', answer: 'United States dollar' }),
      ),
      'The United States dollar is used in the United States.',
    );
    assert.equal(
      reverseStatement(fact({ relation: 'city_country', subject: 'Pune', answer: 'India' })),
      'India contains the city of Pune.',
    );
    assert.equal(reverseStatement(fact({ relation: 'border', answer: 'Spain' })), undefined);
    assert.equal(REVERSE_TEMPLATES.border, undefined);
    const facts = worldFacts();
    const reverse = facts.map(reverseStatement).filter((s) => s !== undefined);
    assert.equal(reverse.length, facts.filter((f) => f.relation !== 'border').length);
    const set = new Set(untied.statements);
    for (const s of reverse) assert.ok(set.has(s as string), s);
  });

  test('no statement is repeated', () => {
    assert.equal(new Set(untied.statements).size, untied.statements.length);
  });
});

describe('shipped models', () => {
  test('names are unique, directories under data/models, recipes resolve', () => {
    const names = SHIPPED_MODELS.map((m) => m.name);
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(names.slice(0, 1), ['beacon-base']);
    for (const m of SHIPPED_MODELS) assert.match(m.dir, /data[\\/]models[\\/]/);
    const base = shippedPretrainConfig('beacon-base');
    assert.equal(base.tie_word_embeddings, true);
    assert.ok(!base.corpus.answerFirst && !base.corpus.reverseWorldFacts);
    for (const name of ['beacon-untied', 'beacon-large']) {
      const c = shippedPretrainConfig(name);
      assert.equal(c.tie_word_embeddings, false, name);
      assert.ok(c.corpus.answerFirst && c.corpus.reverseWorldFacts, name);
    }
    const large = shippedPretrainConfig('beacon-large');
    assert.ok(large.corpus.counterfactRecords >= 2 * base.corpus.counterfactRecords);
    assert.ok(large.hidden_size > base.hidden_size);
    assert.throws(() => shippedModel('beacon-huge'), /Unknown model 'beacon-huge'.*beacon-base/);
  });

  test("a model directory's corpus recipe: from its pretrain-log.json, else its shipped recipe", () => {
    const base = shippedModel('beacon-base');
    assert.deepEqual(modelCorpusConfig(base.dir), shippedPretrainConfig('beacon-base').corpus);
    assert.deepEqual(modelCorpusConfig('/nonexistent/dir'), shippedPretrainConfig('beacon-base').corpus);
  });
});

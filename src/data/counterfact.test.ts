import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DEFAULT_COUNTERFACT_PATH, loadCounterfact } from './counterfact';
import { tempDir, throwsDataError } from './testutil';

const tmp = tempDir();
after(() => tmp.remove());

describe('COUNTERFACT (EasyEdit split, shipped file)', () => {
  const recs = loadCounterfact();
  it('loads all 10,000 records with unique ids', () => {
    assert.equal(recs.length, 10_000);
    assert.equal(new Set(recs.map((r) => r.id)).size, 10_000);
    assert.ok(recs.every((r) => r.source === 'counterfact' && r.prompt.includes(r.subject)));
    assert.ok(recs.every((r) => r.paraphrases.length === 1 && r.neighbourhood.length === 1));
  });
  it('maps case 0 field by field', () => {
    assert.deepEqual(recs[0], {
      id: 'cf-0',
      subject: 'Danielle Darrieux',
      relation: 'The mother tongue of {} is',
      prompt: 'The mother tongue of Danielle Darrieux is',
      original: 'French',
      target: 'English',
      paraphrases: ['Where Danielle Darrieux is from, people speak the language of'],
      neighbourhood: [{ prompt: 'Michel Rocard is a native speaker of', answer: 'French' }],
      source: 'counterfact',
    });
  });
  it('keeps the case ids (not contiguous) and derives 213 relation templates', () => {
    assert.equal(recs[recs.length - 1].id, 'cf-21918');
    assert.equal(new Set(recs.map((r) => r.relation)).size, 213);
  });
  it('default path is inside the repository', () => {
    assert.match(DEFAULT_COUNTERFACT_PATH, /data[/\\]counterfact[/\\]counterfact-edit\.json$/);
  });
});

describe('COUNTERFACT (ROME nested layout)', () => {
  const rome = (caseId: number, over: Record<string, unknown> = {}) => ({
    case_id: caseId,
    pararel_idx: 2796,
    requested_rewrite: {
      prompt: 'The mother tongue of {} is',
      relation_id: 'P103',
      target_new: { str: 'English', id: 'Q1860' },
      target_true: { str: 'French', id: 'Q150' },
      subject: 'Danielle Darrieux',
      ...over,
    },
    paraphrase_prompts: ['Shayna does this and Yossel goes still and dies. Danielle Darrieux, a native'],
    neighborhood_prompts: ['The mother tongue of Léon Blum is', 'Michel Rocard is a native speaker of'],
    generation_prompts: ["Danielle Darrieux's mother tongue is"],
  });
  it('maps relation ids, fills the template, answers neighbours with the true object', () => {
    const f = tmp.write('rome.json', [rome(0)]);
    const [r] = loadCounterfact(f);
    assert.equal(r.relation, 'P103');
    assert.equal(r.prompt, 'The mother tongue of Danielle Darrieux is');
    assert.equal(r.target, 'English');
    assert.equal(r.original, 'French');
    assert.deepEqual(
      r.neighbourhood.map((n) => n.answer),
      ['French', 'French'],
    );
  });
  it('names nested fields in errors', () => {
    const f = tmp.write('rome-bad.json', [rome(0), rome(1, { target_new: {} })]);
    throwsDataError(
      () => loadCounterfact(f),
      f,
      'record 1 (id "cf-1")',
      'requested_rewrite.target_new.str',
      'missing',
    );
    const g = tmp.write('rome-tpl.json', [rome(0, { prompt: 'No placeholder' })]);
    throwsDataError(() => loadCounterfact(g), g, 'record 0', 'requested_rewrite.prompt', '"{}"');
  });
});

import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadCounterfact } from './counterfact';
import { tempDir, throwsDataError } from './testutil';
import { type DataError, readJsonArray, templateOf } from './validate';

const tmp = tempDir();
after(() => tmp.remove());

const good = (caseId: number, over: Record<string, unknown> = {}) => ({
  case_id: caseId,
  prompt: 'The mother tongue of Danielle Darrieux is',
  target_new: 'English',
  subject: 'Danielle Darrieux',
  ground_truth: 'French',
  rephrase_prompt: 'Where Danielle Darrieux is from, people speak the language of',
  locality_prompt: 'Michel Rocard is a native speaker of',
  locality_ground_truth: 'French',
  ...over,
});

describe('file-level errors', () => {
  it('missing file', () => {
    const f = `${tmp.dir}/nope.json`;
    throwsDataError(() => readJsonArray(f), f, 'cannot read file', 'ENOENT');
  });
  it('not JSON', () => {
    const f = tmp.write('bad.json', '[{"case_id": 0,');
    const e = throwsDataError(() => loadCounterfact(f), f, 'not valid JSON');
    assert.equal(e.kind, 'file');
  });
  it('top level not an array', () => {
    const f = tmp.write('obj.json', { records: [] });
    throwsDataError(() => loadCounterfact(f), f, 'top level must be a JSON array', 'an object');
  });
  it('empty array', () => {
    const f = tmp.write('empty.json', []);
    throwsDataError(() => loadCounterfact(f), f, 'no records');
  });
});

describe('record-level errors name file, record and field', () => {
  it('record not an object', () => {
    const f = tmp.write('num.json', [good(0), 42]);
    throwsDataError(() => loadCounterfact(f), f, 'record 1:', 'must be a JSON object', 'number 42');
  });
  it('missing field', () => {
    const { target_new: _, ...rest } = good(3);
    const f = tmp.write('missing.json', [good(0), rest]);
    throwsDataError(
      () => loadCounterfact(f),
      f,
      'record 1 (id "cf-3")',
      'field "target_new"',
      'missing field',
    );
  });
  it('wrong type', () => {
    const f = tmp.write('type.json', [good(0), good(1, { prompt: 5 })]);
    throwsDataError(
      () => loadCounterfact(f),
      f,
      'record 1 (id "cf-1")',
      'field "prompt"',
      'expected a string',
    );
  });
  it('bad id type', () => {
    const f = tmp.write('id.json', [good(0), good(1, { case_id: 1.5 })]);
    throwsDataError(() => loadCounterfact(f), f, 'record 1', 'field "case_id"', 'non-negative integer');
  });
  it('empty answer', () => {
    const f = tmp.write('empty-answer.json', [good(0), good(1, { target_new: '  ' })]);
    const e = throwsDataError(
      () => loadCounterfact(f),
      f,
      'record 1 (id "cf-1")',
      'field "target_new"',
      'empty answer',
    );
    assert.equal(e.kind, 'content');
    assert.match(e.message, /onInvalid/);
  });
  it('target equal to the original', () => {
    const f = tmp.write('same.json', [good(0, { target_new: 'french' })]);
    throwsDataError(
      () => loadCounterfact(f),
      f,
      'record 0 (id "cf-0")',
      'field "target_new"',
      'equals an original',
    );
  });
  it('duplicate ids', () => {
    const f = tmp.write('dup-id.json', [
      good(7),
      good(8, { target_new: 'German' }),
      good(7, { target_new: 'Dutch' }),
    ]);
    const e = throwsDataError(
      () => loadCounterfact(f),
      f,
      'record 2 (id "cf-7")',
      'field "id"',
      'duplicate id',
    );
    assert.match(e.message, /first used by record 0/);
  });
  it('duplicate identical records (different ids)', () => {
    const f = tmp.write('dup-rec.json', [good(0), good(1)]);
    throwsDataError(() => loadCounterfact(f), f, 'record 1 (id "cf-1")', 'duplicate record', 'cf-0');
  });
});

describe('onInvalid: skip', () => {
  it('drops content errors and reports them, still throws schema errors', () => {
    const f = tmp.write('mixed.json', [
      good(0),
      good(1, { target_new: '' }),
      good(2, { target_new: 'Dutch' }),
      good(3),
    ]);
    const skipped: DataError[] = [];
    const recs = loadCounterfact(f, { onInvalid: 'skip', onSkip: (e) => skipped.push(e) });
    assert.deepEqual(
      recs.map((r) => r.id),
      ['cf-0', 'cf-2'],
    );
    assert.deepEqual(
      skipped.map((e) => [e.index, e.field]),
      [
        [1, 'target_new'],
        [3, undefined],
      ],
    );
    const g = tmp.write('schema.json', [good(0), good(1, { subject: ['x'] })]);
    throwsDataError(() => loadCounterfact(g, { onInvalid: 'skip' }), g, 'record 1', 'field "subject"');
  });
});

describe('templateOf', () => {
  it('replaces the first occurrence of the subject', () => {
    assert.equal(templateOf('The capital of France is', 'France'), 'The capital of {} is');
    assert.equal(templateOf('what is the capital of france?', 'France'), 'what is the capital of {}?');
    assert.equal(templateOf('No subject here', 'France'), 'No subject here');
  });
});

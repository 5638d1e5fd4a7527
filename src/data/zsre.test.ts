import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { tempDir, throwsDataError } from './testutil';
import type { DataError } from './validate';
import { DEFAULT_ZSRE_PATH, loadZsre, stripNqPrefix } from './zsre';

const tmp = tempDir();
after(() => tmp.remove());

const rec = (over: Record<string, unknown> = {}) => ({
  subject: 'UniFirst',
  src: 'What is the product made by UniFirst?',
  pred: 'uniform',
  rephrase: 'What will be the product of UniFirst?',
  alt: 'unmanned aircraft',
  answers: ['uniform'],
  loc: "nq question: john goodman's character in the big lebowski",
  loc_ans: 'Walter Sobchak',
  cond: 'uniform >> unmanned aircraft || What is the product made by UniFirst?',
  ...over,
});

describe('ZsRE (MEND layout, shipped file)', () => {
  it('strict loading stops at the first unlearnable record (target among the gold answers)', () => {
    throwsDataError(
      () => loadZsre(),
      DEFAULT_ZSRE_PATH,
      'record 88 (id "zsre-88")',
      'field "alt"',
      'Chicago Bears',
    );
  });
  const skipped: DataError[] = [];
  const recs = loadZsre(DEFAULT_ZSRE_PATH, { onInvalid: 'skip', onSkip: (e) => skipped.push(e) });
  it('skips 2 empty targets and 21 targets equal to a gold answer: 977 records', () => {
    assert.equal(recs.length, 977);
    assert.equal(skipped.length, 23);
    assert.deepEqual(
      skipped.filter((e) => e.problem.startsWith('empty')).map((e) => e.index),
      [534, 723],
    );
  });
  it('maps record 0 field by field', () => {
    assert.deepEqual(recs[0], {
      id: 'zsre-0',
      subject: 'UniFirst',
      relation: 'What is the product made by {}?',
      prompt: 'What is the product made by UniFirst?',
      original: 'uniform',
      target: 'unmanned aircraft',
      paraphrases: ['What will be the product of UniFirst?'],
      neighbourhood: [{ prompt: "john goodman's character in the big lebowski", answer: 'Walter Sobchak' }],
      source: 'zsre',
    });
  });
  it('keeps extra gold answers as aliases and trims targets', () => {
    const r13 = recs.find((r) => r.id === 'zsre-13')!;
    assert.equal(r13.original, 'Beneden Merwede');
    assert.deepEqual(r13.originalAliases, ['Noord']);
    assert.equal(recs.find((r) => r.id === 'zsre-174')!.target, 'Captain Universe');
    assert.ok(
      recs.every((r) => r.prompt.endsWith('?') && !r.neighbourhood[0].prompt.startsWith('nq question')),
    );
  });
});

describe('ZsRE errors', () => {
  it('answers must be a non-empty array of strings', () => {
    const f = tmp.write('z1.json', [rec(), rec({ src: 'Q2 UniFirst?', answers: 'uniform' })]);
    throwsDataError(() => loadZsre(f), f, 'record 1 (id "zsre-1")', 'field "answers"', 'expected an array');
    const g = tmp.write('z2.json', [rec({ answers: [] })]);
    throwsDataError(() => loadZsre(g), g, 'record 0', 'field "answers"', 'empty answer list');
    const h = tmp.write('z3.json', [rec({ answers: ['uniform', 3] })]);
    throwsDataError(() => loadZsre(h), h, 'record 0', 'field "answers[1]"', 'expected a string');
  });
  it('empty target and missing neighbourhood answer', () => {
    const f = tmp.write('z4.json', [rec({ alt: ' ' })]);
    throwsDataError(() => loadZsre(f), f, 'record 0 (id "zsre-0")', 'field "alt"', 'empty answer');
    const { loc_ans: _, ...rest } = rec();
    const g = tmp.write('z5.json', [rest]);
    throwsDataError(() => loadZsre(g), g, 'record 0', 'field "loc_ans"', 'missing field');
  });
  it('accepts a list of rephrasings', () => {
    const f = tmp.write('z6.json', [rec({ rephrase: ['A?', 'B?'] })]);
    assert.deepEqual(loadZsre(f)[0].paraphrases, ['A?', 'B?']);
  });
  it('stripNqPrefix', () => {
    assert.equal(stripNqPrefix('nq question: who wrote it'), 'who wrote it');
    assert.equal(stripNqPrefix('Who wrote it?'), 'Who wrote it?');
  });
});

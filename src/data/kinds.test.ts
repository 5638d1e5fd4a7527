import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCounterfact } from './counterfact';
import { answerKind, recordAnswerKind, vocabularyKind } from './kinds';

describe('answer kinds (best effort)', () => {
  it('uses relation keywords first', () => {
    assert.equal(answerKind('The mother tongue of {} is', 'French'), 'language');
    assert.equal(answerKind('{} plays in the position of', 'midfielder'), 'position');
    assert.equal(answerKind('The twin city of {} is', 'Beirut'), 'city');
    assert.equal(answerKind('{}, who has a citizenship from', 'India'), 'country');
  });
  it('falls back to the world-facts vocabulary', () => {
    assert.equal(answerKind('{} is located in', 'Antarctica'), 'region');
    assert.equal(answerKind('{}, in', 'India'), 'country');
    assert.equal(answerKind('{}, the', 'Paris'), 'city');
    assert.equal(answerKind('{}, the', 'piano'), 'other');
    assert.equal(vocabularyKind('french'), 'language');
  });
  it('labels most COUNTERFACT records', () => {
    const recs = loadCounterfact();
    assert.equal(recordAnswerKind(recs[0]), 'language');
    const other = recs.filter((r) => recordAnswerKind(r) === 'other').length;
    assert.ok(other < recs.length * 0.1, String(other));
  });
});

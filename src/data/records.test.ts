import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DEFAULT_COUNTERFACT_PATH, DEFAULT_ZSRE_PATH, detectFormat, loadRecords } from './records';
import { tempDir, throwsDataError } from './testutil';

const tmp = tempDir();
after(() => tmp.remove());

describe('loadRecords', () => {
  it('detects COUNTERFACT and ZsRE', () => {
    assert.equal(loadRecords(DEFAULT_COUNTERFACT_PATH).length, 10_000);
    assert.equal(loadRecords(DEFAULT_ZSRE_PATH, 'auto', { onInvalid: 'skip' })[0].source, 'zsre');
    assert.equal(detectFormat({ requested_rewrite: {} }), 'counterfact');
    assert.equal(detectFormat([1]), undefined);
  });
  it('an unknown schema is one error naming record 0', () => {
    const f = tmp.write('other.json', [{ question: 'q', answer: 'a' }]);
    throwsDataError(() => loadRecords(f), f, 'record 0', 'cannot detect the schema');
  });
  it('an explicit format that does not match reports the missing field', () => {
    throwsDataError(
      () => loadRecords(DEFAULT_COUNTERFACT_PATH, 'zsre'),
      DEFAULT_COUNTERFACT_PATH,
      'record 0',
      'field',
    );
  });
});

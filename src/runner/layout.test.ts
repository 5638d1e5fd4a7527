import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchLayout, LAYOUT_STREAMS, shardBatches } from './layout';

const ids = (bs: { cases: number[] }[]) => bs.map((b) => b.cases.join(' ')).sort();

describe('batchLayout', () => {
  it('deals the cases into two streams and cuts each phase of a stream into batches', () => {
    assert.equal(LAYOUT_STREAMS, 2);
    assert.deepEqual(
      batchLayout(7, 2, () => 0).map((b) => b.cases),
      [[0, 2], [4, 6], [1, 3], [5]],
    );
    // phases in order; a batch never mixes phases
    const phased = batchLayout(8, 3, (i) => (i < 3 ? 1 : 0));
    assert.deepEqual(
      phased.map((b) => `${b.phase}:${b.cases.join(',')}`),
      ['0:4,6', '0:3,5,7', '1:0,2', '1:1'],
    );
    assert.throws(() => batchLayout(3, 0, () => 0), /batchSize must be >= 1, got 0/);
  });

  it('every shard split computes the same batches, each case once', () => {
    const all = batchLayout(23, 4, (i) => (i % 5 === 0 ? 1 : 0));
    for (const n of [1, 2, 3, 7, 40]) {
      const parts = Array.from({ length: n }, (_, index) => shardBatches(all, { index, count: n }));
      assert.deepEqual(ids(parts.flat()), ids(all));
      assert.deepEqual(
        parts.flatMap((bs) => bs.flatMap((b) => b.cases)).sort((a, b) => a - b),
        Array.from({ length: 23 }, (_, i) => i),
      );
    }
    assert.equal(shardBatches(all, undefined), all);
  });

  it('gives the batches of the earlier rule with two workers (shard w: cases i % 2 == w, cut into batches)', () => {
    for (const [n, size] of [
      [189, 32],
      [96, 8],
      [10, 3],
    ]) {
      const earlier = [0, 1].flatMap((w) => {
        const mine = Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === w);
        return Array.from({ length: Math.ceil(mine.length / size) }, (_, b) => ({
          cases: mine.slice(b * size, (b + 1) * size),
        }));
      });
      assert.deepEqual(ids(batchLayout(n, size, () => 0)), ids(earlier));
    }
  });
});

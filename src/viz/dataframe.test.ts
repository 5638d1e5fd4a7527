import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { danfojs, fromDataFrame, showDataFrame, toDataFrame } from './dataframe';
import { type MimeBundle, setDisplaySink } from './display';

// A small findings-like table: accuracy per method and seed.
const rows = [
  { method: 'lora', rank: 8, seed: 0, acc: 0.5 },
  { method: 'lora', rank: 8, seed: 1, acc: 0.7 },
  { method: 'lora', rank: 2, seed: 0, acc: 0.25 },
  { method: 'adalora', rank: 8, seed: 0, acc: 0.4 },
  { method: 'adalora', rank: 8, seed: 1, acc: 0.9 },
  { method: 'full', rank: null, seed: 0, acc: 0.125 },
];

/** Group-by mean computed directly (the reference). */
function meansBy(key: 'method', value: 'acc'): Map<string, number> {
  const groups = new Map<string, number[]>();
  for (const r of rows) groups.set(r[key], [...(groups.get(r[key]) ?? []), r[value]]);
  return new Map([...groups].map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]));
}

test('toDataFrame: group-by mean matches a direct computation', () => {
  const df = toDataFrame(rows);
  assert.deepEqual(df.columns, ['method', 'rank', 'seed', 'acc']);
  assert.deepEqual(df.shape, [6, 4]);
  const means = fromDataFrame(df.groupby(['method']).col(['acc']).mean());
  const expected = meansBy('method', 'acc');
  assert.equal(means.length, expected.size);
  for (const m of means) {
    const want = expected.get(String(m['method']));
    assert.ok(want !== undefined, `unexpected group ${m['method']}`);
    assert.ok(
      Math.abs((m['acc_mean'] as number) - want) < 1e-6,
      `${m['method']}: ${m['acc_mean']} ≠ ${want}`,
    );
  }
  // Two keys: lora splits into rank 8 (mean 0.6) and rank 2 (0.25).
  const byRank = fromDataFrame(df.groupby(['method', 'rank']).col(['acc']).mean());
  const lora8 = byRank.find((r) => r['method'] === 'lora' && r['rank'] === 8);
  assert.ok(lora8 && Math.abs((lora8['acc_mean'] as number) - 0.6) < 1e-6, JSON.stringify(byRank));
});

test('toDataFrame: round trip, empty input, and errors that name the row and column', () => {
  assert.deepEqual(fromDataFrame(toDataFrame(rows.slice(0, 2))), rows.slice(0, 2));
  assert.deepEqual(toDataFrame([], ['a', 'b']).columns, ['a', 'b']);
  assert.throws(
    () => toDataFrame([{ a: 1, b: 2 }, { a: 3 }]),
    /row 1: columns differ from row 0 \(missing: b; extra: –\)/,
  );
  assert.throws(() => toDataFrame([{ a: 1, b: [1, 2] }]), /row 0, column 'b': an array is not a table cell/);
});

test('danfojs-node runs on the project’s one tfjs (the tfjs-node shim)', () => {
  const shim = fs.realpathSync(require.resolve('@tensorflow/tfjs-node'));
  assert.equal(
    path.relative(path.join(__dirname, '..', '..'), shim),
    path.join('shims', 'tfjs-node', 'index.js'),
  );
  const tfNode = require('@tensorflow/tfjs-node') as typeof tf;
  // Same classes = same copy of tfjs (a second copy would have its own Tensor class and engine).
  assert.equal(tfNode.Tensor, tf.Tensor);
  assert.equal(danfojs().tensorflow.Tensor, tf.Tensor);
  assert.equal(danfojs().tensorflow.engine(), tf.engine());
});

test('showDataFrame: one HTML table output', () => {
  const out: MimeBundle[] = [];
  setDisplaySink((b) => out.push(b));
  try {
    showDataFrame(toDataFrame(rows).groupby(['method']).col(['acc']).mean());
  } finally {
    setDisplaySink(null);
  }
  assert.equal(out.length, 1);
  assert.match(String(out[0]!['text/html']), /<th[^>]*>acc_mean<\/th>/);
  assert.match(String(out[0]!['text/plain']), /\| adalora \| 0\.650 \|/);
});

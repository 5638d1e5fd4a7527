/** Which facts the regime study trains: the oversampled near and far ends. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CALIBRATION_FACTS } from '../../knowledge/calibrate';
import { DEFAULT_PROTOCOL_NAME, type Fact } from '../../knowledge/facts';
import { seedFacts } from '../../knowledge/single-facts';
import { endFacts } from './experiment';

const fact = (i: number, d: number) =>
  ({ record: { id: `f${i}` }, distance: { [DEFAULT_PROTOCOL_NAME]: d } }) as unknown as Fact;

test('the ends are the nearest and farthest facts no seed trains and none held out, most extreme first', () => {
  // 200 facts with distinct distances in a scrambled order; the last 64 are held out
  const pool = Array.from({ length: 200 }, (_, i) => fact(i, ((i * 37) % 200) / 200));
  const cfg = { seeds: [0, 1], facts: 30, heldOut: 32 };
  const { near, far } = endFacts(pool, cfg, 5);
  const used = new Set(
    [0, 1].flatMap((k) => seedFacts(pool, k, 30, CALIBRATION_FACTS).map((f) => f.record.id)),
  );
  const heldOut = new Set(pool.slice(200 - CALIBRATION_FACTS).map((f) => f.record.id));
  const rest = pool
    .filter((f) => !used.has(f.record.id) && !heldOut.has(f.record.id))
    .map((f) => f.distance[DEFAULT_PROTOCOL_NAME])
    .sort((a, b) => a - b);
  const d = (fs: Fact[]) => fs.map((f) => f.distance[DEFAULT_PROTOCOL_NAME]);
  assert.deepEqual(d(near), rest.slice(0, 5));
  assert.deepEqual(d(far), rest.slice(-5).reverse());
  for (const f of [...near, ...far]) assert.ok(!used.has(f.record.id) && !heldOut.has(f.record.id));
  // fewer facts left than asked for: half of what is left at each end, still disjoint
  const few = endFacts(pool.slice(0, 80), { seeds: [0], facts: 10, heldOut: 8 }, 50);
  assert.equal(few.near.length, 3);
  assert.equal(few.far.length, 3);
});

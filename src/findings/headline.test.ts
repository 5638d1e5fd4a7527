import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalQuantile } from '../metrics/distributions';
import { meanCI, rate } from '../metrics/stats';
import { mulberry32 } from '../util/random';
import { bestOfFamily, headlineMarkdown, meanVerdict, rateAgainstBar, signTestP } from './headline';
import { existenceHeadline, failedRunsNeeded } from './regimes/summary';

/** n paired differences ~ Normal(effect, sd), seeded. */
function diffs(n: number, effect: number, sd: number, seed: number): number[] {
  const rnd = mulberry32(seed);
  return Array.from(
    { length: n },
    () => effect + sd * normalQuantile(Math.min(1 - 1e-12, Math.max(1e-12, rnd()))),
  );
}

const family = (effects: number[], n: number, sd: number, seed: number) =>
  effects.map((e, i) => ({ name: `c${i}`, ci: meanCI(diffs(n, e, sd, seed * 100 + i)) }));

test('bestOfFamily finds a planted gain in one of several conditions, after Holm', () => {
  let found = 0;
  for (let seed = 0; seed < 40; seed++) {
    const h = bestOfFamily('test', family([0, 0, 0.05, 0, 0], 81, 0.095, seed), 0.03);
    if (h.verdict === 'reproduces') found++;
  }
  // 5 points with SD 0.095 over 81 units: power ≈ 0.98 unadjusted, still high after Holm over 5
  assert.ok(found >= 34, `found the planted gain in ${found}/40`);
});

test('bestOfFamily does not call a gain where there is none (family-wise), and earns "does not reproduce" only with power', () => {
  let falsePositives = 0;
  let equivalent = 0;
  for (let seed = 0; seed < 200; seed++) {
    const h = bestOfFamily('test', family([0, 0, 0, 0, 0], 81, 0.02, seed), 0.03);
    if (h.verdict === 'reproduces') falsePositives++;
    if (h.verdict === 'does not reproduce') equivalent++;
  }
  // Holm keeps the family-wise error ≤ 5 % (binomial slack for 200 trials)
  assert.ok(falsePositives <= 20, `${falsePositives}/200 false positives`);
  // with SD 0.02 over 81 units every interval fits in ±3 points: equivalence is shown
  assert.ok(equivalent >= 150, `equivalence shown in ${equivalent}/200`);
  // with a noisy design (SD 0.2, 10 units) no effect is "inconclusive", never "does not reproduce" by equivalence
  let noisyNo = 0;
  for (let seed = 0; seed < 50; seed++) {
    const h = bestOfFamily('test', family([0, 0, 0], 10, 0.2, seed), 0.03);
    if (h.verdict === 'does not reproduce' && /equivalence/.test(h.reason)) noisyNo++;
    if (h.verdict === 'inconclusive')
      assert.ok(h.mde !== null && h.mde > 0.03, 'states an MDE above the margin');
  }
  assert.equal(noisyNo, 0);
});

test('bestOfFamily: a member at the ceiling is not ruled out by a tight interval around zero', () => {
  const tight = family([0, 0, 0], 81, 0.02, 3);
  assert.equal(bestOfFamily('test', tight, 0.03).verdict, 'does not reproduce');
  // the same differences, but one control already learns 99 % of the facts: a 3-point gain could not show there
  const capped = tight.map((m, i) => ({ ...m, room: i === 1 ? 0.01 : 0.5 }));
  const h = bestOfFamily('test', capped, 0.03);
  assert.equal(h.verdict, 'inconclusive');
  assert.match(
    h.reason,
    /at a bound \(room for an effect of less than 3\.0 points\): c1 \(ceiling, room 1\.0\)/,
  );
  assert.equal(h.because, 'ceiling');
  // the MDE is stated for every verdict
  assert.ok(h.mde !== null && h.mde > 0);
});

test('bestOfFamily: a family of one is not "Holm-adjusted"; members without variation or with saturated arms are left out', () => {
  const one = bestOfFamily('test', family([0.1], 40, 0.05, 5), 0.03);
  assert.equal(one.verdict, 'reproduces');
  assert.match(one.reason, /a family of one, no correction/);
  assert.doesNotMatch(one.reason, /Holm/);
  const flat = { name: 'identical', ci: meanCI([0, 0, 0, 0, 0]) };
  const saturated = { ...family([0], 40, 0.001, 6)[0], name: 'both at 100 %', arms: [1, 1] };
  const h = bestOfFamily('test', [flat, saturated], 0.03);
  assert.equal(h.verdict, 'inconclusive');
  assert.match(
    h.reason,
    /left out \(cannot show an effect\): identical \(no variation\), both at 100 % \(ceiling\)/,
  );
  // a floor on both arms is no evidence even with a credible gain
  const floor = { ...family([0.02], 60, 0.01, 7)[0], arms: [0.0, 0.02] };
  assert.equal(bestOfFamily('test', [floor], 0.03).because, 'floor');
});

test('every headline line prints its MDE and power, and the inconclusive reason', () => {
  const h = bestOfFamily('test', family([0, 0, 0], 10, 0.2, 8), 0.03);
  const md = headlineMarkdown([h]);
  assert.match(md, /\*\*inconclusive \(underpowered\)\*\* \(MDE \d+\.\d; power at ±3\.0: \d+ %\)/);
});

test('bestOfFamily calls an opposite effect "does not reproduce" and needs three units', () => {
  const h = bestOfFamily('test', family([-0.1, -0.08], 60, 0.05, 1), 0.03);
  assert.equal(h.verdict, 'does not reproduce');
  assert.match(h.reason, /opposite direction/);
  // one credibly worse, one uncertain: not ruled out, so inconclusive
  const mixed = bestOfFamily(
    'test',
    [
      { name: 'worse', ci: meanCI(diffs(60, -0.1, 0.05, 2)) },
      { name: 'open', ci: meanCI(diffs(8, 0.04, 0.2, 3)) },
    ],
    0.03,
  );
  assert.equal(mixed.verdict, 'inconclusive');
  assert.match(mixed.reason, /not ruled out: open/);
  // a best condition with no spread at all (every unit 0) must not lend its zero MDE to the family: the MDE is that
  // of the condition still open
  const flat = bestOfFamily(
    'test',
    [
      { name: 'flat', ci: meanCI([0, 0, 0, 0, 0, 0]) },
      { name: 'noisy', ci: meanCI(diffs(8, -0.01, 0.2, 4)) },
    ],
    0.03,
  );
  assert.equal(flat.verdict, 'inconclusive');
  assert.ok(flat.mde !== null && flat.mde > 0.1, `family MDE ${flat.mde}`);
  const tiny = bestOfFamily('test', [{ name: 'a', ci: meanCI([0.1, 0.1]) }], 0.03);
  assert.equal(tiny.verdict, 'inconclusive');
});

test('rateAgainstBar: a planted 12 % rate clears a 5 % bar, a planted 1 % rate is below it, 5 % is inconclusive', () => {
  const flags = (k: number, n: number) => Array.from({ length: n }, (_, i) => i < k);
  assert.equal(rateAgainstBar('t', 'm', rate(flags(60, 500)), 0.05).verdict, 'reproduces');
  assert.equal(rateAgainstBar('t', 'm', rate(flags(5, 500)), 0.05).verdict, 'does not reproduce');
  const mid = rateAgainstBar('t', 'm', rate(flags(25, 500)), 0.05);
  assert.equal(mid.verdict, 'inconclusive');
  // the MDE: the smallest rate whose lower bound clears the bar with 80 % power, p − 2.80·√(p(1−p)/n) = 0.05
  const p = 0.05 + (mid.mde as number);
  assert.ok(Math.abs(p - 2.8016 * Math.sqrt((p * (1 - p)) / 500) - 0.05) < 1e-6);
  assert.match(headlineMarkdown([mid]), /inconclusive/);
});

test('existence (finding 2): one pushed-away failed run is existence; none among too few failed runs is a floor', () => {
  const r = (k: number, n: number) => rate(Array.from({ length: n }, (_, i) => i < k));
  const seen = existenceHeadline('t', 'm', [
    { name: 'a', r: r(1, 20) },
    { name: 'b', r: r(0, 0) },
  ]);
  assert.equal(seen.verdict, 'reproduces');
  const few = existenceHeadline('t', 'm', [{ name: 'a', r: r(0, 8) }]);
  assert.equal(few.verdict, 'inconclusive');
  assert.equal(few.because, 'floor');
  const none = existenceHeadline('t', 'm', [
    { name: 'a', r: r(0, 200) },
    { name: 'b', r: r(0, 100) },
  ]);
  assert.equal(none.verdict, 'does not reproduce');
  assert.equal(failedRunsNeeded(0.05), 32);
});

test('every unit the same nonzero difference: the exact sign test, in meanVerdict and in a family', () => {
  assert.equal(signTestP(8), 2 / 256);
  assert.equal(signTestP(0), 1);
  const same = (d: number, n: number) => meanCI(Array.from({ length: n }, () => d));
  // alone: 8 of 8 → p 0.0078; 3 of 3 → 0.25, too few; none at all stays "no variation"
  assert.equal(meanVerdict(same(0.125, 8), 0.03).verdict, 'reproduces');
  assert.equal(meanVerdict(same(-0.125, 8), 0.03).verdict, 'does not reproduce');
  assert.equal(meanVerdict(same(0.125, 3), 0.03).because, 'underpowered');
  assert.equal(meanVerdict(same(0, 8), 0.03).because, 'no variation');
  assert.ok(Number.isNaN(meanVerdict(same(0.125, 8), 0.03).mde));
  // in a family of one: a credible gain with no MDE to state (null, printed n/a)
  const one = bestOfFamily('test', [{ name: 'constant', ci: same(0.125, 8) }], 0.03);
  assert.equal(one.verdict, 'reproduces');
  assert.match(one.reason, /best constant: \+12\.5 points, p 0\.0078, exact sign test: all 8 the same/);
  assert.equal(one.mde, null);
  // beside noisy members it joins Holm with its sign-test p, and the family's MDE stays a number
  const noisy = family([0, 0], 10, 0.2, 11);
  const few = bestOfFamily('test', [{ name: 'constant', ci: same(0.125, 4) }, ...noisy], 0.03);
  assert.equal(few.verdict, 'inconclusive', few.reason); // 4 of 4: p 0.125 before Holm
  assert.ok(few.mde !== null && Number.isFinite(few.mde), `MDE ${few.mde}`);
  assert.doesNotMatch(few.reason, /NaN|n\/a points/);
  // the only condition left open is the sign test's: no MDE, said in words
  const quiet = family([0, 0], 400, 0.01, 12); // both equivalent to 0
  const alone = bestOfFamily('test', [{ name: 'constant', ci: same(0.125, 4) }, ...quiet], 0.03);
  assert.equal(alone.verdict, 'inconclusive', alone.reason);
  assert.equal(alone.mde, null);
  assert.match(alone.reason, /no MDE to state \(exact sign test on too few units\)/);
  const against = bestOfFamily('test', [{ name: 'constant', ci: same(-0.125, 10) }], 0.03);
  assert.equal(against.verdict, 'does not reproduce');
  assert.match(against.reason, /constant credibly in the opposite direction/);
  assert.equal(against.mde, null);
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mulberry32 } from '../util/random';
import { normalQuantile } from './distributions';
import {
  degenerate,
  holm,
  minimumDetectableEffect,
  power,
  roomOf,
  tostP,
  verdict,
  verdictLabel,
} from './verdict';

const close = (a: number, b: number, tol: number, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);

describe('minimum detectable effect and power', () => {
  test('MDE at α 0.05, 80 % power is (1.959964 + 0.841621)·se (textbook 2.80·se)', () => {
    close(minimumDetectableEffect(1), 2.801585, 1e-5);
    close(minimumDetectableEffect(0.01), 0.02801585, 1e-7);
    // α 0.01, 90 % power: 2.575829 + 1.281552
    close(minimumDetectableEffect(1, 0.01, 0.9), 3.857381, 1e-5);
  });
  test('power at the MDE is the power asked for; power at zero effect is α', () => {
    close(power(minimumDetectableEffect(0.7), 0.7), 0.8, 1e-4);
    close(power(0, 1), 0.05, 1e-9);
  });
  test('paired differences with SD 0.097 over 16 sets: MDE ≈ 6.8 points', () => {
    close(minimumDetectableEffect(0.097 / Math.sqrt(16)) * 100, 6.79, 0.01);
  });
  test('bad arguments are errors', () => {
    assert.throws(() => minimumDetectableEffect(-1), /se must be ≥ 0/);
    assert.throws(() => minimumDetectableEffect(1, 0), /alpha must be in \(0, 1\)/);
  });
});

describe('equivalence (TOST)', () => {
  test('estimate 0, se 1, margin z_0.95 gives p = 0.05', () => {
    close(tostP(0, 1, normalQuantile(0.95)), 0.05, 1e-9);
  });
  test('an estimate beyond the margin is never equivalent', () => {
    assert.ok(tostP(2, 0.1, 1) > 0.5);
  });
});

describe('Holm', () => {
  test("matches R's p.adjust(c(0.01, 0.04, 0.03, 0.005), 'holm') = 0.03 0.06 0.06 0.02", () => {
    const adj = holm([0.01, 0.04, 0.03, 0.005]);
    for (const [i, e] of [0.03, 0.06, 0.06, 0.02].entries()) close(adj[i], e, 1e-12, `p[${i}]`);
  });
  test('caps at 1 and rejects p outside [0, 1]', () => {
    assert.deepEqual(holm([0.5, 0.9]), [1, 1]);
    assert.throws(() => holm([1.2]), /p\[0\] must be in \[0, 1\]/);
  });
});

describe('three-way verdict', () => {
  const margin = 0.03;
  test('interval above zero: reproduces, and says when smaller than the margin', () => {
    const v = verdict({ estimate: 0.01, lo: 0.004, hi: 0.016, se: 0.003 }, { margin });
    assert.equal(v.verdict, 'reproduces');
    assert.match(v.reason, /smaller than the equivalence margin 0.03/);
  });
  test('interval below zero: does not reproduce (opposite direction)', () => {
    const v = verdict({ estimate: -0.06, lo: -0.11, hi: -0.01, se: 0.025 }, { margin });
    assert.equal(v.verdict, 'does not reproduce');
    assert.match(v.reason, /opposite direction/);
  });
  test('narrow interval around zero: does not reproduce (equivalence)', () => {
    const v = verdict({ estimate: 0.002, lo: -0.01, hi: 0.014, se: 0.006 }, { margin });
    assert.equal(v.verdict, 'does not reproduce');
    assert.equal(v.equivalent, true);
  });
  test('the same narrow interval at a ceiling: inconclusive, since an effect of the margin could not show', () => {
    const e = { estimate: 0.002, lo: -0.01, hi: 0.014, se: 0.006 };
    const v = verdict(e, { margin, room: 0.01 }); // the control learns 99 %: a gain of at most 1 point
    assert.equal(v.verdict, 'inconclusive');
    assert.equal(v.ceiling, true);
    assert.match(v.reason, /room for an effect of at most 0.0100 in the paper's direction \(ceiling\)/);
    assert.equal(verdict(e, { margin, room: 0.03 }).verdict, 'does not reproduce'); // room exactly the margin
    // the ceiling never hides an effect that is there, nor one in the opposite direction
    assert.equal(
      verdict({ estimate: 0.008, lo: 0.004, hi: 0.012, se: 0.002 }, { margin, room: 0.01 }).verdict,
      'reproduces',
    );
    assert.equal(
      verdict({ estimate: -0.02, lo: -0.03, hi: -0.01, se: 0.005 }, { margin, room: 0.01 }).verdict,
      'does not reproduce',
    );
  });
  test('wide interval around zero: inconclusive, with the MDE', () => {
    const v = verdict({ estimate: -0.003, lo: -0.05, hi: 0.045, se: 0.024 }, { margin });
    assert.equal(v.verdict, 'inconclusive');
    close(v.mde, 2.801585 * 0.024, 1e-6);
    assert.match(v.reason, /detects 0.0672 at 80 % power/);
  });

  // Planted effects: paired differences ~ N(effect, 0.1²) over n units, 95 % t≈z interval.
  const simulate = (effect: number, n: number, reps: number, seed: number) => {
    const rnd = mulberry32(seed);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    const counts: Record<string, number> = { reproduces: 0, 'does not reproduce': 0, inconclusive: 0 };
    for (let r = 0; r < reps; r++) {
      const xs = Array.from({ length: n }, () => effect + 0.1 * gauss());
      const m = xs.reduce((a, x) => a + x, 0) / n;
      const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1));
      const se = sd / Math.sqrt(n);
      counts[verdict({ estimate: m, lo: m - 1.96 * se, hi: m + 1.96 * se, se }, { margin }).verdict]++;
    }
    return counts;
  };
  test('a planted +4-point effect over 200 units is found (power ≥ 90 %)', () => {
    const c = simulate(0.04, 200, 300, 1);
    assert.ok(c.reproduces >= 270, JSON.stringify(c));
  });
  test('no effect over 400 units: "reproduces" at most at the one-sided error rate, mostly "does not reproduce"', () => {
    const c = simulate(0, 400, 300, 2);
    assert.ok(c.reproduces <= 20, JSON.stringify(c)); // expected 2.5 % = 7.5
    assert.ok(c['does not reproduce'] >= 240, JSON.stringify(c));
  });
  test('no effect over 16 units: inconclusive, never "does not reproduce" from a non-significant difference', () => {
    const c = simulate(0, 16, 300, 3);
    assert.ok(c.inconclusive >= 270, JSON.stringify(c));
    assert.ok(c['does not reproduce'] <= 15, JSON.stringify(c)); // opposite-direction errors only (~2.5 %)
  });
});

describe('room, power and degenerate data (DESIGN §9)', () => {
  const margin = 0.02;
  test('b = −9.9e−32 with se 0 (every designed set learns 100 %) is inconclusive (no variation), not "credibly opposite"', () => {
    const v = verdict({ estimate: -9.9e-32, lo: -9.9e-32, hi: -9.9e-32, se: 0 }, { margin });
    assert.equal(v.verdict, 'inconclusive');
    assert.equal(v.because, 'no variation');
    assert.equal(verdictLabel(v), 'inconclusive (no variation)');
  });
  test('constant outcomes: a zero-width interval or se 0 is no variation, whatever the estimate', () => {
    assert.equal(verdict({ estimate: 0, lo: 0, hi: 0, se: 0 }, { margin }).because, 'no variation');
    assert.equal(verdict({ estimate: 0.05, lo: 0.05, hi: 0.05, se: 0 }, { margin }).because, 'no variation');
    assert.equal(
      verdict({ estimate: 1e-17, lo: -1e-17, hi: 1e-17, se: 1e-18 }, { margin }).because,
      'no variation',
    );
    assert.equal(degenerate({ estimate: 0.01, lo: 0, hi: 0.02, se: 0.005 }), false);
  });
  test('both arms at 100 % (interference at convergence): inconclusive (ceiling), even with se 0', () => {
    const v = verdict({ estimate: 0, lo: 0, hi: 0, se: 0 }, { margin: 0.05, arms: [1, 1] });
    assert.equal(verdictLabel(v), 'inconclusive (ceiling)');
  });
  test('both arms near 0 % (a floor): inconclusive (floor), even for an interval above zero', () => {
    const v = verdict(
      { estimate: 0.015, lo: 0.005, hi: 0.025, se: 0.005 },
      { margin: 0.03, arms: [0.01, 0.025] },
    );
    assert.equal(verdictLabel(v), 'inconclusive (floor)');
  });
  test('one arm at the floor: equivalence is not "does not reproduce"; a credible effect still counts', () => {
    const eq = { estimate: 0.002, lo: -0.004, hi: 0.008, se: 0.003 };
    assert.equal(verdictLabel(verdict(eq, { margin: 0.03, arms: [0.02, 0.5] })), 'inconclusive (floor)');
    assert.equal(verdictLabel(verdict(eq, { margin: 0.03, arms: [0.5, 0.99] })), 'inconclusive (ceiling)');
    assert.equal(verdict(eq, { margin: 0.03, arms: [0.4, 0.5] }).verdict, 'does not reproduce');
    const gain = { estimate: 0.5, lo: 0.45, hi: 0.55, se: 0.025 };
    assert.equal(verdict(gain, { margin: 0.05, arms: [0.47, 0.97] }).verdict, 'reproduces');
  });
  test('equivalence with MDE above the margin: inconclusive (underpowered)', () => {
    // 90 % interval ±1.645·se inside ±margin, but 2.80·se > margin
    const se = 0.009;
    const v = verdict({ estimate: 0, lo: -1.96 * se, hi: 1.96 * se, se }, { margin: 0.02 });
    assert.equal(v.equivalent, true);
    assert.equal(verdictLabel(v), 'inconclusive (underpowered)');
    assert.ok(v.mde > 0.02);
  });
  test('a wide interval is inconclusive (underpowered), and every verdict states its MDE', () => {
    const wide = verdict({ estimate: 0.01, lo: -0.05, hi: 0.07, se: 0.03 }, { margin: 0.03 });
    assert.equal(verdictLabel(wide), 'inconclusive (underpowered)');
    for (const e of [
      { estimate: 0.05, lo: 0.03, hi: 0.07, se: 0.01 },
      { estimate: -0.05, lo: -0.07, hi: -0.03, se: 0.01 },
      { estimate: 0, lo: -0.005, hi: 0.005, se: 0.0025 },
    ]) {
      const v = verdict(e, { margin: 0.03 });
      assert.ok(Number.isFinite(v.mde) && v.mde > 0);
      assert.match(v.reason, /MDE|detects/);
    }
  });
  test('a slope of a saturated outcome (level): no equivalence, but a credible slope still counts', () => {
    const flat = { estimate: 0.0005, lo: -0.001, hi: 0.002, se: 0.0008 };
    assert.equal(verdictLabel(verdict(flat, { margin: 0.02, level: 0.995 })), 'inconclusive (ceiling)');
    assert.equal(verdictLabel(verdict(flat, { margin: 0.02, level: 0.01 })), 'inconclusive (floor)');
    assert.equal(verdict(flat, { margin: 0.02, level: 0.5 }).verdict, 'does not reproduce');
    const slope = { estimate: 0.029, lo: 0.016, hi: 0.043, se: 0.007 };
    assert.equal(verdict(slope, { margin: 0.02, level: 0.99 }).verdict, 'reproduces');
  });
  test('roomOf names the bound', () => {
    assert.deepEqual(roomOf([0.5, 0.6], 0.05), { equivalence: true });
    assert.equal(roomOf([0.02, 0.01], 0.05).saturated, 'floor');
    assert.equal(roomOf([0.99, 1], 0.05).saturated, 'ceiling');
    assert.equal(roomOf([0.5, 0.99], 0.05).near, 'ceiling');
  });
});

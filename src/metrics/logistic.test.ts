import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mulberry32 } from '../util/random';
import { logisticFit, peakTest } from './logistic';

const close = (a: number, b: number, tol: number, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);
const logit = (p: number) => Math.log(p / (1 - p));

describe('logisticFit', () => {
  // one binary covariate: the MLE is closed-form, and so is the sandwich when every row is its own cluster
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 40; i++) {
    rows.push([1, 0]);
    y.push(i < 10 ? 1 : 0); // group 0: 10 of 40
  }
  for (let i = 0; i < 60; i++) {
    rows.push([1, 1]);
    y.push(i < 45 ? 1 : 0); // group 1: 45 of 60
  }
  const ids = y.map((_, i) => i);
  test('saturated two-group model: coefficients are the group log-odds', () => {
    const fit = logisticFit(rows, y, ids);
    close(fit.coef[0], logit(0.25), 1e-9);
    close(fit.coef[1], logit(0.75) - logit(0.25), 1e-9);
  });
  test('each row its own cluster: se² = G/(G−1) · 1/(n p q) for the intercept (hand-computed)', () => {
    const fit = logisticFit(rows, y, ids);
    close(fit.se[0], Math.sqrt((100 / 99) * (1 / (40 * 0.25 * 0.75))), 1e-9);
    const v1 = 1 / (40 * 0.25 * 0.75) + 1 / (60 * 0.75 * 0.25);
    close(fit.se[1], Math.sqrt((100 / 99) * v1), 1e-9);
  });
  test('three identical runs per fact carry no more information than one: same coefficients and errors', () => {
    const one = logisticFit(rows, y, ids);
    const three = logisticFit([...rows, ...rows, ...rows], [...y, ...y, ...y], [...ids, ...ids, ...ids]);
    for (const [j, c] of one.coef.entries()) close(three.coef[j], c, 1e-9, `coef ${j}`);
    for (const [j, s] of one.se.entries()) close(three.se[j], s, 1e-9, `se ${j}`);
    // treating the copies as independent would shrink the error by √3
    const naive = logisticFit(
      [...rows, ...rows, ...rows],
      [...y, ...y, ...y],
      [...ids, ...ids, ...ids].map((_, i) => i),
    );
    close(naive.se[1] * Math.sqrt(3), one.se[1], 0.01 * one.se[1]);
  });
  test('separation and bad input are errors', () => {
    assert.throws(
      () =>
        logisticFit(
          [
            [1, 0],
            [1, 1],
            [1, 0],
            [1, 1],
          ],
          [0, 1, 0, 1],
          [0, 1, 2, 3],
        ),
      /did not converge|singular/,
    );
    assert.throws(() => logisticFit([[1, 0]], [2], [0]), /y\[0\] must be 0 or 1/);
    assert.throws(() => logisticFit([[1, Number.NaN]], [1], [0]), /X\[0\]\[1\] is NaN/);
  });
});

/** facts at distances x ~ U(0, 1), `runs` runs each sharing a fact effect (sd 1 on the logit scale) */
function simulate(curve: (x: number) => number, facts: number, runs: number, seed: number) {
  const rnd = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const x: number[] = [];
  const y: number[] = [];
  const cl: number[] = [];
  for (let f = 0; f < facts; f++) {
    const d = rnd();
    const u = gauss();
    for (let r = 0; r < runs; r++) {
      const p = 1 / (1 + Math.exp(-(curve(d) + u)));
      x.push(d);
      y.push(rnd() < p ? 1 : 0);
      cl.push(f);
    }
  }
  return { x, y, cl };
}

describe('peakTest (planted curves)', () => {
  const reps = 20;
  const rates = (curve: (x: number) => number, seed0: number) => {
    let peaked = 0;
    let quadraticOnly = 0;
    for (let r = 0; r < reps; r++) {
      const { x, y, cl } = simulate(curve, 400, 3, seed0 + r);
      const t = peakTest(x, y, cl, { iterations: 0 });
      if (t.peaked) peaked++;
      if (t.quadratic.coef[2] < 0 && t.quadratic.p[2] < 0.05) quadraticOnly++;
    }
    return { peaked: peaked / reps, quadraticOnly: quadraticOnly / reps };
  };
  const rate = (curve: (x: number) => number, seed0: number) => rates(curve, seed0).peaked;
  test('a planted inverted U (peak at 0.5) is found', () => {
    assert.ok(rate((d) => 1.5 - 16 * (d - 0.5) ** 2, 100) >= 0.8);
  });
  test('a planted monotone decline is not called peaked', () => {
    assert.ok(rate((d) => 2 - 4 * d, 200) <= 0.1);
  });
  test('a concave monotone decline (the v1 rule called such curves peaked) is not called peaked', () => {
    const r = rates((d) => 2 - 5 * d * d, 300);
    assert.ok(r.peaked <= 0.1, `peaked ${r.peaked}`);
    assert.ok(
      r.quadraticOnly >= 0.5,
      `a significant negative x² alone would call it peaked: ${r.quadraticOnly}`,
    );
  });
  test('no relation at all is not called peaked', () => {
    assert.ok(rate(() => 0.3, 400) <= 0.1);
  });
  test('the vertex interval covers the planted peak; a covariate enters the model', () => {
    const { x, y, cl } = simulate((d) => 1 - 12 * (d - 0.4) ** 2, 500, 3, 7);
    const noise = x.map((_, i) => Math.sin(i));
    const t = peakTest(x, y, cl, { iterations: 200, seed: 1, covariates: [noise] });
    assert.equal(t.peaked, true, t.reason);
    assert.ok(t.vertexLo < 0.4 && t.vertexHi > 0.4, `[${t.vertexLo}, ${t.vertexHi}]`);
    assert.equal(t.quadratic.coef.length, 4);
  });
});

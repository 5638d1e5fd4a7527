import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { normalArray } from '../util/random';
import { symmetricEigen } from './eigen';
import { type Mat, mat, matMul, svd, topSingular, transpose } from './linalg';
import { adapterDeltas, frobeniusNorms, pca, pcaProject, svdProjection } from './params';

const close = (a: number, b: number, tol: number, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);

function maxAbsDiff(a: Mat, b: Mat): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

function reconstruct(U: Mat, S: Float64Array, V: Mat): Mat {
  const us = mat(U.rows, U.cols, U.data);
  for (let i = 0; i < U.rows; i++) for (let j = 0; j < U.cols; j++) us.data[i * U.cols + j] *= S[j];
  return matMul(us, transpose(V));
}

function assertOrthonormal(q: Mat, tol: number, what: string): void {
  const g = matMul(transpose(q), q);
  for (let i = 0; i < g.rows; i++) {
    for (let j = 0; j < g.cols; j++)
      close(g.data[i * g.cols + j], i === j ? 1 : 0, tol, `${what} gram[${i},${j}]`);
  }
}

/** A [m, n] matrix with chosen singular values (random orthonormal factors). */
function withSpectrum(m: number, n: number, s: number[], seed: number): Mat {
  const u = svd(mat(m, s.length, normalArray(m * s.length, 1, seed))).U;
  const v = svd(mat(n, s.length, normalArray(n * s.length, 1, seed + 1))).U;
  return reconstruct(u, Float64Array.from(s), v);
}

before(async () => {
  await initBackend('cpu', { quiet: true });
});

describe('linalg', () => {
  test('svd of [[3, 0], [4, 5]]: σ = 3√5, √5 (AᵀA has eigenvalues 45, 5)', () => {
    const { U, S, V } = svd(mat(2, 2, [3, 0, 4, 5]));
    close(S[0], 3 * Math.sqrt(5), 1e-13);
    close(S[1], Math.sqrt(5), 1e-13);
    assert.ok(maxAbsDiff(reconstruct(U, S, V), mat(2, 2, [3, 0, 4, 5])) < 1e-13);
  });

  test('svd reconstructs tall, wide and rank-deficient matrices with orthonormal factors', () => {
    const tall = mat(7, 5, normalArray(35, 1, 3));
    const cases: [string, Mat][] = [
      ['tall', tall],
      ['wide', transpose(tall)],
    ];
    const deficient = mat(4, 3);
    const g = normalArray(8, 1, 9);
    for (let i = 0; i < 4; i++) {
      deficient.data[i * 3] = g[i];
      deficient.data[i * 3 + 1] = g[4 + i];
      deficient.data[i * 3 + 2] = g[i] + g[4 + i];
    }
    cases.push(['rank 2', deficient]);
    for (const [what, a] of cases) {
      const { U, S, V } = svd(a);
      assert.ok(maxAbsDiff(reconstruct(U, S, V), a) < 1e-12, what);
      assertOrthonormal(U, 1e-12, `${what} U`);
      assertOrthonormal(V, 1e-12, `${what} V`);
      for (let i = 1; i < S.length; i++) assert.ok(S[i] <= S[i - 1]);
    }
    assert.ok(svd(deficient).S[2] < 1e-12);
  });

  test('topSingular (jacobi, gram, subspace) matches the known spectrum of a 120×90 and a 90×120 matrix', () => {
    const spectrum = Array.from({ length: 90 }, (_, i) => 10 * 0.9 ** i);
    const tall = withSpectrum(120, 90, spectrum, 5);
    const full = svd(tall);
    for (const a of [tall, transpose(tall)]) {
      for (const method of ['jacobi', 'gram', 'subspace'] as const) {
        const top = topSingular(a, 3, { seed: 1, method });
        for (let i = 0; i < 3; i++) {
          close(top.S[i], spectrum[i], 1e-9, `${method} σ${i}`);
          const [u, ref] = a === tall ? [top.U, full.U] : [top.V, full.U];
          let du = 0;
          for (let r = 0; r < 120; r++) du += u.data[r * 3 + i] * ref.data[r * 90 + i];
          close(Math.abs(du), 1, 1e-9, `${method} u${i}`);
        }
        assertOrthonormal(top.U, 1e-10, `${method} U_k`);
        assertOrthonormal(top.V, 1e-10, `${method} V_k`);
      }
    }
  });

  test('symmetricEigen: A·v = λ·v, orthonormal vectors, descending values', () => {
    const n = 12;
    const g = normalArray(n * n, 1, 4);
    const a = mat(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a.data[i * n + j] = g[i * n + j] + g[j * n + i];
    const { values, vectors } = symmetricEigen(a.data, n);
    vectors.forEach((v, j) => {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let t = 0; t < n; t++) av += a.data[i * n + t] * v[t];
        close(av, values[j] * v[i], 1e-12, `(Av − λv)[${i}] of ${j}`);
      }
      vectors.forEach((w, l) => {
        let s = 0;
        for (let t = 0; t < n; t++) s += v[t] * w[t];
        close(s, j === l ? 1 : 0, 1e-12);
      });
      if (j > 0) assert.ok(values[j] <= values[j - 1]);
    });
    const diag = symmetricEigen([2, 0, 0, 0, 5, 0, 0, 0, -1], 3);
    assert.deepEqual(Array.from(diag.values), [5, 2, -1]);
  });
});

describe('params', () => {
  test('frobeniusNorms and adapterDeltas', async () => {
    const before = tf.memory().numTensors;
    const d = tf.tensor2d([1, 2, 2, 4], [2, 2]);
    const handle = {
      modules: ['m.a', 'm.b'],
      delta: (m: string): tf.Tensor2D => (m === 'm.a' ? d.clone() : d.mul(2)),
    };
    const deltas = adapterDeltas(handle);
    const norms = await frobeniusNorms(deltas);
    assert.deepEqual([...norms.keys()], ['m.a', 'm.b']);
    close(norms.get('m.a')!, 5, 1e-6);
    close(norms.get('m.b')!, 10, 1e-6);
    tf.dispose([d, ...deltas.values()]);
    assert.equal(tf.memory().numTensors, before);
  });

  test('svdProjection on W = diag(3, 2, 1) with a hand-built ΔW', async () => {
    const w = tf.tensor2d([3, 0, 0, 0, 2, 0, 0, 0, 1], [3, 3]);
    // ΔW = 0.5·e1e1ᵀ + e3e2ᵀ: ‖ΔW‖² = 1.25
    const dw = tf.tensor2d([0.5, 0, 0, 0, 0, 0, 0, 1, 0], [3, 3]);
    const p1 = await svdProjection(w, dw, 1);
    close(p1.energyFraction, 0.25 / 1.25, 1e-12);
    close(p1.diagonal[0], 0.5, 1e-12);
    close(p1.leftEnergy[0], 0.2, 1e-12);
    close(p1.rightEnergy[0], 0.2, 1e-12);
    close(p1.deltaNorm, Math.sqrt(1.25), 1e-7);
    assert.deepEqual(p1.singularValues, [3]);
    assert.equal(p1.randomBaseline, 1 / 9);
    const p2 = await svdProjection(w, dw, 2);
    close(p2.energyFraction, 0.2, 1e-12); // core = [[0.5, 0], [0, 0]]
    close(p2.rightEnergy[1], 0.8, 1e-12); // ΔW e2 = e3
    close(p2.leftEnergy[1], 0, 1e-12); // e2ᵀ ΔW = 0
    const p3 = await svdProjection(w, dw, 3);
    close(p3.energyFraction, 1, 1e-12);
    const zero = tf.zeros([3, 3]) as tf.Tensor2D;
    assert.ok(Number.isNaN((await svdProjection(w, zero, 1)).energyFraction));
    tf.dispose([w, dw, zero]);
  });

  test('pca recovers the known principal axis (1, 1)/√2', () => {
    const t = [-2, -1, 0, 1, 2];
    const s = [0.1, -0.1, 0, -0.1, 0.1]; // Σ t·s = 0, Σ s = 0: the axes are exact
    const rows = t.map((ti, i) => [5 + ti + s[i], -3 + ti - s[i]]);
    const fit = pca(rows, 2);
    close(fit.mean[0], 5, 1e-12);
    close(fit.mean[1], -3, 1e-12);
    close(fit.components[0][0], Math.SQRT1_2, 1e-12);
    close(fit.components[0][1], Math.SQRT1_2, 1e-12);
    // along (1,1)/√2 the coordinates are t·√2: Σ = 20; along (1,−1)/√2: s·√2, Σ = 0.08
    close(fit.explainedVariance[0], 20 / 4, 1e-12);
    close(fit.explainedVariance[1], 0.08 / 4, 1e-12);
    close(fit.explainedVarianceRatio[0], 20 / 20.08, 1e-12);
    t.forEach((ti, i) => {
      close(fit.coordinates[i][0], ti * Math.SQRT2, 1e-12);
    });
    const moved = pcaProject(fit, [[5 + 1, -3 + 1]]);
    close(moved[0][0], Math.SQRT2, 1e-12);
    assert.throws(() => pca([[1, 2], [3]]), /row 1 has 1 values/);
  });
});

/**
 * The fused AdamW kernel (src/kernels/adamw.c) against AdamW.apply's tfjs ops on wasm, bit for bit: parameters and
 * both moments after several steps, stacked and unstacked variables, group sizes not divisible by 4, clipping,
 * weight decay, active masks with frozen groups, and values that test the edges (−0, subnormals, huge gradients).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import type { TrainableVariable } from '../peft/types';
import { AdamW, type AdamWConfig } from '../train/optimizer';
import { mulberry32 } from '../util/random';
import { newVariable } from '../util/tensors';
import { adamwRuns } from './adamw';
import { setSimdMatMul } from './simd-matmul';

before(async () => {
  await initBackend('wasm', { quiet: true });
});

/** Random float32 values with a few edge values mixed in. */
function values(n: number, rnd: () => number, scale: number): Float32Array {
  const edges = [-0, 0, 1e-40, -1e-39, 3e4, -7e-8, 1];
  return Float32Array.from({ length: n }, () =>
    rnd() < 0.1 ? edges[Math.floor(rnd() * edges.length)] : (rnd() * 2 - 1) * scale,
  );
}

interface Case {
  shapes: number[][];
  stacked: boolean[];
  groups: number;
  config: Partial<AdamWConfig>;
  masks: (number[] | undefined)[];
}

/** Runs `steps` updates from the same start; returns the bits of every variable and moment afterwards. */
function run(c: Case, fused: boolean, seed: number): { bits: Uint32Array[]; fusedRuns: number } {
  setSimdMatMul(fused);
  const rnd = mulberry32(seed);
  const vars: TrainableVariable[] = c.shapes.map((shape, i) => ({
    name: `v${i}`,
    variable: newVariable(() => tf.tensor(values(tf.util.sizeFromShape(shape), rnd, 0.5), shape)),
    stacked: c.stacked[i],
    decay: i % 2 === 0,
  }));
  const opt = new AdamW(vars, c.groups, {
    lr: 1e-2,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0,
    clipNorm: 1,
    ...c.config,
  });
  const before = adamwRuns();
  for (const mask of c.masks) {
    const grads = new Map(
      vars.map((v) => [v.name, tf.tensor(values(v.variable.size, rnd, 3), v.variable.shape)] as const),
    );
    const active = mask === undefined ? undefined : tf.tensor1d(mask);
    const lr = 1e-2 * (1 + rnd());
    const norm = opt.apply(grads, lr, active);
    tf.dispose([norm, ...grads.values(), ...(active ? [active] : [])]);
  }
  const moments = opt as unknown as { m: Map<string, tf.Variable>; v: Map<string, tf.Variable> };
  const all = vars.flatMap((v) => [v.variable, moments.m.get(v.name)!, moments.v.get(v.name)!]);
  const bits = all.map((t) => new Uint32Array((t.dataSync() as Float32Array).slice().buffer));
  const fusedRuns = adamwRuns() - before;
  opt.dispose();
  for (const v of vars) v.variable.dispose();
  setSimdMatMul(true);
  return { bits, fusedRuns };
}

const CASES: [string, Case][] = [
  [
    'stacked, 3 groups of odd sizes, masks freezing groups, weight decay',
    {
      shapes: [
        [3, 7, 5],
        [3, 5, 4],
        [3, 1],
      ],
      stacked: [true, true, true],
      groups: 3,
      config: { weightDecay: 0.1 },
      masks: [[1, 1, 1], [1, 0, 1], [0, 0, 1], undefined],
    },
  ],
  [
    'stacked, 5 groups of 64 × 8 (a LoRA factor), no clipping',
    {
      shapes: [
        [5, 64, 8],
        [5, 8, 64],
      ],
      stacked: [true, true],
      groups: 5,
      config: { clipNorm: 0 },
      masks: [[1, 1, 1, 1, 1], [1, 1, 0, 1, 1], undefined],
    },
  ],
  [
    'unstacked variables (full fine-tuning, one group), decay on every other, tight clipping',
    {
      shapes: [[13, 9], [130], [2, 3, 4]],
      stacked: [false, false, false],
      groups: 1,
      config: { weightDecay: 0.01, clipNorm: 0.05 },
      masks: [undefined, [1], [0], [1]],
    },
  ],
];

for (const [name, c] of CASES) {
  test(`fused AdamW = tfjs ops, bit for bit: ${name}`, () => {
    const n0 = tf.memory().numTensors;
    const ref = run(c, false, 11);
    const got = run(c, true, 11);
    assert.equal(ref.fusedRuns, 0, 'with src/kernels off the optimiser runs tfjs ops');
    assert.equal(got.fusedRuns, c.masks.length * c.shapes.length, 'one fused call per variable and step');
    for (const [i, r] of ref.bits.entries()) {
      const what = `${['parameter', 'm', 'v'][i % 3]} of variable ${Math.floor(i / 3)}`;
      const differ = r.findIndex((x, j) => x !== got.bits[i][j]);
      assert.equal(differ, -1, `${what} differs first at element ${differ}`);
    }
    assert.equal(tf.memory().numTensors, n0, 'no tensors left behind');
  });
}

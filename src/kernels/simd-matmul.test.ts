import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { stackMatMul } from '../peft/groups';
import { mulberry32, normalArray } from '../util/random';
import {
  installSimdMatMul,
  kernelWasmPath,
  loneMatMul,
  rowGatherRuns,
  setSimdMatMul,
  simdMatMulEnabled,
  simdMatMulRuns,
} from './simd-matmul';

before(async () => {
  await initBackend('wasm', { quiet: true });
});

/** The bits of a float32 result. */
async function bits(t: tf.Tensor): Promise<Uint32Array> {
  const d = (await t.data()) as Float32Array;
  return new Uint32Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
}

/**
 * Runs `f` with tfjs's kernels and with the SIMD kernels, and returns both outputs' bits, their shapes and how many
 * products the SIMD kernel ran for it.
 */
async function both(f: () => tf.Tensor) {
  setSimdMatMul(false);
  const ref = f();
  const refBits = await bits(ref);
  setSimdMatMul(true);
  const before = simdMatMulRuns();
  const got = f();
  const gotBits = await bits(got);
  const simdRuns = simdMatMulRuns() - before;
  const shapes = [ref.shape, got.shape];
  tf.dispose([ref, got]);
  return { refBits, gotBits, shapes, simdRuns };
}

function firstDifference(x: Uint32Array, y: Uint32Array): string {
  if (x.length !== y.length) return `lengths ${x.length} vs ${y.length}`;
  let n = 0;
  let first = -1;
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) {
      n++;
      if (first < 0) first = i;
    }
  }
  if (n === 0) return 'none';
  const f = new Float32Array(new Uint32Array([x[first], y[first]]).buffer);
  return `${n} of ${x.length} elements, first at ${first}: ${f[0]} vs ${f[1]}`;
}

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 47, 48, 49, 50, 64, 65, 96, 97, 131];

function tensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(normalArray(tf.util.sizeFromShape(shape), 1, seed), shape, 'float32');
}

/** a random batch layout: [batch dims of a, batch dims of b] (the same total where both are > 1) */
function batchDims(rnd: () => number): [number[], number[]] {
  const r = rnd();
  const bsz = 2 + Math.floor(rnd() * 3);
  if (r < 0.2) return [[], []]; // 2-D product
  if (r < 0.35) return [[1], [1]];
  if (r < 0.55) return [[bsz], [bsz]];
  if (r < 0.65) return [[bsz], [1]]; // broadcast b
  if (r < 0.75) return [[1], [bsz]]; // broadcast a
  if (r < 0.85) return [[bsz], []]; // rank 3 × rank 2
  return [
    [2, bsz],
    [2, bsz],
  ]; // rank 4
}

describe('SIMD BatchMatMul on wasm (src/kernels/matmul.c)', () => {
  test('the bit comparison can tell two summation orders apart (XNNPACK vs the slow path)', async () => {
    // the same product, once as XNNPACK's plain 2-D product and once through the slow path (batch of 2)
    setSimdMatMul(false);
    const a = tensor([37, 200], 11);
    const b = tensor([200, 29], 12);
    const plain = tf.matMul(a, b); // [37, 29], XNNPACK
    const batched = tf.matMul(tf.stack([a, a]), tf.stack([b, b])); // [2, 37, 29], slow path
    const x = await bits(plain);
    const y = (await bits(batched)).slice(0, 37 * 29);
    tf.dispose([a, b, plain, batched]);
    assert.notEqual(
      firstDifference(x, y),
      'none',
      'XNNPACK and the slow path gave the same bits: the test is blind',
    );
  });

  test('random shapes, transposes and batch layouts: the same bits as tfjs-wasm', async () => {
    const rnd = mulberry32(33);
    const pick = () => SIZES[Math.floor(rnd() * SIZES.length)];
    let simd = 0;
    let routed = 0;
    for (let c = 0; c < 160; c++) {
      const [m, k, n] = [pick(), pick(), pick()];
      const tA = rnd() < 0.5;
      const tB = rnd() < 0.5;
      const [da, db] = batchDims(rnd);
      const aShape = [...da, ...(tA ? [k, m] : [m, k])];
      const bShape = [...db, ...(tB ? [n, k] : [k, n])];
      const r = await both(() =>
        tf.tidy(() => tf.matMul(tensor(aShape, 1000 + c), tensor(bShape, 2000 + c), tA, tB)),
      );
      const label = `case ${c}: a ${aShape} b ${bShape} transposeA ${tA} transposeB ${tB}`;
      assert.deepEqual(r.shapes[1], r.shapes[0], label);
      assert.equal(firstDifference(r.refBits, r.gotBits), 'none', label);
      const aBatch = tf.util.sizeFromShape(da);
      const bBatch = tf.util.sizeFromShape(db);
      const xnnpack = !tA && !tB && aBatch === 1 && bBatch === 1;
      assert.equal(
        r.simdRuns,
        xnnpack ? 0 : 1,
        `${label}: ${xnnpack ? 'XNNPACK case must stay tfjs' : 'SIMD ran'}`,
      );
      if (xnnpack) routed++;
      else simd++;
    }
    assert.ok(simd >= 100 && routed >= 5, `${simd} SIMD cases, ${routed} XNNPACK cases`);
  });

  test('the gradients of batched products (tfjs and project gradient) have the same bits', async () => {
    const a = tensor([6, 33, 70], 5);
    const b = tensor([6, 70, 19], 6);
    const r = await both(() =>
      tf.tidy(() => {
        const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y))))([a, b]);
        return tf.concat([ga.reshape([-1]), gb.reshape([-1])]);
      }),
    );
    tf.dispose([a, b]);
    assert.equal(firstDifference(r.refBits, r.gotBits), 'none');
    assert.ok(r.simdRuns >= 3, `SIMD ran ${r.simdRuns} products`);
  });

  test('_FusedMatMul: bias broadcast, linear/relu/relu6 in SIMD, other activations routed to tfjs', async () => {
    const rnd = mulberry32(34);
    const pick = () => SIZES[Math.floor(rnd() * SIZES.length)];
    const activations = ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu', 'prelu'] as const;
    for (let c = 0; c < 70; c++) {
      const [m, k, n] = [pick(), pick(), pick()];
      const activation = activations[c % activations.length];
      const tA = rnd() < 0.5;
      const tB = rnd() < 0.5;
      const batch = rnd() < 0.5 ? 1 : 3;
      const xnnpack = !tA && !tB && batch === 1;
      // 0: none, 1: [n], 2: [1]. Not [1] on XNNPACK's path: tfjs hands XNNPACK a 1-element bias for n channels
      // there, which reads past the buffer (its output then depends on memory, with or without this kernel)
      const biasKind = xnnpack && c % 3 === 2 ? 1 : c % 3;
      const aShape = [batch, ...(tA ? [k, m] : [m, k])];
      const bShape = [batch, ...(tB ? [n, k] : [k, n])];
      const r = await both(() =>
        tf.tidy(() => {
          const bias = biasKind === 0 ? undefined : tensor(biasKind === 1 ? [n] : [1], 3000 + c).mul(3);
          // scale so that relu6's upper bound is reached too
          const a = tensor(aShape, 1000 + c).mul(2);
          return tf.fused.matMul({
            a: a as tf.Tensor3D,
            b: tensor(bShape, 2000 + c) as tf.Tensor3D,
            transposeA: tA,
            transposeB: tB,
            bias,
            activation,
            preluActivationWeights: activation === 'prelu' ? tensor([n], 4000 + c) : undefined,
            leakyreluAlpha: 0.1,
          });
        }),
      );
      const label = `case ${c}: a ${aShape} b ${bShape} tA ${tA} tB ${tB} bias ${biasKind} ${activation}`;
      assert.equal(firstDifference(r.refBits, r.gotBits), 'none', label);
      const simdActivation = activation === 'linear' || activation === 'relu' || activation === 'relu6';
      assert.equal(r.simdRuns, !xnnpack && simdActivation ? 1 : 0, `${label}: routing`);
    }
  });

  test('relu6 clamps once per k-block as tfjs does (K > 48, values beyond 6)', async () => {
    const a = tensor([2, 5, 150], 7).mul(4);
    const b = tensor([2, 150, 13], 8);
    const r = await both(() =>
      tf.tidy(() => tf.fused.matMul({ a: a as tf.Tensor3D, b: b as tf.Tensor3D, activation: 'relu6' })),
    );
    tf.dispose([a, b]);
    assert.equal(firstDifference(r.refBits, r.gotBits), 'none');
    assert.equal(r.simdRuns, 1);
  });

  test('Transpose of the last two axes: the same bits (float32, int32), other perms routed to tfjs', async () => {
    const rnd = mulberry32(35);
    const pick = () => SIZES[Math.floor(rnd() * SIZES.length)];
    for (let c = 0; c < 60; c++) {
      const lead =
        c % 3 === 0 ? [] : c % 3 === 1 ? [1 + Math.floor(rnd() * 4)] : [2, 1 + Math.floor(rnd() * 3)];
      const shape = [...lead, pick(), pick()];
      const r = shape.length;
      const swap = c % 5 !== 4;
      const perm = swap
        ? [...lead.map((_, i) => i), r - 1, r - 2]
        : Array.from({ length: r }, (_, i) => (i + 1) % r); // a rotation: tfjs's kernel from rank 3
      const int = c % 4 === 3;
      const res = await both(() =>
        tf.tidy(() => {
          const x = tensor(shape, 5000 + c);
          return tf.transpose(int ? x.mul(1000).cast('int32') : x, perm);
        }),
      );
      const label = `case ${c}: ${shape} perm ${perm} ${int ? 'int32' : 'float32'}`;
      assert.deepEqual(res.shapes[1], res.shapes[0], label);
      assert.equal(firstDifference(res.refBits, res.gotBits), 'none', label);
      const swapsLastTwo =
        perm[r - 2] === r - 1 && perm[r - 1] === r - 2 && perm.slice(0, -2).every((p, i) => p === i);
      const copied = swapsLastTwo && shape[r - 2] > 1 && shape[r - 1] > 1;
      assert.equal(res.simdRuns, copied ? 1 : 0, `${label}: routing`);
    }
  });

  test('GatherV2 along axis 0 copies rows: the same bits (float32, int32), other gathers routed to tfjs', async () => {
    const rnd = mulberry32(36);
    for (let c = 0; c < 40; c++) {
      const rank = 1 + (c % 3);
      const shape = Array.from({ length: rank }, () => 1 + Math.floor(rnd() * 9));
      const idxShape = c % 4 === 0 ? [2, 1 + Math.floor(rnd() * 5)] : [Math.floor(rnd() * 12)];
      const idx = Array.from({ length: idxShape.reduce((a, b) => a * b, 1) }, () =>
        Math.floor(rnd() * shape[0]),
      );
      const axis = c % 5 === 4 && rank > 1 ? 1 : c % 5 === 3 ? -rank : 0;
      const int = c % 3 === 2;
      const before = rowGatherRuns();
      const res = await both(() =>
        tf.tidy(() => {
          const x = tensor(shape, 7000 + c);
          const ids =
            axis === 1
              ? tf.tensor(
                  idx.map((i) => i % shape[1]),
                  idxShape,
                  'int32',
                )
              : tf.tensor(idx, idxShape, 'int32');
          return tf.gather(int ? x.mul(1000).cast('int32') : x, ids, axis);
        }),
      );
      const label = `case ${c}: x ${shape}, indices ${idxShape}, axis ${axis}, ${int ? 'int32' : 'float32'}`;
      assert.deepEqual(res.shapes[1], res.shapes[0], label);
      assert.equal(firstDifference(res.refBits, res.gotBits), 'none', label);
      const rows = axis === 0 || axis === -rank;
      assert.equal(rowGatherRuns() - before, rows ? 1 : 0, `${label}: routing`);
    }
    setSimdMatMul(true);
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const bad = tf.tensor1d([0, 2], 'int32');
    const n = tf.memory().numTensors;
    assert.throws(() => tf.gather(x, bad), /GatherV2: the index value 2 is not in \[0, 1\]/);
    assert.equal(tf.memory().numTensors, n, 'nothing made when an index is out of range');
    tf.dispose([x, bad]);
  });

  test('BEACONS_SIMD_MATMUL=0 keeps tfjs kernels; anything else installs the SIMD ones', () => {
    const saved = process.env.BEACONS_SIMD_MATMUL;
    try {
      process.env.BEACONS_SIMD_MATMUL = '0';
      assert.equal(installSimdMatMul(), false);
      assert.equal(simdMatMulEnabled(), false);
      delete process.env.BEACONS_SIMD_MATMUL;
      assert.equal(installSimdMatMul(), true);
      assert.equal(simdMatMulEnabled(), true);
    } finally {
      if (saved === undefined) delete process.env.BEACONS_SIMD_MATMUL;
      else process.env.BEACONS_SIMD_MATMUL = saved;
    }
  });

  test('still right after the backend memory grows (the module imports the memory object, not a buffer)', async () => {
    const grownFrom = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength;
    const big = tf.zeros([16 * 1024 * 1024]); // 64 MiB more than there was
    const grownTo = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength;
    const a = tensor([3, 50, 21], 13); // transposed: [3, 21, 50]
    const b = tensor([3, 50, 22], 14);
    const r = await both(() => tf.matMul(a, b, true, false));
    tf.dispose([big, a, b]);
    assert.ok(grownTo > grownFrom, `memory ${grownFrom} → ${grownTo} bytes`);
    assert.equal(firstDifference(r.refBits, r.gotBits), 'none');
    assert.equal(r.simdRuns, 1);
  });

  test("a lone adapter's product (stackMatMul at batch 1): the zero pair's bits, value and gradients", async () => {
    // reference: tfjs's kernels, where stackMatMul multiplies [a; 0] × [b; 0] and keeps the first half; SIMD on:
    // loneMatMul. `a` is used a second time so the gradient accumulation order is exercised as in a model.
    const rnd = mulberry32(57);
    const pick = () => SIZES[Math.floor(rnd() * SIZES.length)];
    for (let i = 0; i < 24; i++) {
      const [m, k, n] = [pick(), pick(), pick()];
      const a = tensor([1, m, k], 100 + i) as tf.Tensor3D;
      const b = tensor([1, k, n], 200 + i) as tf.Tensor3D;
      const c = tensor([1, m, k], 300 + i);
      const r = await both(() =>
        tf.tidy(() => {
          const loss = (x: tf.Tensor, y: tf.Tensor) =>
            tf.add(tf.sum(tf.square(stackMatMul(x as tf.Tensor3D, y as tf.Tensor3D))), tf.sum(tf.mul(x, c)));
          const { value, grads } = tf.valueAndGrads(loss)([a, b]);
          const out = stackMatMul(a, b);
          return tf.concat([out.reshape([-1]), value.reshape([-1]), ...grads.map((g) => g.reshape([-1]))]);
        }),
      );
      tf.dispose([a, b, c]);
      assert.equal(firstDifference(r.refBits, r.gotBits), 'none', `[1, ${m}, ${k}] × [1, ${k}, ${n}]`);
      assert.ok(r.simdRuns >= 4, `SIMD ran ${r.simdRuns} products for [1, ${m}, ${k}] × [1, ${k}, ${n}]`);
    }
  });

  test('loneMatMul: only where the SIMD kernels are on; checks its shapes; frees what it makes', () => {
    const a = tensor([1, 9, 50], 1) as tf.Tensor3D;
    const b = tensor([1, 50, 7], 2) as tf.Tensor3D;
    setSimdMatMul(false);
    assert.equal(loneMatMul(a, b), undefined);
    setSimdMatMul(true);
    assert.throws(() => loneMatMul(a, tensor([1, 49, 7], 3) as tf.Tensor3D), /loneMatMul: needs \[1, m, k\]/);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        const out = loneMatMul(a, b);
        assert.deepEqual(out?.shape, [1, 9, 7]);
        tf.grads((x: tf.Tensor, y: tf.Tensor) =>
          tf.sum(loneMatMul(x as tf.Tensor3D, y as tf.Tensor3D) as tf.Tensor),
        )([a, b]);
      });
    }
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([a, b]);
  });

  test('Identity shares the buffer: the same bits, alive after its input is freed, freed with the last reference', async () => {
    setSimdMatMul(true);
    const backend = tf.backend() as unknown as { dataIdMap: { numDataIds(): number } };
    const idsBefore = backend.dataIdMap.numDataIds();
    const x = tensor([3, 17], 11);
    const want = await bits(x);
    const y = tf.clone(x); // the Identity kernel
    assert.equal(backend.dataIdMap.numDataIds(), idsBefore + 1, 'no second buffer');
    x.dispose();
    assert.equal(firstDifference(await bits(y), want), 'none');
    y.dispose();
    assert.equal(backend.dataIdMap.numDataIds(), idsBefore);
    const s = tf.clone(tf.tensor(['a', 'b'])); // strings: tfjs's kernel
    assert.deepEqual(await s.data(), ['a', 'b']);
    s.dispose();
    // in a gradient (tf.grads routes the seed and the accumulated gradients through Identity): the same bits
    const a = tensor([5, 40], 12);
    const r = await both(() =>
      tf.tidy(() => tf.grads((v: tf.Tensor) => tf.sum(tf.mul(tf.clone(v), tf.clone(v))))([a])[0]),
    );
    a.dispose();
    assert.equal(firstDifference(r.refBits, r.gotBits), 'none');
  });

  test('no tensors or wasm buffers leak (transposed b copies are freed)', async () => {
    setSimdMatMul(true);
    const a = tensor([4, 20, 30], 9);
    const b = tensor([4, 25, 30], 10);
    const before = tf.memory().numTensors;
    const backend = tf.backend() as unknown as { dataIdMap: { numDataIds(): number } };
    const idsBefore = backend.dataIdMap.numDataIds();
    for (let i = 0; i < 5; i++) tf.matMul(a, b, false, true).dispose();
    assert.equal(tf.memory().numTensors, before);
    assert.equal(backend.dataIdMap.numDataIds(), idsBefore);
    tf.dispose([a, b]);
  });
});

const BUILT_WITH = 'Debian clang version 14.0.6';

describe('src/kernels/matmul.wasm is rebuilt from matmul.c byte for byte', () => {
  const clang = spawnSync('clang', ['--version'], { encoding: 'utf8' });
  const ld = spawnSync('wasm-ld', ['--version'], { encoding: 'utf8' });
  const version = clang.status === 0 ? clang.stdout.split('\n')[0] : undefined;
  const skip =
    version === undefined || ld.status !== 0
      ? 'clang/wasm-ld not installed (apt-get install -y clang lld)'
      : !version.startsWith(BUILT_WITH)
        ? `the committed .wasm was built by ${BUILT_WITH}; this clang is '${version}'`
        : false;
  test('environment/build-kernels.sh gives the committed bytes', { skip }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-kernels-'));
    try {
      const out = path.join(dir, 'matmul.wasm');
      const script = path.join(__dirname, '..', '..', 'environment', 'build-kernels.sh');
      execFileSync('bash', [script, out], { stdio: 'pipe' });
      const rebuilt = fs.readFileSync(out);
      const committed = fs.readFileSync(kernelWasmPath());
      assert.ok(
        rebuilt.equals(committed),
        `rebuilt ${rebuilt.length} bytes differ from committed ${committed.length}`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The benchmark never prints a ratio against a PyTorch that runs on the reference BLAS (an unfair peer: on one
 * machine the same LoRA step ratio was 2.394 with it and 0.122 with OpenBLAS).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { notComparable, referenceBlas } from '../../src/bench/blas';
import type { StepBench } from '../../src/bench/kernel';
import { type KernelReport, kernelTable } from '../../src/bench/report';
import type { TorchKernelResult } from '../../src/bench/torch';

const step: StepBench = {
  backend: 'wasm',
  method: 'lora',
  warmup: 1,
  stepSeconds: [1],
  medianStepS: 1,
  tokensPerS: 1024,
  numTensorsBefore: 0,
  numTensorsAfter: 0,
  numTensorsDuring: 90,
  firstLoss: 7.7,
  lastLoss: 7.6,
};
const torch = (blas: string[]): TorchKernelResult => ({
  median_step_s: 0.25,
  tokens_per_s: 3072,
  step_seconds: [0.25],
  losses: [7.7, 7.6],
  peak_rss_mb: 100,
  torch: '1.13',
  threads: 2,
  blas,
});

describe('bench: the PyTorch peer', () => {
  test('the reference BLAS alone is not a fair peer; OpenBLAS, MKL or an unknown BLAS are', () => {
    assert.deepEqual(referenceBlas(['libblas.so.3']), ['libblas.so.3']);
    assert.equal(referenceBlas(['libblas.so.3', 'libopenblasp-r0.3.21.so']), undefined);
    assert.equal(referenceBlas(['libmkl_rt.so.2']), undefined);
    assert.equal(referenceBlas([]), undefined);
    assert.equal(referenceBlas(null), undefined);
  });

  test('the table says "not comparable" instead of a ratio, and why', () => {
    const k: KernelReport = { tfjs: [step], torch: { lora: torch(['libblas.so.3']) }, ratios: {} };
    const slow = referenceBlas(k.torch.lora!.blas)!;
    const table = kernelTable(k, !slow);
    assert.match(table, /tfjs wasm lora .* not comparable /);
    assert.doesNotMatch(table, /0\.333/);
    assert.equal(
      notComparable(slow),
      'not comparable: torch is using the reference BLAS (libblas.so.3); install OpenBLAS (apt-get install libopenblas0-pthread) for a fair peer',
    );
    assert.match(kernelTable(k), /tfjs wasm lora .* 0\.333 /); // a fair peer: the ratio
  });
});

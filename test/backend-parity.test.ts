/**
 * Backend parity: wasm, and webgpu (a hardware adapter, else Mesa llvmpipe through Dawn's OpenGL backend), must
 * compute what the pure-JS cpu backend computes, on a random tiny LLaMA (d 64, 2 layers, GQA 4/2 heads, vocab 256, B 4 × T 16):
 *   - forward logits:               |webgpu − cpu| ≤ 1e-3 + 1e-4·|cpu|            (elementwise)
 *   - one LoRA step's gradients:    |webgpu − cpu| ≤ 1e-6 + 1e-3·max|cpu|          (per adapter tensor; all 7 modules)
 *   - 20 AdamW steps' losses:       |webgpu − cpu| ≤ 1e-5 + 1e-4·|cpu|            (per step)
 * (Measured on llvmpipe: logits 4e-7 abs, gradients 5e-8 abs, losses 1e-7 relative.)
 * Each backend runs in its own process (src/bench/parity-worker.ts): tfjs has one global backend and Dawn keeps its
 * device for the life of the process. SKIPS, printing why, when no WebGPU device can be created (packages not
 * installed, no GPU and no Mesa: environment/install-gpu-deps.sh --software).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import type { ParityResult } from '../src/bench/parity-worker';
import { runJsonChild } from '../src/util/child';

const ROOT = path.join(__dirname, '..');
const WORKER = path.join(ROOT, 'src', 'bench', 'parity-worker.ts');

type Outcome = ParityResult | { unavailable: string };

function runWorker(backend: string): Promise<Outcome> {
  return runJsonChild<Outcome>(WORKER, [backend], 'PARITY_JSON', {
    cwd: ROOT,
    env: { ...process.env, BEACONS_BACKEND: backend },
    label: `parity worker '${backend}'`,
  });
}

function compare(
  backend: string,
  name: string,
  got: number[],
  want: number[],
  tol: (w: number) => number,
): void {
  assert.equal(got.length, want.length, `${name}: ${got.length} values, cpu has ${want.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    const excess = Number.isFinite(got[i])
      ? Math.abs(got[i] - want[i]) - tol(want[i])
      : Number.POSITIVE_INFINITY;
    if (excess > worstExcess) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    const [g, w] = [got[worst], want[worst]];
    assert.fail(`${name}[${worst}]: ${backend} ${g} vs cpu ${w} (|Δ| ${Math.abs(g - w)} > ${tol(w)})`);
  }
}

// wasm is the default CPU path; webgpu the GPU path (skipped when no device can be made)
for (const backend of ['wasm', 'webgpu']) {
  test(`${backend} equals cpu: logits, LoRA gradients, 20 training steps`, {
    timeout: 600_000,
  }, async (t) => {
    const [cpu, other] = await Promise.all([runWorker('cpu'), runWorker(backend)]);
    if ('unavailable' in cpu) throw new Error(`cpu backend unavailable: ${cpu.unavailable}`);
    if ('unavailable' in other) {
      if (backend !== 'webgpu') throw new Error(`${backend} backend unavailable: ${other.unavailable}`);
      const reason = `no WebGPU device: ${other.unavailable}`;
      console.log(`# SKIP webgpu parity — ${reason}`);
      t.skip(reason);
      return;
    }
    t.diagnostic(
      `${backend}${other.adapter ? ` adapter: ${other.adapter}` : ''}; seconds ${JSON.stringify(other.seconds)} (cpu ${JSON.stringify(cpu.seconds)})`,
    );
    assert.equal(other.backend, backend);

    await t.test('forward logits', () => {
      assert.deepEqual(other.logitsShape, cpu.logitsShape);
      compare(backend, 'logits', other.logits, cpu.logits, (w) => 1e-3 + 1e-4 * Math.abs(w));
    });
    await t.test("one LoRA step's gradients", () => {
      assert.deepEqual(Object.keys(other.grads).sort(), Object.keys(cpu.grads).sort());
      assert.equal(Object.keys(cpu.grads).length, 1 + 2 * 7 * 2, 'loss + A and B of 7 modules × 2 layers');
      for (const [name, want] of Object.entries(cpu.grads)) {
        const scale = Math.max(...want.map(Math.abs));
        assert.ok(scale > 0, `${name}: cpu gradient is all zero (the test would prove nothing)`);
        compare(backend, name, other.grads[name], want, () => 1e-6 + 1e-3 * scale);
      }
    });
    await t.test('20 steps of LoRA training: losses', () => {
      assert.equal(cpu.losses.length, 20);
      assert.ok(cpu.losses[19] < cpu.losses[0], 'training lowers the loss');
      compare(backend, 'loss', other.losses, cpu.losses, (w) => 1e-5 + 1e-4 * Math.abs(w));
    });
  });
}

/**
 * Where a training step's time goes, per tfjs kernel (`tf.profile`), on the active backend:
 * - `lora`: one step of the reference LoRA config (src/bench/kernel.ts: d 256, 4 layers, batch 16 × seq 64);
 * - `stacked`: one step of 64 single-fact LoRA adapters side by side on beacon-base (src/bench/workload.ts), the
 *   regime and fact-set sweeps' shape of work.
 * BatchMatMul is split into the products XNNPACK takes on wasm (2-D: no batch, `plain`) and the rest (`batched`);
 * a transposed 2-D product would count as plain here, but the project's gradients never make one
 * (src/model/gradients.ts).
 *
 * `npx tsx src/bench/profile.ts ab [dir]` times the reference LoRA and full steps with and without src/kernels in
 * alternating rounds (one process: load from other jobs hits both alike), then each of AB_SWITCHES alone on stacked
 * training, and writes `simd-ab-<date>.json` to dir (default results/bench).
 *
 * `npx tsx src/bench/profile.ts save [dir]` profiles both steps and writes `profile-<date>.json` to dir (default
 * results/bench), which `beacons bench --readme … --profile <file>` renders in docs/performance.md.
 *
 * `npx tsx src/bench/profile.ts [lora|stacked …]` prints a table per step kind (profiled kernel times: each kernel is
 * timed on its own, so the sum exceeds an unprofiled step a little). `BEACONS_SIMD_MATMUL=0` profiles tfjs's own
 * BatchMatMul kernel instead of src/kernels/matmul.c.
 */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { setSimdMatMul, simdMatMulEnabled } from '../kernels/simd-matmul';
import { LlamaModel } from '../model/llama';
import { wrap } from '../peft';
import { train } from '../train/trainer';
import { withEnv } from '../util/env';
import {
  benchTrainStep,
  LORA_SETUP,
  median,
  REFERENCE_BATCH,
  REFERENCE_CONFIG,
  REFERENCE_SEQ,
  randomSequences,
} from './kernel';
import {
  type KernelRow,
  machineInfo,
  type ProfiledStep,
  type ProfileRun,
  profileTable,
  type StepProfile,
  writeResult,
} from './report';
import { SWITCHES } from './reproduce-time';
import { prepareFacts, runStacked } from './workload';

function rowName(k: { name: string; inputShapes: number[][] }): string {
  if (k.name !== 'BatchMatMul' && k.name !== '_FusedMatMul') return k.name;
  const [a, b] = k.inputShapes;
  const batch = (s: number[]) => s.slice(0, -2).reduce((x, y) => x * y, 1);
  return `${k.name} ${batch(a ?? []) > 1 || batch(b ?? []) > 1 ? 'batched' : 'plain'}`;
}

/** Profiles the second of two steps (the first warms up) of `step`. */
export async function profileStep(step: ProfiledStep): Promise<StepProfile> {
  let model: LlamaModel;
  let run: (steps: number) => Promise<unknown>;
  let cleanup: () => void;
  if (step === 'lora') {
    model = LlamaModel.random(REFERENCE_CONFIG, 0);
    const handle = wrap(model, { method: 'lora', ...LORA_SETUP, seed: 0 });
    const examples = randomSequences(REFERENCE_BATCH, REFERENCE_SEQ, REFERENCE_CONFIG.vocab_size, 1);
    run = (steps) =>
      train(model, handle, examples, { steps, batchSize: REFERENCE_BATCH, seed: 0 }, { padId: 0 });
    cleanup = () => {
      handle.remove();
      model.dispose();
    };
  } else {
    const set = prepareFacts(64, 0);
    model = set.model;
    const chunk = set.examples.map((e, k) => ({ ...e, group: k }));
    const handle = wrap(model, { method: 'lora', ...LORA_SETUP, groups: chunk.length, seed: 0 });
    run = (steps) =>
      train(model, handle, chunk, { steps, batchSize: 1, lr: 1e-3, seed: 0 }, { padId: set.padId });
    cleanup = () => {
      handle.remove();
      model.dispose();
    };
  }
  try {
    await run(1);
    const t0 = performance.now();
    const info = await tf.profile(async () => {
      await run(1);
    });
    const wallMs = performance.now() - t0;
    const by = new Map<string, KernelRow>();
    for (const k of info.kernels) {
      const name = rowName(k);
      const row = by.get(name) ?? { kernel: name, calls: 0, ms: 0 };
      row.calls++;
      row.ms += Number(k.kernelTimeMs);
      by.set(name, row);
    }
    const rows = [...by.values()].sort((x, y) => y.ms - x.ms);
    return { step, backend: tf.getBackend(), wallMs, kernelMs: rows.reduce((s, r) => s + r.ms, 0), rows };
  } finally {
    cleanup();
  }
}

/**
 * The reference step's median time with tfjs's kernels and with src/kernels (wasm only), measured in alternating
 * rounds in one process so that other load on the machine hits both sides alike.
 */
export async function simdSpeedup(method: 'lora' | 'full', rounds: number, steps: number) {
  const off: number[] = [];
  const on: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const simd of [false, true]) {
      setSimdMatMul(simd);
      const b = await benchTrainStep(method, 1, steps);
      (simd ? on : off).push(...b.stepSeconds);
    }
  }
  setSimdMatMul(process.env.BEACONS_SIMD_MATMUL !== '0');
  return {
    method,
    offMedianS: median(off),
    onMedianS: median(on),
    speedup: median(off) / median(on),
    off,
    on,
  };
}

/** What `switchSpeedup` can turn off (its variable at 0: reproduce-time's SWITCHES). */
export const AB_SWITCHES = ['packing', 'adamw', 'transposes', 'memory'] as const;

/**
 * One switch alone (the packed layout, src/model/packing.ts; the fused AdamW, src/kernels/adamw.ts; frozen weights'
 * transposes, src/model/frozen-transposes.ts; tensors freed once spent, src/backend/lean-backprop.ts): stacked
 * training of `facts` single facts (the workload's stacks of 64, early stop, checkEvery 5) with its variable at 0
 * and on, in alternating rounds in one process, after one warm-up run.
 */
export async function switchSpeedup(which: (typeof AB_SWITCHES)[number], facts: number, rounds: number) {
  const env = SWITCHES[which].env;
  const set = prepareFacts(facts, 0);
  const off: number[] = [];
  const on: number[] = [];
  try {
    await runStacked(set, 64, 30, 1e-3, 0, 5); // warm-up
    for (let r = 0; r < rounds; r++) {
      for (const turnOn of r % 2 === 0 ? [false, true] : [true, false]) {
        const run = await withEnv(env, turnOn ? '1' : '0', () => runStacked(set, 64, 30, 1e-3, 0, 5));
        (turnOn ? on : off).push(run.seconds);
      }
    }
  } finally {
    set.model.dispose();
  }
  return {
    facts: set.examples.length,
    offMedianS: median(off),
    onMedianS: median(on),
    speedup: median(off) / median(on),
    off,
    on,
  };
}

/**
 * What freeing tensors once spent saves in memory: the peak of live tensor bytes (`tf.profile`'s peakBytes) while
 * training one stack of 64 facts, with BEACONS_LEAN_MEMORY=0 and on; and what fresh memory costs on this machine
 * (allocating and filling 128 MB that the process has not touched, median of 3, in ms a MB): a wasm heap only grows,
 * so each worker process pays its peak once.
 */
export async function memoryEffect(): Promise<{
  peakMBOff: number;
  peakMBOn: number;
  firstTouchMsPerMB: number;
}> {
  const set = prepareFacts(64, 0);
  const peak: Record<'0' | '1', number> = { '0': 0, '1': 0 };
  try {
    for (const v of ['0', '1'] as const) {
      const info = await withEnv('BEACONS_LEAN_MEMORY', v, () =>
        tf.profile(async () => {
          await runStacked(set, 64, 30, 1e-3, 0, 5);
          return [];
        }),
      );
      peak[v] = info.peakBytes / 2 ** 20;
    }
  } finally {
    set.model.dispose();
  }
  const touch: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    new Float32Array(128 * 2 ** 18).fill(1); // 128 MB, fresh each time
    touch.push((performance.now() - t) / 128);
  }
  return { peakMBOff: peak['0'], peakMBOn: peak['1'], firstTouchMsPerMB: median(touch) };
}

if (require.main === module) {
  (async () => {
    await initBackend(undefined, { quiet: false });
    const kinds = process.argv.slice(2);
    if (kinds[0] === 'ab') {
      if (tf.getBackend() !== 'wasm') throw new Error('profile ab: needs the wasm backend');
      const machine = machineInfo(null);
      const steps = [];
      for (const m of ['lora', 'full'] as const) {
        const r = await simdSpeedup(m, 3, 3);
        steps.push(r);
        console.log(
          `${m} step, median of ${r.off.length} steps each in alternating rounds: tfjs kernels ${r.offMedianS.toFixed(3)} s, src/kernels ${r.onMedianS.toFixed(3)} s, ${r.speedup.toFixed(2)}× faster`,
        );
      }
      const alone: Record<string, Awaited<ReturnType<typeof switchSpeedup>>> = {};
      for (const which of AB_SWITCHES) {
        const r = await switchSpeedup(which, 128, 6);
        alone[which] = r;
        console.log(
          `${which} alone (${SWITCHES[which].env}=0 against on), stacked training of ${r.facts} facts, median of ${r.off.length} runs each in alternating rounds: off ${r.offMedianS.toFixed(2)} s, on ${r.onMedianS.toFixed(2)} s, ${r.speedup.toFixed(2)}× faster`,
        );
      }
      const memory = await memoryEffect();
      console.log(
        `live tensors at the peak of a 64-fact stack: ${memory.peakMBOff.toFixed(0)} MB kept to the end, ${memory.peakMBOn.toFixed(0)} MB freed once spent; fresh memory ${memory.firstTouchMsPerMB.toFixed(2)} ms a MB`,
      );
      const date = new Date().toISOString();
      const ab = { date, machine, loadAverageAtEnd: os.loadavg()[0], steps, ...alone, memoryEffect: memory };
      console.log(`Wrote ${writeResult(kinds[1] ?? 'results/bench', 'simd-ab', ab)}`);
      return;
    }
    if (kinds[0] === 'save') {
      const machine = machineInfo(null);
      const profiles: StepProfile[] = [];
      for (const k of ['lora', 'stacked'] as const) {
        profiles.push(await profileStep(k));
        console.log(`${profileTable(profiles[profiles.length - 1])}\n`);
      }
      const run: ProfileRun = {
        date: new Date().toISOString(),
        machine,
        loadAverageAtEnd: os.loadavg()[0],
        simdMatMul: simdMatMulEnabled(),
        profiles,
      };
      console.log(`Wrote ${writeResult(kinds[1] ?? 'results/bench', 'profile', run)}`);
      return;
    }
    for (const k of kinds.length > 0 ? kinds : ['lora', 'stacked']) {
      if (k !== 'lora' && k !== 'stacked') throw new Error(`profile: unknown step '${k}' (lora or stacked)`);
      console.log(`${profileTable(await profileStep(k))}\n`);
    }
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

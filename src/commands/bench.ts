/**
 * `beacons bench [--quick] [--all] [--json] [--facts N] [--steps N] [--warmup N] [--per-stack K] [--lr x] [--no-torch] [--torch-runs N]`
 *
 * 1. Kernel: LoRA (r 8 on q_proj, v_proj) and full fine-tuning train steps on the reference config (d 256, 4 layers,
 *    batch 16 × seq 64), tokens/s per tfjs backend (wasm; cpu only with --all, ≈ 25 s a step), against the same step
 *    in PyTorch (bench/torch_reference.py, 2 threads, OpenBLAS): ratio tfjs ÷ PyTorch tokens/s.
 * 2. Workload: wall time to learn N single facts (stacked adapters + early stop vs N separate PyTorch runs, in one
 *    2-thread process and split over one 1-thread process per core): ratio PyTorch seconds ÷ ours (≥ 1: ours is
 *    faster).
 * Prints tables (or the JSON with --json) and writes results/bench/bench-<date>.json atomically.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { backendInfo, initBackend } from '../backend';
import { benchTrainStep, REFERENCE_BATCH, REFERENCE_SEQ, type StepBench } from '../bench/kernel';
import { benchMethodSteps, type MethodStepTime } from '../bench/methods';
import { canDropLearnedRows } from '../bench/probe';
import { type BenchResult, benchText, updateReadme } from '../bench/render';
import { type KernelReport, machineInfo, peakRssMB, type WorkloadReport, writeResult } from '../bench/report';
import {
  ONE_THREAD_ENV,
  probeTorch,
  runTorch,
  type TorchFactsResult,
  type TorchKernelResult,
} from '../bench/torch';
import { prepareFacts, runStacked, runStackedWorkers, writeTorchJob } from '../bench/workload';
import { REPO_DIR } from '../data/paths';
import { simdMatMulEnabled } from '../kernels/simd-matmul';
import { loadSession } from '../knowledge/session';
import { BEACON_BASE_DIR } from '../model/load';
import { parseCommand } from './options';

const DEFAULT_OUT = path.join(REPO_DIR, 'results', 'bench');

export const SPEC = {
  name: 'bench',
  summary: 'Training-step and 256-fact workload speed against PyTorch, as ratios (bench/README.md).',
  options: {
    quick: { type: 'boolean', help: 'few steps and 64 facts (development)' },
    all: { type: 'boolean', help: 'also the pure-JS cpu backend (≈ 25 s a step, skipped by default)' },
    json: { type: 'boolean', help: 'print the result JSON instead of tables' },
    facts: {
      type: 'int',
      min: 1,
      max: 100_000,
      help: 'facts in the workload benchmark (default 256; --quick 64)',
    },
    'per-stack': { type: 'int', min: 1, max: 4096, default: 64, help: 'adapters trained side by side' },
    steps: { type: 'int', min: 1, max: 10_000, help: 'measured kernel steps (default 5; --quick 3)' },
    warmup: { type: 'int', min: 0, max: 10_000, help: 'excluded warm-up steps (default 2; --quick 1)' },
    lr: {
      type: 'number',
      min: 0,
      above: true,
      max: 1,
      default: 1e-3,
      help: 'learning rate of the fact runs',
    },
    'check-every': {
      type: 'int',
      min: 1,
      max: 10_000,
      default: 5,
      help: "steps between dropping learned adapters' rows from a stack",
    },
    'no-torch': { type: 'boolean', help: 'skip the PyTorch reference' },
    'torch-runs': {
      type: 'int',
      min: 1,
      max: 100,
      help: 'times the PyTorch workload runs, its median the reference (default 3; --quick 1): its time can move by tens of percent from one run to the next on the same idle machine',
    },
    'skip-kernel': { type: 'boolean', help: 'skip the train-step benchmark' },
    'skip-workload': { type: 'boolean', help: 'skip the single-facts workload' },
    'skip-methods': { type: 'boolean', help: 'skip the per-method step times (the premise at wall-clock)' },
    out: {
      type: 'string',
      arg: 'dir',
      default: DEFAULT_OUT,
      path: 'output-dir',
      help: 'where bench-<date>.json goes',
    },
    readme: {
      type: 'string',
      arg: 'file.json',
      help: "run nothing: rewrite docs/performance.md's bench block (<!-- bench:begin --> … <!-- bench:end -->) from this stored result",
    },
    before: {
      type: 'string',
      arg: 'file.json',
      help: 'with --readme: the run without the SIMD BatchMatMul (BEACONS_SIMD_MATMUL=0), for the before → after line',
    },
    ab: {
      type: 'string',
      arg: 'file.json',
      help: 'with --readme: a simd-ab JSON of `npx tsx src/bench/profile.ts ab` (the kernel alone, in one process)',
    },
    profile: {
      type: 'string',
      arg: 'file.json',
      help: "with --readme: a profile JSON of `npx tsx src/bench/profile.ts save` (where a step's time goes)",
    },
    reproduce: {
      type: 'string',
      arg: 'file.json',
      help: 'with --readme: JSONs of `npx tsx src/bench/reproduce-time.ts` (reproduce from empty, before and after), comma-separated, a line each',
    },
  },
} as const;

/** What the phases share: the options as resolved, the log, the notes and the machine. */
interface BenchContext {
  o: ReturnType<typeof parseCommand<typeof SPEC>>;
  steps: number;
  warmup: number;
  nFacts: number;
  perStack: number;
  lr: number;
  checkEvery: number;
  factSteps: number;
  /** how many times the PyTorch workload runs (the median is the reference) */
  torchRuns: number;
  primary: string;
  torchProbe: ReturnType<typeof probeTorch> | { ok: false; note: string };
  machine: ReturnType<typeof machineInfo>;
  notes: string[];
  log: (s: string) => void;
}

/** 1. Kernel level: LoRA and full train steps per tfjs backend, against the same step in PyTorch. */
async function kernelPhase(c: BenchContext): Promise<KernelReport> {
  const { o, steps, warmup, primary, torchProbe, machine, notes, log } = c;
  const backends = [...new Set([primary, 'wasm', ...(o.all || o.backend === 'cpu' ? ['cpu'] : [])])];
  if (!backends.includes('cpu')) notes.push('cpu backend skipped (≈ 25 s a LoRA step): use --all');
  const tfjs: StepBench[] = [];
  for (const b of backends) {
    try {
      await initBackend(b, { force: true, quiet: true });
    } catch (e) {
      notes.push(`backend ${b} unavailable: ${(e as Error).message}`);
      continue;
    }
    const cpu = b === 'cpu';
    const methods: ('lora' | 'full')[] = b === primary || b === 'wasm' ? ['lora', 'full'] : ['lora'];
    for (const m of methods) {
      const w = cpu ? 1 : warmup;
      const s = cpu ? Math.min(steps, 2) : steps;
      log(`${b} ${m} step: ${w} warm-up + ${s} timed steps of ${REFERENCE_BATCH}×${REFERENCE_SEQ} tokens…`);
      const r = await benchTrainStep(m, w, s);
      log(`  median ${r.medianStepS.toFixed(3)} s → ${r.tokensPerS.toFixed(0)} tokens/s`);
      tfjs.push(r);
    }
  }
  await initBackend(primary, { force: true, quiet: true });
  const torch: KernelReport['torch'] = {};
  if (torchProbe.ok) {
    for (const m of ['lora', 'full'] as const) {
      log(`torch ${m} step (2 threads): ${warmup} warm-up + ${steps} timed steps…`);
      const args = [
        'kernel',
        '--method',
        m,
        '--threads',
        '2',
        '--warmup',
        String(warmup),
        '--steps',
        String(steps),
      ];
      const r = await runTorch<TorchKernelResult>(args);
      if (r.ok) {
        torch[m] = r.value;
        machine.torchBlas = r.value.blas;
        log(`  median ${r.value.median_step_s.toFixed(3)} s → ${r.value.tokens_per_s.toFixed(0)} tokens/s`);
      } else notes.push(r.note);
    }
  }
  const ratios: Record<string, number> = {};
  for (const b of tfjs) {
    const ref = torch[b.method];
    if (ref) ratios[`${b.backend}/${b.method}`] = b.tokensPerS / ref.tokens_per_s;
  }
  return { tfjs, torch, ratios };
}

/**
 * The run with the median time (the lower middle one of an even count), with every run's seconds; its counts are
 * the same in every run. undefined for no runs.
 */
function medianRun<T extends { seconds: number }>(runs: T[]): (T & { secondsEach: number[] }) | undefined {
  if (runs.length === 0) return undefined;
  const sorted = [...runs].sort((x, y) => x.seconds - y.seconds);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)], secondsEach: runs.map((r) => r.seconds) };
}

/** 2. Workload level: wall time to learn N single facts, stacked with early stop, against N separate PyTorch runs. */
async function workloadPhase(c: BenchContext): Promise<WorkloadReport> {
  const { nFacts, perStack, lr, checkEvery, factSteps, torchProbe, torchRuns, notes, log } = c;
  const set = prepareFacts(nFacts, 0);
  if (set.examples.length < nFacts)
    notes.push(`only ${set.examples.length} usable facts (asked for ${nFacts})`);
  if (!set.real)
    notes.push('workload uses a random model and random facts: data/models/beacon-base does not exist yet');
  log(`workload on ${tf.getBackend()}: ${set.source}`);
  let torchFacts: TorchFactsResult | undefined;
  try {
    const k = Math.min(perStack, set.examples.length);
    log(
      `ours: ${Math.ceil(set.examples.length / k)} stack(s) of ≤ ${k} adapters, ≤ ${factSteps} steps, early stop…`,
    );
    // drop learned adapters' rows every 5 steps when the trainer can; else keep them (still correct: frozen
    // adapters get no update) and run every stack to the step limit
    const probe = canDropLearnedRows();
    const canDrop = probe.ok;
    if (!canDrop) {
      notes.push(
        `stacked early stop cannot drop learned adapters' rows here (train() on a non-identity adapter layout: ${probe.error}; ` +
          'see src/bench/probe.ts): every stack runs all ' +
          `${factSteps} steps with its learned adapters frozen, so ours is timed pessimistically`,
      );
    }
    const ours = await runStacked(set, k, factSteps, lr, 0, canDrop ? checkEvery : factSteps);
    log(`  ${ours.seconds.toFixed(1)} s, ${ours.learned}/${ours.facts} learned`);
    const cores = os.cpus().length;
    let oursWorkers: Awaited<ReturnType<typeof runStackedWorkers>> | undefined;
    if (cores > 1) {
      log(`ours with ${cores} worker processes…`);
      oursWorkers = await runStackedWorkers(
        nFacts,
        k,
        factSteps,
        lr,
        canDrop ? checkEvery : factSteps,
        cores,
        tf.getBackend(),
      );
      log(
        `  ${oursWorkers.seconds.toFixed(1)} s training (${oursWorkers.wallWithStartup.toFixed(1)} s with process start and model loading), ${oursWorkers.learned}/${oursWorkers.facts} learned`,
      );
    }
    let torchCores: WorkloadReport['torchCores'];
    if (torchProbe.ok) {
      const processes = oursWorkers?.workers ?? 0;
      const { job, dir, parts } = await writeTorchJob(set, factSteps, lr, 0, processes);
      const runs: TorchFactsResult[] = [];
      const coreRuns: NonNullable<WorkloadReport['torchCores']>[] = [];
      try {
        for (let i = 0; i < torchRuns; i++) {
          log(
            `torch ${i + 1}/${torchRuns}: ${set.examples.length} separate runs (same weights and token ids, 2 threads)…`,
          );
          const r = await runTorch<TorchFactsResult>(['facts', '--threads', '2', '--job', job]);
          if (!r.ok) {
            notes.push(r.note);
            break;
          }
          runs.push(r.value);
          log(`  ${r.value.seconds.toFixed(1)} s, ${r.value.learned}/${r.value.facts} learned`);
        }
        // the same facts over one PyTorch process per core, as ours with workers
        for (let i = 0; processes > 1 && i < torchRuns; i++) {
          log(`torch on ${processes} processes × 1 thread ${i + 1}/${torchRuns}…`);
          const rs = await Promise.all(
            parts.map((p) =>
              runTorch<TorchFactsResult>(['facts', '--threads', '1', '--job', p], undefined, ONE_THREAD_ENV),
            ),
          );
          const bad = rs.find((r) => !r.ok);
          if (bad !== undefined && !bad.ok) {
            notes.push(bad.note);
            break;
          }
          const vs = rs.map((r) => (r as { value: TorchFactsResult }).value);
          coreRuns.push({
            ...vs[0],
            processes,
            facts: vs.reduce((a, v) => a + v.facts, 0),
            learned: vs.reduce((a, v) => a + v.learned, 0),
            optimizer_steps: vs.reduce((a, v) => a + v.optimizer_steps, 0),
            seconds: Math.max(...vs.map((v) => v.seconds)), // they run concurrently: the slowest one's
            peak_rss_mb: vs.reduce((a, v) => a + v.peak_rss_mb, 0),
          });
          const last = coreRuns[coreRuns.length - 1];
          log(`  ${last.seconds.toFixed(1)} s, ${last.learned}/${last.facts} learned`);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      torchFacts = medianRun(runs);
      torchCores = medianRun(coreRuns);
    }
    return {
      source: set.source,
      ours,
      oursWorkers,
      torch: torchFacts,
      ratio: torchFacts ? torchFacts.seconds / ours.seconds : undefined,
      ratioWorkers: torchFacts && oursWorkers ? torchFacts.seconds / oursWorkers.seconds : undefined,
      ...(torchCores && oursWorkers
        ? { torchCores, ratioCores: torchCores.seconds / oursWorkers.seconds }
        : {}),
    };
  } finally {
    set.model.dispose();
  }
}

/** 3. Method level: one fact's step per method on the shipped model (the premise at matched wall-clock). */
async function methodsPhase(c: BenchContext): Promise<MethodStepTime[] | undefined> {
  const { warmup, steps, perStack, notes, log } = c;
  if (!fs.existsSync(path.join(BEACON_BASE_DIR, 'config.json'))) {
    notes.push('per-method step times skipped: data/models/beacon-base does not exist');
    return undefined;
  }
  log(`methods on ${tf.getBackend()}: beacon-base, one fact a step (and ${perStack} side by side for PEFT)…`);
  const s = await loadSession();
  return await benchMethodSteps(s, s.pool.slice(0, perStack), { warmup, steps, stack: perStack, onLog: log });
}

export async function run(argv: string[]): Promise<void> {
  const o = parseCommand(SPEC, argv);
  const parts = [o.before, o.ab, o.profile, o.reproduce];
  if (parts.some((x) => x !== undefined) && o.readme === undefined) {
    throw new Error('bench: --before, --ab, --profile and --reproduce need --readme');
  }
  if (o.readme !== undefined) {
    const page = path.join(REPO_DIR, 'docs', 'performance.md');
    updateReadme(page, o.readme, { before: o.before, ab: o.ab, profile: o.profile, reproduce: o.reproduce });
    console.error(`[bench] rewrote the bench block of ${page} from ${o.readme}`);
    return;
  }
  const quick = o.quick;
  const log = (s: string) => console.error(`[bench] ${s}`);
  const notes: string[] = [];
  const numTensorsStart = tf.memory().numTensors;
  const primary = backendInfo()?.name ?? tf.getBackend();
  const torchProbe = o['no-torch']
    ? { ok: false as const, note: 'PyTorch reference skipped (--no-torch)' }
    : probeTorch();
  if (!torchProbe.ok) notes.push(torchProbe.note);
  const machine = machineInfo(torchProbe.ok ? torchProbe.value : null);
  if (machine.loadAverage > 0.5) {
    notes.push(
      `load average ${machine.loadAverage.toFixed(2)} on ${machine.cores} cores at start: other jobs share the CPU, numbers are pessimistic`,
    );
  }
  const c: BenchContext = {
    o,
    steps: o.steps ?? (quick ? 3 : 5),
    warmup: o.warmup ?? (quick ? 1 : 2),
    nFacts: o.facts ?? (quick ? 64 : 256),
    perStack: o['per-stack'],
    lr: o.lr,
    checkEvery: o['check-every'],
    factSteps: 30,
    torchRuns: o['torch-runs'] ?? (quick ? 1 : 3),
    primary,
    torchProbe,
    machine,
    notes,
    log,
  };
  const kernel = o['skip-kernel'] ? undefined : await kernelPhase(c);
  const workload = o['skip-workload'] ? undefined : await workloadPhase(c);
  const methods = o['skip-methods'] ? undefined : await methodsPhase(c);
  const { steps, warmup, nFacts, perStack, lr, factSteps, checkEvery, torchRuns } = c;
  const result: BenchResult = {
    date: new Date().toISOString(),
    machine,
    backend: primary,
    options: {
      quick,
      all: o.all,
      steps,
      warmup,
      facts: nFacts,
      perStack,
      lr,
      factSteps,
      checkEvery,
      torchRuns,
      simdMatMul: simdMatMulEnabled(),
    },
    kernel,
    workload,
    methods,
    memory: { peakRssMB: peakRssMB(), numTensorsStart, numTensorsEnd: tf.memory().numTensors },
    notes,
  };
  const file = writeResult(o.out!, 'bench', result);
  if (o.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  console.log(`\n${benchText(result)}`);
  console.log(`Wrote ${path.relative(process.cwd(), file)}`);
}

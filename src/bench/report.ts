/** Machine description and the human-readable tables of `beacons bench`. */
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../util/atomic';
import type { StepBench } from './kernel';
import type { TorchFactsResult, TorchKernelResult } from './torch';
import type { StackedResult } from './workload';

export interface MachineInfo {
  cpu: string;
  cores: number;
  os: string;
  node: string;
  tfjs: string;
  torch: string | null;
  torchBlas: string[] | null;
  /** 1-minute load average when the bench started (other jobs on the machine skew every number) */
  loadAverage: number;
}

export function machineInfo(torch: string | null): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    tfjs: tf.version.tfjs,
    torch,
    torchBlas: null,
    loadAverage: os.loadavg()[0],
  };
}

/**
 * Writes a result as `<dir>/<kind>-<date>.json` (the date with ':' and '.' as '-'), atomically; returns the path.
 * Every bench tool names its files this way (bench, simd-ab, profile, reproduce).
 */
export function writeResult(dir: string, kind: string, result: { date: string }): string {
  const file = path.join(dir, `${kind}-${result.date.replace(/[:.]/g, '-')}.json`);
  writeFileAtomic(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');

export interface KernelReport {
  tfjs: StepBench[];
  torch: Partial<Record<'lora' | 'full', TorchKernelResult>>;
  ratios: Record<string, number>;
}

/** With `comparable` false (torch on the reference BLAS) the ratio column says so instead of giving a number. */
export function kernelTable(k: KernelReport, comparable = true): string {
  const rows = k.tfjs.map((b) => {
    const ref = k.torch[b.method];
    return [
      `tfjs ${b.backend} ${b.method}`,
      f(b.medianStepS, 3),
      f(b.tokensPerS, 0),
      ref ? (comparable ? f(b.tokensPerS / ref.tokens_per_s, 3) : 'not comparable') : '—',
      `${b.numTensorsBefore} → ${b.numTensorsDuring} → ${b.numTensorsAfter}`,
      `${f(b.firstLoss, 3)} → ${f(b.lastLoss, 3)}`,
    ];
  });
  for (const [method, t] of Object.entries(k.torch)) {
    if (t === undefined) continue;
    rows.push([
      `torch ${t.threads} thr ${method}`,
      f(t.median_step_s, 3),
      f(t.tokens_per_s, 0),
      '1',
      '',
      `${f(t.losses[0], 3)} → ${f(t.losses[t.losses.length - 1], 3)}`,
    ]);
  }
  return table(
    ['train step', 'median s', 'tokens/s', '÷ torch', 'numTensors before→during→after', 'loss'],
    rows,
  );
}

export interface WorkloadReport {
  source: string;
  ours: StackedResult;
  /** the same stacks split over worker processes (one per core) */
  oursWorkers?: StackedResult & { workers: number; wallWithStartup: number };
  torch?: TorchFactsResult;
  /**
   * PyTorch on every core the way a user would: the facts split over one process per core, 1 thread each (on this
   * workload one thread is not slower than two); `seconds` is the slowest process's, the median run's
   */
  torchCores?: TorchFactsResult & { processes: number };
  /** PyTorch seconds ÷ our seconds (≥ 1: ours is faster) */
  ratio?: number;
  /** PyTorch seconds ÷ our seconds with workers */
  ratioWorkers?: number;
  /** PyTorch on every core (torchCores) ÷ our seconds with workers */
  ratioCores?: number;
}

export function workloadTable(w: WorkloadReport): string {
  const o = w.ours;
  const rows = [
    [
      `tfjs stacked (${o.stacks} × ${o.perStack})`,
      f(o.seconds, 1),
      `${o.learned}/${o.facts}`,
      String(o.adapterSteps),
      f(o.facts / o.seconds, 2),
    ],
  ];
  if (w.oursWorkers) {
    const p = w.oursWorkers;
    rows.push([
      `tfjs stacked, ${p.workers} workers (${f(p.wallWithStartup, 1)} s with start-up)`,
      f(p.seconds, 1),
      `${p.learned}/${p.facts}`,
      String(p.adapterSteps),
      f(p.facts / p.seconds, 2),
    ]);
  }
  if (w.torch) {
    const t = w.torch;
    rows.push([
      t.secondsEach && t.secondsEach.length > 1
        ? `torch ${t.facts} separate runs (median of ${t.secondsEach.map((x) => f(x, 1)).join(', ')} s)`
        : `torch ${t.facts} separate runs`,
      f(t.seconds, 1),
      `${t.learned}/${t.facts}`,
      String(t.optimizer_steps),
      f(t.facts / t.seconds, 2),
    ]);
  }
  if (w.torchCores) {
    const t = w.torchCores;
    const label = `torch ${t.processes} processes × 1 thread`;
    rows.push([
      t.secondsEach && t.secondsEach.length > 1
        ? `${label} (median of ${t.secondsEach.map((x) => f(x, 1)).join(', ')} s)`
        : label,
      f(t.seconds, 1),
      `${t.learned}/${t.facts}`,
      String(t.optimizer_steps),
      f(t.facts / t.seconds, 2),
    ]);
  }
  return table(['learn single facts', 'wall s', 'learned', 'updates', 'facts/s'], rows);
}

export type ProfiledStep = 'lora' | 'stacked';

export interface KernelRow {
  /** kernel name; BatchMatMul as `BatchMatMul plain` / `BatchMatMul batched` */
  kernel: string;
  calls: number;
  ms: number;
}

export interface StepProfile {
  step: ProfiledStep;
  backend: string;
  /** wall time of the profiled step (profiling overhead included) */
  wallMs: number;
  /** sum of the kernels' times */
  kernelMs: number;
  rows: KernelRow[];
}

/** What `npx tsx src/bench/profile.ts save` writes: both steps' kernel profiles from one process. */
export interface ProfileRun {
  date: string;
  machine: MachineInfo;
  loadAverageAtEnd: number;
  /** whether src/kernels ran the slow-path products (BEACONS_SIMD_MATMUL unset) */
  simdMatMul: boolean;
  profiles: StepProfile[];
}

/** A text table of a profile: the `top` costliest kernels and the rest summed. */
export function profileTable(p: StepProfile, top = 12): string {
  const lines = [
    `${p.step} step on ${p.backend}: ${p.wallMs.toFixed(0)} ms profiled wall, ${p.kernelMs.toFixed(0)} ms in kernels`,
    `${'kernel'.padEnd(24)} ${'calls'.padStart(6)} ${'ms'.padStart(8)} ${'share'.padStart(6)}`,
  ];
  const shown = p.rows.slice(0, top);
  const rest = p.rows.slice(top);
  const row = (name: string, calls: number, ms: number) =>
    `${name.padEnd(24)} ${String(calls).padStart(6)} ${ms.toFixed(1).padStart(8)} ${`${((100 * ms) / p.kernelMs).toFixed(1)}%`.padStart(6)}`;
  for (const r of shown) lines.push(row(r.kernel, r.calls, r.ms));
  if (rest.length > 0) {
    lines.push(
      row(
        `(${rest.length} others)`,
        rest.reduce((s, r) => s + r.calls, 0),
        rest.reduce((s, r) => s + r.ms, 0),
      ),
    );
  }
  return lines.join('\n');
}

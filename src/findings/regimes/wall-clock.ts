/**
 * The premise at matched wall-clock (#15 item 0): the regime study's stored runs (updates per fact) with each
 * method's step priced at its measured seconds from the newest `beacons bench` file that has per-method step times
 * (bench/methods.ts). Step times depend on the machine, not on the config, so this sits beside the study's results
 * (notebook 01, README) and never inside SUMMARY.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RegimeRun } from '../../knowledge/regime-runs';
import { readJsonLines } from '../../util/atomic';
import { type PremiseAtWallClock, premiseAtWallClock, type RegimeAnalysisConfig } from './analysis';

/** One row of a bench file's per-method step times (bench/methods.ts writes them; only what this module reads). */
export interface StepTime {
  method: string;
  /** facts trained side by side in the step (1: one fact alone) */
  stack: number;
  /** seconds one fact's update costs */
  perFactS: number;
}

export interface MethodBench {
  file: string;
  date: string;
  machine: { cpu?: string; cores?: number; loadAverage?: number };
  methods: StepTime[];
}

/** Per-fact step seconds of each method: one fact alone (stack 1), the wall-clock a user sees. */
export function aloneStepSeconds(times: readonly StepTime[]): Record<string, number> {
  return Object.fromEntries(times.filter((t) => t.stack === 1).map((t) => [t.method, t.perFactS]));
}

/** The newest bench-<date>.json in `dir` with per-method step times (undefined when there is none). */
export function latestMethodBench(dir = path.join('results', 'bench')): MethodBench | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^bench-.*\.json$/.test(f))
    .sort()
    .reverse();
  for (const f of files) {
    const file = path.join(dir, f);
    let j: Partial<MethodBench>;
    try {
      j = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
    }
    if (Array.isArray(j.methods) && j.methods.length > 0)
      return { file, date: j.date ?? '', machine: j.machine ?? {}, methods: j.methods };
  }
  return undefined;
}

/** The stored runs of a finished regime study (`<dir>/cases.jsonl`). */
export function regimeRunsOf(dir: string): RegimeRun[] {
  const file = path.join(dir, 'cases.jsonl');
  const rows = readJsonLines(file, 'regime study cases');
  if (rows.length === 0) throw new Error(`${file}: no cases (run the regime study first)`);
  return rows.map((r) => {
    const result = (r.value as { result?: RegimeRun }).result;
    if (result === undefined || typeof result.method !== 'string')
      throw new Error(`${file}: line ${r.line} has no "result" with a "method"`);
    return result;
  });
}

export interface WallClockPremise {
  bench?: MethodBench;
  rows: PremiseAtWallClock[];
  /** one sentence: where the step times came from, or why there is nothing to show */
  note: string;
}

/** The premise at wall-clock for a finished regime run (its directory and best rates) and the newest bench file. */
export function wallClockPremise(
  cfg: RegimeAnalysisConfig,
  bestRate: Record<string, number>,
  runDir: string,
  benchDir?: string,
): WallClockPremise {
  const bench = latestMethodBench(benchDir);
  if (bench === undefined)
    return {
      rows: [],
      note: 'No benchmark with per-method step times yet: run `npm run bench -- --skip-kernel --skip-workload` first.',
    };
  const rows = premiseAtWallClock(cfg, regimeRunsOf(runDir), bestRate, aloneStepSeconds(bench.methods));
  const load = bench.machine.loadAverage;
  return {
    bench,
    rows,
    note:
      `Step times from ${path.basename(bench.file)} (${bench.machine.cpu ?? 'unknown CPU'}, ${bench.machine.cores ?? '?'} cores` +
      `${load !== undefined ? `, load ${load.toFixed(2)} at start` : ''}): one fact alone, batch 1. ` +
      'They depend on the machine, so this comparison is not part of the cached results.',
  };
}

const pts = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}`;

/** The wall-clock premise as a markdown table (notebook 01), its note first. */
export function wallClockMarkdown(w: WallClockPremise): string {
  if (w.rows.length === 0) return w.note;
  const head =
    '| method | s a step (one fact) | full fine-tuning s a step | window | facts | full − method, points (95 % CI) |';
  const rows = w.rows.map(
    (r) =>
      `| ${r.method} | ${r.peftStepS.toFixed(3)} | ${r.fullStepS.toFixed(3)} | ${r.windowS.toFixed(2)} s | ${r.facts} | ${pts(r.diff.estimate)} [${pts(r.diff.lo)}, ${pts(r.diff.hi)}] |`,
  );
  return [w.note, '', head, '|---|---|---|---|---|---|', ...rows].join('\n');
}

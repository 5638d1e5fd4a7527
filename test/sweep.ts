/**
 * A reduced smoke sweep for the end-to-end tests (determinism, Slurm, orphans): the shipped model on a small
 * `--data` file (the first COUNTERFACT records of its own corpus, written to a scratch folder), so a whole
 * `reproduce` takes seconds. `beacons(...)` runs the command line as a child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_COUNTERFACT_PATH } from '../src/data/paths';
import { buildCorpus } from '../src/pretrain/corpus';
import { jsonDiff } from '../src/util/hash';

export const ROOT = path.resolve(__dirname, '..');
export const CLI = path.join(ROOT, 'src', 'cli.ts');
/** The installed command's entry point (package.json "bin"). */
export const BIN = path.join(ROOT, 'bin', 'beacons.js');

/** Writes the raw COUNTERFACT records of the first `n` corpus records to `<dir>/facts.json`; returns its path. */
export function writeSmallData(dir: string, n = 120): string {
  const ids = new Set(
    buildCorpus()
      .records.slice(0, n)
      .map((r) => r.id),
  );
  const raw = JSON.parse(fs.readFileSync(DEFAULT_COUNTERFACT_PATH, 'utf8')) as { case_id: number }[];
  const file = path.join(dir, 'facts.json');
  fs.writeFileSync(file, JSON.stringify(raw.filter((r) => ids.has(`cf-${r.case_id}`))));
  return file;
}

/** The options of the reduced sweep (by default two experiments: single facts and fact sets), results in `results`. */
export const sweepArgs = (data: string, results: string, only = 'distance,reweighting'): string[] => [
  '--scale',
  'smoke',
  '--only',
  only,
  '--data',
  data,
  '--results',
  results,
  '--no-figures',
  '--backend',
  process.env.BEACONS_BACKEND ?? 'wasm',
];

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
}

/**
 * Starts `beacons <args>` (src/cli.ts through tsx, or with `bin` the installed command's bin/beacons.js); `onLine`
 * sees each stderr line as it comes.
 */
export function startBeacons(
  args: string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    onLine?: (line: string, child: ChildProcess) => void;
    bin?: boolean;
  } = {},
): { child: ChildProcess; done: Promise<Ran> } {
  const entry = opts.bin ? [BIN] : ['--import', 'tsx', CLI];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: ROOT,
    env: { ...process.env, BEACONS_PROGRESS: 'lines', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    partial += d.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const l of lines) opts.onLine?.(l, child);
  });
  const done = new Promise<Ran>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr, stdout })),
  );
  return { child, done };
}

export function beacons(args: string[], env?: NodeJS.ProcessEnv): Promise<Ran> {
  return startBeacons(args, { env }).done;
}

/**
 * Every summary.json under `results`, by relative path, without its `meta` (wall times and dates) and its `digest`
 * (hashes of the summary and of the cases: compared through the summary itself, also where a tolerance applies).
 */
export function summaries(results: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const exp of fs.readdirSync(results).filter((f) => !f.startsWith('.'))) {
    const dir = path.join(results, exp);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const hash of fs.readdirSync(dir)) {
      const file = path.join(dir, hash, 'summary.json');
      if (!fs.existsSync(file)) continue;
      const { meta: _meta, digest: _digest, ...rest } = JSON.parse(fs.readFileSync(file, 'utf8'));
      out[`${exp}/${hash}`] = rest;
    }
  }
  return out;
}

/**
 * Where `got`'s summaries differ from `want`'s: one line per run (the first differing JSON path, from jsonDiff),
 * plus runs missing on either side; [] when byte-identical.
 */
export function summaryDiffs(want: Record<string, unknown>, got: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(want), ...Object.keys(got)])].sort();
  return keys
    .map((k) => (jsonDiff(want[k], got[k]) ? `${k}: ${jsonDiff(want[k], got[k])}` : ''))
    .filter(Boolean);
}

/**
 * Every place two summaries differ by more than a relative `tolerance` in a number, or at all in anything else
 * (a missing key, a string, a boolean, a count): for runs that may differ only in the last digits of continuous
 * numbers.
 */
export function summaryDiffsBeyond(
  want: Record<string, unknown>,
  got: Record<string, unknown>,
  tolerance: number,
): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, at: string): void => {
    if (typeof a === 'number' && typeof b === 'number') {
      const scale = Math.max(Math.abs(a), Math.abs(b), Number.MIN_VALUE);
      const counts = Number.isInteger(a) && Number.isInteger(b); // counts (and exact zeros) must be equal
      const same =
        a === b || (Number.isNaN(a) && Number.isNaN(b)) || (!counts && Math.abs(a - b) / scale <= tolerance);
      if (!same) out.push(`${at}: ${a} vs ${b}`);
      return;
    }
    if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
      const [ra, rb] = [a as Record<string, unknown>, b as Record<string, unknown>];
      for (const k of [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort())
        walk(ra[k], rb[k], `${at}.${k}`);
      return;
    }
    if (a === undefined || b === undefined || jsonDiff(a, b))
      if (a !== b) out.push(`${at}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  };
  for (const k of [...new Set([...Object.keys(want), ...Object.keys(got)])].sort()) walk(want[k], got[k], k);
  return out;
}

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

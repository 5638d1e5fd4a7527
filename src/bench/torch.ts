/**
 * Runs bench/torch_reference.py (Debian's PyTorch, 2 threads, OpenBLAS) and parses the JSON it prints.
 * Never throws for a missing Python or torch: the result says why there is no reference number.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const PYTHON = process.env.BEACONS_PYTHON ?? '/usr/bin/python3';
export const OPENBLAS_DIR = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
export const TORCH_SCRIPT = path.resolve(fs.realpathSync(__dirname), '../../bench/torch_reference.py');

export type TorchResult<T> = { ok: true; value: T } | { ok: false; note: string };

export interface TorchKernelResult {
  median_step_s: number;
  tokens_per_s: number;
  step_seconds: number[];
  losses: number[];
  peak_rss_mb: number;
  torch: string;
  threads: number;
  blas: string[];
}

export interface TorchFactsResult {
  facts: number;
  seconds: number;
  learned: number;
  optimizer_steps: number;
  weights: 'file' | 'random';
  peak_rss_mb: number;
  torch: string;
  blas?: string[];
  /** every run's seconds when the workload ran several times (`seconds` is then the median run's) */
  secondsEach?: number[];
}

/** The torch version, or a note saying why PyTorch cannot be used. */
export function probeTorch(): TorchResult<string> {
  if (!fs.existsSync(PYTHON)) return { ok: false, note: `${PYTHON} not found: no PyTorch reference` };
  try {
    const v = execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    return { ok: true, value: v.trim() };
  } catch (e) {
    const err = (e as { stderr?: string }).stderr ?? (e as Error).message;
    const last = err.trim().split('\n').pop() ?? '';
    return { ok: false, note: `PyTorch not importable by ${PYTHON} (${last}): no PyTorch reference` };
  }
}

/** Environment of the reference: OpenBLAS (when installed) and passive OpenMP waits (2 threads are slower otherwise). */
export function torchEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' };
  if (fs.existsSync(OPENBLAS_DIR)) {
    env.LD_LIBRARY_PATH = [OPENBLAS_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  }
  return env;
}

/**
 * One thread in every pool a PyTorch process can use: torch's intra-op threads (set by --threads 1), and OpenMP's
 * and OpenBLAS's own, which otherwise start one thread per core in each process (two single-thread processes on
 * two cores would then run four busy threads).
 */
export const ONE_THREAD_ENV: NodeJS.ProcessEnv = {
  OMP_NUM_THREADS: '1',
  OPENBLAS_NUM_THREADS: '1',
  MKL_NUM_THREADS: '1',
};

/** Runs the script with `args` (and `env` over torchEnv()); resolves to its JSON output or a note. */
export function runTorch<T>(
  args: string[],
  timeoutMs = 600_000,
  env: NodeJS.ProcessEnv = {},
): Promise<TorchResult<T>> {
  return new Promise((resolve) => {
    execFile(
      PYTHON,
      [TORCH_SCRIPT, ...args],
      { env: { ...torchEnv(), ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          const tail = stderr.trim().split('\n').slice(-3).join(' | ');
          resolve({ ok: false, note: `torch_reference.py ${args[0]} failed: ${tail || error.message}` });
          return;
        }
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve({ ok: true, value: JSON.parse(line) as T });
        } catch {
          resolve({
            ok: false,
            note: `torch_reference.py ${args[0]} printed no JSON: ${line.slice(0, 200)}`,
          });
        }
      },
    );
  });
}

/**
 * Running a TypeScript script in a child Node process (its own tfjs backend) that reports one result as a line
 * `<PREFIX> <json>` on stdout. Used by the benchmark's worker processes and the backend parity test. The child
 * watches its parent through a watchdog (util/workers.ts): it dies with it, even by SIGKILL.
 */
import { spawn } from 'node:child_process';
import { nodeArgsFor } from './build-check';
import { spawnWatchdog } from './workers';

export interface JsonChildOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** names the child in errors */
  label: string;
}

/**
 * Runs `node --import tsx <script> ...args` (or its compiled twin, `nodeArgsFor`) and resolves with the JSON after
 * `prefix`; rejects with its stderr tail.
 */
export function runJsonChild<T>(
  script: string,
  args: string[],
  prefix: string,
  opts: JsonChildOptions,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgsFor(script), ...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // a parent killed by SIGKILL (no handler runs) must not leave the child running
    if (child.pid !== undefined) spawnWatchdog(process.pid, [child.pid]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(`${prefix} `));
      if (code !== 0 || line === undefined) {
        reject(new Error(`${opts.label} exited ${code}:\n${err.slice(-4000)}${out.slice(-2000)}`));
        return;
      }
      try {
        resolve(JSON.parse(line.slice(prefix.length + 1)) as T);
      } catch (e) {
        reject(new Error(`${opts.label} printed bad JSON: ${(e as Error).message}`));
      }
    });
  });
}

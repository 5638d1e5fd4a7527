/**
 * Worker processes that live and die with their parent (README, Reliability).
 *
 * Parent side, `runWorkers`: spawns n children (`node --import tsx <script> …`, or its compiled twin: build-check.ts
 * nodeArgsFor) with 'error'/'exit' handlers; forwards SIGINT/SIGTERM/SIGHUP to them; when one fails (cannot start, or exits non-zero)
 * the others are stopped, and the run fails with ONE line (the child's own `beacons: …` error when it printed
 * one; stack traces and minified sources are kept back, BEACONS_DEBUG=1 shows them). A parent that exits any other
 * way kills the children it leaves behind ('exit' handler).
 * When the parent dies by SIGKILL (no handler runs), a small watchdog process kills the workers it left.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as os from 'node:os';
import * as readline from 'node:readline';
import { nodeArgsFor } from './build-check';

/** The number of cores (worker processes beyond it only compete for them). */
export const coreCount = (): number => Math.max(1, os.availableParallelism?.() ?? os.cpus().length);

/** `n` capped at the core count, with a note when it was. */
export function capWorkers(n: number, note: (m: string) => void): number {
  const cores = coreCount();
  if (n <= cores) return n;
  note(`[reproduce] --workers ${n} capped at ${cores} (the number of cores)`);
  return cores;
}

/**
 * Kills `children` when `parent` dies, even by SIGKILL. Neither a handler in the parent (it may not run) nor one
 * in a child (its main thread is busy for a whole batch: tfjs reads resolve as microtasks, so its event loop may not
 * turn for minutes; a worker thread started under tsx's loader does not start while it is busy) can do this, so a
 * tiny plain-Node watchdog process polls the pids. It exits once every child is gone. Workers install no signal
 * handlers, so the SIGTERM/SIGINT the parent forwards end them at once.
 */
export function spawnWatchdog(parent: number, children: number[]): void {
  const code = `
    const [parent, ...kids] = process.argv.slice(1).map(Number);
    const alive = (p) => { try { process.kill(p, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
    const t = setInterval(() => {
      const left = kids.filter(alive);
      if (left.length === 0) return clearInterval(t);
      if (alive(parent)) return;
      for (const k of left) { try { process.kill(k, 'SIGKILL'); } catch {} }
      clearInterval(t);
    }, 200);`;
  const w = spawn(process.execPath, ['-e', code, String(parent), ...children.map(String)], {
    stdio: 'ignore',
    env: {},
  });
  w.on('error', () => {}); // best effort: signal forwarding and the 'exit' handler still stop the workers
  w.unref();
}

export interface WorkerSpec {
  script: string;
  /** arguments of worker i */
  args(i: number): string[];
  env?: NodeJS.ProcessEnv;
  /** called with the worker's pids once all are spawned */
  onStart?(pids: number[]): void;
}

/** A stderr line worth showing from a worker: not a stack frame, not a wall of minified source. */
const shown = (line: string) =>
  line.length > 0 && line.length <= 400 && !/^\s+at |^Hi, looks like|^=+$/.test(line);

/** Runs n workers to completion; rejects with one line when any fails (and then no worker is left running). */
export function runWorkers(n: number, spec: WorkerSpec): Promise<void> {
  const children: ChildProcess[] = [];
  const lastError: (string | undefined)[] = [];
  const debug = !!process.env.BEACONS_DEBUG;
  let failure: string | undefined;
  let signalled: NodeJS.Signals | undefined;
  const live = () =>
    children.filter((c) => c.exitCode === null && c.signalCode === null && c.pid !== undefined);
  const stopAll = (sig: NodeJS.Signals) => {
    for (const c of live()) c.kill(sig);
  };
  const onSignal = (sig: NodeJS.Signals) => {
    signalled = sig;
    stopAll(sig);
  };
  const onExit = () => stopAll('SIGKILL');
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  process.on('exit', onExit);

  return new Promise<void>((resolve, reject) => {
    let open = n;
    const fail = (why: string) => {
      if (failure === undefined) failure = why;
      stopAll('SIGTERM');
    };
    const closed = () => {
      if (--open > 0) return;
      for (const s of signals) process.off(s, onSignal);
      process.off('exit', onExit);
      if (signalled) {
        // the children are gone; now end like the signal would have ended us
        process.exitCode = 128 + (os.constants.signals[signalled] ?? 15);
        reject(new Error(`stopped by ${signalled}`));
      } else if (failure !== undefined) reject(new Error(failure));
      else resolve();
    };
    for (let i = 0; i < n; i++) {
      let child: ChildProcess;
      try {
        child = spawn(process.execPath, [...nodeArgsFor(spec.script), ...spec.args(i)], {
          stdio: ['ignore', 'inherit', 'pipe'],
          env: { ...process.env, ...spec.env },
        });
      } catch (e) {
        fail(`worker ${i} of ${n} could not start: ${(e as Error).message.split('\n')[0]}`);
        open -= n - i;
        open++;
        closed();
        return;
      }
      children.push(child);
      child.on('error', (e: NodeJS.ErrnoException) => {
        fail(`worker ${i} of ${n} could not start: ${e.code ?? e.message.split('\n')[0]}`);
      });
      if (child.stderr) {
        readline.createInterface({ input: child.stderr }).on('line', (line) => {
          if (line.startsWith('beacons: ')) lastError[i] = line.slice('beacons: '.length);
          if (debug || shown(line)) console.error(`[worker ${i}] ${line}`);
        });
      }
      child.on('close', (code, sig) => {
        if (code !== 0 && !signalled) {
          const what = code === null ? `was killed by ${sig}` : `exited with code ${code}`;
          fail(`worker ${i} of ${n} ${what}${lastError[i] ? `: ${lastError[i]}` : ''}`);
        }
        closed();
      });
    }
    const pids = children.map((c) => c.pid).filter((p): p is number => p !== undefined);
    if (pids.length > 0) spawnWatchdog(process.pid, pids);
    spec.onStart?.(pids);
  });
}

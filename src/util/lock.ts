/**
 * One run at a time per results directory (README, Reliability).
 *
 * A run that writes a directory's main files (`reproduce` without `--shard`, `merge`, `runExperiment` in a notebook)
 * holds `<dir>/.lock`; a `--shard i/n` run holds `<dir>/.lock.shard-i-of-n`, so the array jobs of one sweep run at
 * once (they write only their own shard files) but never beside a main run or a second copy of the same shard.
 * Each lock file holds {pid, host, startedAt, command}. A lock whose process is gone (same host, pid not running)
 * is stale: it is removed with a note and the run goes on. A lock of another host cannot be checked and is
 * reported with the file to delete — except a shard lock inside a Slurm job (SLURM_JOB_ID set): Slurm runs one task
 * per array index at a time, so that lock was left by a task the scheduler killed, and it is removed with a note. Worker processes of a `--workers n` run are children of the run that holds
 * `.lock`: they get its pid in BEACONS_LOCK_OWNER and accept that lock. Locks are re-entrant within a process and
 * removed when the process exits normally; a run killed by a signal leaves its lock behind, and the next run
 * finds its pid dead and removes it with a note (no signal handler here: one would delay Ctrl-C until the busy
 * event loop turns).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFailure } from './atomic';

export class LockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockError';
  }
}

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

const held = new Map<string, number>(); // lock file → re-entry count

export const lockName = (shard?: { index: number; count: number }) =>
  shard ? `.lock.shard-${shard.index}-of-${shard.count}` : '.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
    return Number.isInteger(v?.pid) ? v : undefined;
  } catch {
    return undefined; // vanished, or torn by a crash while being written
  }
}

/** Whether the lock in `file` belongs to a live run other than this process and its parent run. */
function blocking(file: string, warn: (m: string) => void): LockInfo | undefined {
  const info = readLock(file);
  if (!fs.existsSync(file)) return undefined;
  const owner = Number(process.env.BEACONS_LOCK_OWNER);
  if (info && (info.pid === process.pid || info.pid === owner) && info.host === os.hostname())
    return undefined;
  // Slurm runs one task per array index at a time: a shard lock of another node was left by a killed task
  const slurmShard = process.env.SLURM_JOB_ID !== undefined && /\.lock\.shard-/.test(file);
  if (info && info.host !== os.hostname() && !slurmShard) return info;
  if (info && info.host === os.hostname() && alive(info.pid)) return info;
  if (!info) {
    // unreadable: a lock being written right now, or one torn by a crash; give a writer a moment
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st === undefined) return undefined;
    if (Date.now() - st.mtimeMs < 2000)
      return { pid: Number.NaN, host: os.hostname(), startedAt: '', command: '' };
  }
  const why = !info
    ? ' (unreadable)'
    : info.host === os.hostname()
      ? ` of pid ${info.pid} (no longer running)`
      : ` of pid ${info.pid} on node ${info.host} (a Slurm task killed before it could remove it)`;
  warn(`[lock] removing the stale lock ${file}${why}`);
  fs.rmSync(file, { force: true });
  return undefined;
}

function describe(dir: string, file: string, info: LockInfo): string {
  const who = Number.isNaN(info.pid) ? 'another run' : `another run (pid ${info.pid}`;
  const more = Number.isNaN(info.pid)
    ? ''
    : `${info.host !== os.hostname() ? ` on host ${info.host}` : ''}, started ${info.startedAt}${info.command ? `: ${info.command}` : ''})`;
  const hint =
    info.host !== os.hostname()
      ? `; if that run is gone, delete ${file}`
      : '; wait for it to finish or stop it (a lock left by a dead run is removed automatically)';
  return `${who}${more} is using ${dir}${hint}`;
}

/**
 * Takes the lock of results directory `dir` (created if missing) for a main run, or for one shard; returns the
 * function that releases it. Throws a LockError naming the other run when the directory is busy.
 */
export function lockResultsDir(
  dir: string,
  shard?: { index: number; count: number },
  warn: (m: string) => void = (m) => console.error(m),
): () => void {
  const file = path.resolve(dir, lockName(shard));
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw writeFailure(e, file);
  }
  const count = held.get(file);
  if (count !== undefined) {
    held.set(file, count + 1);
    return once(() => release(file));
  }
  const info: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    command: process.argv.slice(2).join(' ').slice(0, 200),
  };
  for (let attempt = 0; ; attempt++) {
    const other = blocking(file, warn);
    if (other) throw new LockError(describe(dir, file, other));
    try {
      fs.writeFileSync(file, `${JSON.stringify(info)}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 3) throw writeFailure(e, file);
    }
  }
  held.set(file, 1);
  // the other kind of lock must be free too: a main run excludes every shard run, a shard run the main run
  const others = shard
    ? [path.resolve(dir, lockName())]
    : fs
        .readdirSync(dir)
        .filter((f) => /^\.lock\.shard-\d+-of-\d+$/.test(f))
        .map((f) => path.resolve(dir, f));
  for (const o of others) {
    const other = blocking(o, warn);
    if (other) {
      release(file);
      throw new LockError(describe(dir, o, other));
    }
  }
  return once(() => release(file));
}

function release(file: string): void {
  const n = held.get(file) ?? 0;
  if (n > 1) {
    held.set(file, n - 1);
    return;
  }
  held.delete(file);
  if (readLock(file)?.pid === process.pid) fs.rmSync(file, { force: true });
}

function once(f: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      f();
    }
  };
}

process.on('exit', () => {
  for (const file of held.keys()) {
    try {
      if (readLock(file)?.pid === process.pid) fs.rmSync(file, { force: true });
    } catch {
      // exiting anyway
    }
  }
});

/**
 * One run at a time per results directory (README, Reliability).
 *
 * A run that writes a directory's main files (`reproduce` without `--shard`, `merge`, `runExperiment` in a notebook)
 * holds `<dir>/.lock`; a `--shard i/n` run holds `<dir>/.lock.shard-i-of-n`, so the array jobs of one sweep run at
 * once (they write only their own shard files) but never beside a main run or a second copy of the same shard.
 * Each lock file holds {pid, host, startedAt, command, nonce}, created whole and exclusively (a private file
 * hard-linked to the lock's name). A lock whose process is gone (same host, pid not running) is stale: it is
 * removed with a note and the run goes on — compare-before-delete, so of several runs starting at once over a
 * stale lock exactly one gets it (`removeStale`). A lock of another host cannot be checked and is
 * reported with the file to delete — except a shard lock inside a Slurm job (SLURM_JOB_ID set): Slurm runs one task
 * per array index at a time, so that lock was left by a task the scheduler killed, and it is removed with a note. Worker processes of a `--workers n` run are children of the run that holds
 * `.lock`: they get its pid in BEACONS_LOCK_OWNER and accept that lock. Locks are re-entrant within a process and
 * removed when the process exits normally; a run killed by a signal leaves its lock behind, and the next run
 * finds its pid dead and removes it with a note (no signal handler here: one would delay Ctrl-C until the busy
 * event loop turns).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileError, writeFailure } from './atomic';
import { virtualDirProblem } from './paths';

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
  /** random: makes every lock's content unique, so "the lock I judged stale" can be compared before deleting */
  nonce?: string;
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

/** The lock's raw text (undefined when there is none) and its parsed content (undefined when unreadable). */
function readRaw(file: string): { raw: string; info?: LockInfo } | undefined {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // gone
  }
  try {
    const v = JSON.parse(raw) as LockInfo;
    return { raw, info: Number.isInteger(v?.pid) ? v : undefined };
  } catch {
    return { raw }; // torn by a crash while being written (locks of older versions)
  }
}

const readLock = (file: string) => readRaw(file)?.info;

/** Sleeps `ms` synchronously (the lock is taken by synchronous code). */
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Creates `file` holding `text` only if it does not exist, with its whole content at once: written to a private
 * file, then hard-linked to its name (a reader never sees a lock half written). Filesystems without hard links
 * fall back to an exclusive create. Throws EEXIST when the file exists.
 */
function createExclusive(file: string, text: string): void {
  const tmp = `${file}.${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, text, { flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw e;
    fs.writeFileSync(file, text, { flag: 'wx' });
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

type Verdict = { busy: LockInfo } | { free: true } | { retry: true };

/**
 * Removes the stale lock `file` only if it still holds `raw` (compare-before-delete), so a run never deletes the
 * lock another run has just taken. Deleting is reserved by an exclusive tombstone named after the stale content
 * (`<file>.break-<sha of raw>`): of the runs that judged the same lock stale, one removes it; the others find the
 * tombstone and look again. A lock's content is written whole and is unique (its nonce), so once removed it never
 * comes back, and a late breaker that finds another lock in its place leaves it alone. A tombstone whose writer
 * died (killed inside this millisecond-long step) is itself stale and removed the same way.
 */
function removeStale(file: string, raw: string, note: () => void, depth = 0): 'removed' | 'retry' {
  const tomb = `${file}.break-${crypto.createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
  const mine: LockInfo = { ...ownInfo(), nonce: crypto.randomBytes(8).toString('hex') };
  try {
    createExclusive(tomb, `${JSON.stringify(mine)}\n`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // another run is removing this lock right now, or died while doing so
    const t = readRaw(tomb);
    if (t !== undefined && depth < 4 && t.info?.host === os.hostname() && !alive(t.info.pid))
      removeStale(tomb, t.raw, () => {}, depth + 1);
    return 'retry';
  }
  try {
    if (readRaw(file)?.raw !== raw) return 'retry'; // already replaced: not ours to delete
    note();
    fs.rmSync(file, { force: true });
    return 'removed';
  } finally {
    fs.rmSync(tomb, { force: true });
  }
}

/** Whether the lock in `file` belongs to a live run other than this process and its parent run. */
function check(file: string, warn: (m: string) => void): Verdict {
  const got = readRaw(file);
  if (got === undefined) return { free: true };
  const { raw, info } = got;
  const owner = Number(process.env.BEACONS_LOCK_OWNER);
  if (info && (info.pid === process.pid || info.pid === owner) && info.host === os.hostname())
    return { free: true };
  // Slurm runs one task per array index at a time: a shard lock of another node was left by a killed task
  const slurmShard = process.env.SLURM_JOB_ID !== undefined && /\.lock\.shard-/.test(file);
  if (info && info.host !== os.hostname() && !slurmShard) return { busy: info };
  if (info && info.host === os.hostname() && alive(info.pid)) return { busy: info };
  if (!info) {
    // unreadable (a lock of an older version being written, or torn by a crash); give a writer a moment
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st === undefined) return { retry: true };
    if (Date.now() - st.mtimeMs < 2000)
      return { busy: { pid: Number.NaN, host: os.hostname(), startedAt: '', command: '' } };
  }
  const why = !info
    ? ' (unreadable)'
    : info.host === os.hostname()
      ? ` of pid ${info.pid} (no longer running)`
      : ` of pid ${info.pid} on node ${info.host} (a Slurm task killed before it could remove it)`;
  removeStale(file, raw, () => warn(`[lock] removing the stale lock ${file}${why}`));
  return { retry: true };
}

/** `check` until it decides: free, or busy (a LockError). Stale locks are removed on the way. */
function blocking(file: string, warn: (m: string) => void): LockInfo | undefined {
  for (let attempt = 0; attempt < 50; attempt++) {
    const v = check(file, warn);
    if ('busy' in v) return v.busy;
    if ('free' in v) return undefined;
    if (attempt > 0) pause(10 + Math.floor(Math.random() * 20));
  }
  return { pid: Number.NaN, host: os.hostname(), startedAt: '', command: '' };
}

function ownInfo(): LockInfo {
  return {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    command: process.argv.slice(2).join(' ').slice(0, 200),
  };
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
  // a recursive mkdir under /proc may never return
  const virtual = virtualDirProblem(dir);
  if (virtual !== undefined) throw new FileError(file, `cannot write (${virtual})`);
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
  const text = `${JSON.stringify({ ...ownInfo(), nonce: crypto.randomBytes(8).toString('hex') })}\n`;
  for (let attempt = 0; ; attempt++) {
    const other = blocking(file, warn);
    if (other) throw new LockError(describe(dir, file, other));
    try {
      createExclusive(file, text);
      break;
    } catch (e) {
      // another run took it between the look and the create: look again (it is live, or stale by now)
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 20) throw writeFailure(e, file);
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

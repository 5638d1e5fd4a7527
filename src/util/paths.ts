/**
 * Paths checked before any work (README, Reliability): an input file must be a regular file of sane size (a
 * device such as /dev/zero would be read forever), an output folder must be one this process can write, on a
 * writable file system, and not under /proc, /sys or /dev (a recursive mkdir there may never return). Each
 * problem is one line naming the option, the path and the cause.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The largest records file read: 256 MB unless BEACONS_MAX_DATA_MB says otherwise. */
export function maxDataBytes(): number {
  const mb = Number(process.env.BEACONS_MAX_DATA_MB);
  return (Number.isFinite(mb) && mb > 0 ? mb : 256) * 1024 * 1024;
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

/** Why `file` cannot be read as a data file (not there, not a regular file, too large), or undefined when fine. */
export function inputFileProblem(file: string, limit = maxDataBytes()): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'cannot read file (ENOENT: no such file)' : `cannot read file (${code})`;
  }
  if (st.isDirectory()) return 'a folder, not a file';
  if (!st.isFile()) return 'not a regular file (a device, pipe or socket is never read)';
  if (st.size > limit)
    return `${mib(st.size)}, larger than the ${mib(limit)} limit (set BEACONS_MAX_DATA_MB to raise it)`;
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch (e) {
    return `cannot read file (${(e as NodeJS.ErrnoException).code})`;
  }
  return undefined;
}

const VIRTUAL = ['/proc', '/sys', '/dev'];

/** Why `dir` is refused as an output folder because it lies under /proc, /sys or /dev, or undefined. */
export function virtualDirProblem(dir: string): string | undefined {
  const abs = path.resolve(dir);
  const v = VIRTUAL.find((x) => abs === x || abs.startsWith(`${x}/`));
  return v === undefined ? undefined : `under ${v}, a virtual file system: results cannot go there`;
}

/**
 * Why `dir` cannot be written as an output folder (created when missing), or undefined when fine: its nearest
 * existing ancestor must be a folder that this user can write on a writable file system; paths under /proc, /sys
 * and /dev are refused.
 */
export function outputDirProblem(dir: string): string | undefined {
  const abs = path.resolve(dir);
  let at = abs;
  for (;;) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return `${at} cannot be read (${code})`;
    }
    if (st !== undefined) {
      if (!st.isDirectory()) return at === abs ? 'a file, not a folder' : `${at} is a file, not a folder`;
      break;
    }
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  let real = at;
  try {
    real = fs.realpathSync(at);
  } catch {
    // keep the path as given
  }
  const virtual = virtualDirProblem(abs) ?? virtualDirProblem(real);
  if (virtual !== undefined) return virtual;
  try {
    fs.accessSync(at, fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EROFS'
        ? 'is on a read-only file system (EROFS)'
        : code === 'EACCES' || code === 'EPERM'
          ? `is not writable by this user (${code})`
          : `cannot be written (${code})`;
    return `${at} ${why}`;
  }
  return undefined;
}

/** Throws one error `--<option> <dir>: <problem>` when `dir` cannot be an output folder. */
export function checkOutputDir(dir: string, option: string): void {
  const problem = outputDirProblem(dir);
  if (problem !== undefined) throw new Error(`--${option} ${dir}: ${problem}`);
}

/** Throws one error `--<option> <file>: <problem>` when `file` cannot be read as a data file. */
export function checkInputFile(file: string, option: string): void {
  const problem = inputFileProblem(file);
  if (problem !== undefined) throw new Error(`--${option} ${file}: ${problem}`);
}

/**
 * Crash-safe file writes for the results cache (README, Design):
 * - `writeFileAtomic`: write `x.<pid>-<n>.tmp`, fsync, rename over `x`, fsync the directory — a reader (or a
 *   rerun after a kill) sees either the old file or the new one, never half of it;
 * - `appendLinesDurable`: append whole lines with one write and fsync before returning;
 * - `readJsonFile` / `readJsonLines`: read them back with ONE clear error naming the file (and line).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { outputDirProblem } from './paths';

/** A problem with a file's content; the message names the file and, for line-based files, the line. */
export class FileError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly problem: string;
  constructor(file: string, problem: string, line?: number) {
    super(`${file}${line === undefined ? '' : `, line ${line}`}: ${problem}`);
    this.name = 'FileError';
    this.file = file;
    this.line = line;
    this.problem = problem;
  }
}

const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied: the folder is not writable',
  EPERM: 'operation not permitted: the folder is not writable',
};

/** A failed write as one FileError naming `file` (full disk, read-only folder, …); other errors unchanged. */
export function writeFailure(e: unknown, file: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  // a recursive mkdir on a read-only file system (or in a folder not writable) fails with ENOENT: say why
  if (code === 'ENOENT' && (e as NodeJS.ErrnoException).syscall === 'mkdir') {
    const problem = outputDirProblem(path.dirname(file));
    if (problem !== undefined) return new FileError(file, `cannot write (${problem})`);
  }
  if (e instanceof FileError || code === undefined || !(code in WRITE_ERRORS)) return e;
  return new FileError(file, `cannot write (${code}: ${WRITE_ERRORS[code]})`);
}

let tmpCounter = 0;

/** Atomically replaces `file` with `data` (parent directories are created). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  try {
    writeAtomic(file, data);
  } catch (e) {
    throw writeFailure(e, file);
  }
}

function writeAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}-${tmpCounter++}.tmp`;
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'w');
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dir);
}

/**
 * Appends `lines` (each without a newline) to `file` in one write, each terminated by `\n`, then fsyncs.
 * Refuses to append to a file whose last line is unterminated (a torn earlier write: repair it first).
 */
export function appendLinesDurable(file: string, lines: readonly string[]): void {
  try {
    appendDurable(file, lines);
  } catch (e) {
    throw writeFailure(e, file);
  }
}

function appendDurable(file: string, lines: readonly string[]): void {
  if (lines.length === 0) return;
  lines.forEach((l, i) => {
    if (/[\r\n]/.test(l))
      throw new Error(`appendLinesDurable(${file}): line ${i} of the batch contains a newline`);
  });
  const existed = fs.existsSync(file);
  if (!existed) fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a+');
  try {
    const size = fs.fstatSync(fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a)
        throw new FileError(file, 'ends with an incomplete line; refusing to append to it');
    }
    fs.writeFileSync(fd, `${lines.join('\n')}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (!existed) fsyncDir(path.dirname(file));
}

/** Reads and parses a JSON file; a missing file or bad JSON is one `FileError` naming the file and `what`. */
export function readJsonFile<T = unknown>(file: string, what: string): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileError(file, code === 'ENOENT' ? `${what} not found` : `cannot read ${what}: ${String(e)}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new FileError(file, `${what} is not valid JSON: ${(e as Error).message}`);
  }
}

export interface JsonLine {
  /** 1-based line number. */
  line: number;
  value: unknown;
}

export interface ReadJsonLinesOptions {
  /** Checks a parsed line; a returned string is the problem and makes the line count as corrupt. */
  validate?: (value: unknown) => string | undefined;
  /** Truncate a corrupt or unterminated LAST line away (default false: just skip it). Either way, warned. */
  repairLastLine?: boolean;
  onWarn?: (message: string) => void;
}

/**
 * Reads a JSON-lines file (missing file = no lines). Every line must be `\n`-terminated, non-empty JSON that
 * passes `validate`. A bad LAST line (a write torn by a kill) is reported through `onWarn` and skipped —
 * and, with `repairLastLine`, truncated away so the file can be appended to again. A bad line before the last
 * is a `FileError` naming the file and line number: that is damage, not an interrupted append.
 */
export function readJsonLines(file: string, what: string, opts: ReadJsonLinesOptions = {}): JsonLine[] {
  if (!fs.existsSync(file)) return [];
  const buf = fs.readFileSync(file);
  const out: JsonLine[] = [];
  let start = 0;
  let line = 0;
  while (start < buf.length) {
    line++;
    const nl = buf.indexOf(0x0a, start);
    const end = nl < 0 ? buf.length : nl;
    const isLast = nl < 0 || nl + 1 >= buf.length;
    const problem = checkLine(buf.subarray(start, end).toString('utf8'), nl >= 0, opts.validate, out, line);
    if (problem !== undefined) {
      if (!isLast) throw new FileError(file, `corrupt ${what} line: ${problem}`, line);
      const fix = opts.repairLastLine ? 'truncating it away; its work will be redone' : 'ignoring it';
      opts.onWarn?.(`${file}, line ${line}: corrupt or truncated last ${what} line (${problem}); ${fix}`);
      if (opts.repairLastLine) fs.truncateSync(file, start);
      break;
    }
    start = end + 1;
  }
  return out;
}

function checkLine(
  text: string,
  terminated: boolean,
  validate: ReadJsonLinesOptions['validate'],
  out: JsonLine[],
  line: number,
): string | undefined {
  if (!terminated) return 'no terminating newline (interrupted write)';
  if (text.trim() === '') return 'empty line';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return `not valid JSON (${(e as Error).message})`;
  }
  const problem = validate?.(value);
  if (problem === undefined) out.push({ line, value });
  return problem;
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Directory fsync is unsupported on some platforms (Windows); the rename itself is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

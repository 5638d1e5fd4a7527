/**
 * Safetensors read/write (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length N,
 * N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}`
 * (offsets relative to the data region that starts at 8 + N), then the raw little-endian tensor bytes.
 *
 * Reading converts F32, F16, BF16 (and F64, I32, I64) to Float32Array. The header is bounds-checked before any
 * tensor byte is read: every problem is one `SafetensorsError` naming the file and, where there is one, the
 * tensor. The reader is lenient in one way only: gaps between tensors and trailing bytes are allowed.
 * Host byte order is assumed little-endian (x86, ARM), checked once at load.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { toBf16, toF16, toFloat32 } from './dtypes';

/** Bytes per element of every dtype we can read. */
export const DTYPE_BYTES: Readonly<Record<string, number>> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  F64: 8,
  I32: 4,
  I64: 8,
};
/** A header larger than this is treated as hostile (real headers of 7B models are ~30 kB). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;
/** Dtypes the writer can produce. */
export type WriteDtype = 'F32' | 'F16' | 'BF16';

if (os.endianness() !== 'LE') throw new Error('safetensors.ts assumes a little-endian host');

export class SafetensorsError extends Error {
  constructor(
    readonly file: string,
    readonly tensor: string | undefined,
    detail: string,
  ) {
    super(`${file}${tensor === undefined ? '' : `: tensor "${tensor}"`}: ${detail}`);
    this.name = 'SafetensorsError';
  }
}

/** One header entry; `begin`/`end` are absolute byte positions in the file. */
export interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}
export interface SafeTensor {
  /** dtype as stored in the file; `data` is always float32 */
  dtype: string;
  shape: number[];
  data: Float32Array;
}
export type SafeTensorFile = Map<string, SafeTensor>;

/** A parsed header; `read` opens the file, reads one tensor at its offsets and closes it again. */
export interface SafetensorsReader {
  path: string;
  metadata: Record<string, string>;
  /** entries in file order (ascending offsets) */
  entries: TensorInfo[];
  get(name: string): TensorInfo | undefined;
  read(name: string): Float32Array;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function readFully(fd: number, target: Uint8Array, position: number, file: string, tensor?: string): void {
  let done = 0;
  while (done < target.length) {
    const n = fs.readSync(fd, target, done, Math.min(target.length - done, 1 << 30), position + done);
    if (n === 0) throw new SafetensorsError(file, tensor, `file ended early (truncated while reading)`);
    done += n;
  }
}

function parseHeader(path: string, fd: number): { metadata: Record<string, string>; entries: TensorInfo[] } {
  const size = fs.fstatSync(fd).size;
  if (size < 8) throw new SafetensorsError(path, undefined, `truncated: ${size} bytes, need at least 8`);
  const lenBuf = Buffer.alloc(8);
  readFully(fd, lenBuf, 0, path);
  const n = lenBuf.readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      path,
      undefined,
      `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`,
    );
  }
  const headerLen = Number(n);
  if (8 + headerLen > size) {
    throw new SafetensorsError(
      path,
      undefined,
      `header length ${headerLen} runs past the file end (${size} bytes)`,
    );
  }
  const raw = Buffer.alloc(headerLen);
  readFully(fd, raw, 8, path);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new SafetensorsError(path, undefined, `header is not valid JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new SafetensorsError(path, undefined, 'header is not a JSON object');
  }
  const dataStart = 8 + headerLen;
  const dataLen = size - dataStart;
  const metadata: Record<string, string> = {};
  const entries: TensorInfo[] = [];
  for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (v === null) continue;
      if (typeof v !== 'object' || Array.isArray(v))
        throw new SafetensorsError(path, name, 'must be an object');
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== 'string') throw new SafetensorsError(path, name, `value of "${k}" is not a string`);
        metadata[k] = s;
      }
      continue;
    }
    entries.push(checkEntry(path, name, v, dataStart, dataLen));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < entries.length; i++) {
    if (entries[i].begin < entries[i - 1].end) {
      throw new SafetensorsError(path, entries[i].name, `data overlaps tensor "${entries[i - 1].name}"`);
    }
  }
  return { metadata, entries };
}

function checkEntry(path: string, name: string, v: unknown, dataStart: number, dataLen: number): TensorInfo {
  const fail = (detail: string) => new SafetensorsError(path, name, detail);
  if (v === null || typeof v !== 'object') throw fail('header entry is not an object');
  const { dtype, shape, data_offsets: off } = v as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    throw fail(`unknown dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) {
    throw fail(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (!Array.isArray(off) || off.length !== 2 || !off.every((s) => Number.isSafeInteger(s) && s >= 0)) {
    throw fail(`data_offsets ${JSON.stringify(off)} is not [begin, end]`);
  }
  const [b, e] = off as number[];
  if (e < b) throw fail(`data_offsets end ${e} < begin ${b}`);
  if (e > dataLen) throw fail(`data_offsets [${b}, ${e}] lie outside the data region (${dataLen} bytes)`);
  const expected = numel(shape) * DTYPE_BYTES[dtype];
  if (e - b !== expected) {
    throw fail(
      `byte length ${e - b} != ${expected} = product(shape ${JSON.stringify(shape)}) × ${dtype} size`,
    );
  }
  return { name, dtype, shape: shape as number[], begin: dataStart + b, end: dataStart + e };
}

/** Parse the header of `path` (reading nothing else); tensors are read one at a time with `read(name)`. */
export function openSafetensors(path: string): SafetensorsReader {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw new SafetensorsError(path, undefined, `cannot open (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  let parsed: ReturnType<typeof parseHeader>;
  try {
    parsed = parseHeader(path, fd);
  } finally {
    fs.closeSync(fd);
  }
  const byName = new Map(parsed.entries.map((e) => [e.name, e]));
  return {
    path,
    metadata: parsed.metadata,
    entries: parsed.entries,
    get: (name) => byName.get(name),
    read(name: string): Float32Array {
      const info = byName.get(name);
      if (!info) throw new SafetensorsError(path, name, 'no such tensor in the header');
      const count = numel(info.shape);
      // F32 is read straight into the result's buffer: one host copy per tensor
      const target = new Uint8Array(info.end - info.begin);
      const rfd = fs.openSync(path, 'r');
      try {
        readFully(rfd, target, info.begin, path, name);
      } finally {
        fs.closeSync(rfd);
      }
      return toFloat32(info.dtype, target, count);
    },
  };
}

/** Read every tensor of a file into memory. */
export function readSafetensors(path: string): SafeTensorFile {
  const r = openSafetensors(path);
  const out: SafeTensorFile = new Map();
  for (const e of r.entries) out.set(e.name, { dtype: e.dtype, shape: e.shape, data: r.read(e.name) });
  return out;
}

/** Write `data` to `path` atomically: `path.tmp`, then rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, path);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Write tensors (row-major float32) as a safetensors file, atomically (`path.tmp`, then rename). The header is
 * padded with spaces so the data region starts 8-byte aligned; tensors are stored in map order, contiguous.
 */
export function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>,
  metadata?: Record<string, string>,
  opts: { dtype?: WriteDtype } = {},
): void {
  const dtype = opts.dtype ?? 'F32';
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string')
        throw new SafetensorsError(path, '__metadata__', `value of "${k}" is not a string`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new SafetensorsError(path, name, 'reserved tensor name');
    if (!t.shape.every((s) => Number.isSafeInteger(s) && s >= 0) || numel(t.shape) !== t.data.length) {
      throw new SafetensorsError(
        path,
        name,
        `shape ${JSON.stringify(t.shape)} does not match ${t.data.length} values`,
      );
    }
    const nbytes = t.data.length * DTYPE_BYTES[dtype];
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + nbytes] };
    offset += nbytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.alloc(8 + Buffer.byteLength(json));
  head.writeBigUInt64LE(BigInt(head.length - 8), 0);
  head.write(json, 8, 'utf8');
  const tmp = `${path}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, head);
    for (const t of tensors.values()) {
      const d = t.data;
      const raw = dtype === 'F32' ? d : dtype === 'BF16' ? toBf16(d) : toF16(d);
      const u8 = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
      for (let done = 0; done < u8.length; )
        done += fs.writeSync(fd, u8, done, Math.min(u8.length - done, 1 << 30));
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, path);
  } catch (e) {
    try {
      fs.closeSync(fd);
    } catch {}
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

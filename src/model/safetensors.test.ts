import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  MAX_HEADER_BYTES,
  openSafetensors,
  readSafetensors,
  SafetensorsError,
  writeSafetensors,
} from './safetensors';

const FIX = path.join(__dirname, '../../test/fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'st-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Build a file from a header (object or raw string) and data bytes; `len` overrides the length field. */
function raw(name: string, header: unknown, data = new Uint8Array(0), len?: bigint): string {
  const h = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(len ?? BigInt(h.length));
  const file = path.join(tmp, name);
  fs.writeFileSync(file, Buffer.concat([head, h, data]));
  return file;
}

function bits(a: Float32Array): number[] {
  return Array.from(new Int32Array(a.buffer, a.byteOffset, a.length));
}
/** Bit patterns with every NaN replaced by 'NaN' (NaN payloads differ between torch versions and JS). */
function bitsNaN(a: Float32Array | number[]): (number | string)[] {
  const f = Array.isArray(a) ? new Float32Array(Int32Array.from(a).buffer) : a;
  return bits(f).map((b, i) => (Number.isNaN(f[i]) ? 'NaN' : b));
}

/** Assert fn throws a SafetensorsError whose message names the file and (if given) the tensor. */
function throwsNaming(fn: () => unknown, file: string, tensor: string | undefined, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SafetensorsError, `not a SafetensorsError: ${e}`);
    assert.ok(e.message.includes(file), `message lacks file: ${e.message}`);
    if (tensor !== undefined)
      assert.ok(e.message.includes(`"${tensor}"`), `message lacks tensor: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

describe('safetensors round trip', () => {
  test('F32 write then read, metadata, alignment, scalar and empty tensors', () => {
    const file = path.join(tmp, 'rt.safetensors');
    const t = new Map([
      ['a', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, Number.NaN, 1e-30]) }],
      ['s', { shape: [], data: Float32Array.from([7]) }],
      ['e', { shape: [0, 4], data: new Float32Array(0) }],
    ]);
    writeSafetensors(file, t, { format: 'pt' });
    assert.ok(!fs.existsSync(`${file}.tmp`));
    const n = Number(fs.readFileSync(file).readBigUInt64LE(0));
    assert.equal((8 + n) % 8, 0, 'data region 8-byte aligned');
    const r = openSafetensors(file);
    assert.deepEqual(r.metadata, { format: 'pt' });
    assert.deepEqual(
      r.entries.map((e) => [e.name, e.dtype, e.shape]),
      [
        ['a', 'F32', [2, 3]],
        ['s', 'F32', []],
        ['e', 'F32', [0, 4]],
      ],
    );
    const all = readSafetensors(file);
    for (const [k, v] of t) assert.deepEqual(bits(all.get(k)!.data), bits(v.data), k);
    assert.deepEqual(bits(r.read('a')), bits(t.get('a')!.data));
    throwsNaming(() => r.read('zz'), file, 'zz', /no such tensor/);
  });

  test('BF16 and F16 writing rounds like torch (compared with the fixture made by PyTorch)', () => {
    const expected = JSON.parse(fs.readFileSync(path.join(FIX, 'dtypes/expected.json'), 'utf8'));
    const embed = openSafetensors(path.join(FIX, 'tiny-llama/model-00001-of-00002.safetensors')).read(
      'model.embed_tokens.weight',
    );
    const special = Float32Array.from([
      0,
      -0,
      1,
      -2.5,
      65504,
      1e-7,
      6.1e-5,
      3.3,
      Infinity,
      -Infinity,
      NaN,
      1e30,
    ]);
    for (const dtype of ['F16', 'BF16'] as const) {
      const file = path.join(tmp, `w-${dtype}.safetensors`);
      const t = new Map([
        ['special', { shape: [12], data: special }],
        ['embed8', { shape: [8, 32], data: embed.subarray(0, 8 * 32) }],
      ]);
      writeSafetensors(file, t, undefined, { dtype });
      const back = readSafetensors(file);
      for (const name of ['special', 'embed8']) {
        assert.equal(back.get(name)!.dtype, dtype);
        const want = expected[dtype.toLowerCase()][name].bits;
        assert.deepEqual(bitsNaN(back.get(name)!.data), bitsNaN(want), `${dtype} ${name}`);
      }
    }
  });

  test('writer rejects data that does not match the shape, naming file and tensor', () => {
    const file = path.join(tmp, 'bad-write.safetensors');
    throwsNaming(
      () => writeSafetensors(file, new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]])),
      file,
      'w',
      /does not match 3 values/,
    );
    assert.ok(!fs.existsSync(file) && !fs.existsSync(`${file}.tmp`));
  });
});

describe('safetensors conversions from PyTorch-written files', () => {
  const expected = JSON.parse(fs.readFileSync(path.join(FIX, 'dtypes/expected.json'), 'utf8'));
  for (const code of ['f16', 'bf16', 'mixed']) {
    test(`${code}.safetensors matches torch's float32 values bit for bit`, () => {
      const file = readSafetensors(path.join(FIX, `dtypes/${code}.safetensors`));
      assert.deepEqual([...file.keys()].sort(), Object.keys(expected[code]).sort());
      for (const [name, e] of Object.entries(expected[code]) as [
        string,
        { shape: number[]; bits: number[] },
      ][]) {
        const t = file.get(name)!;
        assert.deepEqual(t.shape, e.shape, name);
        assert.deepEqual(bits(t.data), e.bits, `${code}/${name}`);
      }
    });
  }
  test('dtype is reported as stored', () => {
    const file = readSafetensors(path.join(FIX, 'dtypes/mixed.safetensors'));
    assert.equal(file.get('i64')!.dtype, 'I64');
    assert.equal(file.get('f64')!.dtype, 'F64');
    assert.deepEqual(openSafetensors(path.join(FIX, 'dtypes/mixed.safetensors')).metadata, {
      note: 'mixed dtypes',
    });
  });
});

describe('safetensors validation', () => {
  const f32 = (shape: number[], off: [number, number]) => ({ dtype: 'F32', shape, data_offsets: off });

  test('truncated file shorter than 8 bytes', () => {
    const file = path.join(tmp, 'short.safetensors');
    fs.writeFileSync(file, Buffer.from([1, 2, 3]));
    throwsNaming(() => openSafetensors(file), file, undefined, /truncated: 3 bytes/);
  });
  test('missing file', () => {
    const file = path.join(tmp, 'nope.safetensors');
    throwsNaming(() => openSafetensors(file), file, undefined, /cannot open \(ENOENT\)/);
  });
  test('header length beyond the file', () => {
    const file = raw('long.safetensors', { a: f32([1], [0, 4]) }, new Uint8Array(4), 5000n);
    throwsNaming(() => openSafetensors(file), file, undefined, /header length 5000 runs past the file end/);
  });
  test('hostile header length (> 100 MB) is refused before allocating', () => {
    const file = raw('hostile.safetensors', '{}', new Uint8Array(0), 2n ** 62n);
    throwsNaming(() => openSafetensors(file), file, undefined, /exceeds the 104857600-byte limit/);
    assert.equal(MAX_HEADER_BYTES, 104857600);
  });
  test('header not JSON', () => {
    const file = raw('notjson.safetensors', '{"a": [1, 2', new Uint8Array(0));
    throwsNaming(() => openSafetensors(file), file, undefined, /header is not valid JSON/);
  });
  test('offsets outside the data region', () => {
    const file = raw('outside.safetensors', { w: f32([2], [0, 8]) }, new Uint8Array(4));
    throwsNaming(() => openSafetensors(file), file, 'w', /outside the data region \(4 bytes\)/);
  });
  test('overlapping tensors', () => {
    const file = raw(
      'overlap.safetensors',
      { a: f32([2], [0, 8]), b: f32([2], [4, 12]) },
      new Uint8Array(12),
    );
    throwsNaming(() => openSafetensors(file), file, 'b', /overlaps tensor "a"/);
  });
  test('end < start', () => {
    const file = raw('backwards.safetensors', { w: f32([1], [8, 4]) }, new Uint8Array(12));
    throwsNaming(() => openSafetensors(file), file, 'w', /end 4 < begin 8/);
  });
  test('unknown dtype', () => {
    const file = raw(
      'dtype.safetensors',
      { w: { dtype: 'F8_E4M3', shape: [4], data_offsets: [0, 4] } },
      new Uint8Array(4),
    );
    throwsNaming(() => openSafetensors(file), file, 'w', /unknown dtype "F8_E4M3"/);
  });
  test('shape/size mismatch', () => {
    const file = raw('size.safetensors', { w: f32([3, 2], [0, 20]) }, new Uint8Array(20));
    throwsNaming(() => openSafetensors(file), file, 'w', /byte length 20 != 24/);
  });
  test('bad shape and offsets fields', () => {
    const a = raw('shape.safetensors', { w: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } });
    throwsNaming(() => openSafetensors(a), a, 'w', /not a list of non-negative integers/);
    const b = raw('offs.safetensors', { w: { dtype: 'F32', shape: [1], data_offsets: [0] } });
    throwsNaming(() => openSafetensors(b), b, 'w', /is not \[begin, end\]/);
  });
  test('file truncated after the header was validated', () => {
    const file = path.join(tmp, 'shrink.safetensors');
    writeSafetensors(file, new Map([['w', { shape: [4], data: new Float32Array(4) }]]));
    const r = openSafetensors(file);
    fs.truncateSync(file, fs.statSync(file).size - 4);
    throwsNaming(() => r.read('w'), file, 'w', /truncated/);
  });
});

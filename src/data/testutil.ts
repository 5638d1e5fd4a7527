/** Helpers for the data-layer tests: temp files and DataError assertions. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from './validate';

/** A fresh temp directory; `write(name, content)` writes a file there and returns its path. */
export function tempDir(): {
  dir: string;
  write: (name: string, content: unknown) => string;
  remove: () => void;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-data-'));
  return {
    dir,
    write: (name, content) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      return file;
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Asserts that `fn` throws one DataError whose message names the file and each given fragment. */
export function throwsDataError(fn: () => unknown, file: string, ...fragments: string[]): DataError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof DataError, `expected a DataError, got ${String(caught)}`);
  assert.ok(caught.message.startsWith(file), `message should start with the file: ${caught.message}`);
  for (const f of fragments)
    assert.ok(caught.message.includes(f), `message lacks ${JSON.stringify(f)}: ${caught.message}`);
  return caught;
}

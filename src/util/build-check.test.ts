import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { staleBuild } from './build-check';

test('staleBuild says when a source file is newer than the compiled entry, and nothing otherwise', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'build-check-'));
  try {
    fs.mkdirSync(path.join(root, 'src', 'sub'), { recursive: true });
    fs.mkdirSync(path.join(root, 'build'));
    const src = path.join(root, 'src', 'sub', 'a.ts');
    const entry = path.join(root, 'build', 'index.js');
    fs.writeFileSync(src, 'export const a = 1;\n');
    fs.writeFileSync(entry, 'exports.a = 1;\n');
    const t = Date.now() / 1000;
    fs.utimesSync(src, t - 100, t - 100);
    fs.utimesSync(entry, t, t);
    assert.equal(staleBuild(entry), undefined);
    fs.utimesSync(src, t + 10, t + 10); // edited after the build
    assert.match(staleBuild(entry) ?? '', /older than src\/: run 'npm run build'/);
    assert.equal(staleBuild(path.join(root, 'src', 'index.ts')), undefined, 'running from the sources');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { nodeArgsFor, staleBuild } from './build-check';

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

test('nodeArgsFor runs a source file from its compiled twin only while the build is fresh', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'build-check-'));
  const saved = process.env.BEACONS_FROM_SOURCE;
  delete process.env.BEACONS_FROM_SOURCE;
  try {
    const srcDir = path.join(root, 'src');
    fs.mkdirSync(path.join(srcDir, 'bench'), { recursive: true });
    fs.mkdirSync(path.join(root, 'build', 'bench'), { recursive: true });
    const script = path.join(srcDir, 'bench', 'worker.ts');
    const twin = path.join(root, 'build', 'bench', 'worker.js');
    const entry = path.join(root, 'build', 'index.js');
    for (const f of [script, twin, entry]) fs.writeFileSync(f, '\n');
    const t = Date.now() / 1000;
    fs.utimesSync(script, t - 100, t - 100);
    for (const f of [twin, entry]) fs.utimesSync(f, t, t);
    const tsx = (s: string) => ['--import', 'tsx', s];
    assert.deepEqual(nodeArgsFor(script, srcDir), [twin], 'fresh build: the twin');
    assert.deepEqual(
      nodeArgsFor(path.join(root, 'other.ts'), srcDir),
      tsx(path.join(root, 'other.ts')),
      'not in src/',
    );
    process.env.BEACONS_FROM_SOURCE = '1';
    assert.deepEqual(nodeArgsFor(script, srcDir), tsx(script), 'BEACONS_FROM_SOURCE=1');
    delete process.env.BEACONS_FROM_SOURCE;
    fs.utimesSync(script, t + 10, t + 10); // edited after the build
    assert.deepEqual(nodeArgsFor(script, srcDir), tsx(script), 'stale build: the source');
    fs.utimesSync(script, t - 100, t - 100);
    fs.rmSync(twin);
    assert.deepEqual(nodeArgsFor(script, srcDir), tsx(script), 'no twin: the source');
  } finally {
    if (saved === undefined) delete process.env.BEACONS_FROM_SOURCE;
    else process.env.BEACONS_FROM_SOURCE = saved;
    fs.rmSync(root, { recursive: true, force: true });
  }
});

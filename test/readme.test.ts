/**
 * The README's library snippet runs as it stands: as a CommonJS script next to `src/` (tsx), and it compiles
 * under tslab's TypeScript 5.0 with the options of a notebook cell (CommonJS, no top-level await).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '..');

/** The first ```ts block of the README's "The library" section. */
export function librarySnippet(readme: string): string {
  const at = readme.indexOf('\n## The library\n');
  assert.ok(at >= 0, 'README.md has no "## The library" section');
  const m = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(m, 'the library section has no ts block');
  return m[1];
}

/** A folder laid out like the notebooks folder: `src` and `node_modules` links, the snippet as a file. */
function scratch(snippet: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-snippet-'));
  fs.symlinkSync(path.join(ROOT, 'src'), path.join(dir, 'src'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  fs.writeFileSync(path.join(dir, 'snippet.ts'), snippet);
  return dir;
}

const snippet = librarySnippet(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));

test('the README library snippet imports only the public entry point', () => {
  const imports = [...snippet.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
  assert.deepEqual(imports, ['./src/index']);
});

test('the README library snippet runs as a script', () => {
  const dir = scratch(snippet);
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'snippet.ts'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, BEACONS_BACKEND: process.env.BEACONS_BACKEND ?? 'wasm' },
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const m = /loss (\d+\.\d+) → (\d+\.\d+)/.exec(r.stdout);
    assert.ok(m, `no loss line in:\n${r.stdout}\n${r.stderr}`);
    assert.ok(Number(m[2]) < Number(m[1]), `training did not lower the loss: ${m[0]}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the README library snippet compiles as a notebook cell (tslab's TypeScript 5.0, CommonJS)", () => {
  const dir = scratch(snippet);
  try {
    const tsc = path.join(ROOT, 'node_modules/@tslab/typescript-for-tslab/bin/tsc');
    const args = [
      tsc,
      '--noEmit',
      '--strict',
      '--module',
      'commonjs',
      '--target',
      'es2020',
      '--esModuleInterop',
    ];
    const r = spawnSync(process.execPath, [...args, '--skipLibCheck', '--types', 'node', 'snippet.ts'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const version = spawnSync(process.execPath, [tsc, '--version'], { encoding: 'utf8' }).stdout;
    assert.match(version, /Version 5\.0\./);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

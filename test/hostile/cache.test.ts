/**
 * Hostile use of the results cache: two runs on one folder, stale locks, a cache stuck on conflicting results,
 * a merge with a shard missing, input files changed in place (same size) under an existing cache entry.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, mock, test } from 'node:test';
import { promisify } from 'node:util';
import { defineFinding } from '../../src/findings/finding';
import {
  caseShards,
  type Experiment,
  forgetRun,
  loadSummary,
  mergeShards,
  resultPaths,
  runExperiment,
} from '../../src/runner/runner';
import { fileContentId, fileSha256, fingerprintCacheFile, modelContentId } from '../../src/util/fingerprint';
import { LockError, lockResultsDir } from '../../src/util/lock';
import { describeMissing } from '../../src/util/shards';
import { ROOT } from '../sweep';

const execFileAsync = promisify(execFile);

let tmp = '';
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-hostile-cache-'));
  process.env.BEACONS_CACHE_DIR = path.join(tmp, 'cache');
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A process that sleeps; resolves with it once started. */
function sleeper(): Promise<ReturnType<typeof spawn>> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  return new Promise((resolve) => child.on('spawn', () => resolve(child)));
}

const writeLock = (file: string, pid: number) =>
  fs.writeFileSync(
    file,
    JSON.stringify({ pid, host: os.hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'reproduce' }),
  );

describe('one run at a time per results folder', () => {
  test('a live run holding the folder: "another run (pid N) is using <dir>"', async () => {
    const dir = path.join(tmp, 'busy');
    fs.mkdirSync(dir);
    const other = await sleeper();
    try {
      writeLock(path.join(dir, '.lock'), other.pid!);
      const want = `another run (pid ${other.pid}, started 2026-01-01T00:00:00.000Z: reproduce) is using ${dir}; wait for it to finish or stop it (a lock left by a dead run is removed automatically)`;
      assert.throws(
        () => lockResultsDir(dir),
        (e: Error) => e instanceof LockError && e.message === want,
      );
      // a shard run of another sweep is refused too, and a main run is refused while a shard runs
      assert.throws(() => lockResultsDir(dir, { index: 0, count: 2 }), { message: want });
      fs.rmSync(path.join(dir, '.lock'));
      writeLock(path.join(dir, '.lock.shard-1-of-2'), other.pid!);
      assert.throws(() => lockResultsDir(dir), {
        name: 'LockError',
        message: /^another run \(pid \d+, .*\) is using /,
      });
      lockResultsDir(dir, { index: 0, count: 2 })(); // another shard of the same sweep may run at once
    } finally {
      other.kill();
    }
  });

  test('a stale lock (dead pid) is removed with a note', async () => {
    const dir = path.join(tmp, 'stale');
    fs.mkdirSync(dir);
    const dead = await sleeper();
    dead.kill('SIGKILL');
    await new Promise((r) => dead.on('close', r));
    const file = path.join(dir, '.lock');
    writeLock(file, dead.pid!);
    const notes: string[] = [];
    const release = lockResultsDir(dir, undefined, (m) => notes.push(m));
    assert.deepEqual(notes, [
      `[lock] removing the stale lock ${file} of pid ${dead.pid} (no longer running)`,
    ]);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
    release();
    assert.equal(fs.existsSync(file), false);
  });

  test('8 runs starting at once over a stale lock: never two holders, 12 rounds', async () => {
    const base = path.join(tmp, 'race');
    const [rounds, contenders, slot, hold] = [12, 8, 700, 250];
    const dead = await sleeper();
    dead.kill('SIGKILL');
    await new Promise((r) => dead.on('close', r));
    for (let r = 0; r < rounds; r++) {
      fs.mkdirSync(path.join(base, `r${r}`), { recursive: true });
      writeLock(path.join(base, `r${r}`, '.lock'), dead.pid!);
    }
    // each contender takes the lock of round r at the same instant t0 + r·slot, holds it `hold` ms, releases it
    const script = `
      const path = require('node:path');
      const { lockResultsDir, LockError } = require(${JSON.stringify(path.join(ROOT, 'src/util/lock.ts'))});
      const [base, rounds, t0, slot, hold] = process.argv.slice(1).map((a, i) => (i === 0 ? a : Number(a)));
      const nap = (ms) => ms > 0 && Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      const out = [];
      for (let r = 0; r < rounds; r++) {
        nap(t0 + r * slot - Date.now() - 2);
        while (Date.now() < t0 + r * slot) {}
        try {
          const release = lockResultsDir(path.join(base, 'r' + r), undefined, () => {});
          const from = Date.now();
          nap(hold);
          const to = Date.now();
          release();
          out.push({ r, from, to });
        } catch (e) {
          if (!(e instanceof LockError)) out.push({ r, error: e.message });
        }
      }
      console.log(JSON.stringify(out));`;
    const t0 = Date.now() + 12_000;
    const runs = Array.from({ length: contenders }, () =>
      execFileAsync(
        process.execPath,
        ['--import', 'tsx', '-e', script, base, ...[rounds, t0, slot, hold].map(String)],
        {
          cwd: ROOT,
        },
      ),
    );
    const held = (await Promise.all(runs)).flatMap(
      (r) => JSON.parse(r.stdout) as { r: number; from?: number; to?: number; error?: string }[],
    );
    assert.deepEqual(
      held.filter((h) => h.error !== undefined),
      [],
    );
    for (let r = 0; r < rounds; r++) {
      const spans = held.filter((h) => h.r === r).sort((a, b) => a.from! - b.from!);
      assert.ok(spans.length >= 1, `round ${r}: nobody took the stale lock`);
      for (let i = 1; i < spans.length; i++)
        assert.ok(spans[i].from! >= spans[i - 1].to!, `round ${r}: two runs held the lock at once`);
      assert.deepEqual(fs.readdirSync(path.join(base, `r${r}`)), [], `round ${r}: files left behind`);
    }
  });

  test('a lock of another host: named with the file to delete; under Slurm a shard lock is taken over', () => {
    const dir = path.join(tmp, 'foreign');
    fs.mkdirSync(dir);
    const lock = { pid: 4321, host: 'node-17', startedAt: '2026-01-01T00:00:00.000Z', command: 'reproduce' };
    fs.writeFileSync(path.join(dir, '.lock'), JSON.stringify(lock));
    assert.throws(() => lockResultsDir(dir), {
      message: `another run (pid 4321 on host node-17, started 2026-01-01T00:00:00.000Z: reproduce) is using ${dir}; if that run is gone, delete ${path.join(dir, '.lock')}`,
    });
    fs.rmSync(path.join(dir, '.lock'));
    const shardLock = path.join(dir, '.lock.shard-1-of-4');
    fs.writeFileSync(shardLock, JSON.stringify(lock));
    const notes: string[] = [];
    process.env.SLURM_JOB_ID = '99';
    try {
      lockResultsDir(dir, { index: 1, count: 4 }, (m) => notes.push(m))();
    } finally {
      delete process.env.SLURM_JOB_ID;
    }
    assert.deepEqual(notes, [
      `[lock] removing the stale lock ${shardLock} of pid 4321 on node node-17 (a Slurm task killed before it could remove it)`,
    ]);
  });

  test('runExperiment refuses a folder in use', async () => {
    const dir = path.join(tmp, 'busy-run');
    fs.mkdirSync(dir);
    const other = await sleeper();
    try {
      writeLock(path.join(dir, '.lock'), other.pid!);
      await assert.rejects(runExperiment(toy, { n: 4 }, { resultsDir: dir }), {
        name: 'LockError',
        message: /^another run \(pid \d+, .*\) is using /,
      });
    } finally {
      other.kill();
    }
  });
});

type Cfg = { n: number };
const toy: Experiment<Cfg, { id: string; x: number }, number, { sum: number }> = {
  name: 'toy',
  version: 1,
  cases: (cfg) => Array.from({ length: cfg.n }, (_, x) => ({ id: `c${x}`, x })),
  runBatch: async (_cfg, cases) => cases.map((c) => c.x),
  summarize: (_cfg, results) => ({ sum: results.reduce((a, b) => a + b, 0) }),
};

describe('stuck and incomplete caches', () => {
  test('results that conflict name both places and how to recover; --force recovers', async () => {
    const dir = path.join(tmp, 'conflict');
    const cfg = { n: 4 };
    await runExperiment(toy, cfg, { resultsDir: dir, shard: { index: 0, count: 2 } });
    // the main file disagrees with the shard (what two concurrent runs of a nondeterministic sweep left)
    const p = resultPaths(toy, cfg, dir);
    fs.writeFileSync(p.cases, '{"id":"c0","result":100}\n');
    await assert.rejects(runExperiment(toy, cfg, { resultsDir: dir }), (e: Error) => {
      const shard = path.join(p.dir, 'cases.shard-0-of-2.jsonl');
      assert.equal(
        e.message,
        `${shard}, line 1: case "c0" conflicts with ${p.cases}, line 1 (the stored results of run ${p.dir} disagree: rerun with --force to recompute it)`,
      );
      return true;
    });
    const out = await runExperiment(toy, cfg, { resultsDir: dir, force: true });
    assert.deepEqual(out.summary?.summary, { sum: 6 });
    // `reproduce --force --workers n`: the parent forgets the whole run, then each worker computes its shard
    fs.writeFileSync(p.cases, '{"id":"c0","result":100}\n');
    await runExperiment(toy, cfg, { resultsDir: dir, shard: { index: 0, count: 2 } }).catch(() => {});
    forgetRun(toy, cfg, dir);
    for (const index of [0, 1])
      await runExperiment(toy, cfg, { resultsDir: dir, shard: { index, count: 2 } });
    assert.deepEqual(mergeShards(toy, cfg, { resultsDir: dir }).summary?.summary, { sum: 6 });
  });

  test('merge with a shard missing names the missing cases and shard', async () => {
    const dir = path.join(tmp, 'merge');
    const cfg = { n: 6 };
    await runExperiment(toy, cfg, { resultsDir: dir, shard: { index: 0, count: 3 } });
    await runExperiment(toy, cfg, { resultsDir: dir, shard: { index: 2, count: 3 } });
    const out = mergeShards(toy, cfg, { resultsDir: dir });
    assert.equal(out.summary, undefined);
    assert.equal(fs.existsSync(resultPaths(toy, cfg, dir).summary), false);
    assert.equal(
      describeMissing('toy', out, toy.cases(cfg), caseShards(toy, cfg, dir)),
      // batches of one: c0 c2 c4 (stream 0), c1 c3 c5 (stream 1); batch j goes to shard j % 3
      `toy: 2 of 6 cases missing (first "c2") in ${out.dir}; shard 1/3 has no result file`,
    );
  });
});

describe('failures that must not hide another or change files', () => {
  test('a full disk while storing cases names cases.jsonl (the lost timing line is a warning)', async () => {
    const dir = path.join(tmp, 'enospc');
    const cfg = { n: 4 };
    const p = resultPaths(toy, cfg, dir);
    const nodeFs = require('node:fs') as typeof fs;
    const realWrite = nodeFs.writeFileSync;
    let calls = 0;
    let writes: ReturnType<typeof mock.method> | undefined;
    const exp: typeof toy = {
      ...toy,
      runBatch: async (c, cases, ctx) => {
        // from the second batch on, every write through a descriptor fails as a full disk would
        if (++calls === 2)
          writes = mock.method(nodeFs, 'writeFileSync', (f: unknown, ...rest: unknown[]) => {
            if (typeof f === 'number')
              throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            return (realWrite as (...a: unknown[]) => void)(f, ...rest);
          });
        return toy.runBatch(c, cases, ctx);
      },
    };
    const warnings: string[] = [];
    try {
      await assert.rejects(runExperiment(exp, cfg, { resultsDir: dir, onWarn: (m) => warnings.push(m) }), {
        message: `${p.cases}: cannot write (ENOSPC: no space left on the device)`,
      });
    } finally {
      writes?.mock.restore();
    }
    assert.deepEqual(warnings, [
      `${p.runs}: cannot write (ENOSPC: no space left on the device) (the run's timing line is lost; its cases are kept)`,
    ]);
    // resumable: the first batch is kept
    const out = await runExperiment(toy, cfg, { resultsDir: dir });
    assert.equal(out.ran, 3);
    assert.deepEqual(out.summary?.summary, { sum: 6 });
  });

  test('an incomplete merge leaves every file as it was', async () => {
    const dir = path.join(tmp, 'merge-untouched');
    const cfg = { n: 6 };
    await runExperiment(toy, cfg, { resultsDir: dir, shard: { index: 0, count: 3 } });
    const p = resultPaths(toy, cfg, dir);
    const before = fs.readdirSync(p.dir).map((f) => [f, fs.readFileSync(path.join(p.dir, f), 'utf8')]);
    assert.equal(mergeShards(toy, cfg, { resultsDir: dir }).summary, undefined);
    const after = fs.readdirSync(p.dir).map((f) => [f, fs.readFileSync(path.join(p.dir, f), 'utf8')]);
    assert.deepEqual(after, before);
  });
});

describe('content fingerprints', () => {
  test('a data file edited in place with the same size (and mtime) gets a new identity', () => {
    const file = path.join(tmp, 'data.json');
    fs.writeFileSync(file, '[{"a": 1}]');
    const first = fileContentId(file);
    assert.equal(fileContentId(file), first);
    const st = fs.statSync(file);
    fs.writeFileSync(file, '[{"a": 2}]');
    fs.utimesSync(file, st.atime, st.mtime); // even with the old mtime put back
    assert.equal(fs.statSync(file).size, st.size);
    assert.notEqual(fileContentId(file), first);
  });

  test('model weights edited in place (same size) change the model identity; the card does not', () => {
    const dir = path.join(tmp, 'model');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'config.json'), '{}');
    fs.writeFileSync(path.join(dir, 'model.safetensors'), Buffer.alloc(4096, 1));
    fs.writeFileSync(path.join(dir, 'MODEL_CARD.md'), 'v1');
    const id = modelContentId(dir);
    fs.writeFileSync(path.join(dir, 'MODEL_CARD.md'), 'v2');
    assert.equal(modelContentId(dir), id);
    const fd = fs.openSync(path.join(dir, 'model.safetensors'), 'r+');
    fs.writeSync(fd, Buffer.alloc(16, 0), 0, 16, 1000); // zero a few weights
    fs.closeSync(fd);
    assert.notEqual(modelContentId(dir), id);
  });

  test('the hash is cached by path, size and times: a rerun does not read the file', () => {
    const file = path.join(tmp, 'cached.bin');
    fs.writeFileSync(file, 'contents');
    const sha = fileSha256(file);
    const cache = JSON.parse(fs.readFileSync(fingerprintCacheFile(), 'utf8'));
    assert.equal(cache[path.resolve(file)].sha256, sha);
    const opened = mock.method(require('node:fs') as typeof fs, 'openSync');
    const reads = () => opened.mock.calls.filter((c) => c.arguments[0] === path.resolve(file)).length;
    try {
      assert.equal(fileSha256(file), sha);
      assert.equal(reads(), 0);
      fs.appendFileSync(file, '!');
      assert.notEqual(fileSha256(file), sha);
      assert.equal(reads(), 1);
    } finally {
      opened.mock.restore();
    }
  });
});

describe('edited and misshapen caches: reported with the file, the field and --force, never used', () => {
  type Res = { grid: { x: number } };
  const shaped: Experiment<Cfg, { id: string; x: number }, Res, { total: number; parts: number[] }> = {
    name: 'shaped',
    version: 1,
    cases: (cfg) => Array.from({ length: cfg.n }, (_, x) => ({ id: `c${x}`, x })),
    runBatch: async (_cfg, cases) => cases.map((c) => ({ grid: { x: c.x } })),
    summarize: (_cfg, results) => ({
      total: results.reduce((a, r) => a + r.grid.x, 0),
      parts: results.map((r) => r.grid.x),
    }),
  };
  const force = 'rerun with --force to recompute the run';
  const setup = async (name: string) => {
    const dir = path.join(tmp, name);
    const cfg = { n: 4 };
    await runExperiment(shaped, cfg, { resultsDir: dir });
    return { dir, cfg, p: resultPaths(shaped, cfg, dir) };
  };
  const edit = (file: string, from: string, to: string) => {
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.includes(from), `${file} lacks ${from}`);
    fs.writeFileSync(file, text.replace(from, to));
  };

  test('a case row with "result": null names the file, the case and the field', async () => {
    const { dir, cfg, p } = await setup('null-result');
    fs.rmSync(p.summary);
    edit(p.cases, '{"id":"c1","result":{"grid":{"x":1}}}', '{"id":"c1","result":null}');
    await assert.rejects(runExperiment(shaped, cfg, { resultsDir: dir }), {
      name: 'FileError',
      message: `${p.cases}: case "c1": field "result" is missing or null (Cannot read properties of null (reading 'grid')): not what this version writes; ${force}`,
    });
    const out = await runExperiment(shaped, cfg, { resultsDir: dir, force: true });
    assert.equal(out.summary?.summary.total, 6);
  });

  test('a summary whose numbers were edited: reported; a run rewrites it from the cases', async () => {
    const { dir, cfg, p } = await setup('edited-summary');
    edit(p.summary, '"total": 6', '"total": 7');
    const want = `${p.summary}: field "summary" was edited after it was written (it no longer matches its digest); ${force}`;
    assert.throws(() => loadSummary(shaped, cfg, dir), { message: want });
    const warnings: string[] = [];
    const out = await runExperiment(shaped, cfg, { resultsDir: dir, onWarn: (m) => warnings.push(m) });
    assert.deepEqual(warnings, [`${want}; rewriting it from the cases`]);
    assert.equal(out.summary?.summary.total, 6);
    assert.equal(loadSummary(shaped, cfg, dir)?.summary.total, 6);
  });

  test('an edited case row under a finished run: an error naming cases.jsonl, not a new summary', async () => {
    const { dir, cfg, p } = await setup('edited-cases');
    edit(p.cases, '{"x":3}', '{"x":30}');
    const want = `${p.cases}: the stored case results changed after ${p.summary} was built from them (they no longer match its digest); ${force}`;
    assert.throws(() => loadSummary(shaped, cfg, dir), { message: want });
    await assert.rejects(runExperiment(shaped, cfg, { resultsDir: dir }), { message: want });
    assert.equal(
      (await runExperiment(shaped, cfg, { resultsDir: dir, force: true })).summary?.summary.total,
      6,
    );
  });

  test('a summary without a digest (written before digests) still loads; a case row removed under it is reported', async () => {
    const { dir, cfg, p } = await setup('legacy');
    const { digest: _d, ...legacy } = JSON.parse(fs.readFileSync(p.summary, 'utf8'));
    fs.writeFileSync(p.summary, `${JSON.stringify(legacy, null, 2)}\n`);
    assert.equal(loadSummary(shaped, cfg, dir)?.summary.total, 6);
    fs.writeFileSync(p.cases, fs.readFileSync(p.cases, 'utf8').split('\n').slice(1).join('\n'));
    assert.throws(() => loadSummary(shaped, cfg, dir), {
      message: `${p.cases}: holds 3 cases but ${p.summary} was built from 4: the cache was changed after it was written; ${force}`,
    });
  });

  test('reproduce rebuilds a summary without a digest from its cases: an edited legacy number is not kept', async () => {
    const { dir, cfg, p } = await setup('legacy-rebuilt');
    const { digest: _d, ...legacy } = JSON.parse(fs.readFileSync(p.summary, 'utf8'));
    // a legacy summary (no digest) whose number was edited: the case count still matches, so a read accepts it
    fs.writeFileSync(
      p.summary,
      `${JSON.stringify({ ...legacy, summary: { ...legacy.summary, total: 99 } }, null, 2)}\n`,
    );
    assert.equal(loadSummary(shaped, cfg, dir)?.summary.total, 99);
    const warned: string[] = [];
    const out = await runExperiment(shaped, cfg, { resultsDir: dir, onWarn: (m: string) => warned.push(m) });
    assert.equal(out.summary?.summary.total, 6);
    assert.match(
      warned.join('\n'),
      /has no digest \(written before 2026-12-06\): rebuilding it from the cases/,
    );
    const rebuilt = JSON.parse(fs.readFileSync(p.summary, 'utf8'));
    assert.equal(typeof rebuilt.digest?.cases, 'string');
    assert.deepEqual(rebuilt.meta, legacy.meta);
  });

  test('a summary of the wrong shape ("summary": {}) read by its finding names the file and the field', async () => {
    const { dir, cfg, p } = await setup('empty-summary');
    const { digest: _d, ...legacy } = JSON.parse(fs.readFileSync(p.summary, 'utf8'));
    fs.writeFileSync(p.summary, JSON.stringify({ ...legacy, summary: {} }));
    const finding = defineFinding({
      key: 'shaped',
      experiment: shaped,
      config: () => cfg,
      figures: () => [],
      section: (_c, s) => `parts ${s.parts.map(String).join(', ')}`,
      tables: () => [],
      headlines: () => [],
      reading: () => ({ number: '', verdict: '', figures: {} }),
      caveat: '',
    });
    assert.throws(() => finding.report({}, dir), {
      message: `${p.summary}: field "summary.parts" is missing or null (Cannot read properties of undefined (reading 'map')): not what this version writes; ${force}`,
    });
  });
});

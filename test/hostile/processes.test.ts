/**
 * Hostile process handling: the parent of `reproduce --workers n` killed (SIGTERM, SIGKILL), absurd worker counts,
 * a worker that crashes with a stack trace and a wall of source, `merge` with a shard missing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BEACON_BASE_DIR } from '../../src/model/load';
import { lockResultsDir } from '../../src/util/lock';
import { coreCount, runWorkers } from '../../src/util/workers';
import { beacons, isAlive, ROOT, startBeacons, sweepArgs, writeSmallData } from '../sweep';

const hasModel = fs.existsSync(path.join(BEACON_BASE_DIR, 'model.safetensors'));
const skip = hasModel ? false : `no shipped model at ${BEACON_BASE_DIR}`;

let tmp = '';
let data = '';
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-hostile-proc-'));
  data = writeSmallData(tmp);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function allGone(pids: number[], ms: number): Promise<number[]> {
  const t0 = Date.now();
  while (pids.some(isAlive) && Date.now() - t0 < ms) await sleep(100);
  return pids.filter(isAlive);
}

/** Starts `reproduce --workers <n>` and resolves once it has printed its worker pids. */
async function startWorkers(name: string, workers: string, bin = false) {
  let pids: number[] = [];
  const run = startBeacons(['reproduce', ...sweepArgs(data, path.join(tmp, name)), '--workers', workers], {
    bin,
    onLine: (line) => {
      const m = /^\[reproduce\] worker pids ([\d, ]+)$/.exec(line);
      if (m) pids = m[1].split(', ').map(Number);
    },
  });
  const t0 = Date.now();
  while (pids.length === 0 && run.child.exitCode === null && Date.now() - t0 < 120_000) await sleep(50);
  return { ...run, pids };
}

describe('worker processes die with their parent', { skip }, () => {
  test('SIGTERM to the parent of --workers 1000: capped at the core count, no child left', async () => {
    const run = await startWorkers('sigterm', '1000');
    assert.equal(run.pids.length, coreCount());
    run.child.kill('SIGTERM');
    const out = await run.done;
    assert.equal(await allGone(run.pids, 5000).then((l) => l.length), 0, 'children left behind');
    assert.equal(out.code, 1);
    const lines = out.stderr.trim().split('\n');
    assert.ok(
      lines.includes(`[reproduce] --workers 1000 capped at ${coreCount()} (the number of cores)`),
      out.stderr,
    );
    assert.equal(lines.at(-1), 'beacons: stopped by SIGTERM; finished cases are cached, rerun to resume');
  });

  test('SIGKILL to the parent: its watchdog stops the children', async () => {
    const run = await startWorkers('sigkill', '2');
    run.child.kill('SIGKILL');
    await run.done;
    assert.deepEqual(await allGone(run.pids, 5000), [], 'children left behind');
  });
});

describe('signals to the installed command (bin/beacons.js) end the run and every process under it', {
  skip,
}, () => {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    test(`${sig}: the command and its workers are gone, the lock is released, one line says how to resume`, async () => {
      const name = `bin-${sig}`;
      const run = await startWorkers(name, '2', true);
      assert.equal(run.pids.length, Math.min(2, coreCount()));
      run.child.kill(sig);
      const out = await run.done;
      assert.deepEqual(await allGone([run.child.pid!, ...run.pids], 5000), [], 'processes left behind');
      assert.equal(out.code, 1, out.stderr);
      assert.equal(
        out.stderr.trim().split('\n').at(-1),
        `beacons: stopped by ${sig}; finished cases are cached, rerun to resume`,
      );
      assert.equal(fs.existsSync(path.join(tmp, name, '.lock')), false, 'lock left behind');
    });

  test('SIGKILL: no orphan (the workers watch their parent); the next run takes over the stale lock', async () => {
    const run = await startWorkers('bin-SIGKILL', '2', true);
    run.child.kill('SIGKILL');
    await run.done;
    assert.deepEqual(await allGone(run.pids, 5000), [], 'children left behind');
    const notes: string[] = [];
    lockResultsDir(path.join(tmp, 'bin-SIGKILL'), undefined, (m) => notes.push(m))();
    assert.match(notes.join('\n'), new RegExp(`of pid ${run.child.pid} \\(no longer running\\)`));
  });
});

describe('a JSON child (benchmark workers) dies with its parent', () => {
  test('SIGKILL to the parent: the child is stopped by its watchdog', async () => {
    const pidFile = path.join(tmp, 'json-child.pid');
    const script = path.join(tmp, 'json-child.js');
    fs.writeFileSync(
      script,
      `require('node:fs').writeFileSync(process.argv[2], String(process.pid)); setTimeout(() => {}, 60000);`,
    );
    const parent = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `require(${JSON.stringify(path.join(ROOT, 'src/util/child.ts'))}).runJsonChild(${JSON.stringify(script)}, [${JSON.stringify(pidFile)}], 'R', { label: 'x' }).catch(() => {}); setTimeout(() => {}, 60000);`,
      ],
      { cwd: ROOT, stdio: 'ignore' },
    );
    const t0 = Date.now();
    const pid = () => (fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : 0);
    while (pid() === 0 && Date.now() - t0 < 30_000) await sleep(50);
    const child = pid();
    assert.ok(child > 0, 'the child never started');
    parent.kill('SIGKILL');
    assert.deepEqual(await allGone([child], 5000), [], 'child left behind');
  });
});

describe('a failing worker', () => {
  test('one clear line, no stack trace or minified source, and no worker left running', async () => {
    const script = path.join(tmp, 'worker.js');
    fs.writeFileSync(
      script,
      `if (process.argv[2] === '0') setTimeout(() => {}, 60000);
       else {
         console.error('wasm abort: ' + 'function(a,b){return a+b};'.repeat(300));
         console.error('    at Object.<anonymous> (worker.js:3:9)');
         console.error('beacons: Aborted(OOM)');
         process.exit(1);
       }`,
    );
    const shown: string[] = [];
    const original = console.error;
    console.error = (m: string) => shown.push(String(m));
    let pids: number[] = [];
    try {
      await assert.rejects(runWorkers(2, { script, args: (i) => [String(i)], onStart: (p) => (pids = p) }), {
        message: 'worker 1 of 2 exited with code 1: Aborted(OOM)',
      });
    } finally {
      console.error = original;
    }
    assert.deepEqual(shown, ['[worker 1] beacons: Aborted(OOM)']);
    assert.deepEqual(await allGone(pids, 3000), []);
  });
});

describe('merge', { skip }, () => {
  test('fails, naming the missing cases and shard, and writes nothing', async () => {
    const results = path.join(tmp, 'merge');
    const args = sweepArgs(data, results).map((a) => (a === 'distance,reweighting' ? 'reweighting' : a));
    const shard = await beacons(['reproduce', ...args, '--shard', '0/2']);
    assert.equal(shard.code, 0, shard.stderr);
    const out = await beacons(['merge', ...args]);
    assert.equal(out.code, 1);
    const dir = path.join(results, 'reweighting', fs.readdirSync(path.join(results, 'reweighting'))[0]);
    assert.equal(
      out.stderr.trim().split('\n').at(-1),
      `beacons: merge incomplete, nothing written: reweighting: 2 of 4 cases missing (first "tuning|0|1") in ${dir}; shard 1/2 has no result file`,
    );
    assert.equal(fs.existsSync(path.join(results, 'SUMMARY.md')), false);
    assert.equal(fs.existsSync(path.join(dir, 'summary.json')), false);
  });
});

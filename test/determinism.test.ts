/**
 * Results are a pure function of the config and the input files: the same reduced smoke sweep (distance curve, the
 * regime study — whose summary holds continuous per-run numbers such as LoRA's Σ‖ΔW‖ — and re-weighting, on a
 * 120-record data file; test/sweep.ts) run
 *   - in one process (`--workers 1`): the reference,
 *   - as two worker processes (`--workers 2`),
 *   - as a Slurm array job: environment/slurm-array.sh run locally for each SLURM_ARRAY_TASK_ID of a COUNT of 3
 *     (`--shard i/3` each, all at once), then its merge step,
 * must give byte-identical summaries (summary.json without `meta`). Tolerance: none. This holds on one backend
 * (wasm here, or BEACONS_BACKEND); different backends give different floating-point results. It holds because the
 * batches a run's cases are computed in are fixed by the case list and the batch size (runner/layout.ts).
 * With another batch size (`--stack 4`: at most 4 adapters trained side by side) a fact shares its batch with other
 * neighbours, padded to another length, and the sums over the padded positions (exact zeros) are blocked otherwise:
 * continuous numbers such as Σ‖ΔW‖ may move in their last digits (relative 1e-6 allowed), every count, outcome
 * and verdict must stay the same. A run killed (SIGKILL) after its first batches refuses to resume at another
 * batch size, and resumed at its own gives the uninterrupted `--stack 4` run byte for byte, in place or copied to
 * another folder first (as on a second machine).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { BEACON_BASE_DIR } from '../src/model/load';
import {
  beacons,
  ROOT,
  startBeacons,
  summaries,
  summaryDiffs,
  summaryDiffsBeyond,
  sweepArgs,
  writeSmallData,
} from './sweep';

const hasModel = fs.existsSync(path.join(BEACON_BASE_DIR, 'model.safetensors'));
const skip = hasModel ? false : `no shipped model at ${BEACON_BASE_DIR}`;
const run = promisify(execFile);

describe('the same sweep, however it is run, gives byte-identical summaries', {
  skip,
  concurrency: 2,
}, () => {
  let tmp = '';
  let data = '';
  let reference: Record<string, unknown> = {};
  const results = (name: string) => path.join(tmp, name);
  const args = (name: string) => sweepArgs(data, results(name), 'distance,regimes,reweighting');

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-determinism-'));
    data = writeSmallData(tmp);
    const r = await beacons(['reproduce', ...args('one'), '--workers', '1']);
    assert.equal(r.code, 0, r.stderr);
    reference = summaries(results('one'));
    assert.deepEqual(
      Object.keys(reference).map((k) => k.split('/')[0]),
      ['distance-curve', 'learning-regimes', 'reweighting'],
    );
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('--workers 2', async () => {
    const r = await beacons(['reproduce', ...args('two'), '--workers', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(summaryDiffs(reference, summaries(results('two'))), []);
  });

  test('a Slurm array job (environment/slurm-array.sh, 3 tasks run locally) and its merge step', async () => {
    const script = path.join(ROOT, 'environment', 'slurm-array.sh');
    const env = { ...process.env, BEACONS_PROGRESS: 'lines', BEACONS_NODE: process.execPath };
    // the two array tasks run at once, as on a cluster (they share the results folder)
    const task = (i: number) => ({
      ...env,
      SLURM_ARRAY_TASK_ID: String(i),
      SLURM_ARRAY_TASK_COUNT: '3',
      SLURM_ARRAY_TASK_MIN: '0',
    });
    await Promise.all(
      [0, 1, 2].map((i) => run('bash', [script, ...args('slurm')], { env: task(i), cwd: os.tmpdir() })),
    );
    assert.deepEqual(summaries(results('slurm')), {}, 'array tasks write no summary');
    await run('bash', [script, ...args('slurm')], { env: { ...env, BEACONS_SLURM_STEP: 'merge' } });
    assert.deepEqual(summaryDiffs(reference, summaries(results('slurm'))), []);
  });

  // the uninterrupted --stack 4 run, which the killed one is compared with
  let stackDone: (s: Record<string, unknown>) => void = () => {};
  const stackRun = new Promise<Record<string, unknown>>((resolve) => {
    stackDone = resolve;
  });

  test('--stack 4 (fewer adapters side by side)', async () => {
    const r = await beacons(['reproduce', ...args('stack'), '--workers', '1', '--stack', '4']);
    assert.equal(r.code, 0, r.stderr);
    const got = summaries(results('stack'));
    stackDone(got);
    assert.deepEqual(summaryDiffsBeyond(reference, got, 1e-6), []);
  });

  test('killed (SIGKILL) after its first batches, then resumed', async () => {
    const dir = results('killed');
    const casesFile = () => {
      const d = path.join(dir, 'distance-curve');
      const h = fs.existsSync(d) ? fs.readdirSync(d)[0] : undefined;
      return h ? path.join(d, h, 'cases.jsonl') : '';
    };
    const lines = () => {
      const f = casesFile();
      return f && fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').length - 1 : 0;
    };
    const { child, done } = startBeacons(['reproduce', ...args('killed'), '--workers', '1', '--stack', '4']);
    const t0 = Date.now();
    while (lines() < 8 && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    const killed = await done;
    assert.equal(killed.signal, 'SIGKILL');
    const before = lines();
    assert.ok(before >= 8 && before < 52, `killed after ${before} of 52 cases`);
    // another batch size would put the remaining cases in other batches: refused, naming the run's layout file
    const other = await beacons(['reproduce', ...args('killed'), '--workers', '1']);
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /layout\.json: distance-curve run \w+ was computed in batches of 4 cases/);
    // the half-finished folder copied elsewhere (another machine, another checkout path) resumes there
    const moved = results('elsewhere');
    fs.cpSync(dir, moved, { recursive: true });
    const elsewhere = await beacons(['reproduce', ...args('elsewhere'), '--workers', '1', '--stack', '4']);
    assert.equal(elsewhere.code, 0, elsewhere.stderr);
    assert.match(elsewhere.stderr, new RegExp(`distance-curve: ${52 - before}/52 cases computed`));
    const r = await beacons(['reproduce', ...args('killed'), '--workers', '1', '--stack', '4']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`distance-curve: ${52 - before}/52 cases computed`));
    const uninterrupted = await stackRun;
    assert.deepEqual(summaryDiffs(uninterrupted, summaries(dir)), []);
    assert.deepEqual(summaryDiffs(uninterrupted, summaries(moved)), []);
    // and the resumed copies hold the same case files, byte for byte
    for (const f of ['distance-curve', 'learning-regimes', 'reweighting']) {
      const h = fs.readdirSync(path.join(dir, f))[0];
      const read = (root: string) => fs.readFileSync(path.join(root, f, h, 'cases.jsonl'), 'utf8');
      assert.equal(read(moved), read(dir), `${f}/${h}/cases.jsonl differs between the two resumed copies`);
    }
  });
});

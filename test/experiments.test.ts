/**
 * The experiments on the shipped model at smoke scale: result files, resume after a kill, bad data files.
 * Skips when the shipped model is absent (it is committed; rebuild with `npm run pretrain`).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { initBackend } from '../src/backend';
import { distanceCurve, distanceCurveConfig } from '../src/findings/index';
import { prepareSession, session } from '../src/knowledge/config';
import { clearSingleFactMemo } from '../src/knowledge/single-facts';
import { BEACON_BASE_DIR } from '../src/model/load';
import { runExperiment } from '../src/runner/runner';

const hasModel = fs.existsSync(path.join(BEACON_BASE_DIR, 'model.safetensors'));
const skip = hasModel ? false : `no shipped model at ${BEACON_BASE_DIR} (run npm run pretrain)`;

before(async () => {
  await initBackend(process.env.BEACONS_BACKEND ?? 'wasm', { quiet: true });
});

describe('experiments at smoke scale', { skip }, () => {
  const cfg = () => ({ ...distanceCurveConfig({ scale: 'smoke', methods: ['lora'] }), facts: 8 });

  test('the session must be prepared before cases() can read it', async () => {
    const c = { ...cfg(), promptFormat: 'llama2-chat' as const }; // a session no other test prepares
    assert.throws(() => distanceCurve.cases(c), /No session for model .*call `await prepareSession\(cfg\)`/);
  });

  test('result files, and a killed run resumes to the same summary', async () => {
    // no prepareSession here: runExperiment awaits the experiment's `prepare` hook
    const dirA = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-a-'));
    const dirB = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-b-'));
    clearSingleFactMemo();
    const full = await runExperiment(distanceCurve, cfg(), {
      resultsDir: dirA,
      batchSize: 4,
      onWarn: () => {},
    });
    assert.equal(full.done, 8);
    for (const f of ['config.json', 'cases.jsonl', 'summary.json'])
      assert.ok(fs.existsSync(path.join(full.dir, f)), f);
    assert.equal(fs.readFileSync(path.join(full.dir, 'cases.jsonl'), 'utf8').trim().split('\n').length, 8);

    clearSingleFactMemo();
    const stop = new AbortController();
    const killed = runExperiment(distanceCurve, cfg(), {
      resultsDir: dirB,
      batchSize: 4,
      signal: stop.signal,
      onWarn: () => {},
      onProgress: { start() {}, update: (done) => done >= 4 && stop.abort(), stop() {} },
    });
    await assert.rejects(killed);
    const partial = fs
      .readFileSync(path.join(dirB, 'distance-curve', full.hash, 'cases.jsonl'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(partial.length, 4);
    clearSingleFactMemo();
    const resumed = await runExperiment(distanceCurve, cfg(), {
      resultsDir: dirB,
      batchSize: 4,
      onWarn: () => {},
    });
    assert.equal(resumed.ran, 4);
    assert.deepEqual(resumed.summary!.summary, full.summary!.summary);
    fs.rmSync(dirA, { recursive: true, force: true });
    fs.rmSync(dirB, { recursive: true, force: true });
  });

  test('a bad --data file gives one clear error naming the file and record', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-data-'));
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(
      bad,
      JSON.stringify([
        { case_id: 1, prompt: 'The capital of France is', subject: 'France', ground_truth: 'Paris' },
      ]),
    );
    await assert.rejects(
      () => prepareSession({ ...cfg(), data: bad }),
      (e: Error) => e.message.includes(bad) && /record 0/.test(e.message) && /target_new/.test(e.message),
    );
    fs.writeFileSync(bad, '{ not json');
    await assert.rejects(
      () => prepareSession({ ...cfg(), data: bad }),
      (e: Error) => e.message.includes(bad),
    );
    assert.throws(() => session({ ...cfg(), data: bad }), /No session/); // a failed load is not cached
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

/** The wall-clock premise's file handling: the newest bench file with step times, the stored runs, clear errors. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { RegimesConfig } from './experiment';
import { latestMethodBench, regimeRunsOf, wallClockPremise } from './wall-clock';

const step = (method: string, perFactS: number, stack = 1) => ({
  method,
  stack,
  perFactS,
  medianStepS: perFactS,
});

test('wallClockPremise reads the newest bench file that has step times and the run cases', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wall-'));
  const bench = path.join(dir, 'bench');
  fs.mkdirSync(bench);
  const cfg = { methods: ['lora', 'full'], steps: 4 } as unknown as RegimesConfig;
  assert.equal(latestMethodBench(bench), undefined);
  assert.match(wallClockPremise(cfg, { lora: 0, full: 0 }, dir, bench).note, /No benchmark/);
  const write = (name: string, body: object) =>
    fs.writeFileSync(path.join(bench, name), JSON.stringify(body));
  write('bench-2026-01-01.json', { date: 'a', machine: {}, methods: [step('lora', 0.5), step('full', 1)] });
  write('bench-2026-02-01.json', {
    date: 'b',
    machine: {},
    methods: [step('lora', 1), step('lora', 0.01, 64), step('full', 1)],
  });
  write('bench-2026-03-01.json', { date: 'c', machine: {}, kernel: {} }); // newer, but without step times
  assert.equal(latestMethodBench(bench)?.date, 'b');
  const run = (method: string, fact: string, updates: number | null) => ({
    id: `${method}|${fact}`,
    result: { fact, method, rate: 0, block: 0, updates, learned: updates !== null },
  });
  const lines = [run('full', 'a', 2), run('full', 'b', null), run('lora', 'a', 4), run('lora', 'b', 2)];
  fs.writeFileSync(path.join(dir, 'cases.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  assert.equal(regimeRunsOf(dir).length, 4);
  const w = wallClockPremise(cfg, { lora: 0, full: 0 }, dir, bench);
  // equal one-fact step times (the stacked row is ignored), budgets 1–4 s: full a from 2 s (3/4), b never;
  // LoRA a from 4 s (1/4), b from 2 s (3/4)
  assert.equal(w.rows.length, 1);
  assert.equal(w.rows[0].diff.estimate, 3 / 8 - 1 / 2);
  assert.match(w.note, /bench-2026-02-01\.json/);
  fs.writeFileSync(path.join(dir, 'cases.jsonl'), '{"id":"x","result":{}}\n');
  assert.throws(() => regimeRunsOf(dir), /cases\.jsonl: line 1 has no "result" with a "method"/);
  fs.rmSync(dir, { recursive: true, force: true });
});

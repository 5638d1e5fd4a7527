import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { appendLinesDurable, readJsonLines, writeFileAtomic } from '../util/atomic';
import { canonicalJson, shortHash } from '../util/hash';
import { CallbackProgress, LineProgress, type ProgressEvent } from './progress';
import {
  type Experiment,
  loadResults,
  loadSummary,
  mergeShards,
  parseShard,
  resultPaths,
  runExperiment,
} from './runner';

type Cfg = { n: number; label?: string };
type Case = { id: string; x: number };

/** Cases 0..n-1; runBatch squares; summary = sum. `failAfter`: throw once that many cases have been run. */
function fakeExperiment(opts: { failAfter?: number } = {}) {
  const calls: string[][] = [];
  let ran = 0;
  const exp: Experiment<Cfg, Case, { sq: number }, { sum: number; n: number }> = {
    name: 'fake',
    version: 1,
    cases: (cfg) => Array.from({ length: cfg.n }, (_, x) => ({ id: `c${x}`, x })),
    async runBatch(_cfg, cases) {
      if (opts.failAfter !== undefined && ran + cases.length > opts.failAfter) throw new Error('killed');
      ran += cases.length;
      calls.push(cases.map((c) => c.id));
      return cases.map((c) => ({ sq: c.x * c.x }));
    },
    summarize: (_cfg, results) => ({ sum: results.reduce((a, r) => a + r.sq, 0), n: results.length }),
  };
  return { exp, calls };
}

const cfg: Cfg = { n: 10 };
const SUM = 285; // 0² + … + 9²
let dir: string;
let warnings: string[];
const opts = () => ({ resultsDir: dir, onWarn: (m: string) => warnings.push(m) });

function allFiles(d: string): string[] {
  return fs.readdirSync(d, { recursive: true, encoding: 'utf8' });
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-runner-'));
  warnings = [];
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('hash', () => {
  it('canonical JSON sorts keys, drops undefined fields and rejects NaN', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, 'x'], c: undefined } }), '{"a":{"d":[1,"x"]},"b":1}');
    assert.equal(shortHash({ a: 1, b: 2 }), shortHash({ b: 2, a: 1 }));
    assert.equal(shortHash({ a: 1 }).length, 12);
    assert.throws(() => canonicalJson({ a: [Number.NaN] }), /\$\.a\[0\]: NaN/);
    assert.throws(() => canonicalJson({ m: new Map() }), /\$\.m: a Map/);
  });
});

describe('runExperiment', () => {
  it('awaits the optional prepare(cfg) before cases() and summarize()', async () => {
    const { exp } = fakeExperiment();
    let ready = false;
    const prepared: Experiment<Cfg, Case, { sq: number }, { sum: number; n: number }> = {
      ...exp,
      prepare: async () => {
        await new Promise((r) => setTimeout(r, 5));
        ready = true;
      },
      cases: (c) => {
        if (!ready) throw new Error('cases() before prepare()');
        return exp.cases(c);
      },
    };
    const out = await runExperiment(prepared, cfg, opts());
    assert.equal(out.summary!.summary.sum, SUM);
  });

  it('writes config, cases and summary; a rerun is instant', async () => {
    const { exp, calls } = fakeExperiment();
    const out = await runExperiment(exp, cfg, { ...opts(), batchSize: 4, backend: 'cpu' });
    // the layout (runner/layout.ts): two interleaved streams, each cut into batches of 4
    assert.deepEqual(calls, [['c0', 'c2', 'c4', 'c6'], ['c8'], ['c1', 'c3', 'c5', 'c7'], ['c9']]);
    const p = resultPaths(exp, cfg, dir);
    assert.equal(p.dir, path.join(dir, 'fake', out.hash));
    assert.deepEqual(JSON.parse(fs.readFileSync(p.config, 'utf8')), {
      config: { n: 10 },
      experiment: 'fake',
      hash: out.hash,
      version: 1,
    });
    const lines = fs.readFileSync(p.cases, 'utf8').split('\n');
    assert.equal(lines.length, 11);
    assert.equal(lines[3], '{"id":"c3","result":{"sq":9}}');
    assert.equal(lines[10], '');
    const summary = JSON.parse(fs.readFileSync(p.summary, 'utf8'));
    assert.deepEqual(summary.summary, { sum: SUM, n: 10 });
    assert.equal(summary.meta.cases, 10);
    assert.equal(summary.meta.backend, 'cpu');
    assert.ok(summary.meta.seconds >= 0 && summary.meta.startedAt <= summary.meta.finishedAt);
    assert.deepEqual(out.summary, summary);
    assert.deepEqual(loadSummary(exp, cfg, dir), summary);
    assert.equal(loadResults(exp, cfg, dir)[9].result.sq, 81);
    assert.equal(loadSummary(exp, { n: 3 }, dir), undefined);

    const again = await runExperiment(exp, cfg, opts());
    assert.equal(calls.length, 4);
    assert.equal(again.ran, 0);
    assert.deepEqual(again.summary, summary);
    assert.deepEqual(warnings, []);
    assert.ok(!allFiles(dir).some((f) => f.includes('.tmp')), 'no temporary files left');
  });

  it('resumes after a kill with only the remaining batches, same summary as an uninterrupted run', async () => {
    const killed = fakeExperiment({ failAfter: 4 });
    await assert.rejects(runExperiment(killed.exp, cfg, { ...opts(), batchSize: 2 }), /killed/);
    const p = resultPaths(killed.exp, cfg, dir);
    assert.equal(readJsonLines(p.cases, 'case').length, 4);
    assert.ok(!fs.existsSync(p.summary));

    const resumed = fakeExperiment();
    const out = await runExperiment(resumed.exp, cfg, { ...opts(), batchSize: 2 });
    assert.deepEqual(resumed.calls, [['c8'], ['c1', 'c3'], ['c5', 'c7'], ['c9']]);
    assert.deepEqual(out.summary?.summary, { sum: SUM, n: 10 });
    assert.deepEqual(
      out.results?.map((r) => r.sq),
      Array.from({ length: 10 }, (_, i) => i * i),
    );
  });

  it('redoes a corrupt or truncated last line, with a warning', async () => {
    const { exp } = fakeExperiment();
    const p = resultPaths(exp, cfg, dir);
    for (const tail of ['{"id":"c3","res', '{"id":"c3"}\n']) {
      fs.rmSync(dir, { recursive: true, force: true });
      await runExperiment(fakeExperiment({ failAfter: 3 }).exp, cfg, opts()).catch(() => {});
      fs.appendFileSync(p.cases, tail);
      warnings = [];
      const again = fakeExperiment();
      const out = await runExperiment(again.exp, cfg, opts());
      // c0, c2, c4 were stored before the torn line
      assert.deepEqual(again.calls, [['c6'], ['c8'], ['c1'], ['c3'], ['c5'], ['c7'], ['c9']]);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /cases\.jsonl, line 4: corrupt or truncated last case line/);
      assert.deepEqual(out.summary?.summary, { sum: SUM, n: 10 });
      assert.equal(readJsonLines(p.cases, 'case').length, 10);
    }
  });

  it('a corrupt line in the middle is an error naming the file and line', async () => {
    const { exp } = fakeExperiment();
    await runExperiment(exp, cfg, opts());
    const p = resultPaths(exp, cfg, dir);
    const lines = fs.readFileSync(p.cases, 'utf8').split('\n');
    lines[4] = '{"id":"c4", oops';
    fs.writeFileSync(p.cases, lines.join('\n'));
    await assert.rejects(runExperiment(exp, cfg, opts()), (e: Error) => {
      assert.ok(e.message.startsWith(`${p.cases}, line 5: corrupt case line`), e.message);
      return true;
    });
  });

  it('unknown ids, conflicting duplicates and bad runBatch output are errors', async () => {
    const { exp } = fakeExperiment();
    const p = resultPaths(exp, cfg, dir);
    await runExperiment(fakeExperiment({ failAfter: 2 }).exp, cfg, opts()).catch(() => {});
    appendLinesDurable(p.cases, ['{"id":"c99","result":{"sq":1}}', '{"id":"c0","result":{"sq":0}}']);
    await assert.rejects(runExperiment(exp, cfg, opts()), /cases\.jsonl, line 3: unknown case id "c99"/);
    fs.writeFileSync(p.cases, '{"id":"c0","result":{"sq":0}}\n{"id":"c0","result":{"sq":5}}\n');
    await assert.rejects(runExperiment(exp, cfg, opts()), /line 2: case "c0" conflicts with .*line 1/);
    const short = { ...exp, runBatch: async () => [] };
    fs.rmSync(p.cases);
    await assert.rejects(runExperiment(short, cfg, opts()), /runBatch returned 0 results for 1 cases/);
  });

  it('shards 0/2 and 1/2 then merge equal a single run', async () => {
    const { exp } = fakeExperiment();
    const single = await runExperiment(exp, cfg, { ...opts(), resultsDir: path.join(dir, 'single') });
    const s0 = fakeExperiment();
    const out0 = await runExperiment(s0.exp, cfg, { ...opts(), shard: parseShard('0/2'), batchSize: 2 });
    // batches of 2 in the layout: [c0 c2] [c4 c6] [c8] [c1 c3] [c5 c7] [c9]; shard 0 takes the even ones
    assert.deepEqual(s0.calls, [['c0', 'c2'], ['c8'], ['c5', 'c7']]);
    assert.equal(out0.summary, undefined);
    const p = resultPaths(exp, cfg, dir);
    assert.ok(fs.existsSync(p.shardCases({ index: 0, count: 2 })));
    assert.ok(!fs.existsSync(p.summary) && !fs.existsSync(p.cases));
    const half = mergeShards(exp, cfg, opts());
    assert.deepEqual(half.missing, ['c1', 'c3', 'c4', 'c6', 'c9']);
    assert.equal(half.summary, undefined);

    const s1 = fakeExperiment();
    await runExperiment(s1.exp, cfg, { ...opts(), shard: { index: 1, count: 2 }, batchSize: 2 });
    assert.deepEqual(s1.calls, [['c4', 'c6'], ['c1', 'c3'], ['c9']]);
    const merged = mergeShards(exp, cfg, opts());
    assert.deepEqual(merged.missing, []);
    assert.deepEqual(merged.summary?.summary, single.summary?.summary);
    const singleCases = resultPaths(exp, cfg, path.join(dir, 'single')).cases;
    assert.equal(fs.readFileSync(p.cases, 'utf8'), fs.readFileSync(singleCases, 'utf8'));
    assert.ok(merged.summary!.meta.seconds >= 0);
    assert.deepEqual(loadSummary(exp, cfg, dir), merged.summary);
    const after = fakeExperiment();
    await runExperiment(after.exp, cfg, opts());
    assert.deepEqual(after.calls, []);
    assert.throws(() => parseShard('2/2'), /invalid shard "2\/2"/);
    assert.ok(!allFiles(dir).some((f) => f.includes('.tmp')), 'no temporary files left');
  });

  it('a result that depends on its batch neighbours is the same for any shard split or resume point', async () => {
    // each result carries its batch's members, as a stacked adapter's last digits do
    const neighbourly = (failAfter?: number) => {
      const f = fakeExperiment({ failAfter });
      const exp: typeof f.exp = {
        ...f.exp,
        async runBatch(c, cs, ctx) {
          const out = await f.exp.runBatch(c, cs, ctx);
          return out.map((r) => ({ sq: r.sq + cs.reduce((a, x) => a + x.x, 0) / 1000 }));
        },
      };
      return exp;
    };
    const big = { n: 23 };
    const cases = (d: string) => fs.readFileSync(resultPaths(neighbourly(), big, d).cases, 'utf8');
    const one = path.join(dir, 'one');
    await runExperiment(neighbourly(), big, { ...opts(), resultsDir: one, batchSize: 4 });
    for (const n of [2, 3, 5]) {
      const d = path.join(dir, `shards-${n}`);
      for (let index = 0; index < n; index++)
        await runExperiment(neighbourly(), big, {
          ...opts(),
          resultsDir: d,
          batchSize: 4,
          shard: { index, count: n },
        });
      mergeShards(neighbourly(), big, { ...opts(), resultsDir: d });
      assert.equal(cases(d), cases(one), `${n} shards`);
    }
    for (const killAt of [1, 5, 13]) {
      const d = path.join(dir, `killed-${killAt}`);
      await assert.rejects(
        runExperiment(neighbourly(killAt), big, { ...opts(), resultsDir: d, batchSize: 4 }),
      );
      // a torn write: the batch's last stored line is cut, so the batch is part stored
      const p = resultPaths(neighbourly(), big, d);
      if (fs.existsSync(p.cases)) {
        const lines = fs.readFileSync(p.cases, 'utf8').split('\n').filter(Boolean);
        fs.writeFileSync(p.cases, `${lines.slice(0, -1).join('\n')}${lines.length > 1 ? '\n' : ''}`);
      }
      await runExperiment(neighbourly(), big, { ...opts(), resultsDir: d, batchSize: 4 });
      assert.equal(cases(d), cases(one), `killed after ${killAt}`);
    }
  });

  it('a started run (killed ones too) is resumed only at the batch size it was computed at', async () => {
    await runExperiment(fakeExperiment({ failAfter: 4 }).exp, cfg, { ...opts(), batchSize: 2 }).catch(
      () => {},
    );
    const p = resultPaths(fakeExperiment().exp, cfg, dir);
    await assert.rejects(
      runExperiment(fakeExperiment().exp, cfg, { ...opts(), batchSize: 3 }),
      (e: Error) => {
        assert.ok(
          e.message.startsWith(`${p.layout}: fake run ${p.hash} was computed in batches of 2 cases`),
          e.message,
        );
        assert.match(e.message, /resume it with --stack 2, or recompute it with --force/);
        return true;
      },
    );
    const forced = await runExperiment(fakeExperiment().exp, cfg, { ...opts(), batchSize: 3, force: true });
    assert.equal(forced.summary?.summary.sum, SUM);
    // a finished run is read at any size
    assert.equal((await runExperiment(fakeExperiment().exp, cfg, { ...opts(), batchSize: 7 })).ran, 0);
  });

  it('a config.json that differs from the run config is an error naming the file', async () => {
    const { exp } = fakeExperiment();
    await runExperiment(exp, cfg, opts());
    const p = resultPaths(exp, cfg, dir);
    writeFileAtomic(
      p.config,
      JSON.stringify({ experiment: 'fake', version: 1, hash: p.hash, config: { n: 11 } }),
    );
    await assert.rejects(runExperiment(exp, cfg, opts()), (e: Error) => {
      assert.match(
        e.message,
        /config\.json: stored config differs from this run's at \$\.config\.n: stored 11/,
      );
      assert.ok(e.message.startsWith(p.config));
      return true;
    });
    fs.writeFileSync(p.config, '{"experiment": ');
    await assert.rejects(runExperiment(exp, cfg, opts()), /config\.json: run config is not valid JSON/);
  });

  it('force recomputes; an aborted signal stops before the next batch', async () => {
    const first = fakeExperiment();
    await runExperiment(first.exp, cfg, opts());
    const forced = fakeExperiment();
    await runExperiment(forced.exp, cfg, { ...opts(), force: true, batchSize: 5 });
    assert.equal(forced.calls.length, 2);
    const ac = new AbortController();
    const slow = fakeExperiment();
    const exp = { ...slow.exp };
    exp.runBatch = (c, cs, ctx) => {
      ac.abort();
      return slow.exp.runBatch(c, cs, ctx);
    };
    await assert.rejects(runExperiment(exp, { n: 4 }, { ...opts(), signal: ac.signal }));
    assert.equal(slow.calls.length, 1);
  });

  it('phases: maxPhase limits a shard to the early cases; a later case sees every shard’s stored results', async () => {
    const { exp, calls } = fakeExperiment();
    // cases 0–3 are phase 0; a later case records how many phase-0 results it found stored
    const seen: number[] = [];
    const phased: typeof exp = {
      ...exp,
      phase: (c) => (c.x < 4 ? 0 : 1),
      async runBatch(c, cs, ctx) {
        if (cs.some((x) => x.x >= 4))
          seen.push([...ctx.stored().keys()].filter((id) => Number(id.slice(1)) < 4).length);
        return exp.runBatch(c, cs, ctx);
      },
    };
    for (const index of [0, 1])
      await runExperiment(phased, cfg, { ...opts(), shard: { index, count: 2 }, maxPhase: 0, batchSize: 1 });
    // phase 0's batches c0 c2 c1 c3 (two streams), dealt to the shards in turn
    assert.deepEqual(calls.flat(), ['c0', 'c1', 'c2', 'c3']);
    // a line another worker is writing right now is skipped, not an error
    const p = resultPaths(phased, cfg, dir);
    fs.appendFileSync(p.shardCases({ index: 1, count: 2 }), '{"id":"c5","res');
    const out = await runExperiment(phased, cfg, { ...opts(), shard: { index: 0, count: 2 }, batchSize: 1 });
    assert.equal(out.ran, 3); // c4, c8, c7 (phase 1: c4 c6 c8 c5 c7 c9)
    assert.deepEqual(seen, [4, 4, 4]);
    // no summary from a run limited to a phase, even when its scope is done
    fs.writeFileSync(
      p.shardCases({ index: 1, count: 2 }),
      fs.readFileSync(p.shardCases({ index: 1, count: 2 }), 'utf8').replace(/\{"id":"c5","res$/, ''),
    );
    const partial = await runExperiment(phased, cfg, { ...opts(), maxPhase: 0, batchSize: 1 });
    assert.equal(partial.summary, undefined);
    const whole = await runExperiment(phased, cfg, { ...opts(), batchSize: 1 });
    assert.equal(whole.summary?.summary.sum, SUM);
  });
});

describe('progress', () => {
  it('reports start, cached cases, each batch and stop', async () => {
    const events: ProgressEvent[] = [];
    await runExperiment(fakeExperiment({ failAfter: 4 }).exp, cfg, { ...opts(), batchSize: 2 }).catch(
      () => {},
    );
    const onProgress = new CallbackProgress((e) => events.push(e));
    await runExperiment(fakeExperiment().exp, cfg, { ...opts(), batchSize: 2, onProgress });
    // stored: [c0 c2] [c4 c6]; left: [c8] [c1 c3] [c5 c7] [c9]
    assert.deepEqual(
      events.map((e) => `${e.phase}:${e.done}/${e.total}`),
      [
        'start:0/10',
        'update:4/10',
        'update:5/10',
        'update:7/10',
        'update:9/10',
        'update:10/10',
        'stop:10/10',
      ],
    );
  });

  it('the line logger prints every ~10% or 30 s', () => {
    const lines: string[] = [];
    let t = 0;
    const lp = new LineProgress({ write: (l) => lines.push(l), now: () => t });
    lp.start(100, 'fake');
    for (let d = 1; d <= 100; d++) {
      t += 100;
      lp.update(d);
    }
    lp.update(100);
    t += 31_000;
    lp.update(100);
    lp.stop();
    assert.equal(lines.length, 1 + 10 + 1 + 1);
    assert.match(lines[1], /^\[fake\] 10\/100 \(10%\), elapsed 1\.0s, eta 9\.\ds/);
    assert.match(lines[12], /^\[fake\] done 100\/100 \(100%\)/);
  });
});

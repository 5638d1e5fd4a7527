/**
 * Experiment runner and results cache (README, Design), generic over experiments.
 *
 * A run's identity is `runHash(exp, cfg)` = 12 hex digits of sha256(canonical JSON of {experiment, version,
 * config}). Its directory `<resultsDir>/<name>/<hash>/` holds:
 * - `config.json`: {experiment, version, hash, config}, written atomically; compared on every later run;
 * - `cases.jsonl`: one `{"id":…,"result":…}` line per finished case, appended + fsync'ed after each batch;
 *   `cases.shard-i-of-n.jsonl` for `--shard i/n` runs (whole batches of the run's layout, runner/layout.ts),
 *   joined by `mergeShards`;
 * - `runs.jsonl` / `runs.shard-i-of-n.jsonl`: one timing line per invocation that computed cases, with its batch
 *   size (`stack`: a run is resumed only at the size it was computed at);
 * - `summary.json`: {experiment, version, hash, summary, meta, digest}, written atomically once every case is done.
 *   Only `meta` ({seconds, cases, startedAt, finishedAt, backend?}) varies between equivalent runs: seconds
 *   is the wall time summed over all invocations (and shards) that computed cases. `digest` (runner/stored.ts) is
 *   checked on every read: an edited summary is rewritten from the cases by a run and an error elsewhere; edited
 *   cases are an error. Case rows of the wrong shape are one error naming the file, the case and the field.
 * Results are stored as JSON, and `summarize` always sees them as read back from JSON (NaN → null), so a
 * resumed or merged run summarises exactly like an uninterrupted one.
 *
 * `cases` and `summarize` stay synchronous (so do `loadResults` and `mergeShards`). State they need that takes
 * device reads to build (the experiments' model + pool session; host reads are async on WebGPU) is built by the
 * optional async `prepare(cfg)`, which `runExperiment` awaits first, and looked up synchronously. The synchronous
 * `loadResults` and `mergeShards` do not call it: their callers await `exp.prepare?.(cfg)` first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendLinesDurable, FileError, readJsonFile, readJsonLines, writeFileAtomic } from '../util/atomic';
import { canonicalJson, jsonDiff, shortHash } from '../util/hash';
import { lockResultsDir } from '../util/lock';
import type {
  AnyExperiment,
  CaseRow,
  Experiment,
  ResultPaths,
  RunContext,
  RunMeta,
  RunOptions,
  RunOutcome,
  Shard,
  SummaryFile,
} from './experiment';
import { batchLayout, shardBatches, shardOfBatch } from './layout';
import { checkDigest, summaryDigest, useStored } from './stored';

export type * from './experiment';

export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  const shard = m ? { index: Number(m[1]), count: Number(m[2]) } : undefined;
  if (!shard || shard.count < 1 || shard.index >= shard.count) {
    throw new Error(`invalid shard "${s}": expected i/n with 0 <= i < n, e.g. 0/4`);
  }
  return shard;
}

export function runHash(exp: AnyExperiment, cfg: unknown): string {
  return shortHash({ experiment: exp.name, version: exp.version, config: cfg });
}

export function resultPaths(exp: AnyExperiment, cfg: unknown, resultsDir = 'results'): ResultPaths {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(exp.name))
    throw new Error(`invalid experiment name "${exp.name}"`);
  const hash = runHash(exp, cfg);
  const dir = path.join(resultsDir, exp.name, hash);
  const tag = (s: Shard) => `shard-${s.index}-of-${s.count}`;
  return {
    hash,
    dir,
    config: path.join(dir, 'config.json'),
    cases: path.join(dir, 'cases.jsonl'),
    summary: path.join(dir, 'summary.json'),
    runs: path.join(dir, 'runs.jsonl'),
    layout: path.join(dir, 'layout.json'),
    shardCases: (s) => path.join(dir, `cases.${tag(s)}.jsonl`),
    shardRuns: (s) => path.join(dir, `runs.${tag(s)}.jsonl`),
  };
}

/** The stored summary, or undefined when the run has not finished. */
export function loadSummary<Cfg, Case extends { id: string }, Res, S>(
  exp: Experiment<Cfg, Case, Res, S>,
  cfg: Cfg,
  resultsDir = 'results',
): SummaryFile<S> | undefined {
  const p = resultPaths(exp, cfg, resultsDir);
  if (!fs.existsSync(p.summary)) return undefined;
  const s = readJsonFile<SummaryFile<S>>(p.summary, 'summary');
  if (s?.experiment !== exp.name || s.version !== exp.version || s.hash !== p.hash) {
    throw new FileError(p.summary, `not the summary of ${exp.name} v${exp.version} run ${p.hash}`);
  }
  const bad = summaryFieldProblem(s);
  if (bad) throw new FileError(p.summary, bad);
  checkDigest(p.summary, s, storedRows(p), p.cases);
  return s;
}

/** Every stored case row of a run (main file and shard files; read-only, no check of the ids), by id. */
function storedRows(p: ResultPaths): Map<string, unknown> {
  const rows = new Map<string, unknown>();
  for (const file of [p.cases, ...shardFiles(p.dir, 'cases')])
    for (const { value } of readJsonLines(file, 'case', { validate: validateRow }))
      rows.set((value as CaseRow<unknown>).id, (value as CaseRow<unknown>).result);
  return rows;
}

/** The first missing or mistyped field of a summary file (`field "meta.seconds" is missing …`), or undefined. */
function summaryFieldProblem(s: SummaryFile<unknown>): string | undefined {
  const want: [string, unknown, string][] = [
    ['summary', s.summary, 'object'],
    ['meta', s.meta, 'object'],
    ['meta.seconds', s.meta?.seconds, 'number'],
    ['meta.cases', s.meta?.cases, 'number'],
    ['meta.startedAt', s.meta?.startedAt, 'string'],
    ['meta.finishedAt', s.meta?.finishedAt, 'string'],
  ];
  for (const [field, v, type] of want) {
    if (v === undefined) return `field "${field}" is missing`;
    if (typeof v !== type || v === null)
      return `field "${field}" must be a ${type}, got ${JSON.stringify(v)}`;
  }
  return undefined;
}

/** Finished cases (main file and shard files), in case order; read-only. */
export function loadResults<Cfg, Case extends { id: string }, Res>(
  exp: Experiment<Cfg, Case, Res, unknown>,
  cfg: Cfg,
  resultsDir = 'results',
): CaseRow<Res>[] {
  const p = resultPaths(exp, cfg, resultsDir);
  const cases = checkedCases(exp, cfg);
  const done = collect(cases, [p.cases, ...shardFiles(p.dir, 'cases')], undefined, () => {}, false);
  return cases.filter((c) => done.has(c.id)).map((c) => ({ id: c.id, result: done.get(c.id) as Res }));
}

/** Runs (or resumes) `exp` on `cfg`, holding the results directory's lock (util/lock.ts) meanwhile. */
export async function runExperiment<Cfg, Case extends { id: string }, Res, Summary>(
  exp: Experiment<Cfg, Case, Res, Summary>,
  cfg: Cfg,
  opts: RunOptions = {},
): Promise<RunOutcome<Res, Summary>> {
  const release = lockResultsDir(opts.resultsDir ?? 'results', opts.shard, opts.onWarn);
  try {
    return await runUnlocked(exp, cfg, opts);
  } finally {
    release();
  }
}

async function runUnlocked<Cfg, Case extends { id: string }, Res, Summary>(
  exp: Experiment<Cfg, Case, Res, Summary>,
  cfg: Cfg,
  opts: RunOptions,
): Promise<RunOutcome<Res, Summary>> {
  const startedAt = new Date();
  const warn = opts.onWarn ?? ((m: string) => console.warn(m));
  const p = resultPaths(exp, cfg, opts.resultsDir);
  const { shard } = opts;
  const batchSize = opts.batchSize ?? exp.defaultBatchSize ?? 1;
  await exp.prepare?.(cfg);
  const all = checkedCases(exp, cfg);
  // the batches are fixed by the case list and the batch size (runner/layout.ts): a shard takes whole batches
  const batches = shardBatches(layoutOf(exp, all, batchSize), shard).filter(
    (b) => opts.maxPhase === undefined || b.phase <= opts.maxPhase,
  );
  const scope = batches
    .flatMap((b) => b.cases)
    .sort((a, b) => a - b)
    .map((i) => all[i]);
  ensureConfig(exp, cfg, p);
  const own = shard ? p.shardCases(shard) : p.cases;
  const ownRuns = shard ? p.shardRuns(shard) : p.runs;
  if (opts.force) {
    const extra = shard
      ? []
      : [p.summary, p.layout, ...shardFiles(p.dir, 'cases'), ...shardFiles(p.dir, 'runs')];
    for (const f of [own, ownRuns, ...extra]) fs.rmSync(f, { force: true });
  }
  const done = collect(all, [own, ...(shard ? [p.cases] : shardFiles(p.dir, 'cases'))], own, warn, !shard);

  // a batch with any case missing is computed whole (its neighbours are part of its cases' results)
  const todo = batches
    .filter((b) => b.cases.some((i) => !done.has(all[i].id)))
    .map((b) => b.cases.map((i) => all[i]));
  const missing = todo.reduce((a, b) => a + b.filter((c) => !done.has(c.id)).length, 0);
  const ctx: RunContext = {
    dir: p.dir,
    hash: p.hash,
    shard,
    signal: opts.signal,
    backend: opts.backend,
    warn,
    // read-only, like loadResults: a last line another worker is writing right now is skipped
    stored: () => collect(all, [p.cases, ...shardFiles(p.dir, 'cases')], undefined, () => {}, false),
  };
  const progress = opts.onProgress;
  let ran = 0;
  if (todo.length > 0) {
    checkStack(exp.name, p, batchSize);
    progress?.start(scope.length, shard ? `${exp.name} ${shard.index}/${shard.count}` : exp.name);
    progress?.update(scope.length - missing, { ran });
    try {
      for (const batch of todo) {
        opts.signal?.throwIfAborted();
        const results = await exp.runBatch(cfg, batch, ctx);
        if (!Array.isArray(results) || results.length !== batch.length) {
          const got = Array.isArray(results) ? `${results.length} results` : typeof results;
          throw new Error(`${exp.name}.runBatch returned ${got} for ${batch.length} cases (${batch[0].id}…)`);
        }
        const bad = batch.findIndex((_, i) => results[i] === undefined);
        if (bad >= 0) throw new Error(`${exp.name}.runBatch returned undefined for case "${batch[bad].id}"`);
        const fresh = batch.flatMap((c, i) =>
          done.has(c.id) ? [] : [{ c, line: JSON.stringify({ id: c.id, result: results[i] }) }],
        );
        appendLinesDurable(
          own,
          fresh.map((f) => f.line),
        );
        for (const { c, line } of fresh) done.set(c.id, (JSON.parse(line) as CaseRow<Res>).result);
        ran += fresh.length;
        progress?.update(scope.length - missing + ran, { ran, lastId: batch[batch.length - 1].id });
      }
    } catch (e) {
      // a failure to log the run (the same full disk) must not hide the failure that stopped it
      if (ran > 0) {
        try {
          logRun(ownRuns, startedAt, ran, ctx.backend, batchSize);
        } catch (l) {
          warn(`${(l as Error).message} (the run's timing line is lost; its cases are kept)`);
        }
      }
      throw e;
    } finally {
      progress?.stop();
    }
    if (ran > 0) logRun(ownRuns, startedAt, ran, ctx.backend, batchSize);
  }
  const out = outcome<Res, Summary>(p, scope, done, ran);
  out.results = scope.map((c) => done.get(c.id) as Res);
  if (!shard && scope.length === all.length) {
    // batches append in layout order; a finished run's file is kept in case order, as a merged one is
    if (ran > 0 && out.missing.length === 0) writeCasesInOrder(p.cases, all, done);
    let cached: SummaryFile<Summary> | undefined;
    try {
      cached = ran === 0 ? loadSummary(exp, cfg, opts.resultsDir) : undefined;
    } catch (e) {
      // a damaged or edited summary is rewritten from the cases; changed cases are an error (never summarised)
      if (!(e instanceof FileError) || e.file !== p.summary) throw e;
      warn(`${e.message}; rewriting it from the cases`);
    }
    // a summary written before digests existed is not trusted as stored: it is rebuilt from the cases by this
    // code (the same numbers where the analysis has not changed since) and written with its digest
    if (cached !== undefined && cached.digest === undefined) {
      warn(`${p.summary} has no digest (written before 2026-12-06): rebuilding it from the cases`);
      cached = undefined;
    }
    out.summary = cached ?? writeSummary(exp, cfg, p, all, done, warn);
  }
  return out;
}

/**
 * `(k, n) => the shard of --shard i/n that computes case k` of this run: its batch layout at the batch size it was
 * computed at (`layout.json`; without one, the experiment's default).
 */
export function caseShards(
  exp: AnyExperiment,
  cfg: unknown,
  resultsDir = 'results',
): (k: number, n: number) => number {
  const stored = storedLayout(resultPaths(exp, cfg, resultsDir))?.stack;
  const size = typeof stored === 'number' ? stored : (exp.defaultBatchSize ?? 1);
  const batchOf: number[] = [];
  layoutOf(exp, exp.cases(cfg), size).forEach((b, j) => {
    for (const k of b.cases) batchOf[k] = j;
  });
  return (k, n) => shardOfBatch(batchOf[k], n);
}

/** The run's batches (runner/layout.ts) for its case list, its phases and a batch size. */
function layoutOf<Case extends { id: string }>(
  exp: Experiment<unknown, Case, unknown>,
  cases: Case[],
  batchSize: number,
) {
  return batchLayout(cases.length, batchSize, (i) => exp.phase?.(cases[i]) ?? 0);
}

/** The run's `layout.json` ({stack}: its batch size), or undefined when it has none. */
function storedLayout(p: ResultPaths): { stack?: unknown } | undefined {
  return fs.existsSync(p.layout) ? (readJsonFile(p.layout, 'run layout') as { stack?: unknown }) : undefined;
}

/** Deletes every stored result of a run (main and shard files, summary); what `force` does for a whole run. */
export function forgetRun(exp: AnyExperiment, cfg: unknown, resultsDir = 'results'): void {
  const p = resultPaths(exp, cfg, resultsDir);
  for (const f of [
    p.cases,
    p.runs,
    p.summary,
    p.layout,
    ...shardFiles(p.dir, 'cases'),
    ...shardFiles(p.dir, 'runs'),
  ])
    fs.rmSync(f, { force: true });
}

/** Joins shard files (and the main file) into `cases.jsonl`; writes the summary once every case is present. */
export function mergeShards<Cfg, Case extends { id: string }, Res, Summary>(
  exp: Experiment<Cfg, Case, Res, Summary>,
  cfg: Cfg,
  opts: { resultsDir?: string; onWarn?: (message: string) => void } = {},
): RunOutcome<Res, Summary> {
  const release = lockResultsDir(opts.resultsDir ?? 'results', undefined, opts.onWarn);
  try {
    return mergeUnlocked(exp, cfg, opts);
  } finally {
    release();
  }
}

function mergeUnlocked<Cfg, Case extends { id: string }, Res, Summary>(
  exp: Experiment<Cfg, Case, Res, Summary>,
  cfg: Cfg,
  opts: { resultsDir?: string; onWarn?: (message: string) => void },
): RunOutcome<Res, Summary> {
  const warn = opts.onWarn ?? ((m: string) => console.warn(m));
  const p = resultPaths(exp, cfg, opts.resultsDir);
  if (!fs.existsSync(p.config))
    throw new FileError(p.config, `run ${p.hash} of ${exp.name} was never started`);
  ensureConfig(exp, cfg, p);
  const all = checkedCases(exp, cfg);
  // an incomplete merge changes no file: cases.jsonl gets the shards' rows only with the summary
  const files = [p.cases, ...shardFiles(p.dir, 'cases')];
  const done = collect(all, files, p.cases, warn, false);
  const out = outcome<Res, Summary>(p, all, done, 0);
  if (out.missing.length === 0) {
    collect(all, files, p.cases, warn, true); // the shards' rows into cases.jsonl (case order)
    out.summary = writeSummary(exp, cfg, p, all, done, warn);
  }
  return out;
}

function outcome<Res, S>(p: ResultPaths, scope: { id: string }[], done: Map<string, unknown>, ran: number) {
  const missing = scope.filter((c) => !done.has(c.id)).map((c) => c.id);
  const total = scope.length;
  const out: RunOutcome<Res, S> = {
    hash: p.hash,
    dir: p.dir,
    total,
    done: total - missing.length,
    ran,
    missing,
  };
  return out;
}

function checkedCases<Cfg, Case extends { id: string }>(
  exp: Experiment<Cfg, Case, unknown>,
  cfg: Cfg,
): Case[] {
  const cases = exp.cases(cfg);
  const seen = new Set<string>();
  cases.forEach((c, i) => {
    const bad =
      typeof c?.id !== 'string' || c.id === '' ? 'has no string id' : seen.has(c.id) ? 'repeats an id' : '';
    if (bad) throw new Error(`${exp.name}.cases(): case ${i} (id ${JSON.stringify(c?.id)}) ${bad}`);
    seen.add(c.id);
  });
  return cases;
}

/** Writes config.json, or checks it: a mismatch names the file and the first differing key. */
function ensureConfig(exp: AnyExperiment, cfg: unknown, p: ResultPaths): void {
  const want = JSON.parse(
    canonicalJson({ experiment: exp.name, version: exp.version, hash: p.hash, config: cfg }),
  );
  if (!fs.existsSync(p.config)) writeFileAtomic(p.config, `${JSON.stringify(want, null, 2)}\n`);
  const diff = jsonDiff(readJsonFile(p.config, 'run config'), want);
  if (diff) throw new FileError(p.config, `stored config differs from this run's ${diff}`);
}

function shardFiles(dir: string, kind: 'cases' | 'runs'): string[] {
  const re = new RegExp(`^${kind}\\.shard-\\d+-of-\\d+\\.jsonl$`);
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => re.test(f)) : [];
  return names.sort().map((f) => path.join(dir, f));
}

function validateRow(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'not an object';
  if (typeof (v as CaseRow<unknown>).id !== 'string') return 'field "id" is not a string';
  return 'result' in v ? undefined : 'field "result" is missing';
}

/**
 * id → result from `files` (the first is the main file of this run, repaired if `owned`); unknown ids and
 * conflicting duplicates throw. With `absorb`, rows the first file lacks are written into it (case order).
 */
function collect(
  cases: { id: string }[],
  files: string[],
  owned: string | undefined,
  warn: (m: string) => void,
  absorb: boolean,
): Map<string, unknown> {
  const known = new Set(cases.map((c) => c.id));
  const [done, where] = [new Map<string, unknown>(), new Map<string, string>()];
  let inFirst = 0;
  for (const file of files) {
    const opts = { validate: validateRow, repairLastLine: file === owned, onWarn: warn };
    for (const { line, value } of readJsonLines(file, 'case', opts)) {
      const { id, result } = value as CaseRow<unknown>;
      if (!known.has(id))
        throw new FileError(file, `unknown case id "${id}" (cases changed, same version?)`, line);
      const prev = where.get(id);
      if (prev !== undefined && canonicalJson(done.get(id)) !== canonicalJson(result)) {
        const fix = `the stored results of run ${path.dirname(file)} disagree: rerun with --force to recompute it`;
        throw new FileError(file, `case "${id}" conflicts with ${prev} (${fix})`, line);
      }
      if (file === files[0]) inFirst++;
      if (prev === undefined) where.set(id, `${file}, line ${line}`);
      done.set(id, result);
    }
  }
  if (absorb && inFirst !== done.size) writeCasesInOrder(files[0], cases, done);
  return done;
}

/** Rewrites `file` atomically with the stored results of `cases`, in case order. */
function writeCasesInOrder(file: string, cases: { id: string }[], done: Map<string, unknown>): void {
  const rows = cases
    .filter((c) => done.has(c.id))
    .map((c) => JSON.stringify({ id: c.id, result: done.get(c.id) }));
  writeFileAtomic(file, `${rows.join('\n')}\n`);
}

function logRun(
  file: string,
  startedAt: Date,
  cases: number,
  backend: string | undefined,
  stack: number,
): void {
  const finishedAt = new Date();
  const seconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
  const row = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds,
    cases,
    backend,
    stack,
  };
  appendLinesDurable(file, [JSON.stringify(row)]);
}

/**
 * A run is computed at one batch size (`--stack`): the batches, and so the last digits of its continuous numbers,
 * depend on it (runner/layout.ts). The first invocation that computes cases writes it to `layout.json` (before any
 * case, so a killed run has it too); a later one that asks for another size is an error. A finished run is read
 * whatever the size asked for. Runs stored before the file existed have none and are not checked.
 */
function checkStack(name: string, p: ResultPaths, batchSize: number): void {
  const stored = storedLayout(p);
  if (stored !== undefined) {
    const { stack } = stored;
    if (stack === batchSize) return;
    throw new FileError(
      p.layout,
      `${name} run ${p.hash} was computed in batches of ${JSON.stringify(stack)} cases (--stack ${stack}), this one asks for ${batchSize}: resume it with --stack ${stack}, or recompute it with --force`,
    );
  }
  writeFileAtomic(p.layout, `${JSON.stringify({ stack: batchSize })}\n`);
}

/** summary.json from all results; meta sums the run logs of the main run and every shard. */
function writeSummary<Cfg, Res, Summary>(
  exp: Experiment<Cfg, { id: string }, Res, Summary>,
  cfg: Cfg,
  p: ResultPaths,
  cases: { id: string }[],
  done: Map<string, unknown>,
  warn: (m: string) => void,
): SummaryFile<Summary> {
  const results = cases.map((c) => done.get(c.id) as Res);
  const runs = [p.runs, ...shardFiles(p.dir, 'runs')].flatMap((f) =>
    readJsonLines(f, 'run log', { repairLastLine: f === p.runs, onWarn: warn }).map(
      (r) => r.value as RunMeta,
    ),
  );
  const now = new Date().toISOString();
  const [starts, ends] = [runs.map((r) => r.startedAt).sort(), runs.map((r) => r.finishedAt).sort()];
  const seconds = Math.round(runs.reduce((a, r) => a + (r.seconds || 0), 0) * 1000) / 1000;
  const meta: RunMeta = {
    seconds,
    cases: results.length,
    startedAt: starts[0] ?? now,
    finishedAt: ends.pop() ?? now,
  };
  const backends = [...new Set(runs.map((r) => r.backend).filter((b): b is string => !!b))];
  if (backends.length > 0) meta.backend = backends.join(',');
  // case rows of the wrong shape: one error naming the file, the case and the field (runner/stored.ts)
  const summary = JSON.parse(
    JSON.stringify(
      useStored(
        p.cases,
        results,
        (r) => exp.summarize(cfg, r),
        (at) => caseField(at, cases),
      ),
    ),
  ) as Summary;
  const digest = summaryDigest(done, summary);
  const file = { experiment: exp.name, version: exp.version, hash: p.hash, summary, meta, digest };
  const text = `${JSON.stringify(file, null, 2)}\n`;
  writeFileAtomic(p.summary, text);
  return JSON.parse(text) as SummaryFile<Summary>;
}

/** A traced path into the results array (`$[17].grid.x`) as words: `case "id" field "result.grid.x"`. */
function caseField(at: string, cases: { id: string }[]): string {
  const m = /^\$\[(\d+)\]\.?(.*)$/.exec(at);
  if (!m) return `field "${at}"`;
  return `case "${cases[Number(m[1])]?.id}": field "result${m[2] ? `.${m[2]}` : ''}"`;
}

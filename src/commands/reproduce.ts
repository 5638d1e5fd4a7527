/**
 * `beacons reproduce [--scale smoke|toy|paper] [--only a,b] [--seeds 0,1,2] [--model dir] [--data file]
 *                    [--shard i/n] [--workers n] [--stack n] [--results dir] [--force] [--no-figures]`
 * With --workers n (default and at most: one per core) the sweep runs as n child processes on shards, merged at
 * the end. --stack n: at most n cases (adapters trained side by side) per batch; it changes speed, not results.
 * One run at a time per results directory (a lock file; see util/lock.ts).
 * Runs the five experiments (cached: a rerun skips finished cases), then writes figures and results/SUMMARY.md.
 * `beacons merge [same options]` joins the files of a sharded sweep and writes the summaries.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { backendInfo } from '../backend';
import type { CommonConfig, CommonOptions } from '../experiments/common';
import { session } from '../experiments/common';
import type { PromptFormat } from '../experiments/facts';
import { EXPERIMENTS, findExperiments } from '../experiments/index';
import { createProgressGroup } from '../experiments/progress';
import { forgetRun, mergeShards, parseShard, runExperiment } from '../experiments/runner';
import { writeReport } from '../report/write';
import { lockResultsDir } from '../util/lock';
import { describeMissing } from '../util/shards';
import { capWorkers, coreCount, runWorkers } from '../util/workers';

const OPTIONS = {
  scale: { type: 'string', default: process.env.BEACONS_SCALE ?? 'toy' },
  only: { type: 'string' },
  seeds: { type: 'string' },
  lr: { type: 'string' },
  model: { type: 'string' },
  data: { type: 'string' },
  shard: { type: 'string' },
  'prompt-format': { type: 'string', default: 'plain' },
  results: { type: 'string', default: 'results' },
  force: { type: 'boolean', default: false },
  'no-figures': { type: 'boolean', default: false },
  workers: { type: 'string' },
  stack: { type: 'string' },
  backend: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

function parseFormat(f: string | undefined): PromptFormat {
  if (f === undefined || f === 'plain' || f === 'llama2-chat') return f ?? 'plain';
  throw new Error(`--prompt-format must be plain or llama2-chat, got '${f}'`);
}

function parse(argv: string[]) {
  const { values } = parseArgs({ args: argv, options: OPTIONS });
  const common: CommonOptions & { lr?: number } = {
    scale: values.scale,
    model: values.model,
    data: values.data ?? null,
    promptFormat: parseFormat(values['prompt-format']),
    seeds: values.seeds ? values.seeds.split(',').map((s) => Number(s.trim())) : undefined,
    lr: values.lr !== undefined ? Number(values.lr) : undefined,
  };
  if (common.seeds?.some((s) => !Number.isInteger(s)))
    throw new Error(`--seeds must be integers, got '${values.seeds}'`);
  if (common.lr !== undefined && !(common.lr > 0))
    throw new Error(`--lr must be a positive number, got '${values.lr}'`);
  const stack = values.stack === undefined ? undefined : Number(values.stack);
  if (stack !== undefined && !(Number.isSafeInteger(stack) && stack >= 1))
    throw new Error(`--stack must be a positive integer, got '${values.stack}'`);
  return { values, common, stack };
}

export async function run(argv: string[]): Promise<void> {
  const { values, common, stack } = parse(argv);
  if (values.help) {
    console.log((await import('node:fs')).readFileSync(__filename, 'utf8').split('*/')[0]);
    return;
  }
  const entries = findExperiments(values.only);
  const shard = values.shard ? parseShard(values.shard) : undefined;
  const asked = values.workers !== undefined ? Number(values.workers) : defaultWorkers();
  if (!Number.isInteger(asked) || asked < 1)
    throw new Error(`--workers must be a positive integer, got '${values.workers}'`);
  const workers = capWorkers(asked, (m) => console.error(m));
  // building the configs checks the options and the model directory before any work starts
  const cfgs = entries.map((e) => e.config(common));
  lockResultsDir(values.results, shard); // held until this process exits
  if (shard === undefined && workers > 1)
    return runWithWorkers(argv, workers, values.results, entries, common);
  const t0 = Date.now();
  // load the model and the pool once, before the bars start
  await prepareAll(entries, cfgs);
  const s = session(cfgs[0] as CommonConfig);
  console.error(
    `[reproduce] model ${s.loaded.dir}: ${s.poolInfo.known} known facts of ${s.poolInfo.considered} records; scale ${common.scale}`,
  );
  const group = createProgressGroup((process.env.BEACONS_PROGRESS as 'lines' | undefined) ?? 'auto');
  const timings: { name: string; seconds: number; ran: number; total: number }[] = [];
  try {
    for (const [i, e] of entries.entries()) {
      const t = Date.now();
      const out = await runExperiment(e.experiment, cfgs[i], {
        resultsDir: values.results,
        shard,
        force: values.force,
        batchSize: stack,
        onProgress: group.reporter(),
        backend: backendInfo()?.name,
      });
      timings.push({
        name: e.experiment.name,
        seconds: (Date.now() - t) / 1000,
        ran: out.ran,
        total: out.total,
      });
    }
  } finally {
    group.stop();
  }
  for (const t of timings)
    console.error(`[reproduce] ${t.name}: ${t.ran}/${t.total} cases computed in ${t.seconds.toFixed(1)} s`);
  if (shard === undefined) {
    await writeAllReports(common, values.results, {
      figures: !values['no-figures'],
      scale: common.scale ?? 'toy',
    });
    console.error(`[reproduce] wrote ${path.join(values.results, 'SUMMARY.md')}`);
  }
  console.error(`[reproduce] total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** Awaits each experiment's `prepare` (the model + pool session, loaded once): cases() and summarize() need it. */
async function prepareAll(entries: ReturnType<typeof findExperiments>, cfgs: unknown[]): Promise<void> {
  for (const [i, e] of entries.entries()) await e.experiment.prepare?.(cfgs[i]);
}

/** One worker per core by default (BEACONS_WORKERS overrides); the sweep's cases are split by --shard. */
function defaultWorkers(): number {
  if (process.env.BEACONS_WORKERS) return Number(process.env.BEACONS_WORKERS);
  return Math.max(1, Math.min(coreCount(), 8));
}

/**
 * Runs `workers` child processes, each `reproduce --shard i/n` with its own tfjs backend, then merges their result
 * files and writes the report. A failed worker fails the run (finished cases stay cached for a rerun).
 */
async function runWithWorkers(
  argv: string[],
  workers: number,
  resultsDir: string,
  entries: ReturnType<typeof findExperiments>,
  common: CommonOptions,
): Promise<void> {
  const t0 = Date.now();
  const cli = path.join(fs.realpathSync(__dirname), '..', 'cli.ts');
  console.error(`[reproduce] ${workers} workers (--workers 1 for a single process)`);
  // --force: the workers each clear their own shard; the whole run's files are cleared here
  if (parse(argv).values.force)
    for (const e of entries) forgetRun(e.experiment, e.config(common), resultsDir);
  await runWorkers(workers, {
    script: cli,
    args: (i) => ['reproduce', ...argv, '--shard', `${i}/${workers}`, '--workers', '1', '--no-figures'],
    env: { BEACONS_PROGRESS: 'lines', BEACONS_LOCK_OWNER: String(process.pid) },
    onStart: (pids) => console.error(`[reproduce] worker pids ${pids.join(', ')}`),
  }).catch((e: Error) => {
    throw new Error(`${e.message}; finished cases are cached, rerun to resume`);
  });
  const cfgs = entries.map((e) => e.config(common));
  await prepareAll(entries, cfgs); // mergeShards calls cases() and summarize()
  entries.forEach((e, i) => {
    const out = mergeShards(e.experiment, cfgs[i], { resultsDir });
    if (out.missing.length > 0)
      throw new Error(describeMissing(e.experiment.name, out, e.experiment.cases(cfgs[i])));
  });
  const { values } = parse(argv);
  await writeAllReports(common, resultsDir, {
    figures: !values['no-figures'],
    scale: common.scale ?? 'toy',
  });
  console.error(
    `[reproduce] wrote ${path.join(resultsDir, 'SUMMARY.md')}; total ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}

/**
 * SUMMARY.md and figures for every experiment that has a finished run with these options (not only those run now:
 * `--only` must not drop the other findings from the report).
 */
async function writeAllReports(
  common: CommonOptions,
  resultsDir: string,
  opts: { figures: boolean; scale: string },
) {
  await writeReport(
    EXPERIMENTS,
    EXPERIMENTS.map((e) => e.config(common)),
    resultsDir,
    opts,
  );
}

export async function merge(argv: string[]): Promise<void> {
  const { values, common } = parse(argv);
  const entries = findExperiments(values.only);
  const cfgs = entries.map((e) => e.config(common));
  lockResultsDir(values.results); // held until this process exits
  await prepareAll(entries, cfgs); // mergeShards calls cases() and summarize()
  const incomplete: string[] = [];
  entries.forEach((e, i) => {
    const out = mergeShards(e.experiment, cfgs[i], { resultsDir: values.results });
    console.error(
      `[merge] ${e.experiment.name}: ${out.done}/${out.total} cases${out.missing.length ? `, ${out.missing.length} missing` : ''}`,
    );
    if (out.missing.length > 0)
      incomplete.push(describeMissing(e.experiment.name, out, e.experiment.cases(cfgs[i])));
  });
  if (incomplete.length > 0) throw new Error(`merge incomplete, nothing written: ${incomplete.join('; ')}`);
  await writeAllReports(common, values.results, {
    figures: !values['no-figures'],
    scale: common.scale ?? 'toy',
  });
}

/**
 * `beacons reproduce [--scale smoke|toy|paper] [--only a,b] [--seeds 0,1,2] [--model dir] [--data file]
 *                    [--shard i/n] [--workers n] [--results dir] [--force] [--no-figures]`
 * With --workers n (default: one per core) the sweep runs as n child processes on shards, merged at the end.
 * Runs the five experiments (cached: a rerun skips finished cases), then writes figures and results/SUMMARY.md.
 * `beacons merge [same options]` joins the files of a sharded sweep and writes the summaries.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import { backendInfo } from '../backend';
import { EXPERIMENTS, findExperiments } from '../findings/index';
import type { CommonConfig, CommonOptions } from '../knowledge/config';
import { session } from '../knowledge/config';
import type { PromptFormat } from '../knowledge/facts';
import { writeReport } from '../report/write';
import { createProgressGroup } from '../runner/progress';
import { mergeShards, parseShard, runExperiment } from '../runner/runner';

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
  return { values, common };
}

export async function run(argv: string[]): Promise<void> {
  const { values, common } = parse(argv);
  if (values.help) {
    console.log((await import('node:fs')).readFileSync(__filename, 'utf8').split('*/')[0]);
    return;
  }
  const entries = findExperiments(values.only);
  const shard = values.shard ? parseShard(values.shard) : undefined;
  const workers = values.workers !== undefined ? Number(values.workers) : defaultWorkers();
  if (!Number.isInteger(workers) || workers < 1)
    throw new Error(`--workers must be a positive integer, got '${values.workers}'`);
  // building the configs checks the options and the model directory before any work starts
  const cfgs = entries.map((e) => e.config(common));
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
  return Math.max(1, Math.min(os.cpus().length, 8));
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
  const codes = await Promise.all(
    Array.from(
      { length: workers },
      (_, i) =>
        new Promise<number>((resolve) => {
          const child = spawn(
            process.execPath,
            [
              '--import',
              'tsx',
              cli,
              'reproduce',
              ...argv,
              '--shard',
              `${i}/${workers}`,
              '--workers',
              '1',
              '--no-figures',
            ],
            { stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, BEACONS_PROGRESS: 'lines' } },
          );
          readline.createInterface({ input: child.stderr! }).on('line', (line) => {
            if (!/^(Hi, looks like|=+$|$)/.test(line)) console.error(`[worker ${i}] ${line}`);
          });
          child.on('close', (code) => resolve(code ?? 1));
        }),
    ),
  );
  if (codes.some((c) => c !== 0))
    throw new Error(`worker(s) failed (exit codes ${codes.join(', ')}); rerun to resume`);
  const cfgs = entries.map((e) => e.config(common));
  await prepareAll(entries, cfgs); // mergeShards calls cases() and summarize()
  entries.forEach((e, i) => {
    const out = mergeShards(e.experiment, cfgs[i], { resultsDir });
    if (out.missing.length > 0)
      throw new Error(`${e.experiment.name}: ${out.missing.length} cases missing after merge`);
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
  await writeReport(EXPERIMENTS, common, resultsDir, opts);
}

export async function merge(argv: string[]): Promise<void> {
  const { values, common } = parse(argv);
  const entries = findExperiments(values.only);
  const cfgs = entries.map((e) => e.config(common));
  await prepareAll(entries, cfgs); // mergeShards calls cases() and summarize()
  entries.forEach((e, i) => {
    const out = mergeShards(e.experiment, cfgs[i], { resultsDir: values.results });
    console.error(
      `[merge] ${e.experiment.name}: ${out.done}/${out.total} cases${out.missing.length ? `, ${out.missing.length} missing` : ''}`,
    );
  });
  await writeAllReports(common, values.results, {
    figures: !values['no-figures'],
    scale: common.scale ?? 'toy',
  });
}

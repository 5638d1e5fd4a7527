/**
 * `beacons reproduce [options]` (the options: SPEC below; `beacons reproduce --help` prints them).
 * With --workers n (default and at most: one per core) the sweep runs as n child processes on shards (whole batches
 * of the run's layout, runner/layout.ts: the results do not depend on n), merged at the end. --stack n: at most n
 * cases (adapters trained side by side) per batch; a run is resumed only at the size it started with (on wasm,
 * continuous numbers such as ‖ΔW‖ can move in their last digits with it: README, Reliability).
 * One run at a time per results directory (a lock file; see util/lock.ts).
 * Runs the six experiments (cached: a rerun skips finished cases), then writes figures and results/SUMMARY.md.
 * `beacons merge [same options]` joins the files of a sharded sweep and writes the summaries.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { backendInfo } from '../backend';
import { modelResultsDir, modelsExtra } from '../findings/across/models';
import { setAccuracyRegimesExtra } from '../findings/across/set-accuracy-regimes';
import { setRegimeDir, setRegimeLabel, setRegimesExtra } from '../findings/across/set-regimes';
import { EXPERIMENTS, findExperiments, setRateFindings } from '../findings/index';
import type { CommonConfig, CommonOptions } from '../knowledge/config';
import { session } from '../knowledge/config';
import { getScale } from '../knowledge/scales';
import { DEFAULT_MODEL_NAME, SHIPPED_MODEL_NAMES } from '../pretrain/shipped';
import { writeReport } from '../report/write';
import { createProgressGroup } from '../runner/progress';
import {
  caseShards,
  forgetRun,
  loadResults,
  mergeShards,
  parseShard,
  resultPaths,
  runExperiment,
} from '../runner/runner';
import { lockResultsDir } from '../util/lock';
import { describeMissing } from '../util/shards';
import { capWorkers, coreCount, runWorkers } from '../util/workers';
import { parseCommand, STUDY_OPTIONS, studyOptions } from './options';

export const SPEC = {
  name: 'reproduce',
  summary:
    'Runs the experiments (cached: a rerun skips finished cases; --workers n runs n shards as child processes, merged at the end), then writes figures and results/SUMMARY.md.',
  options: {
    scale: STUDY_OPTIONS.scale,
    only: {
      type: 'names',
      choices: [...new Set(EXPERIMENTS.flatMap((e) => [e.key, e.experiment.name]))],
      help: 'findings to run (default all)',
    },
    seeds: STUDY_OPTIONS.seeds,
    lr: STUDY_OPTIONS.lr,
    'set-rate': {
      type: 'number',
      min: 0,
      above: true,
      max: 1000,
      help: "multiply the fact-set findings' (3–5) learning rate by k: a second regime (--scale full also runs 3× into <results>/set-rate-3x)",
    },
    'set-epochs': {
      type: 'int',
      min: 1,
      max: 1000,
      help: "epochs of the fact-set findings' (3–5) runs (default: the scale's; --scale full runs 3× the rate for 12)",
    },
    model: STUDY_OPTIONS.model,
    models: {
      type: 'names',
      choices: ['all', ...SHIPPED_MODEL_NAMES],
      help: `run the study on each of these shipped models, one after the other (all: ${SHIPPED_MODEL_NAMES.join(', ')}); ${DEFAULT_MODEL_NAME}'s results go to --results, each other model's to <results>/models/<name>; ${DEFAULT_MODEL_NAME}'s SUMMARY.md then gets the verdict-per-model table`,
    },
    data: STUDY_OPTIONS.data,
    'prompt-format': STUDY_OPTIONS['prompt-format'],
    shard: {
      type: 'string',
      arg: 'i/n',
      help: 'run only shard i of n (0 ≤ i < n); join with merge',
      valid: (s: string) => {
        const m = /^(\d+)\/(\d+)$/.exec(s.trim());
        return m && Number(m[1]) < Number(m[2]) ? undefined : 'i/n with integers 0 ≤ i < n (e.g. 0/4)';
      },
    },
    workers: {
      type: 'int',
      min: 1,
      max: 1024,
      help: 'worker processes (default and at most: one per core, or BEACONS_WORKERS)',
    },
    stack: {
      type: 'int',
      min: 1,
      max: 4096,
      help: "at most n cases (adapters trained side by side) per batch (default: each experiment's): mainly changes speed; continuous numbers such as ‖ΔW‖ can move in their last digits on wasm, and a run resumes only at the size it started with",
    },
    results: STUDY_OPTIONS.results,
    force: { type: 'boolean', help: "discard this run's stored results and recompute" },
    'no-figures': { type: 'boolean', help: 'write SUMMARY.md only' },
  },
} as const;

export const MERGE_SPEC = {
  ...SPEC,
  name: 'merge',
  summary: 'Joins the result files of --shard i/n runs (same options as reproduce) and writes the summaries.',
} as const;

function parse(argv: string[]) {
  const values = parseCommand(SPEC, argv);
  const common: CommonOptions & { lr?: number } = {
    ...studyOptions(values),
    setRateScale: values['set-rate'],
    setEpochs: values['set-epochs'],
  };
  return { values, common };
}

export async function run(argv: string[]): Promise<void> {
  const { values, common } = parse(argv);
  if (values.models !== undefined) return runModels(argv, values.models, values.results, values.model);
  const entries = findExperiments(values.only?.join(','));
  const shard = values.shard ? parseShard(values.shard) : undefined;
  const asked = values.workers !== undefined ? Number(values.workers) : defaultWorkers();
  if (!Number.isInteger(asked) || asked < 1)
    throw new Error(`--workers must be a positive integer, got '${values.workers}'`);
  const workers = capWorkers(asked, (m) => console.error(m));
  // building the configs checks the options and the model directory before any work starts
  const cfgs = entries.map((e) => e.config(common));
  lockResultsDir(values.results, shard); // held until this process exits
  if (shard === undefined && workers > 1) {
    await runWithWorkers(argv, workers, values.results, entries, common);
    return runSetRegimes(argv, values, common);
  }
  const t0 = Date.now();
  // load the model and the pool once, before the bars start (seconds of silence otherwise)
  console.error('[reproduce] loading the model and the pool of facts it knows…');
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
        batchSize: values.stack,
        maxPhase: phaseOfWorker(),
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
  if (shard === undefined) await runSetRegimes(argv, values, common);
}

/**
 * The scale's second regimes of the fact-set findings (Scale.setRegimes, e.g. 3× at `--scale full`): each an
 * ordinary `reproduce --only <set findings> --set-rate k --results <results>/set-rate-<k>x`, then this run's
 * SUMMARY.md again, now with the comparison (findings/across/set-regimes.ts). Not for a run that is itself a second regime,
 * or one limited by --only or --lr.
 */
async function runSetRegimes(
  argv: string[],
  values: {
    results: string;
    only?: string[];
    lr?: number;
    'set-rate'?: number;
    'set-epochs'?: number;
    'no-figures'?: boolean;
  },
  common: CommonOptions,
): Promise<void> {
  const others = getScale(common.scale ?? 'toy').setRegimes;
  if (
    others.length === 0 ||
    values['set-rate'] !== undefined ||
    values['set-epochs'] !== undefined ||
    values.only !== undefined ||
    values.lr !== undefined
  )
    return;
  for (const r of others) {
    const keys = setRateFindings().map((f) => f.key);
    console.error(`[reproduce] findings ${keys.join(', ')} at ${setRegimeLabel(r)}`);
    await run([
      ...withoutOption(argv, 'results'),
      '--only',
      keys.join(','),
      '--set-rate',
      String(r.rate),
      ...(r.epochs === undefined ? [] : ['--set-epochs', String(r.epochs)]),
      '--results',
      setRegimeDir(values.results, r.rate),
    ]);
  }
  await writeAllReports(common, values.results, {
    figures: !values['no-figures'],
    scale: common.scale ?? 'toy',
  });
  console.error(`[reproduce] wrote ${path.join(values.results, 'SUMMARY.md')} with the second regimes`);
}

/** Awaits each experiment's `prepare` (the model + pool session, loaded once): cases() and summarize() need it. */
async function prepareAll(entries: ReturnType<typeof findExperiments>, cfgs: unknown[]): Promise<void> {
  for (const [i, e] of entries.entries()) await e.experiment.prepare?.(cfgs[i]);
}

/** Set by `runWithWorkers` for a worker of an early phase: it runs only the cases of that phase or before. */
const PHASE_ENV = 'BEACONS_WORKER_PHASE';

function phaseOfWorker(): number | undefined {
  const v = process.env[PHASE_ENV];
  if (v === undefined || v === '') return undefined;
  const k = Number(v);
  if (!Number.isInteger(k) || k < 0) throw new Error(`${PHASE_ENV} must be a phase number, got '${v}'`);
  return k;
}

/** One worker per core by default (BEACONS_WORKERS overrides); the sweep's cases are split by --shard. */
/** Workers when --workers is not given: BEACONS_WORKERS (checked), else one per core up to 8. */
export function defaultWorkers(): number {
  const env = process.env.BEACONS_WORKERS;
  if (env !== undefined && env !== '') {
    const n = /^\s*\d+\s*$/.test(env) ? Number(env) : Number.NaN;
    if (!(n >= 1 && n <= 1024))
      throw new Error(`BEACONS_WORKERS must be an integer from 1 to 1024 (or unset), got '${env}'`);
    return n;
  }
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
  const { values } = parse(argv);
  const cli = path.join(fs.realpathSync(__dirname), '..', 'cli.ts');
  console.error(`[reproduce] ${workers} workers (--workers 1 for a single process)`);
  // --force: the workers each clear their own shard; the whole run's files are cleared here
  if (values.force) for (const e of entries) forgetRun(e.experiment, e.config(common), resultsDir);
  const cfgs = entries.map((e) => e.config(common));
  await prepareAll(entries, cfgs); // cases() (for the phases), mergeShards and summarize() need it
  // one round of workers per phase (runner/experiment.ts `phase`): every worker finishes a phase before the next
  const phases = Math.max(
    0,
    ...entries.flatMap((e, i) =>
      e.experiment.phase ? e.experiment.cases(cfgs[i]).map(e.experiment.phase) : [],
    ),
  );
  // a case of `phase` or before that no file holds yet, or a run not started (a round with none starts no workers)
  const pending = (phase: number) =>
    entries.some((e, i) => {
      if (!fs.existsSync(resultPaths(e.experiment, cfgs[i], resultsDir).config)) return true;
      const stored = new Set(loadResults(e.experiment, cfgs[i], resultsDir).map((r) => r.id));
      return e.experiment
        .cases(cfgs[i])
        .some((c) => (e.experiment.phase?.(c) ?? 0) <= phase && !stored.has(c.id));
    });
  for (let phase = 0; phase <= phases; phase++) {
    if (phases > 0 && !pending(phase)) continue;
    if (phases > 0) console.error(`[reproduce] phase ${phase + 1} of ${phases + 1}`);
    // --force cleared the files above; a later round must keep what the earlier ones computed
    const args = phase === 0 ? argv : argv.filter((a) => a !== '--force');
    await runWorkers(workers, {
      script: cli,
      args: (i) => ['reproduce', ...args, '--shard', `${i}/${workers}`, '--workers', '1', '--no-figures'],
      env: {
        BEACONS_PROGRESS: 'lines',
        BEACONS_LOCK_OWNER: String(process.pid),
        ...(phase < phases ? { [PHASE_ENV]: String(phase) } : {}),
      },
      onStart: (pids) => console.error(`[reproduce] worker pids ${pids.join(', ')}`),
    }).catch((e: Error) => {
      throw new Error(`${e.message}; finished cases are cached, rerun to resume`);
    });
  }
  entries.forEach((e, i) => {
    const out = mergeShards(e.experiment, cfgs[i], { resultsDir });
    if (out.missing.length > 0)
      throw new Error(
        describeMissing(
          e.experiment.name,
          out,
          e.experiment.cases(cfgs[i]),
          caseShards(e.experiment, cfgs[i], resultsDir),
        ),
      );
  });
  await writeAllReports(common, resultsDir, {
    figures: !values['no-figures'],
    scale: common.scale ?? 'toy',
  });
  console.error(
    `[reproduce] wrote ${path.join(resultsDir, 'SUMMARY.md')}; total ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}

/**
 * `--models a,b|all`: the whole run once per shipped model, the default model last (its SUMMARY.md gets the table
 * across models, which needs the others' results). Each run is an ordinary `reproduce --model <name> --results
 * <its folder>`: same caching, workers and locks.
 */
async function runModels(argv: string[], asked: string[], resultsDir: string, model: string | undefined) {
  if (model !== undefined) throw new Error('--model and --models exclude each other: pick one');
  const names = asked.includes('all') ? [...SHIPPED_MODEL_NAMES] : [...new Set(asked)];
  names.sort((a, b) => Number(a === DEFAULT_MODEL_NAME) - Number(b === DEFAULT_MODEL_NAME));
  const rest = withoutOption(argv, 'models');
  const t0 = Date.now();
  const times: string[] = [];
  for (const name of names) {
    const t = Date.now();
    console.error(`[reproduce] model ${name} (${names.indexOf(name) + 1}/${names.length})`);
    await run([
      ...withoutOption(rest, 'results'),
      '--model',
      name,
      '--results',
      modelResultsDir(resultsDir, name),
    ]);
    times.push(`${name} ${((Date.now() - t) / 1000).toFixed(0)} s`);
  }
  console.error(
    `[reproduce] --models: ${times.join(', ')}; total ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
}

/** argv without `--name value` / `--name=value`. */
function withoutOption(argv: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) i++;
    else if (!argv[i].startsWith(`--${name}=`)) out.push(argv[i]);
  }
  return out;
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
  // the default model's summary also compares the models that have results (reproduce --models)
  await writeReport(EXPERIMENTS, common, resultsDir, {
    ...opts,
    extra: [
      ...setRegimesExtra(common, resultsDir),
      ...(await setAccuracyRegimesExtra(common, resultsDir)),
      ...modelsExtra(EXPERIMENTS, common, resultsDir),
    ],
  });
}

export async function merge(argv: string[]): Promise<void> {
  const { values, common } = parse(argv);
  const entries = findExperiments(values.only?.join(','));
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
      incomplete.push(
        describeMissing(
          e.experiment.name,
          out,
          e.experiment.cases(cfgs[i]),
          caseShards(e.experiment, cfgs[i], values.results),
        ),
      );
  });
  if (incomplete.length > 0) {
    // an incomplete experiment's files are left as they were (runner.ts mergeShards); a complete one got its summary
    const written = entries.length - incomplete.length;
    const what =
      written === 0 ? 'nothing written' : `only the ${written} complete experiments' summaries written`;
    throw new Error(`merge incomplete, ${what}: ${incomplete.join('; ')}`);
  }
  await writeAllReports(common, values.results, {
    figures: !values['no-figures'],
    scale: common.scale ?? 'toy',
  });
}

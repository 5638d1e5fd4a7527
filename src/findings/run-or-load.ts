/**
 * The notebooks' run cell: a finished run of `cfg` is read from the results cache (without loading the model);
 * otherwise its missing cases are computed (a killed run resumes). The answer says which of the two happened.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { backendInfo } from '../backend';
import type { SummaryFile } from '../runner/experiment';
import { CallbackProgress, formatLine } from '../runner/progress';
import { loadSummary, runExperiment } from '../runner/runner';
import { overlay } from '../viz/figures';
import { groupMeans, STEPS_TO_LEARN_CAPTION, stepsToLearnByGroup } from '../viz/tables';
import type {
  AnyFinding,
  Finding,
  FindingOptions,
  FindingReading,
  FindingTable,
  NamedFigure,
} from './finding';
import { lr } from './format';
import { type ConfigOf, EXPERIMENTS, type FindingKey } from './index';

export interface RunOrLoadOptions {
  /** results directory (default 'results', as the CLI) */
  resultsDir?: string;
  /** progress lines while computing (e.g. a notebook display's `text`) */
  onProgress?: (line: string) => void;
}

export interface RunOrLoadResult<S> {
  summary: S;
  file: SummaryFile<S>;
  /** true: some cases were computed now; false: the whole run was read from the cache */
  computed: boolean;
  /** the run's directory, `<resultsDir>/<experiment>/<hash>` */
  dir: string;
  /** one line saying where the summary came from, for the notebook to print */
  message: string;
}

export async function runOrLoad<K extends string, Cfg, Case extends { id: string }, Res, S>(
  finding: Finding<K, Cfg, Case, Res, S>,
  cfg: Cfg,
  opts: RunOrLoadOptions = {},
): Promise<RunOrLoadResult<S>> {
  const resultsDir = opts.resultsDir ?? 'results';
  const t0 = Date.now();
  const exp = finding.experiment;
  const cached = loadSummary(exp, cfg, resultsDir);
  const progress = opts.onProgress;
  const out = cached
    ? { file: cached, ran: 0 }
    : await runExperiment(exp, cfg, {
        resultsDir,
        backend: backendInfo()?.name,
        onProgress: progress ? new CallbackProgress((e) => progress(formatLine(e))) : undefined,
      }).then((r) => {
        if (r.summary === undefined)
          throw new Error(`${exp.name}: ${r.missing.length} of ${r.total} cases are still missing`);
        return { file: r.summary, ran: r.ran };
      });
  const file = out.file;
  const dir = path.join(resultsDir, exp.name, file.hash);
  const seconds = (Date.now() - t0) / 1000;
  const message =
    cached !== undefined
      ? `read from the cache: ${dir} (its ${file.meta.cases} cases were computed earlier, in ${file.meta.seconds.toFixed(1)} s on ${file.meta.backend ?? 'an unknown backend'})`
      : out.ran === file.meta.cases
        ? `computed its ${out.ran} cases now, in ${seconds.toFixed(1)} s (backend ${file.meta.backend ?? 'unknown'}): ${dir}`
        : `computed ${out.ran} of its ${file.meta.cases} cases now, in ${seconds.toFixed(1)} s (backend ${file.meta.backend ?? 'unknown'}; the others were cached): ${dir}`;
  return { summary: file.summary, file, computed: cached === undefined, dir, message };
}

/** Changes to a config: any of its settings, nested objects merged key by key (arrays and values replaced). */
export type ConfigChanges<C> = {
  [K in keyof C]?: C[K] extends readonly unknown[]
    ? C[K]
    : C[K] extends object
      ? ConfigChanges<C[K]> | null
      : C[K];
};

const isPlain = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * `base` with `changes` applied: nested objects (e.g. `lrs`, `specs.lora`) are merged key by key, anything else
 * replaced. A key that `base` does not have is an error naming it and the settings there are (a typo must not
 * run silently as the default).
 */
export function applyChanges<C>(base: C, changes: ConfigChanges<C>, where = 'config'): C {
  if (!isPlain(base) || !isPlain(changes)) return changes as C;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(changes)) {
    if (!(k in base))
      throw new Error(
        `${where}: '${k}' is not a setting here; the settings are: ${Object.keys(base).join(', ')}`,
      );
    if (v === undefined) continue;
    out[k] = isPlain(v) && isPlain(base[k]) ? applyChanges(base[k], v as never, `${where}.${k}`) : v;
  }
  return out as C;
}

const show = (v: unknown): string =>
  typeof v === 'number'
    ? v !== 0 && Math.abs(v) < 0.01
      ? lr(v)
      : String(Number(v.toPrecision(4)))
    : JSON.stringify(v);

/** The settings that differ between two configs, as 'path old → new' (e.g. 'lrs.lora 6.7e-4 → 2e-3'). */
export function describeChanges(base: unknown, cfg: unknown, prefix = ''): string[] {
  if (isPlain(base) && isPlain(cfg)) {
    const keys = [...new Set([...Object.keys(base), ...Object.keys(cfg)])];
    return keys.flatMap((k) => describeChanges(base[k], cfg[k], prefix ? `${prefix}.${k}` : k));
  }
  if (JSON.stringify(base) === JSON.stringify(cfg)) return [];
  return [`${prefix} ${show(base)} → ${show(cfg)}`];
}

/** One run of a what-if comparison: its label, config, the settings it changed, its result and its reading. */
export interface WhatIfRun<C = unknown> {
  label: string;
  config: C;
  /** the settings that differ from the comparison's default, as 'path old → new' */
  changed: string[];
  result: RunOrLoadResult<unknown>;
  reading: FindingReading | undefined;
}

export interface WhatIfOptions<K extends FindingKey> extends RunOrLoadOptions {
  /** the CLI options behind the default config (scale, model, …) */
  options?: FindingOptions;
  /** changes applied to every run (part of the default: not listed as a run's changes) */
  base?: ConfigChanges<ConfigOf<K>>;
}

/**
 * Run (or read from the cache) finding `key` once per entry of `runs` (label → changes to the default config);
 * the default config is `finding.config(options)` with `base` applied. Each run's changed settings are listed.
 */
export async function whatIf<K extends FindingKey>(
  key: K,
  runs: Record<string, ConfigChanges<ConfigOf<K>>>,
  opts: WhatIfOptions<K> = {},
): Promise<WhatIfRun<ConfigOf<K>>[]> {
  const finding = EXPERIMENTS.find((f) => f.key === key);
  if (!finding) throw new Error(`Unknown finding '${key}': use ${EXPERIMENTS.map((f) => f.key).join(', ')}`);
  const f = finding as unknown as Finding<K, ConfigOf<K>, { id: string }, unknown, unknown>;
  const def = applyChanges(
    f.config(opts.options),
    (opts.base ?? {}) as ConfigChanges<ConfigOf<K>>,
    `${key} config`,
  );
  const out: WhatIfRun<ConfigOf<K>>[] = [];
  for (const [label, changes] of Object.entries(runs)) {
    const config = applyChanges(def, changes, `${key} config ('${label}')`);
    const progress = opts.onProgress;
    const result = await runOrLoad(f, config, {
      resultsDir: opts.resultsDir,
      onProgress: progress ? (line) => progress(`${label}: ${line}`) : undefined,
    });
    out.push({
      label,
      config,
      changed: describeChanges(def, config),
      result,
      reading: f.reading(result.summary),
    });
  }
  return out;
}

const runLabel = (r: WhatIfRun) =>
  `${r.label} (${r.changed.length ? r.changed.join(', ') : 'default settings'})`;

/** The finding's line and bar figures with every run overlaid (legend: the run and its changed settings). */
export function whatIfFigures(key: FindingKey, runs: readonly WhatIfRun[]): NamedFigure[] {
  const finding: AnyFinding = EXPERIMENTS.find((f) => f.key === key)!;
  const figs = runs.map((r) => [
    ...finding.figures(r.result.summary),
    ...(finding.moreFigures?.(r.result.summary) ?? []),
  ]);
  const drawable = (spec: NamedFigure['spec']) =>
    spec.data.every((t) => t['type'] === 'bar' || String(t['mode'] ?? '').includes('lines'));
  return (figs[0] ?? [])
    .map((fig, i) => ({ fig, i }))
    .filter(({ fig }) => drawable(fig.spec))
    .map(({ fig, i }) => ({
      name: fig.name,
      spec: overlay(runs.map((r, j) => ({ label: runLabel(r), spec: figs[j]![i]!.spec }))),
    }));
}

/** One row per run: its changed settings, whether it was read from the cache, its key number and verdict. */
export function whatIfTable(runs: readonly WhatIfRun[]): FindingTable {
  return {
    rows: runs.map((r) => ({
      run: r.label,
      'changed settings': r.changed.length ? r.changed.join('; ') : '— (default)',
      source: r.result.computed ? 'computed now' : 'read from the cache',
      'our number': r.reading?.number ?? '',
      verdict: (r.reading?.verdict ?? '').replace(/\*\*/g, ''),
      run_dir: r.result.dir,
    })),
    caption: 'Each run: the settings it changed, where its result came from, its key number and verdict',
  };
}

/**
 * The run's cases (`<dir>/cases.jsonl`) as flat rows for a DataFrame: `id`, then the result's fields with nested
 * objects as dotted names (e.g. `distance.emb/answer/mean/1-cos`); booleans become 1/0 (so group means are shares),
 * a list of booleans its share of 1s (`learned` → `learned share`); other lists are left out.
 */
export function caseRows(run: { dir: string }): Record<string, string | number | null>[] {
  const file = path.join(run.dir, 'cases.jsonl');
  if (!fs.existsSync(file)) throw new Error(`${file}: no cases file (is this a run directory?)`);
  const rows: Record<string, string | number | null>[] = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let rec: { id?: unknown; result?: unknown };
      try {
        rec = JSON.parse(line);
      } catch (e) {
        throw new Error(`${file}: line ${i + 1}: not JSON (${(e as Error).message})`);
      }
      const row: Record<string, string | number | null> = { id: String(rec.id) };
      const put = (v: unknown, name: string): void => {
        if (v === null || v === undefined) row[name] = null;
        else if (typeof v === 'boolean') row[name] = v ? 1 : 0;
        else if (typeof v === 'number' || typeof v === 'string') row[name] = v;
        else if (Array.isArray(v)) {
          if (v.length > 0 && v.every((x) => typeof x === 'boolean'))
            row[`${name} share`] = v.filter(Boolean).length / v.length;
        } else if (typeof v === 'object')
          for (const [k, x] of Object.entries(v)) put(x, name ? `${name}.${k}` : k);
      };
      put(rec.result, '');
      rows.push(row);
    });
  // every row gets every column (a DataFrame needs them): missing fields are null
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return rows.map((r) => Object.fromEntries(cols.map((c) => [c, r[c] ?? null])));
}

/** One finding's what-if plan: changes applied to every run (`base`) and the runs (label → the settings changed). */
export interface WhatIfPlan<K extends FindingKey> {
  base?: ConfigChanges<ConfigOf<K>>;
  runs: Record<string, ConfigChanges<ConfigOf<K>>>;
}

/** A what-if plan per finding (notebook 06's config cell: pick a finding, edit its plan). */
export type WhatIfPlans = { [K in FindingKey]?: WhatIfPlan<K> };

/**
 * Run (or read) finding `key`'s plan from `plans` (an error names the findings that have one). The same as
 * `whatIf(key, plan.runs, { ...opts, base: plan.base })`, typed for a `key` chosen at run time.
 */
export function whatIfPlan(
  key: FindingKey,
  plans: WhatIfPlans,
  opts: Omit<WhatIfOptions<FindingKey>, 'base'> = {},
): Promise<WhatIfRun[]> {
  const plan = plans[key] as WhatIfPlan<FindingKey> | undefined;
  if (!plan)
    throw new Error(
      `what-if: no plan for '${key}'; plans exist for: ${Object.keys(plans).join(', ') || 'none'}`,
    );
  return whatIf(key, plan.runs, { ...opts, base: plan.base }) as Promise<WhatIfRun[]>;
}

const percent = (v: string | number | null) => (typeof v === 'number' ? 100 * v : null);

/**
 * The cases of every run of a what-if comparison, aggregated per run by the tested table functions (groupMeans,
 * stepsToLearnByGroup: a missing value is left out and counted, never averaged as 0), one set of tables per
 * finding: accuracy and steps to learn (distance, drift), accuracy and cross-talk per sweep (interference),
 * accuracy per strategy (filtering), accuracy and gain over ce per variant on the test sets (re-weighting).
 */
export function whatIfCaseTables(
  key: FindingKey,
  runs: readonly { label: string; result: { dir: string } }[],
): FindingTable[] {
  const rows = runs.flatMap((r) => caseRows(r.result).map((row) => ({ run: r.label, row })));
  const parts = (id: unknown) => String(id).split('|');
  if (key === 'distance' || key === 'drift' || key === 'regimes') {
    const flat = rows.map(({ run, row }) => ({
      run,
      'learned %': percent(row['learned'] ?? null),
      learned: row['learned'],
      stepsToLearn: row['stepsToLearn'],
    }));
    return [
      { rows: groupMeans(flat, ['run'], ['learned %']), caption: 'Per run: accuracy (% learned)' },
      { rows: stepsToLearnByGroup(flat, ['run']), caption: `Per run: ${STEPS_TO_LEARN_CAPTION}` },
    ];
  }
  if (key === 'interference') {
    const flat = rows.map(({ run, row }) => ({
      run,
      sweep: parts(row['id'])[0],
      'accuracy %': percent(row['learned share'] ?? null),
      'cross-talk %': percent(row['crossTalk share'] ?? null),
    }));
    return [
      {
        rows: groupMeans(flat, ['run', 'sweep'], ['accuracy %', 'cross-talk %']),
        caption:
          'Per run and sweep: mean accuracy of the sets and % of facts answered with another fact’s target',
      },
    ];
  }
  if (key === 'filtering') {
    const flat = rows.map(({ run, row }) => ({
      run,
      // ids are seed|set|strategy|share
      strategy: parts(row['id'])[2],
      'accuracy %': percent(row['accuracy'] ?? null),
    }));
    return [
      {
        rows: groupMeans(flat, ['run', 'strategy'], ['accuracy %']),
        caption: 'Per run and strategy, over every share, set and seed: mean accuracy',
      },
    ];
  }
  // re-weighting: the test sets (the held-out tuning sets have ids 'tuning|seed|set'), one row per grid value
  // (caseRows names a set's accuracy at each value 'grid.<value>', e.g. 'grid.inverse γ=1')
  const flat = rows
    .filter(({ row }) => parts(row['id'])[0] !== 'tuning')
    .flatMap(({ run, row }) =>
      Object.keys(row)
        .filter((k) => k.startsWith('grid.'))
        .map((k) => {
          const acc = row[k];
          const ce = row['grid.ce'];
          return {
            run,
            variant: k.slice('grid.'.length),
            'accuracy %': percent(acc ?? null),
            'gain over ce (points)':
              typeof acc === 'number' && typeof ce === 'number' ? 100 * (acc - ce) : null,
          };
        }),
    );
  return [
    {
      rows: groupMeans(flat, ['run', 'variant'], ['accuracy %', 'gain over ce (points)']),
      caption:
        'Per run and variant, over the test sets and seeds: mean accuracy and mean paired gain over ce',
    },
  ];
}

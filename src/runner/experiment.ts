/**
 * The types of an experiment and of its stored run (see runner.ts for the files and their life cycle).
 */
import type { ProgressReporter } from './progress';
import type { SummaryDigest } from './stored';

export type Shard = { index: number; count: number };
export type CaseRow<Res> = { id: string; result: Res };
export type RunMeta = {
  seconds: number;
  cases: number;
  startedAt: string;
  finishedAt: string;
  backend?: string;
  /** batch size of the invocation (runs.jsonl lines; absent in summaries and in logs written before it was kept) */
  stack?: number;
};
/** `digest`: of the case rows and of `summary` (runner/stored.ts); absent in summaries written before 2026-12-06 */
export type SummaryFile<S> = {
  experiment: string;
  version: number;
  hash: string;
  summary: S;
  meta: RunMeta;
  digest?: SummaryDigest;
};

/** Passed to `runBatch`. An experiment may set `backend` (recorded in the summary meta). */
export interface RunContext {
  readonly dir: string;
  readonly hash: string;
  readonly shard?: Shard;
  readonly signal?: AbortSignal;
  backend?: string;
  warn(message: string): void;
  /**
   * The results this run has stored so far, by case id: the main file and every shard's file (another worker's
   * included; a line it is writing right now is skipped). For a case that needs cases of an earlier `phase`.
   */
  stored(): Map<string, unknown>;
}

export interface Experiment<Cfg, Case extends { id: string }, Res, Summary = unknown> {
  /** Directory name under the results dir: letters, digits, `.`, `_`, `-`. */
  readonly name: string;
  /** Bump when results for the same config would change (new metric, fixed bug): new hash, fresh cache. */
  readonly version: number;
  /** Used when the caller gives no `batchSize` (default 1). */
  readonly defaultBatchSize?: number;
  /** Async setup that `cases`/`summarize` rely on (e.g. loading the model); awaited by `runExperiment` first. */
  prepare?(cfg: Cfg): Promise<unknown>;
  /** Deterministic; ids are unique, stable strings. */
  cases(cfg: Cfg): Case[];
  /** One JSON-serialisable result per case, same order. */
  runBatch(cfg: Cfg, cases: Case[], ctx: RunContext): Promise<Res[]>;
  /** From all cases' results in case order; JSON-serialisable and deterministic. */
  summarize(cfg: Cfg, results: Res[]): Summary;
  /**
   * The phase of a case (default 0). A case of a later phase needs the results of earlier ones (re-weighting's test
   * sets need every held-out set's): with several workers, all of them finish phase k before any starts phase k + 1,
   * and a later case reads the earlier results with `ctx.stored()` instead of computing them again. Speed only: a
   * case computes what it cannot find stored, so results do not depend on the phases.
   */
  phase?(c: Case): number;
  /**
   * A case's result as it stood after `epoch` of the run's epochs (1 ≤ epoch ≤ the config's `epochs`; the last is the
   * result itself): the fact-set findings record every set's outcomes after each epoch, so one run gives every
   * shorter budget and `summarize` of these views measures a finding in another accuracy regime
   * (findings/across/set-regimes.ts). Parts measured only at the end of the run are left out of a shorter view.
   */
  atEpoch?(cfg: Cfg, c: Case, r: Res, epoch: number): Res;
}

// biome-ignore lint/suspicious/noExplicitAny: any experiment, whatever its types
export type AnyExperiment = Experiment<any, { id: string }, any, any>;

export interface RunOptions {
  resultsDir?: string;
  shard?: Shard;
  /** Cases per `runBatch` call (default `exp.defaultBatchSize ?? 1`). */
  batchSize?: number;
  onProgress?: ProgressReporter;
  /** Discard this run's stored results (all of them; with `shard`, that shard's) and recompute. */
  force?: boolean;
  signal?: AbortSignal;
  /** Initial `ctx.backend`, e.g. `backendInfo()?.name`. */
  backend?: string;
  /** Warnings (repaired files); default console.warn. */
  onWarn?: (message: string) => void;
  /** Only the cases whose `exp.phase` is at most this (default: every case). */
  maxPhase?: number;
}

/**
 * `total`: cases in scope (the shard's when sharded); `done`: of those, finished; `missing`: ids not finished;
 * `ran`: computed by this call; `results`: finished results in case order as read back from JSON (runs only);
 * `summary`: present once every case is done (never for shard runs).
 */
export type RunOutcome<Res, S> = { hash: string; dir: string; total: number; done: number; ran: number } & {
  missing: string[];
  results?: Res[];
  summary?: SummaryFile<S>;
};

export interface ResultPaths {
  hash: string;
  dir: string;
  config: string;
  cases: string;
  summary: string;
  runs: string;
  /** `layout.json`: {stack}, the batch size the run's cases are computed at (runner/layout.ts) */
  layout: string;
  shardCases(shard: Shard): string;
  shardRuns(shard: Shard): string;
}

/** Parses `"i/n"` (0 <= i < n). */

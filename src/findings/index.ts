/**
 * The findings, in the paper's order: the one table the CLI, the report and the notebooks read. Each entry is a
 * finding module (src/findings/<name>/) that owns everything about itself (finding.ts `Finding`): add a finding by
 * adding its row.
 */
import { distanceFinding } from './distance/index';
import { driftFinding } from './drift/index';
import { filteringFinding } from './filtering/index';
import type { AnyFinding } from './finding';
import { interferenceFinding } from './interference/index';
import { regimesFinding } from './regimes/index';
import { reweightingFinding } from './reweighting/index';

export const EXPERIMENTS = [
  regimesFinding,
  distanceFinding,
  driftFinding,
  interferenceFinding,
  filteringFinding,
  reweightingFinding,
] as const satisfies readonly AnyFinding[];

export type FindingKey = (typeof EXPERIMENTS)[number]['key'];
/** An entry of the table (the CLI's `--only` picks entries). */
export type ExperimentEntry = AnyFinding;

/** A finding of the table by its key. */
export type FindingOf<K extends FindingKey> = Extract<(typeof EXPERIMENTS)[number], { key: K }>;
/** The config (every setting, resolved) of the finding with key K. */
export type ConfigOf<K extends FindingKey> = ReturnType<FindingOf<K>['config']>;

/** The fact-set findings: those that run at the set learning rate (and again at each Scale.setRegimes). */
export function setRateFindings(): AnyFinding[] {
  return EXPERIMENTS.filter((e) => e.setRates === true);
}

/** The entries named in `only` (comma-separated keys or experiment names), all of them when empty. */
export function findExperiments(only?: string): AnyFinding[] {
  if (!only) return [...EXPERIMENTS];
  const keys = only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (keys.length === 0)
    throw new Error(`--only names no finding: use ${EXPERIMENTS.map((x) => x.key).join(', ')}`);
  return keys.map((k) => {
    const e = EXPERIMENTS.find((x) => x.key === k || x.experiment.name === k);
    if (!e)
      throw new Error(
        `Unknown experiment '${k}': use ${EXPERIMENTS.map((x) => x.experiment.name).join(', ')}`,
      );
    return e;
  });
}

export * from './distance/index';
export * from './drift/index';
export * from './filtering/index';
export type {
  AnyFinding,
  Finding,
  FindingOptions,
  FindingReading,
  FindingReport,
  FindingTable,
  NamedFigure,
} from './finding';
export * from './interference/index';
export * from './regimes/index';
export * from './reweighting/index';

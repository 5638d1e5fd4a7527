/**
 * The findings, in the paper's order: the one table the CLI, the report and the notebooks read. Each entry is a
 * finding module (src/findings/<name>/: experiment, config builder, figures, SUMMARY section).
 */

import { verdictLabel } from '../metrics/verdict';
import { distanceFinding, distanceReading } from './distance/index';
import { driftFinding, driftReading } from './drift/index';
import { filteringFinding, filteringReading } from './filtering/index';
import type { AnyFinding, FindingReading, NamedFigure } from './finding';
import type { Headline } from './headline';
import {
  interferenceFeatureShiftFigure,
  interferenceFinding,
  interferenceReading,
} from './interference/index';
import { regimesFinding, regimesReading } from './regimes/index';
import { reweightingFinding, reweightingReading } from './reweighting/index';

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

/**
 * Each finding's summary in words (key number, verdict, a paragraph per figure; generated from the summary), and
 * the figures shown beyond the finding's own (the report and notebook 03 show the 3c feature-shift figure).
 */
// biome-ignore lint/suspicious/noExplicitAny: each function takes the summary of its own finding
const READINGS: Record<FindingKey, (s: any) => FindingReading> = {
  regimes: regimesReading,
  distance: distanceReading,
  drift: driftReading,
  interference: interferenceReading,
  filtering: filteringReading,
  reweighting: reweightingReading,
};

/**
 * The reading of finding `key`'s summary (undefined for a key without one). Its verdict is the three-way verdict of
 * the finding's headlines (headline.ts), with the v1 rule's verdict beside it.
 */
export function readingOf(key: string, summary: unknown): FindingReading | undefined {
  const f = (READINGS as Record<string, ((s: unknown) => FindingReading) | undefined>)[key];
  const r = f?.(summary);
  const finding = EXPERIMENTS.find((e) => e.key === key) as { headlines(s: unknown): Headline[] } | undefined;
  if (r === undefined || finding === undefined) return r;
  const three = finding
    .headlines(summary)
    .map((h) => `${h.finding}: **${verdictLabel(h)}** (${h.reason})`)
    .join('; ');
  return { ...r, verdict: three ? `${three}. v1 rule: ${r.verdict}` : r.verdict };
}

/** Figures of finding `key` beyond its own `figures(s)` (shown by the report and the notebooks, not exported). */
export function moreFigures(key: string, summary: unknown): NamedFigure[] {
  if (key === 'interference')
    return [
      {
        name: 'interference-feature-shift',
        spec: interferenceFeatureShiftFigure(summary as Parameters<typeof interferenceFeatureShiftFigure>[0]),
      },
    ];
  return [];
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

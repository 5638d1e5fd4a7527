/**
 * Findings 3–5 in other learning regimes. The fact-set findings are measured at the set learning rate calibrated
 * to ≈ 50 % accuracy; `--scale full` also runs them at 0.33× and 3× that rate (Scale.setRegimes; 3× for 12 epochs
 * instead of 6), from under-trained to most facts of a set learned. This module writes the SUMMARY.md section that sets the regimes' three-way verdicts side by side,
 * so a verdict that holds in only one regime says so.
 */
import * as path from 'node:path';
import { getScale, type SetRateRegime } from '../../knowledge/scales';
import type { Interval } from '../../metrics/stats';
import type { AnyFinding, ExtraSection, FindingOptions } from '../finding';
import { ci, pct } from '../format';
import type { Headline } from '../headline';
import { setRateFindings } from '../index';
import type { ReweightingSummary } from '../reweighting/experiment';
import { headlineBars, verdictCell } from './models';

/** Where the second regime at k× the set learning rate is stored. */
export function setRegimeDir(resultsDir: string, k: number): string {
  return path.join(resultsDir, `set-rate-${k}x`);
}

/** The options of a second regime: its multiple of the set learning rate and, where it has its own, its epochs. */
export function setRegimeOptions(options: FindingOptions, r: SetRateRegime): FindingOptions {
  return { ...options, setRateScale: r.rate, ...(r.epochs === undefined ? {} : { setEpochs: r.epochs }) };
}

/** '3× the rate' ('3× the rate, 12 epochs' for a regime with its own epochs). */
export const setRegimeLabel = (r: SetRateRegime): string =>
  `${r.rate}× the rate${r.epochs === undefined ? '' : `, ${r.epochs} epochs`}`;

interface RegimeHeadlines {
  /** the multiple of the calibrated set learning rate */
  k: number;
  label: string;
  headlines: Headline[];
  /** what the rate does to accuracy: plain cross-entropy on re-weighting's test sets (mean over sets, 95 % CI) */
  ceAccuracy?: Interval;
}

function regimeAt(
  findings: readonly AnyFinding[],
  options: FindingOptions,
  dir: string,
): Pick<RegimeHeadlines, 'headlines' | 'ceAccuracy'> {
  const reports = findings.flatMap((f) => f.report(options, dir) ?? []);
  const rw = reports.find((r) => r.key === 'reweighting')?.summary.summary as ReweightingSummary | undefined;
  const ce = rw?.variants.find((v) => v.variant === 'ce')?.accuracy;
  return { headlines: reports.flatMap((r) => r.headlines), ...(ce ? { ceAccuracy: ce } : {}) };
}

/** The comparison section, or nothing when no second regime has results for these options. */
export function setRegimesExtra(options: FindingOptions, resultsDir: string): ExtraSection[] {
  const others = getScale(options.scale ?? 'toy').setRegimes;
  if (others.length === 0 || options.setRateScale !== undefined) return [];
  const ks = others.map((r) => r.rate);
  const findings = setRateFindings();
  // the regimes in order of their rate: the calibrated one (1×) among the others
  const regimes: RegimeHeadlines[] = [
    { k: 1, label: 'calibrated (1×)', ...regimeAt(findings, options, resultsDir) },
    ...others.map((r) => ({
      k: r.rate,
      label: setRegimeLabel(r),
      ...regimeAt(findings, setRegimeOptions(options, r), setRegimeDir(resultsDir, r.rate)),
    })),
  ]
    .sort((a, b) => a.k - b.k)
    .filter((r) => r.headlines.length > 0);
  if (regimes.length < 2) return [];
  const rows = [...new Set(regimes.flatMap((r) => r.headlines.map((h) => h.finding)))];
  const holdsIn = (row: string) =>
    regimes
      .filter((r) => r.headlines.find((x) => x.finding === row)?.verdict === 'reproduces')
      .map((r) => r.label);
  const section = [
    `## Findings 3–5 in other regimes (the set learning rate × ${ks.join(', ')})`,
    `The fact-set findings are measured at the LoRA rate calibrated to ≈ 50 % set accuracy; here the same experiments (same facts, sets and seeds) also run at ${others.map((r) => `${r.rate}×${r.epochs === undefined ? '' : ` (for ${r.epochs} epochs instead of ${getScale(options.scale ?? 'toy').epochs})`}`).join(' and ')} that rate: below it fewer facts of a set are learned, above it most are. Each cell: the three-way verdict, the headline number in points and its 95 % interval (same rules as the sections above).`,
    '',
    `| finding | ${regimes.map((r) => r.label).join(' | ')} | reproduces in |`,
    `|---|${regimes.map(() => '---').join('|')}|---|`,
    ...rows.map(
      (row) =>
        `| ${row} | ${regimes.map((r) => verdictCell(r.headlines, row)).join(' | ')} | ${holdsIn(row).join(', ') || 'none'} |`,
    ),
    ...(regimes.every((r) => r.ceAccuracy)
      ? [
          '',
          `The accuracy regime each rate puts the sets in: a set's share of facts learned with plain cross-entropy (re-weighting's test sets, mean over sets, 95 % CI): ${regimes.map((r) => `${r.label} ${pct(r.ceAccuracy!.estimate)} ${ci(r.ceAccuracy!.lo, r.ceAccuracy!.hi)}`).join('; ')}. These are regimes by rate at the end of each run; the next section places every (rate, epoch) in the 30 / 50 / 70 / 95 % and converged regimes of the single-fact study.`,
        ]
      : []),
    '',
    '<details><summary>Why each verdict (the numbers that decided it)</summary>',
    '',
    ...regimes.flatMap((r) =>
      r.headlines.map((h) => `- ${r.label}, ${h.finding} (${h.measure}): ${h.reason}.`),
    ),
    '',
    '</details>',
  ].join('\n');
  const figure = headlineBars(
    regimes.map((r) => ({ name: r.label, headlines: r.headlines })),
    rows,
    {
      title: 'Findings 3–5 in each regime',
      x: 'finding',
      y: 'effect (points)',
      protocol: "+ = paper's direction, 95 % CIs; calibrated rate vs a multiple of it",
    },
  );
  return [{ section, figures: [{ name: 'set-regimes', spec: figure }] }];
}

/**
 * Findings 3–5 per accuracy regime (≈ 30 / 50 / 70 / 95 % and converged), as the single-fact study reports
 * findings 1–2. Every fact-set run records each set's outcomes after every epoch, so each (set learning rate, epoch)
 * of the runs is a budget at which the findings can be measured (Experiment.atEpoch). The regimes are chosen on
 * re-weighting's held-out sets — plain cross-entropy, facts no test set holds — with the single-fact study's rule
 * (metrics/regimes.ts chooseRegimes: the point closest to each accuracy; "converged": the best rate's first epoch
 * within 1 point of its final accuracy); then every finding's summary is recomputed from its stored per-fact
 * outcomes at that point and its headlines give the three-way verdicts.
 */

import { getScale } from '../../knowledge/scales';
import { chooseRegimes, type Regime, type RegimeName } from '../../metrics/regimes';
import { clusterBootstrapCI, type Interval, mean } from '../../metrics/stats';
import { loadResults, loadSummary } from '../../runner/runner';
import type { FigureSpec } from '../../viz/figures';
import { type Panel, selector, smallMultiples } from '../../viz/panels';
import type { AnyFinding, ExtraSection, FindingOptions, NamedFigure } from '../finding';
import { ci, pct } from '../format';
import type { Headline } from '../headline';
import { EXPERIMENTS, setRateFindings } from '../index';
import type { ReweightingCase, ReweightingResult } from '../reweighting/experiment';
import { headlineBars, verdictCell } from './models';
import { setRegimeDir, setRegimeOptions } from './set-regimes';

/** The accuracy levels of the single-fact study, and 'converged'. */
export const SET_REGIME_TARGETS: readonly RegimeName[] = [0.3, 0.5, 0.7, 0.95, 'converged'];

/** A target counts as reached when the chosen point's held-out accuracy is within this of it. */
export const REACHED_WITHIN = 0.1;

/** One set learning rate's runs: its multiple of the calibrated rate, options and results directory. */
interface RateRun {
  k: number;
  options: FindingOptions;
  dir: string;
}

export interface SetRegime extends Regime {
  /** the multiple of the calibrated set learning rate (Regime.rate) and the epoch (Regime.budget) */
  epochs: number;
  /** held-out accuracy at the point (mean over held-out sets, 95 % bootstrap interval over sets) */
  heldOut: Interval;
  /** false: no point came within REACHED_WITHIN of the target, or (converged) the best rate still rose at its end */
  reached: boolean;
}

/** A regime's label: '30 %' or 'converged'. */
export const regimeLabel = (name: RegimeName): string =>
  name === 'converged' ? 'converged' : `${Math.round(100 * name)} %`;

/** The calibrated rate and the scale's other set rates (Scale.setRegimes), where they have runs. */
function rateRuns(options: FindingOptions, resultsDir: string): RateRun[] {
  const others = getScale(options.scale ?? 'toy').setRegimes;
  return [
    { k: 1, options, dir: resultsDir },
    ...others.map((r) => ({
      k: r.rate,
      options: setRegimeOptions(options, r),
      dir: setRegimeDir(resultsDir, r.rate),
    })),
  ].sort((a, b) => a.k - b.k);
}

type FinishedRun = { cfg: unknown; cases: { id: string }[]; results: unknown[] } | undefined;

/** Loads `f`'s finished run for these options: config, cases and results in case order, or undefined. */
async function finishedRun(
  f: AnyFinding,
  options: FindingOptions,
  dir: string,
): Promise<{ cfg: unknown; cases: { id: string }[]; results: unknown[] } | undefined> {
  const cfg = f.config(options);
  if (loadSummary(f.experiment, cfg, dir) === undefined) return undefined;
  await f.experiment.prepare?.(cfg); // cases() and summarize() read the model's pool
  const cases = f.experiment.cases(cfg);
  const rows = loadResults(f.experiment, cfg, dir);
  if (rows.length !== cases.length) return undefined;
  return { cfg, cases, results: rows.map((r) => r.result) };
}

/**
 * Each rate's held-out curve: plain-CE accuracy of re-weighting's held-out sets after every epoch (mean over sets),
 * or undefined when a run predates the per-epoch record.
 */
export async function heldOutCurves(
  options: FindingOptions,
  resultsDir: string,
): Promise<Map<number, { budget: number; estimate: number; interval: Interval }[]> | undefined> {
  const rw = EXPERIMENTS.find((e) => e.key === 'reweighting')!;
  const curves = new Map<number, { budget: number; estimate: number; interval: Interval }[]>();
  for (const run of rateRuns(options, resultsDir)) {
    const got = await finishedRun(rw, run.options, run.dir);
    if (!got) continue;
    const held = got.results.filter(
      (_, i) => (got.cases[i] as ReweightingCase).tuning,
    ) as ReweightingResult[];
    const byEpoch = held.map((r) => r.gridByEpoch?.ce);
    if (held.length < 2 || byEpoch.some((c) => c === undefined)) return undefined;
    const epochs = (got.cfg as { epochs: number }).epochs;
    curves.set(
      run.k,
      Array.from({ length: epochs }, (_, e) => {
        // sets of equal size: the mean of their accuracies, a bootstrap over sets (inside [0, 1])
        const accs = byEpoch.map((c) => c![e]);
        const interval = {
          ...clusterBootstrapCI(
            accs,
            accs.map((_, j) => j),
            mean,
            { seed: 1 },
          ),
          estimate: mean(accs),
        };
        return { budget: e + 1, estimate: interval.estimate, interval };
      }),
    );
  }
  return curves.size > 0 ? curves : undefined;
}

/** 'rates 0.33×, 1×, 3× the calibrated one, epochs 1–6 (3×: 1–12)': the points the regimes are chosen from. */
function pointsText(curves: ReadonlyMap<number, readonly unknown[]>): string {
  // the epoch count most rates share (ties: the first rate's)
  const lengths = [...curves.values()].map((c) => c.length);
  const count = (n: number) => lengths.filter((x) => x === n).length;
  const common = lengths.reduce((best, n) => (count(n) > count(best) ? n : best), lengths[0]);
  const own = [...curves].filter(([, c]) => c.length !== common).map(([k, c]) => `${k}×: 1–${c.length}`);
  return `rates ${[...curves.keys()].map((k) => `${k}×`).join(', ')} the calibrated one, epochs 1–${common}${own.length ? ` (${own.join('; ')})` : ''}`;
}

/** The regimes chosen on the held-out curves (one point per epoch of each rate), each marked reached or not. */
export function chooseSetRegimes(
  curves: Map<number, { budget: number; estimate: number; interval: Interval }[]>,
  targets: readonly RegimeName[] = SET_REGIME_TARGETS,
): SetRegime[] {
  return chooseRegimes(curves, targets).map((r) => {
    const epochs = curves.get(r.rate)!.length;
    const point = curves.get(r.rate)!.find((p) => p.budget === r.budget)!;
    const reached =
      r.name === 'converged' ? r.budget < epochs : Math.abs(r.accuracy - r.name) <= REACHED_WITHIN;
    return { ...r, epochs, heldOut: point.interval, reached };
  });
}

/** A set finding measured at one (rate, epoch) point: its headlines and its figures there. */
export interface FindingView {
  key: string;
  headlines: Headline[];
  figures: NamedFigure[];
}

/**
 * Each set finding's (or only `keys`') headlines at a (rate, epoch) point, from its stored per-fact outcomes.
 * `loaded`: runs already read, by finding and rate (filled in here), so several points read each run once.
 */
export async function headlinesAt(
  options: FindingOptions,
  resultsDir: string,
  k: number,
  epoch: number,
  keys?: readonly string[],
  loaded: Map<string, FinishedRun> = new Map(),
): Promise<Headline[]> {
  return (await viewsAt(options, resultsDir, k, epoch, keys, loaded)).flatMap((v) => v.headlines);
}

/** Each set finding's (or only `keys`') headlines and figures at a (rate, epoch) point (see headlinesAt). */
async function viewsAt(
  options: FindingOptions,
  resultsDir: string,
  k: number,
  epoch: number,
  keys: readonly string[] | undefined,
  loaded: Map<string, FinishedRun>,
): Promise<FindingView[]> {
  const run = rateRuns(options, resultsDir).find((r) => r.k === k);
  if (!run) throw new Error(`no set learning rate ${k}× in this scale`);
  const out: FindingView[] = [];
  for (const f of setRateFindings().filter((x) => keys === undefined || keys.includes(x.key))) {
    const key = `${f.key}|${k}`;
    if (!loaded.has(key)) loaded.set(key, await finishedRun(f, run.options, run.dir));
    const got = loaded.get(key);
    const exp = f.experiment;
    if (!got || !exp.atEpoch) continue;
    const views = got.results.map((r, i) => exp.atEpoch!(got.cfg, got.cases[i], r, epoch));
    const finding = f as AnyFinding & {
      headlines(s: unknown): Headline[];
      figures(s: unknown): NamedFigure[];
    };
    const summary = exp.summarize(got.cfg, views);
    out.push({ key: f.key, headlines: finding.headlines(summary), figures: finding.figures(summary) });
  }
  return out;
}

/** One column of the regime table: the regimes that chose this (rate, epoch) point, and the findings there. */
export interface RegimeColumn {
  name: string;
  regimes: SetRegime[];
  headlines: Headline[];
  views: FindingView[];
}

/** A column's short label: '30 %', or '95 % = converged' when one point serves both. */
const columnLabel = (c: RegimeColumn) => c.regimes.map((x) => regimeLabel(x.name)).join(' = ');

/**
 * The regimes chosen on the held-out curves and one column per distinct reached point with the headlines of the set
 * findings (or only `keys`); undefined when the runs predate the per-epoch record or reach no regime.
 */
export async function setRegimeColumns(
  options: FindingOptions,
  resultsDir: string,
  keys?: readonly string[],
): Promise<{ regimes: SetRegime[]; columns: RegimeColumn[]; points: string } | undefined> {
  if (options.setRateScale !== undefined) return undefined;
  const held = await heldOutCurves(options, resultsDir);
  if (!held) return undefined;
  const regimes = chooseSetRegimes(held);
  const points = new Map<string, SetRegime[]>();
  for (const r of regimes.filter((x) => x.reached)) {
    const key = `${r.rate}|${r.budget}`;
    points.set(key, [...(points.get(key) ?? []), r]);
  }
  if (points.size === 0) return undefined;
  const columns: RegimeColumn[] = [];
  const loaded = new Map<string, FinishedRun>();
  for (const rs of points.values()) {
    const r = rs[0];
    const views = await viewsAt(options, resultsDir, r.rate, r.budget, keys, loaded);
    columns.push({
      name: `${rs.map((x) => regimeLabel(x.name)).join(' = ')} (${r.rate}×, epoch ${r.budget}/${r.epochs}: ${pct(r.heldOut.estimate)})`,
      regimes: rs,
      headlines: views.flatMap((v) => v.headlines),
      views,
    });
  }
  return { regimes, columns, points: pointsText(held) };
}

/**
 * Each set finding's main figure (its first) in every regime column, two ways: `set-regimes-<figure>` with a regime
 * selector (interactive) and `set-regimes-<figure>-panels`, the regimes side by side (static).
 */
export function regimeFigures(columns: readonly RegimeColumn[]): NamedFigure[] {
  const keys = [...new Set(columns.flatMap((c) => c.views.map((v) => v.key)))];
  return keys.flatMap((key) => {
    const panels: Panel[] = columns.flatMap((c) => {
      const f = c.views.find((v) => v.key === key)?.figures[0];
      return f ? [{ label: columnLabel(c), spec: f.spec }] : [];
    });
    if (panels.length === 0) return [];
    const first = columns.flatMap((c) => c.views.find((v) => v.key === key)?.figures[0] ?? [])[0];
    const title = `${figureTitle(first.spec) || first.name} per accuracy regime`;
    return [
      { name: `set-regimes-${first.name}`, spec: selector(panels, title) },
      { name: `set-regimes-${first.name}-panels`, spec: smallMultiples(panels, title, 3) },
    ];
  });
}

/** The first line of a figure's title (without the protocol note under it). */
function figureTitle(spec: FigureSpec): string {
  const t = spec.layout['title'];
  const text = typeof t === 'string' ? t : ((t as { text?: unknown } | undefined)?.text ?? '');
  return typeof text === 'string' ? (text.split('<br>')[0] ?? '').trim() : '';
}

/**
 * One finding's main figure in every accuracy regime, with a regime selector (for its notebook), or undefined when
 * there is no per-regime view.
 */
export async function findingRegimeFigure(
  key: string,
  options: FindingOptions = {},
  resultsDir = 'results',
): Promise<FigureSpec | undefined> {
  const got = await setRegimeColumns(options, resultsDir, [key]);
  return got ? regimeFigures(got.columns).find((f) => !f.name.endsWith('-panels'))?.spec : undefined;
}

/** The markdown table (a row per headline, a column per regime, and where each reproduces). */
function regimeTable(columns: readonly RegimeColumn[]): string[] {
  const rows = [...new Set(columns.flatMap((c) => c.headlines.map((h) => h.finding)))];
  const holdsIn = (row: string) =>
    columns
      .filter((c) => c.headlines.find((h) => h.finding === row)?.verdict === 'reproduces')
      .map((c) => c.regimes.map((x) => regimeLabel(x.name)).join(' = '));
  return [
    `| finding | ${columns.map((c) => c.name).join(' | ')} | reproduces in |`,
    `|---|${columns.map(() => '---').join('|')}|---|`,
    ...rows.map(
      (row) =>
        `| ${row} | ${columns.map((c) => verdictCell(c.headlines, row)).join(' | ')} | ${holdsIn(row).join('; ') || 'none'} |`,
    ),
  ];
}

/** What a shorter budget cannot show (the section's and the notebooks' caveat). */
export const SHORTER_BUDGET_CAVEAT =
  'What a shorter budget cannot show: re-weighting chooses γ and α again on the held-out sets at each budget (every set trains the whole grid); the alone-versus-together test compares each fact alone after the same number of epochs (one step per epoch); the measures taken only after the last epoch — cross-talk answers, knowledge features and their fact-specific test — are left out of the shorter budgets. The verdicts are per regime; a finding said to reproduce in one regime of several was not corrected for the choice.';

/** One finding's rows of the regime table, as markdown for its notebook (a note when there is nothing to show). */
export async function findingByRegime(
  key: string,
  options: FindingOptions = {},
  resultsDir = 'results',
): Promise<string> {
  const got = await setRegimeColumns(options, resultsDir, [key]);
  if (!got)
    return `No per-regime view for \`${key}\` at scale \`${options.scale ?? 'toy'}\` in ${resultsDir}: its runs (and re-weighting's held-out sets, on which the regimes are chosen) must be finished and record each epoch.`;
  const missed = got.regimes.filter((r) => !r.reached).map((r) => regimeLabel(r.name));
  return [
    ...regimeTable(got.columns),
    '',
    `_Regimes chosen on re-weighting's held-out sets (${got.points})${missed.length ? `; not reached: ${missed.join(', ')}` : ''}. ${SHORTER_BUDGET_CAVEAT}_`,
  ].join('\n');
}

/** The SUMMARY.md section (and its figure) with findings 3–5 per accuracy regime, or nothing without the data. */
export async function setAccuracyRegimesExtra(
  options: FindingOptions,
  resultsDir: string,
): Promise<ExtraSection[]> {
  const got = await setRegimeColumns(options, resultsDir);
  if (!got) return [];
  const { regimes, columns } = got;
  const missed = regimes.filter((r) => !r.reached);
  const section = [
    '## Findings 3–5 per accuracy regime',
    `Every fact-set run records each set's outcomes after every epoch, so each (set learning rate, epoch) is a budget at which findings 3–5 can be measured: ${got.points}. The regimes are chosen on re-weighting's held-out sets (plain cross-entropy, facts no test set holds) with the single-fact study's rule: the point whose held-out accuracy is closest to each level, and "converged" (the best rate's first epoch within 1 point of its final accuracy). Each column: the regime, its rate and epoch, and the held-out accuracy there; each cell: the three-way verdict, the headline number in points and its 95 % interval, recomputed from the stored per-fact outcomes at that epoch.`,
    '',
    ...regimeTable(columns),
    '',
    `Held-out accuracy at each chosen point (95 % bootstrap interval over sets): ${regimes.map((r) => `${regimeLabel(r.name)}: ${r.rate}×, epoch ${r.budget}, ${pct(r.heldOut.estimate)} ${ci(r.heldOut.lo, r.heldOut.hi)}`).join('; ')}.`,
    ...(missed.length > 0
      ? [
          '',
          `Not reached by these runs (left out of the table): ${missed.map((r) => (r.name === 'converged' ? `converged (the best rate, ${r.rate}×, still gained more than 1 point in its last epoch)` : `${regimeLabel(r.name)} (the closest point is ${pct(r.accuracy)})`)).join('; ')}.`,
        ]
      : []),
    '',
    SHORTER_BUDGET_CAVEAT,
  ].join('\n');
  const rows = [...new Set(columns.flatMap((c) => c.headlines.map((h) => h.finding)))];
  const figure = headlineBars(
    columns.map((c) => ({
      name: c.regimes.map((x) => regimeLabel(x.name)).join(' = '),
      headlines: c.headlines,
    })),
    rows,
    {
      title: 'Findings 3–5 per accuracy regime',
      x: 'finding',
      y: 'effect (points)',
      protocol: "+ = paper's direction, 95 % CIs; regimes chosen on held-out sets",
    },
  );
  return [{ section, figures: [{ name: 'set-accuracy-regimes', spec: figure }, ...regimeFigures(columns)] }];
}

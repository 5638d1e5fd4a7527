/**
 * The analysis of the learning-regime study (experiment.ts): regimes chosen on held-out facts, the premise (full
 * fine-tuning vs PEFT at matched step budgets), finding 1 per regime and finding 2 per learning rate. Pure functions
 * of the stored runs (RegimeRun), tested on planted data in analysis.test.ts.
 */
import type { RegimeRun } from '../../knowledge/regime-runs';
import { normalQuantile } from '../../metrics/distributions';
import { logisticFit, standardise } from '../../metrics/logistic';
import { accuracyCurve, type CurvePoint, chooseRegimes, type RegimeName } from '../../metrics/regimes';
import {
  type BinnedRate,
  binnedRates,
  type Interval,
  meanCI,
  type Rate,
  rate,
  rateDifference,
  spearman,
} from '../../metrics/stats';
import { holm } from '../../metrics/verdict';
import { type PeakSummary, peakSummary } from '../distance/experiment';

/** The settings the analysis reads (a RegimesConfig, experiment.ts, has them all). */
export interface RegimeAnalysisConfig {
  methods: string[];
  /** per method: the learning-rate grid */
  rates: Record<string, number[]>;
  multipliers: number[];
  steps: number;
  targets: RegimeName[];
  bins: number;
}

export interface RegimeChoice {
  name: RegimeName;
  /** index into the method's rate grid, the rate, and the step budget */
  rate: number;
  lr: number;
  budget: number;
  /** accuracy at (rate, budget) on the held-out facts it was chosen on */
  heldOut: number;
  /** accuracy at (rate, budget) on the fresh facts, with its bootstrap interval over facts */
  fresh: CurvePoint;
}

export interface DistanceAtRegime {
  regime: RegimeName;
  rate: number;
  budget: number;
  accuracy: Rate;
  bins: BinnedRate[];
  /** the v1 rule's number: middle distance bins minus the two outer bins (Newcombe interval) */
  middleMinusOuter: { diff: number; lo: number; hi: number };
  spearman: { rho: number; p: number };
  /** fewer than 5 facts learned or 5 not learned: the regime cannot show a shape (left out of the verdict) */
  noContrast: boolean;
  /**
   * the oversampled near and far ends (block 'ends'): accuracy at this regime and the distance range of each end;
   * null when the study has none. Every other number of the regime is of the seeds' uniform draw only
   */
  ends: {
    near: EndAccuracy;
    far: EndAccuracy;
    /**
     * near end minus the uniform draw's middle bins (all but the outer two; Newcombe interval, facts independent):
     * the paper's inverted U has it below zero — a direct test where the peak test cannot be fitted
     */
    nearMinusMiddle: { diff: number; lo: number; hi: number };
  } | null;
  /** the peak test (learned ~ d + d², clustered by fact; two lines), and its p-value Holm-adjusted over regimes */
  peak: PeakSummary | null;
  peakError?: string;
  peakHolm: number;
  /** learned ~ d + margin + log rank (standardised columns, clustered by fact): is distance more than the margin? */
  adjusted: AdjustedDistance | null;
  adjustedError?: string;
  /** the peak test with the margin and log rank as covariates */
  adjustedPeak: PeakSummary | null;
  /**
   * finding 1′: the distance effect at a fixed starting preference — with a flexible margin term (quintile
   * dummies) beside the linear one, the margin × distance interaction, and ρ(d, learned) within margin quintiles
   * (absent in summaries written before it; null where the fits fail)
   */
  conditional?: ConditionalDistance | null;
}

export interface ConditionalDistance {
  /** learned ~ d + margin quintile dummies + log rank (standardised d; clustered by fact): d per SD */
  binned: { coef: number; p: number } | null;
  /** learned ~ d + margin + d × margin + log rank: the interaction per SD² */
  interaction: { coef: number; p: number } | null;
  /** Spearman ρ(d, learned) within each quintile of the base logit margin (low → high) */
  withinMargin: { rho: number; p: number; n: number }[];
}

export interface EndAccuracy {
  accuracy: Rate;
  /** smallest and largest target distance of the end's facts */
  distance: [number, number];
}

export interface AdjustedDistance {
  /** coefficients per standard deviation of each column, with clustered p-values */
  distance: { coef: number; p: number };
  margin: { coef: number; p: number };
  rank: { coef: number; p: number };
  runs: number;
  /** correlation of distance and margin over these runs (the confound) */
  distanceMarginR: number;
}

export interface PremiseComparison {
  /** the PEFT method compared with full fine-tuning */
  method: string;
  lr: number;
  fullLr: number;
  /** facts both trained (full fine-tuning's) */
  facts: number;
  /** per fact: accuracy averaged over budgets 1…steps (area under the learning curve), full − method */
  diff: Interval & { se: number; sd: number };
  full: number;
  peft: number;
  /** accuracy on the paired facts at a few budgets */
  atBudgets: { budget: number; full: number; peft: number }[];
  /**
   * per fact, optimiser steps to learn (a fact never learned counts as steps + 1: censored at the horizon), PEFT −
   * full (positive: PEFT slower), t interval over the paired facts; absent in older summaries
   */
  stepsToLearn?: {
    diff: Interval & { se: number; sd: number };
    peft: number;
    full: number;
    censored: { peft: number; full: number };
  };
  /**
   * the area under the learning curve up to the slower method's convergence (its first budget within 1 point of its
   * final accuracy on the paired facts) instead of the whole horizon, full − PEFT; absent in older summaries
   */
  toConvergence?: {
    horizon: number;
    diff: Interval & { se: number; sd: number };
    full: number;
    peft: number;
  };
}

export interface DriftAtRate {
  rate: number;
  lr: number;
  multiplier: number;
  learned: Rate;
  pushedAway: Rate;
  pushedAwayAmongFailed: Rate;
  /** LoRA: mean Σ‖ΔW‖_F of the runs that failed (pushed away or not), at the end of each run */
  failedNorm?: { pushed: number | null; notPushed: number | null };
  /**
   * the null control (the same facts trained toward another fact's target): how often the answer ends farther from
   * the fact's own target anyway; `learned` is of the unrelated target
   */
  null?: { learned: Rate; pushedAway: Rate };
  /** pushed away among failed runs minus the null's pushed-away share (Newcombe interval; se from its width) */
  vsNull?: { diff: number; lo: number; hi: number; se: number; n: number };
  /**
   * LoRA: the random-ΔW control on the failed runs — the same facts with a random update of each run's norm instead
   * of the trained one: how often the answer ends farther from the target anyway
   */
  random?: { pushedAway: Rate };
  /** pushed away among failed runs minus the random-ΔW control's share on the same runs (Newcombe; se from width) */
  vsRandom?: {
    diff: number;
    lo: number;
    hi: number;
    se: number;
    n: number;
    /** the discordant pairs for the exact McNemar test: pushed away trained only, random only (absent in older summaries) */
    discordant?: { trained: number; random: number };
  };
  /**
   * the null matched on what it controls for (absent in older summaries): pushed away among failed runs whose answer
   * changed, against null runs whose answer changed without learning their unrelated target (Newcombe interval)
   */
  vsNullMatched?: { trained: Rate; null: Rate; diff: number; lo: number; hi: number; se: number };
}

export interface RegimesSummary {
  methods: string[];
  rates: Record<string, number[]>;
  multipliers: number[];
  steps: number;
  /** trainable scalars per adapter (full fine-tuning: the whole model's trained weights) */
  parameters: Record<string, number>;
  /** per method, per rate: accuracy against the step budget on held-out and on fresh facts */
  heldOutCurves: Record<string, CurvePoint[][]>;
  freshCurves: Record<string, CurvePoint[][]>;
  regimes: Record<string, RegimeChoice[]>;
  /** the rate index each method's premise curve uses: its best on the held-out facts (accuracy averaged over budgets) */
  bestRate: Record<string, number>;
  premise: PremiseComparison[];
  distance: Record<string, DistanceAtRegime[]>;
  drift: Record<string, DriftAtRate[]>;
  /** per method: the share of fresh facts pushed away at one or more rates of the grid (facts are the units) */
  pushedAtAnyRate: Record<string, Rate>;
  /** fresh facts (PEFT methods), held-out facts and the oversampled ends (both ends together) */
  facts: {
    fresh: number;
    freshFull: number;
    heldOut: number;
    heldOutFull: number;
    ends: number;
    endsFull: number;
  };
}

const budgetsOf = (steps: number) => Array.from({ length: steps }, (_, i) => i + 1);
const within = (r: RegimeRun, b: number) => r.updates !== null && r.updates <= b;

function curve(runs: RegimeRun[], steps: number, seed: number): CurvePoint[] {
  if (runs.length === 0) return [];
  return accuracyCurve(
    runs.map((r) => ({ unit: r.fact, learnedAt: r.updates, maxSteps: steps })),
    budgetsOf(steps),
    { iterations: 500, seed },
  );
}

/**
 * The runs of one method at one rate of its grid: on the fresh facts (the seeds' uniform draw), on the held-out facts,
 * or on the oversampled near and far ends.
 */
function pick(
  runs: RegimeRun[],
  method: string,
  rateIndex: number,
  facts: boolean | 'ends',
  control = false,
): RegimeRun[] {
  const inBlock = (r: RegimeRun) =>
    facts === 'ends' ? r.block === 'ends' : facts ? typeof r.block === 'number' : r.block === 'held-out';
  return runs.filter(
    (r) =>
      r.method === method && r.rate === rateIndex && inBlock(r) && (r.unrelated !== undefined) === control,
  );
}

/** learned ~ d + margin + log rank with standardised columns and errors clustered by fact. */
export function adjustedDistance(runs: readonly RegimeRun[], y: readonly boolean[]): AdjustedDistance {
  const idx = runs.map((_, i) => i).filter((i) => runs[i].margin !== null && runs[i].rank !== null);
  const z = standardise;
  const d = z(idx.map((i) => runs[i].distance));
  const mg = z(idx.map((i) => runs[i].margin as number));
  const rk = z(idx.map((i) => Math.log(runs[i].rank as number)));
  const fit = logisticFit(
    idx.map((_, j) => [1, d[j], mg[j], rk[j]]),
    idx.map((i) => (y[i] ? 1 : 0)),
    idx.map((i) => runs[i].fact),
  );
  const at = (j: number) => ({ coef: fit.coef[j], p: fit.p[j] });
  const r = d.reduce((a, v, j) => a + v * mg[j], 0) / Math.max(1, d.length - 1);
  return { distance: at(1), margin: at(2), rank: at(3), runs: idx.length, distanceMarginR: r };
}

/**
 * Finding 1′ with a flexible margin term: is there a distance effect at a fixed base logit margin, whatever the
 * margin's shape, and does it change with the margin? Each fit is tried on its own (a fit that fails is null).
 */
export function conditionalDistance(runs: readonly RegimeRun[], y: readonly boolean[]): ConditionalDistance {
  const idx = runs.map((_, i) => i).filter((i) => runs[i].margin !== null && runs[i].rank !== null);
  const d = standardise(idx.map((i) => runs[i].distance));
  const margins = idx.map((i) => runs[i].margin as number);
  const mg = standardise(margins);
  const rk = standardise(idx.map((i) => Math.log(runs[i].rank as number)));
  const ys = idx.map((i) => (y[i] ? 1 : 0));
  const ids = idx.map((i) => runs[i].fact);
  const sorted = [...margins].sort((a, b) => a - b);
  const cut = [1, 2, 3, 4].map(
    (q) => sorted[Math.floor((q * sorted.length) / 5)] ?? Number.POSITIVE_INFINITY,
  );
  const quintile = (m: number) => cut.filter((c) => m >= c).length;
  const q = margins.map(quintile);
  const fit = (rows: number[][], j: number) => {
    const r = tryOr(() => logisticFit(rows, ys, ids));
    return r.value ? { coef: r.value.coef[j], p: r.value.p[j] } : null;
  };
  const binned = fit(
    idx.map((_, j) => [1, d[j], ...[1, 2, 3, 4].map((k) => (q[j] === k ? 1 : 0)), rk[j]]),
    1,
  );
  const interaction = fit(
    idx.map((_, j) => [1, d[j], mg[j], d[j] * mg[j], rk[j]]),
    3,
  );
  const withinMargin = [0, 1, 2, 3, 4].map((k) => {
    const js = q.map((x, j) => (x === k ? j : -1)).filter((j) => j >= 0);
    if (js.length < 5) return { rho: Number.NaN, p: Number.NaN, n: js.length };
    const sp = spearman(
      js.map((j) => d[j]),
      js.map((j) => ys[j]),
    );
    return { rho: sp.r, p: sp.p, n: js.length };
  });
  return { binned, interaction, withinMargin };
}

function tryOr<T>(f: () => T): { value: T | null; error?: string } {
  try {
    return { value: f() };
  } catch (e) {
    return { value: null, error: (e as Error).message };
  }
}

/**
 * The accuracy of each oversampled end at a budget (near: the ends' runs below the uniform draw's median distance),
 * and the near end against the middle bins' flags (`middle`).
 */
function endsAt(
  ends: RegimeRun[],
  uniform: RegimeRun[],
  budget: number,
  middle: boolean[],
): DistanceAtRegime['ends'] {
  if (ends.length === 0) return null;
  const ds = uniform.map((r) => r.distance).sort((a, b) => a - b);
  const median = ds.length > 0 ? ds[Math.floor(ds.length / 2)] : 0;
  const end = (rs: RegimeRun[]): EndAccuracy => ({
    accuracy: rate(rs.map((r) => within(r, budget))),
    distance: [Math.min(...rs.map((r) => r.distance)), Math.max(...rs.map((r) => r.distance))],
  });
  const near = end(ends.filter((r) => r.distance < median));
  return {
    near,
    far: end(ends.filter((r) => r.distance >= median)),
    nearMinusMiddle: rateDifference(near.accuracy, rate(middle)),
  };
}

/**
 * Finding 1 at one regime, on the seeds' uniform draw (`runs`), with the oversampled ends (`ends`) as a direct test
 * of the near side: the near end against the middle bins. The ends stay out of the fits: at the edges of the range
 * nearly every fact is learned (near) or none is (far), and on data that separate a logistic fit has no finite
 * maximum-likelihood estimate.
 */
function distanceAt(
  runs: RegimeRun[],
  ends: RegimeRun[],
  regime: RegimeChoice,
  bins: number,
): Omit<DistanceAtRegime, 'peakHolm'> {
  const y = runs.map((r) => within(r, regime.budget));
  const d = runs.map((r) => r.distance);
  const ids = runs.map((r) => r.fact);
  const sp = spearman(
    d,
    y.map((v) => (v ? 1 : 0)),
  );
  const { bins: b, members } = binnedRates(d, y, bins);
  const flags = (ix: number[]) => rate(ix.map((i) => y[i]));
  const mmo = rateDifference(
    flags(members.slice(1, -1).flat()),
    flags([...(members[0] ?? []), ...(members[members.length - 1] ?? [])]),
  );
  const k = y.filter(Boolean).length;
  const peak = tryOr(() => peakSummary(d, y, ids));
  const adjusted = tryOr(() => adjustedDistance(runs, y));
  const adjustedPeak = tryOr(() =>
    peakSummary(d, y, ids, [
      runs.map((r) => r.margin),
      runs.map((r) => (r.rank === null ? null : Math.log(r.rank))),
    ]),
  );
  return {
    regime: regime.name,
    rate: regime.rate,
    budget: regime.budget,
    accuracy: rate(y),
    bins: b,
    middleMinusOuter: mmo,
    spearman: { rho: sp.r, p: sp.p },
    noContrast: k < 5 || y.length - k < 5,
    ends: endsAt(
      ends,
      runs,
      regime.budget,
      members
        .slice(1, -1)
        .flat()
        .map((i) => y[i]),
    ),
    peak: peak.value,
    ...(peak.error ? { peakError: peak.error } : {}),
    adjusted: adjusted.value,
    ...(adjusted.error ? { adjustedError: adjusted.error } : {}),
    adjustedPeak: adjustedPeak.value,
    conditional: tryOr(() => conditionalDistance(runs, y)).value,
  };
}

/** Per fact: the share of budgets 1…steps within which it was learned (area under its learning curve). */
function areaByFact(runs: RegimeRun[], steps: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of runs)
    out.set(
      r.fact,
      r.updates === null || r.updates > steps ? 0 : (steps - Math.max(0, r.updates - 1)) / steps,
    );
  return out;
}

function premise(
  cfg: RegimeAnalysisConfig,
  runs: RegimeRun[],
  bestRate: Record<string, number>,
): PremiseComparison[] {
  if (!cfg.methods.includes('full')) return [];
  const fullRuns = pick(runs, 'full', bestRate.full, true);
  const fullArea = areaByFact(fullRuns, cfg.steps);
  const checkpoints = [...new Set([1, 2, 4, 8].map((k) => Math.max(1, Math.round(cfg.steps / k))))].sort(
    (a, b) => a - b,
  );
  return cfg.methods
    .filter((m) => m !== 'full')
    .map((method) => {
      const peftRuns = pick(runs, method, bestRate[method], true).filter((r) => fullArea.has(r.fact));
      const peftArea = areaByFact(peftRuns, cfg.steps);
      const facts = [...fullArea.keys()].filter((f) => peftArea.has(f));
      const diffs = facts.map((f) => fullArea.get(f)! - peftArea.get(f)!);
      const ci = meanCI(diffs);
      const acc = (rs: RegimeRun[], b: number) =>
        rs.filter((r) => facts.includes(r.fact) && within(r, b)).length / Math.max(1, facts.length);
      const avg = (m: Map<string, number>) =>
        facts.reduce((a, f) => a + m.get(f)!, 0) / Math.max(1, facts.length);
      // steps to learn, censored at the horizon
      const stepsOf = (rs: RegimeRun[]) =>
        new Map(rs.map((r) => [r.fact, r.updates === null ? cfg.steps + 1 : r.updates] as const));
      const fullSteps = stepsOf(fullRuns);
      const peftSteps = stepsOf(peftRuns);
      const stepDiffs = facts.map((f) => peftSteps.get(f)! - fullSteps.get(f)!);
      const meanOf = (m: Map<string, number>) =>
        facts.reduce((a, f) => a + m.get(f)!, 0) / Math.max(1, facts.length);
      // the horizon up to the slower method's convergence on these facts
      const converged = (rs: RegimeRun[]) => {
        const final = acc(rs, cfg.steps);
        for (let b = 1; b <= cfg.steps; b++) if (acc(rs, b) >= final - 0.01) return b;
        return cfg.steps;
      };
      const horizon = Math.max(converged(fullRuns), converged(peftRuns));
      const fullH = areaByFact(fullRuns, horizon);
      const peftH = areaByFact(peftRuns, horizon);
      return {
        method,
        lr: cfg.rates[method][bestRate[method]],
        fullLr: cfg.rates.full[bestRate.full],
        facts: facts.length,
        diff: ci,
        ...(facts.length > 1
          ? {
              stepsToLearn: {
                diff: meanCI(stepDiffs),
                peft: meanOf(peftSteps),
                full: meanOf(fullSteps),
                censored: {
                  peft: facts.filter((f) => peftSteps.get(f)! > cfg.steps).length,
                  full: facts.filter((f) => fullSteps.get(f)! > cfg.steps).length,
                },
              },
              toConvergence: {
                horizon,
                diff: meanCI(facts.map((f) => (fullH.get(f) ?? 0) - (peftH.get(f) ?? 0))),
                full: meanOf(fullH),
                peft: meanOf(peftH),
              },
            }
          : {}),
        full: avg(fullArea),
        peft: avg(peftArea),
        atBudgets: checkpoints.map((budget) => ({
          budget,
          full: acc(fullRuns, budget),
          peft: acc(peftRuns, budget),
        })),
      };
    });
}

/** The random-ΔW control at one rate on the failed runs that have one (LoRA, fresh facts). */
function randomControl(failed: RegimeRun[]): Pick<DriftAtRate, 'random' | 'vsRandom'> {
  const rs = failed.filter((r) => typeof r.randomPushedAway === 'boolean');
  if (rs.length === 0) return {};
  const random = rate(rs.map((r) => r.randomPushedAway === true));
  const d = rateDifference(rate(rs.map((r) => r.pushedAway)), random);
  return {
    random: { pushedAway: random },
    vsRandom: {
      ...d,
      se: (d.hi - d.lo) / (2 * normalQuantile(0.975)),
      n: rs.length,
      discordant: {
        trained: rs.filter((r) => r.pushedAway && r.randomPushedAway !== true).length,
        random: rs.filter((r) => !r.pushedAway && r.randomPushedAway === true).length,
      },
    },
  };
}

/** The null control at one rate against the failed runs trained toward their own target. */
function nullControl(
  control: RegimeRun[],
  failed: RegimeRun[],
): Pick<DriftAtRate, 'null' | 'vsNull' | 'vsNullMatched'> {
  if (control.length === 0) return {};
  const pushedNull = rate(control.map((r) => r.pushedAway));
  const amongFailed = rate(failed.map((r) => r.pushedAway));
  const d = rateDifference(amongFailed, pushedNull);
  // matched: runs that failed and whose answer changed, in both arms
  const trained = rate(failed.filter((r) => !r.answerIsOriginal).map((r) => r.pushedAway));
  const matchedNull = rate(control.filter((r) => !r.learned && !r.answerIsOriginal).map((r) => r.pushedAway));
  const m = rateDifference(trained, matchedNull);
  return {
    ...(trained.n > 0 && matchedNull.n > 0
      ? {
          vsNullMatched: {
            trained,
            null: matchedNull,
            ...m,
            se: (m.hi - m.lo) / (2 * normalQuantile(0.975)),
          },
        }
      : {}),
    null: { learned: rate(control.map((r) => r.learned)), pushedAway: pushedNull },
    vsNull: {
      ...d,
      se: (d.hi - d.lo) / (2 * normalQuantile(0.975)),
      n: Math.min(amongFailed.n, pushedNull.n),
    },
  };
}

function driftAt(cfg: RegimeAnalysisConfig, runs: RegimeRun[], method: string): DriftAtRate[] {
  return cfg.rates[method].map((lr, i) => {
    const rs = pick(runs, method, i, true);
    const failed = rs.filter((r) => !r.learned);
    const normOf = (xs: RegimeRun[]) => {
      const v = xs.map((r) => r.deltaNorm).filter((x): x is number => typeof x === 'number');
      return v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : null;
    };
    return {
      rate: i,
      lr,
      multiplier: cfg.multipliers[i],
      ...nullControl(pick(runs, method, i, true, true), failed),
      ...randomControl(failed),
      learned: rate(rs.map((r) => r.learned)),
      pushedAway: rate(rs.map((r) => r.pushedAway)),
      pushedAwayAmongFailed: rate(failed.map((r) => r.pushedAway)),
      ...(method === 'lora'
        ? {
            failedNorm: {
              pushed: normOf(failed.filter((r) => r.pushedAway)),
              notPushed: normOf(failed.filter((r) => !r.pushedAway)),
            },
          }
        : {}),
    };
  });
}

export function summarizeRegimes(
  cfg: RegimeAnalysisConfig,
  runs: RegimeRun[],
  parameters: Record<string, number>,
): RegimesSummary {
  const heldOutCurves: Record<string, CurvePoint[][]> = {};
  const freshCurves: Record<string, CurvePoint[][]> = {};
  const regimes: Record<string, RegimeChoice[]> = {};
  const bestRate: Record<string, number> = {};
  const distance: Record<string, DistanceAtRegime[]> = {};
  const drift: Record<string, DriftAtRate[]> = {};
  const pushedAtAnyRate: Record<string, Rate> = {};
  for (const [mi, method] of cfg.methods.entries()) {
    const rates = cfg.rates[method];
    heldOutCurves[method] = rates.map((_, i) => curve(pick(runs, method, i, false), cfg.steps, 100 * mi + i));
    freshCurves[method] = rates.map((_, i) => curve(pick(runs, method, i, true), cfg.steps, 100 * mi + i));
    const byRate = new Map(heldOutCurves[method].map((c, i) => [i, c]));
    regimes[method] = chooseRegimes(byRate, cfg.targets).map((r) => ({
      name: r.name,
      rate: r.rate,
      lr: rates[r.rate],
      budget: r.budget,
      heldOut: r.accuracy,
      fresh: freshCurves[method][r.rate][r.budget - 1],
    }));
    // the best rate: the highest held-out accuracy averaged over every budget (ties: the smaller rate)
    const area = heldOutCurves[method].map(
      (c) => c.reduce((a, p) => a + p.estimate, 0) / Math.max(1, c.length),
    );
    bestRate[method] = area.reduce((b, a, i) => (a > area[b] ? i : b), 0);
    const points = regimes[method].map((r) =>
      distanceAt(pick(runs, method, r.rate, true), pick(runs, method, r.rate, 'ends'), r, cfg.bins),
    );
    // Holm over the regimes that can show a shape (a regime without contrast is no test)
    const tested = points.map((p, i) => (p.noContrast ? -1 : i)).filter((i) => i >= 0);
    const adjTested = holm(tested.map((i) => points[i].peak?.p ?? 1));
    const adj = points.map((_, i) => (tested.includes(i) ? adjTested[tested.indexOf(i)] : 1));
    distance[method] = points.map((p, i) => ({ ...p, peakHolm: adj[i] }));
    drift[method] = driftAt(cfg, runs, method);
    const pushedFacts = new Map<string, boolean>();
    for (const [i] of rates.entries())
      for (const r of pick(runs, method, i, true))
        pushedFacts.set(r.fact, (pushedFacts.get(r.fact) ?? false) || r.pushedAway);
    pushedAtAnyRate[method] = rate([...pushedFacts.values()]);
  }
  const count = (m: string, facts: boolean | 'ends') =>
    new Set(pick(runs, m, 0, facts).map((r) => r.fact)).size;
  const hasFull = cfg.methods.includes('full');
  return {
    methods: cfg.methods,
    rates: cfg.rates,
    multipliers: cfg.multipliers,
    steps: cfg.steps,
    parameters,
    heldOutCurves,
    freshCurves,
    regimes,
    bestRate,
    premise: premise(cfg, runs, bestRate),
    distance,
    drift,
    pushedAtAnyRate,
    facts: {
      fresh: count(cfg.methods[0], true),
      freshFull: hasFull ? count('full', true) : 0,
      heldOut: count(cfg.methods[0], false),
      heldOutFull: hasFull ? count('full', false) : 0,
      ends: count(cfg.methods[0], 'ends'),
      endsFull: hasFull ? count('full', 'ends') : 0,
    },
  };
}

/** The premise at matched wall-clock: full fine-tuning minus one PEFT method over a common window of seconds. */
export interface PremiseAtWallClock {
  method: string;
  /** seconds of one optimiser step on one fact (the benchmark's), full fine-tuning's and the method's */
  fullStepS: number;
  peftStepS: number;
  /** the common window: the shorter of the two runs' `steps` budgets in seconds */
  windowS: number;
  facts: number;
  /** per fact: the share of the window's time points by which it was learned, full − method */
  diff: Interval & { se: number; sd: number };
  full: number;
  peft: number;
}

/**
 * The premise (full fine-tuning − PEFT, paired by fact, each at its best rate) with the step budget replaced by
 * wall-clock: a method's budget of b steps costs b·t seconds, t its step time from a benchmark (bench/methods.ts:
 * one fact alone, batch 1). Accuracy is averaged over `steps` evenly spaced time points up to the common window
 * (the shorter of the two methods' `steps`-step runs), so it is an area under the learning curve against seconds.
 * Step times are measured, not a function of the config: this lives beside the study's results, not in them.
 */
export function premiseAtWallClock(
  cfg: RegimeAnalysisConfig,
  runs: RegimeRun[],
  bestRate: Record<string, number>,
  stepSeconds: Record<string, number>,
): PremiseAtWallClock[] {
  const tFull = stepSeconds.full;
  if (!cfg.methods.includes('full') || !(tFull > 0)) return [];
  const fullRuns = pick(runs, 'full', bestRate.full, true);
  const points = cfg.steps;
  // learned by time T ⇔ updates·t ≤ T (a fact predicted before any update is learned at time 0)
  const area = (rs: RegimeRun[], t: number, window: number) => {
    const out = new Map<string, number>();
    for (const r of rs) {
      let hit = 0;
      for (let j = 1; j <= points; j++)
        if (r.updates !== null && r.updates * t <= (j * window) / points) hit++;
      out.set(r.fact, hit / points);
    }
    return out;
  };
  return cfg.methods
    .filter((m) => m !== 'full' && stepSeconds[m] > 0)
    .map((method) => {
      const t = stepSeconds[method];
      const window = cfg.steps * Math.min(t, tFull);
      const fullArea = area(fullRuns, tFull, window);
      const peftArea = area(
        pick(runs, method, bestRate[method], true).filter((r) => fullArea.has(r.fact)),
        t,
        window,
      );
      const facts = [...fullArea.keys()].filter((f) => peftArea.has(f));
      const avg = (m: Map<string, number>) =>
        facts.reduce((a, f) => a + m.get(f)!, 0) / Math.max(1, facts.length);
      return {
        method,
        fullStepS: tFull,
        peftStepS: t,
        windowS: window,
        facts: facts.length,
        diff: meanCI(facts.map((f) => fullArea.get(f)! - peftArea.get(f)!)),
        full: avg(fullArea),
        peft: avg(peftArea),
      };
    });
}

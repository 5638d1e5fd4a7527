/**
 * Experiment 1 — knowledge-learning accuracy against target semantic distance (paper: best at a MODERATE distance,
 * worse for near and far targets). Each fact is learned alone (its own adapter) with LoRA, AdaLoRA, Adapter and full
 * fine-tuning under one step budget; accuracy = greedy exact match of the new target. Facts are binned by target
 * distance (quantile bins) under each distance protocol. The claim is read as: the middle bins' accuracy exceeds the
 * outer bins' (difference with a 95 % Newcombe interval), and the best bin is not an outer one (the v1 rule, kept as
 * `reproduces`). Beside it, the peak test (`peak`, metrics/logistic.ts): a logistic model of learned ~ distance +
 * distance² with standard errors clustered by fact, the location of its maximum with a cluster-bootstrap interval,
 * and a two-lines test (a significant rise, then a significant fall). The v1 rule is positive for any concave
 * monotone curve; the peak test is not (tested on planted curves).
 */

import { session } from '../../knowledge/config';
import { FACT_PROTOCOLS } from '../../knowledge/facts';
import type {
  SingleCase,
  SingleCaseResult,
  SingleFactConfig,
  SingleFactOptions,
} from '../../knowledge/single-facts';
import { singleCases, singleFactConfig, singleFactRuns } from '../../knowledge/single-facts';
import { peakTest } from '../../metrics/logistic';
import { protocolName } from '../../metrics/semantic';
import { type BinnedRate, binnedRates, rate, rateDifference, spearman } from '../../metrics/stats';
import type { Experiment } from '../../runner/runner';

export interface DistanceCurveConfig extends SingleFactConfig {
  /** facts for full fine-tuning (one model per fact: the costly method) */
  fullFacts: number;
}

export function distanceCurveConfig(o: SingleFactOptions = {}): DistanceCurveConfig {
  return singleFactConfig(o, ['lora', 'adalora', 'adapter', 'full']);
}

export interface MethodCurve {
  method: string;
  protocol: string;
  bins: BinnedRate[];
  overall: ReturnType<typeof rate>;
  /** middle bins minus outer bins */
  middleMinusOuter: { diff: number; lo: number; hi: number };
  bestBin: number;
  spearman: { rho: number; p: number };
  /** share learned by step s (early stop records the step), s = 1..steps */
  byStep: number[];
  /** the v1 rule: middle − outer bins > 0 and the best bin not an outer one */
  reproduces: boolean;
  /** the peak test over facts (null with the reason in `peakError` when the model cannot be fitted) */
  peak: PeakSummary | null;
  peakError?: string;
}

export interface PeakSummary {
  /** significant negative curvature, an interior maximum and a significant rise then fall (two lines) */
  peaked: boolean;
  reason: string;
  /** distance of the fitted maximum (null when the curve is not concave) and its 95 % cluster-bootstrap interval */
  vertex: number | null;
  vertexLo: number | null;
  vertexHi: number | null;
  /** coefficient of distance² (standardised distance) and its clustered p-value */
  curvature: { estimate: number; p: number };
  /** slopes (per unit of distance, logit scale) before and after the breakpoint, clustered p-values */
  left: { slope: number; p: number };
  right: { slope: number; p: number };
  runs: number;
  facts: number;
  /**
   * p-value of "peaked" as an intersection–union test: the largest of the three p-values (curvature, rise, fall)
   * when the signs and the maximum's location agree with a peak, else 1 (Holm-adjusted where regimes are a family)
   */
  p: number;
}

/**
 * The peak test of one method × protocol (runs with a distance; clusters = facts). `covariates` (one array per
 * covariate, aligned with d) enter every model as extra columns; runs with a missing covariate are left out.
 */
export function peakSummary(
  d: readonly (number | null)[],
  ok: readonly boolean[],
  ids: readonly string[],
  covariates: readonly (readonly (number | null)[])[] = [],
): PeakSummary {
  const finiteAt = (v: number | null | undefined) => typeof v === 'number' && Number.isFinite(v);
  const idx = d.map((_, i) => i).filter((i) => finiteAt(d[i]) && covariates.every((c) => finiteAt(c[i])));
  const t = peakTest(
    idx.map((i) => d[i] as number),
    idx.map((i) => (ok[i] ? 1 : 0)),
    idx.map((i) => ids[i]),
    { iterations: 200, seed: 0, covariates: covariates.map((c) => idx.map((i) => c[i] as number)) },
  );
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    peaked: t.peaked,
    reason: t.reason,
    vertex: finite(t.vertex),
    vertexLo: finite(t.vertexLo),
    vertexHi: finite(t.vertexHi),
    curvature: { estimate: t.quadratic.coef[2], p: t.quadratic.p[2] },
    left: { slope: t.left.slope, p: t.left.p },
    right: { slope: t.right.slope, p: t.right.p },
    runs: t.quadratic.n,
    facts: t.quadratic.clusters,
    p:
      t.quadratic.coef[2] < 0 &&
      t.vertex > t.range[0] &&
      t.vertex < t.range[1] &&
      t.left.slope > 0 &&
      t.right.slope < 0
        ? Math.max(t.quadratic.p[2], t.left.p, t.right.p)
        : 1,
  };
}

export interface DistanceCurveSummary {
  curves: MethodCurve[];
  locality: Record<string, ReturnType<typeof rate>>;
  generalisation: Record<string, ReturnType<typeof rate>>;
  pool: number;
}

export const distanceCurve: Experiment<
  DistanceCurveConfig,
  SingleCase,
  SingleCaseResult,
  DistanceCurveSummary
> = {
  name: 'distance-curve',
  // 2: the config holds every PEFT and trainer default (resolved before hashing); 3: the peak test in the summary;
  // 4: each seed trains its own facts (knowledge/single-facts.ts, seedFacts); 5: a lone adapter's products are summed
  // as a stack's (peft/groups.ts stackMatMul: with the batch layout, results independent of the worker count on wasm)
  version: 5,
  ...singleFactRuns,
  cases(cfg) {
    const per = Object.fromEntries(cfg.methods.map((m) => [m, m === 'full' ? cfg.fullFacts : cfg.facts]));
    return singleCases(session(cfg).pool, cfg.methods, cfg.seeds, per);
  },
  summarize(cfg, results) {
    const curves: MethodCurve[] = [];
    const locality: Record<string, ReturnType<typeof rate>> = {};
    const generalisation: Record<string, ReturnType<typeof rate>> = {};
    for (const method of cfg.methods) {
      const rs = results.filter((r) => r.method === method);
      locality[method] = rate(rs.map((r) => r.neighbourhood));
      generalisation[method] = rate(rs.map((r) => r.paraphrase));
      for (const p of FACT_PROTOCOLS) {
        const protocol = protocolName(p);
        const d = rs.map((r) => r.distance[protocol]);
        const ok = rs.map((r) => r.learned);
        const { bins, members } = binnedRates(d, ok, cfg.bins);
        const outerFlags = [...members[0], ...members[members.length - 1]].map((i) => ok[i]);
        const middleFlags = members
          .slice(1, -1)
          .flat()
          .map((i) => ok[i]);
        const mmo = rateDifference(rate(middleFlags), rate(outerFlags));
        const best = bins.reduce((bi, b, i) => (b.rate > bins[bi].rate ? i : bi), 0);
        const sp = spearman(
          d,
          ok.map((x) => (x ? 1 : 0)),
        );
        const byStep = Array.from(
          { length: cfg.steps },
          (_, s) =>
            rs.filter((r) => r.stepsToLearn !== null && r.stepsToLearn <= s + 1).length /
            Math.max(1, rs.length),
        );
        curves.push({
          method,
          protocol,
          bins,
          overall: rate(ok),
          middleMinusOuter: mmo,
          bestBin: best,
          spearman: { rho: sp.r, p: sp.p },
          byStep,
          reproduces: mmo.lo > 0 && best !== 0 && best !== bins.length - 1,
          ...fitPeak(
            d,
            ok,
            rs.map((r) => r.id),
          ),
        });
      }
    }
    return { curves, locality, generalisation, pool: results.length };
  },
};

function fitPeak(
  d: readonly (number | null)[],
  ok: readonly boolean[],
  ids: readonly string[],
): { peak: PeakSummary | null; peakError?: string } {
  try {
    return { peak: peakSummary(d, ok, ids) };
  } catch (e) {
    return { peak: null, peakError: (e as Error).message };
  }
}

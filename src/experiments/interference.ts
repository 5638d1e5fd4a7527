/**
 * Experiment 3 — several facts learned together interfere (paper: accuracy falls as more facts are learned at once;
 * it rises as the set's mean target distance falls and as its variance rises).
 * (a) N facts share one LoRA, for N in the scale's sizes; each fact is seen `epochs` times, whatever N. Accuracy is
 *     greedy exact match; "cross-talk" = a wrong answer that is another fact's new target.
 * (b) Many sets of a fixed size, composed to span the mean and the variance of target distance (sets drawn from
 *     distance windows of varying centre and width); accuracy regressed on the set's mean and variance together
 *     (OLS with standardised predictors), plus rank correlations.
 */
import { mean, meanCI, spearman, variance } from '../metrics/stats';
import { deriveSeed, permutation } from '../util/random';
import { type CommonConfig, type CommonOptions, commonConfig, rate, sample, session } from './common';
import { DEFAULT_PROTOCOL_NAME, type Fact } from './facts';
import { learnFactSets } from './learn';
import { ols2 } from './regression';
import type { Experiment } from './runner';
import { METHODS } from './scales';

export interface InterferenceConfig extends CommonConfig {
  method: string;
  sizes: number[];
  setSize: number;
  sets: number;
  epochs: number;
  lr: number;
  batchSize: number;
}

export function interferenceConfig(
  o: CommonOptions & { method?: string; lr?: number; epochs?: number } = {},
): InterferenceConfig {
  const { s, ...c } = commonConfig(o);
  return {
    ...c,
    method: o.method ?? 'lora',
    sizes: s.setSizes,
    setSize: s.setSize,
    sets: s.sets,
    epochs: o.epochs ?? s.epochs,
    lr: o.lr ?? s.setLr,
    batchSize: s.batchSize,
  };
}

export interface InterferenceCase {
  id: string;
  kind: 'size' | 'composition';
  seed: number;
  n: number;
  /** composition sets: index */
  index: number;
}

export interface InterferenceResult {
  learned: boolean[];
  crossTalk: boolean[];
  meanDistance: number;
  varDistance: number;
}

/** A set of n facts from a window of the distance-sorted pool: centre c ∈ [0, 1], width w ∈ (0, 1]. */
export function windowSet(sorted: Fact[], n: number, c: number, w: number, seed: number): Fact[] {
  const span = Math.max(n, Math.round(w * sorted.length));
  const start = Math.min(sorted.length - span, Math.max(0, Math.round(c * sorted.length - span / 2)));
  const window = sorted.slice(start, start + span);
  return permutation(window.length, seed)
    .slice(0, n)
    .map((i) => window[i]);
}

function compositionSet(cfg: InterferenceConfig, pool: Fact[], seed: number, index: number): Fact[] {
  const sorted = [...pool].sort(
    (a, b) => a.distance[DEFAULT_PROTOCOL_NAME] - b.distance[DEFAULT_PROTOCOL_NAME],
  );
  const widths = [0.15, 0.4, 1];
  const centre = ((index % 8) + 0.5) / 8;
  const width = widths[Math.floor(index / 8) % widths.length];
  return windowSet(sorted, cfg.setSize, centre, width, deriveSeed(seed, `composition-${index}`));
}

function setFor(cfg: InterferenceConfig, pool: Fact[], c: InterferenceCase): Fact[] {
  return c.kind === 'size'
    ? sample(pool, c.n, c.seed, `size-${c.n}`)
    : compositionSet(cfg, pool, c.seed, c.index);
}

export interface InterferenceSummary {
  bySize: { n: number; accuracy: ReturnType<typeof meanCI>; crossTalkAmongWrong: ReturnType<typeof rate> }[];
  composition: {
    points: { mean: number; variance: number; accuracy: number }[];
    fit: ReturnType<typeof ols2>;
    spearmanMean: { rho: number; p: number };
    spearmanVariance: { rho: number; p: number };
  };
  reproducesSize: boolean;
  reproducesMean: boolean;
  reproducesVariance: boolean;
}

export const interference: Experiment<
  InterferenceConfig,
  InterferenceCase,
  InterferenceResult,
  InterferenceSummary
> = {
  name: 'interference',
  version: 1,
  defaultBatchSize: 32,
  cases(cfg) {
    const pool = session(cfg).pool;
    const out: InterferenceCase[] = [];
    for (const seed of cfg.seeds) {
      for (const n of cfg.sizes.filter((x) => x <= pool.length))
        out.push({ id: `size|${seed}|${n}`, kind: 'size', seed, n, index: 0 });
      for (let i = 0; i < cfg.sets; i++)
        out.push({ id: `composition|${seed}|${i}`, kind: 'composition', seed, n: cfg.setSize, index: i });
    }
    return out;
  },
  async runBatch(cfg, cases) {
    const s = session(cfg);
    const out = new Map<string, InterferenceResult>();
    // sets of equal size train side by side (one adapter each)
    const bySize = new Map<number, InterferenceCase[]>();
    for (const c of cases) {
      if (!bySize.has(c.n)) bySize.set(c.n, []);
      bySize.get(c.n)!.push(c);
    }
    for (const [, group] of bySize) {
      const sets = group.map((c) => setFor(cfg, s.pool, c));
      const res = await learnFactSets(
        s,
        sets,
        METHODS[cfg.method],
        { epochs: cfg.epochs, batchSize: cfg.batchSize, lr: cfg.lr },
        group[0].seed,
      );
      group.forEach((c, i) => {
        const d = sets[i].map((f) => f.distance[DEFAULT_PROTOCOL_NAME]);
        out.set(c.id, { ...res[i], meanDistance: mean(d), varDistance: d.length > 1 ? variance(d) : 0 });
      });
    }
    return cases.map((c) => out.get(c.id)!);
  },
  summarize(cfg, results) {
    const cases = this.cases(cfg);
    const acc = (r: InterferenceResult) => r.learned.filter(Boolean).length / r.learned.length;
    const bySize = cfg.sizes
      .filter((n) => cases.some((c) => c.kind === 'size' && c.n === n))
      .map((n) => {
        const rs = results.filter((_, i) => cases[i].kind === 'size' && cases[i].n === n);
        const wrong = rs.flatMap((r) => r.crossTalk.filter((_, j) => !r.learned[j]));
        return { n, accuracy: meanCI(rs.map(acc)), crossTalkAmongWrong: rate(wrong) };
      });
    const comp = results.filter((_, i) => cases[i].kind === 'composition');
    const points = comp.map((r) => ({ mean: r.meanDistance, variance: r.varDistance, accuracy: acc(r) }));
    const fit = ols2(
      points.map((p) => p.accuracy),
      points.map((p) => p.mean),
      points.map((p) => p.variance),
    );
    const sm = spearman(
      points.map((p) => p.mean),
      points.map((p) => p.accuracy),
    );
    const sv = spearman(
      points.map((p) => p.variance),
      points.map((p) => p.accuracy),
    );
    const first = bySize[0]?.accuracy.estimate ?? Number.NaN;
    const last = bySize[bySize.length - 1]?.accuracy;
    return {
      bySize,
      composition: {
        points,
        fit,
        spearmanMean: { rho: sm.r, p: sm.p },
        spearmanVariance: { rho: sv.r, p: sv.p },
      },
      reproducesSize: last !== undefined && last.hi < first,
      reproducesMean: fit.b1.hi < 0,
      reproducesVariance: fit.b2.lo > 0,
    };
  },
};

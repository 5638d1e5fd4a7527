/**
 * Finding 3, designed sets (#15 item 3c): sets built so that the two spreads vary independently — the mean
 * original→target distance (the paper's "mean") and the mean pairwise distance between the set's targets (what
 * cross-talk between items is about). A 2 × 2 design per seed: the set's facts come from the nearer or the farther
 * half of the pool by original→target distance, and its targets are either clustered (the facts whose targets are
 * nearest one random anchor's target) or spread (farthest-point selection from a random sample). Targets within a set
 * are distinct strings, so a clustered set is a set of similar, not identical, answers.
 *
 * Analysis (set = unit): OLS set accuracy ~ z(mean) + z(pairwise), t intervals; the two predictors' rank correlation
 * over the designed sets says how independent the design made them.
 */
import { DEFAULT_PROTOCOL_NAME, type Fact } from '../../knowledge/facts';
import { embeddingDistance, type LearnContext } from '../../knowledge/learn';
import { meanCI, ols2, spearman } from '../../metrics/stats';
import { deriveSeed, permutation } from '../../util/random';

/** The design cell of designed set `index`: bit 0 = farther half (high mean), bit 1 = spread targets. */
export function designCell(index: number): { highMean: boolean; highSpread: boolean } {
  return { highMean: index % 2 === 1, highSpread: Math.floor(index / 2) % 2 === 1 };
}

const targetKey = (f: Fact) => f.targetIds.join(',');

/** Mean pairwise 1 − cos between the targets' mean input embeddings (NaN with fewer than two usable pairs). */
export function meanPairwiseTargetDistance(ctx: LearnContext, facts: readonly Fact[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < facts.length; i++)
    for (let j = i + 1; j < facts.length; j++) {
      const d = embeddingDistance(ctx, facts[i].targetIds, facts[j].targetIds);
      if (d !== null) {
        sum += d;
        n++;
      }
    }
  return n > 0 ? sum / n : Number.NaN;
}

/**
 * Designed set `index` of `n` facts for `seed` (see the module comment). Throws when the pool's half is too small to
 * give `n` facts with distinct targets.
 */
export function designedSet(
  ctx: LearnContext,
  pool: readonly Fact[],
  n: number,
  seed: number,
  index: number,
): Fact[] {
  const { highMean, highSpread } = designCell(index);
  const sorted = [...pool].sort(
    (a, b) => a.distance[DEFAULT_PROTOCOL_NAME] - b.distance[DEFAULT_PROTOCOL_NAME],
  );
  const half = Math.floor(sorted.length / 2);
  const part = highMean ? sorted.slice(half) : sorted.slice(0, half);
  const order = permutation(part.length, deriveSeed(seed, `designed-${index}`)).map((i) => part[i]);
  const dist = (a: Fact, b: Fact) => embeddingDistance(ctx, a.targetIds, b.targetIds) ?? 1;
  const chosen: Fact[] = [order[0]];
  const used = new Set([targetKey(order[0])]);
  if (!highSpread) {
    // clustered: the facts whose targets are nearest the anchor's (distinct target strings)
    const byNearness = order.slice(1).sort((a, b) => dist(order[0], a) - dist(order[0], b));
    for (const f of byNearness) {
      if (chosen.length >= n) break;
      if (used.has(targetKey(f))) continue;
      chosen.push(f);
      used.add(targetKey(f));
    }
  } else {
    // spread: farthest-point selection (max of the min distance to the chosen) from a random sample of 4n facts
    const sample = order.slice(1, 1 + 4 * n);
    const minTo = new Map(sample.map((f) => [f, dist(order[0], f)]));
    while (chosen.length < n) {
      let best: Fact | undefined;
      for (const f of sample)
        if (!used.has(targetKey(f)) && (best === undefined || minTo.get(f)! > minTo.get(best)!)) best = f;
      if (best === undefined) break;
      chosen.push(best);
      used.add(targetKey(best));
      for (const f of sample) minTo.set(f, Math.min(minTo.get(f)!, dist(best, f)));
    }
  }
  if (chosen.length < n)
    throw new Error(
      `designed set ${index} (seed ${seed}): only ${chosen.length} facts with distinct targets in the pool's ${highMean ? 'farther' : 'nearer'} half, need ${n}`,
    );
  return chosen;
}

export interface DesignedPoint {
  highMean: boolean;
  highSpread: boolean;
  mean: number;
  pairwise: number;
  accuracy: number;
  /** share of the set's facts answered with another fact's target */
  crossTalk: number;
}

export interface DesignedSummary {
  points: DesignedPoint[];
  /** OLS accuracy ~ z(mean) + z(pairwise): b1 mean, b2 pairwise (accuracy per SD, t intervals over sets) */
  fit: ReturnType<typeof ols2>;
  /** how independent the design made the two predictors (Spearman over the designed sets) */
  meanVsPairwise: { rho: number; p: number };
  /** per design cell: set accuracy (t interval over sets), mean and pairwise spread */
  cells: {
    highMean: boolean;
    highSpread: boolean;
    sets: number;
    accuracy: ReturnType<typeof meanCI>;
    mean: number;
    pairwise: number;
  }[];
}

export function summarizeDesigned(points: DesignedPoint[]): DesignedSummary | undefined {
  if (points.length < 4) return undefined;
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const r = spearman(
    points.map((p) => p.mean),
    points.map((p) => p.pairwise),
  );
  const cells = [false, true].flatMap((highSpread) =>
    [false, true].map((highMean) => {
      const ps = points.filter((p) => p.highMean === highMean && p.highSpread === highSpread);
      return {
        highMean,
        highSpread,
        sets: ps.length,
        accuracy: meanCI(ps.map((p) => p.accuracy)),
        mean: avg(ps.map((p) => p.mean)),
        pairwise: avg(ps.map((p) => p.pairwise)),
      };
    }),
  );
  return {
    points,
    fit: ols2(
      points.map((p) => p.accuracy),
      points.map((p) => p.mean),
      points.map((p) => p.pairwise),
    ),
    meanVsPairwise: { rho: r.r, p: r.p },
    cells: cells.filter((c) => c.sets > 0),
  };
}

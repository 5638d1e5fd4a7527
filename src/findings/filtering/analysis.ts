/**
 * Finding 4's analyses beyond the accuracy curves (#15 "filtering"): paired gains between two strategies, the facts
 * kept by both strategies (does filtering help the same facts, or only swap in easier ones?), and how stable the
 * best share is when the sets are resampled. Pure functions of the stored per-set results.
 */
import { clusterBootstrapCI, type Interval, mean, meanCI } from '../../metrics/stats';
import { mulberry32 } from '../../util/random';

/** One filtered set's stored result, with the case that made it. */
export interface FilteredRun {
  seed: number;
  set: number;
  strategy: string;
  share: number;
  accuracy: number;
  facts: string[];
  learned: boolean[];
}

const unitOf = (r: FilteredRun) => `${r.seed}|${r.set}`;
const at = (runs: readonly FilteredRun[], strategy: string, share: number) =>
  new Map(
    runs
      .filter((r) => r.strategy === strategy && Math.abs(r.share - share) < 1e-9)
      .map((r) => [unitOf(r), r]),
  );

/** Accuracy of strategy `a` minus `b` at each share, paired by set (t interval over sets). */
export function pairedGain(
  runs: readonly FilteredRun[],
  a: string,
  b: string,
  shares: readonly number[],
): { share: number; diff: ReturnType<typeof meanCI> }[] {
  return shares.map((share) => {
    const ra = at(runs, a, share);
    const rb = at(runs, b, share);
    const units = [...ra.keys()].filter((u) => rb.has(u));
    return { share, diff: meanCI(units.map((u) => ra.get(u)!.accuracy - rb.get(u)!.accuracy)) };
  });
}

export interface KeptInBoth {
  share: number;
  /** facts in both strategies' filtered versions of the same set (summed over sets) */
  facts: number;
  /** their accuracy under each strategy */
  a: number;
  b: number;
  /** a − b over these facts, cluster bootstrap over sets */
  diff: Interval;
}

/**
 * The facts that strategies `a` and `b` both kept in the same set: their accuracy under each. If filtering only
 * swaps in easier facts, the facts both kept are learned equally well under both; if it lowers interference, better
 * under the filtered set.
 */
export function keptInBoth(
  runs: readonly FilteredRun[],
  a: string,
  b: string,
  shares: readonly number[],
): KeptInBoth[] {
  return shares.map((share, si) => {
    const ra = at(runs, a, share);
    const rb = at(runs, b, share);
    const diffs: number[] = [];
    const clusters: string[] = [];
    let na = 0;
    let nb = 0;
    for (const [u, x] of ra) {
      const y = rb.get(u);
      if (!y) continue;
      const ly = new Map(y.facts.map((f, i) => [f, y.learned[i]]));
      x.facts.forEach((f, i) => {
        const other = ly.get(f);
        if (other === undefined) return;
        const va = x.learned[i] ? 1 : 0;
        const vb = other ? 1 : 0;
        na += va;
        nb += vb;
        diffs.push(va - vb);
        clusters.push(u);
      });
    }
    const n = diffs.length;
    return {
      share,
      facts: n,
      a: n ? na / n : Number.NaN,
      b: n ? nb / n : Number.NaN,
      diff: n
        ? clusterBootstrapCI(diffs, clusters, mean, { iterations: 1000, seed: si })
        : { estimate: Number.NaN, lo: Number.NaN, hi: Number.NaN, level: 0.95, n: 0, method: 'none' },
    };
  });
}

/**
 * How often each share is the best (largest mean gain of `a` over `b`) when the sets are resampled with replacement
 * (`iterations` resamples, seeded): the uncertainty of "the best share", which a single argmax hides.
 */
export function bestShareFrequencies(
  runs: readonly FilteredRun[],
  a: string,
  b: string,
  shares: readonly number[],
  iterations = 1000,
  seed = 0,
): { share: number; frequency: number }[] {
  const maps = shares.map((share) => [at(runs, a, share), at(runs, b, share)] as const);
  const units = [...maps[0][0].keys()].filter((u) => maps.every(([x, y]) => x.has(u) && y.has(u)));
  if (units.length === 0) return shares.map((share) => ({ share, frequency: Number.NaN }));
  // gain[unit][share]
  const gain = units.map((u) => maps.map(([x, y]) => x.get(u)!.accuracy - y.get(u)!.accuracy));
  const wins = new Array<number>(shares.length).fill(0);
  const rnd = mulberry32(seed);
  for (let it = 0; it < iterations; it++) {
    const sums = new Array<number>(shares.length).fill(0);
    for (let i = 0; i < units.length; i++) {
      const g = gain[Math.floor(rnd() * units.length)];
      for (let j = 0; j < shares.length; j++) sums[j] += g[j];
    }
    // ties: the smaller share
    wins[sums.reduce((b, v, j) => (v > sums[b] ? j : b), 0)]++;
  }
  return shares.map((share, j) => ({ share, frequency: wins[j] / iterations }));
}

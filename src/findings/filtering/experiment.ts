/**
 * Experiment 4 — data filtering (paper: replacing training items detrimental to knowledge learning, so that the
 * set's mean target distance is low and its variance high, helps; replacing about 60 % is best, more gives no gain).
 * Our protocol ('semantic-greedy'): start from a random set of `setSize` facts; for a share p of the set, repeatedly
 * remove the item whose removal most improves J = var(d) − mean(d) of the set and add the candidate from the pool
 * (facts outside the set) that most improves J. Controls the paper lacks: 'random' replaces the same share with
 * random candidates; 'nearest-first' replaces the farthest items with the pool's nearest (the mean term alone — with
 * var(d) ≈ 0.03 and mean(d) ≈ 0.5, J is ≈ −mean(d)). Accuracy is measured on the resulting set (the knowledge
 * actually trained). p sweeps 0–100 % in steps of 10 %; every (strategy, p) set trains side by side as its own
 * adapter. analysis.ts adds the facts kept by both strategies and the resampled best share.
 */

import type { SetConfig, SetOptions } from '../../knowledge/config';
import { prepareSession, sample, session, setConfig } from '../../knowledge/config';
import { learnedAt, shareTrue } from '../../knowledge/epochs';
import { DEFAULT_PROTOCOL_NAME, type Fact } from '../../knowledge/facts';
import { learnFactSets } from '../../knowledge/learn';
import type { ScaleName } from '../../knowledge/scales';
import { mean, meanCI, variance } from '../../metrics/stats';
import type { Experiment } from '../../runner/runner';
import { deriveSeed, permutation } from '../../util/random';
import { bestShareFrequencies, type FilteredRun, type KeptInBoth, keptInBoth, pairedGain } from './analysis';

export interface FilteringConfig extends SetConfig {
  /** sets per seed; each is filtered at every share by every strategy (paired comparisons) */
  sets: number;
  shares: number[];
  strategies: Strategy[];
}

/**
 * 'semantic-greedy': the paper's filter as we read it (maximise J = var(d) − mean(d)); 'random': replace the same
 * share at random; 'nearest-first': replace the share of the set's farthest-target items by the pool's nearest (mean
 * only, no variance term) — the control that asks whether the semantic filter does more than pick nearer facts.
 */
export type Strategy = 'semantic-greedy' | 'random' | 'nearest-first';

/** Filtering's own knob per scale preset: sets per seed (one set per share and strategy). */
export const FILTERING_SCALES: Record<ScaleName, { sets: number }> = {
  smoke: { sets: 1 },
  // 12 paired sets per share at toy (4 per seed)
  toy: { sets: 4 },
  full: { sets: 4 },
  paper: { sets: 4 },
};

export function filteringConfig(o: SetOptions = {}): FilteringConfig {
  const { s, ...c } = setConfig(o);
  return {
    ...c,
    sets: FILTERING_SCALES[s.name].sets,
    shares: Array.from({ length: 11 }, (_, i) => i / 10),
    strategies: ['semantic-greedy', 'random', 'nearest-first'],
  };
}

export interface FilteringCase {
  id: string;
  seed: number;
  /** which of the seed's sets */
  set: number;
  strategy: Strategy;
  share: number;
}

export interface FilteringResult {
  accuracy: number;
  meanDistance: number;
  varDistance: number;
  replaced: number;
  /** the facts of the filtered set, and which were learned */
  facts: string[];
  learned: boolean[];
  /** [epoch][fact]: which were learned after each epoch (every shorter budget of the run: findings 3–5 per regime) */
  learnedByEpoch: boolean[][];
}

const dist = (f: Fact) => f.distance[DEFAULT_PROTOCOL_NAME];
const objective = (ds: number[]) => variance(ds) - mean(ds);

/** The filtered set for a strategy and share (deterministic for a seed and set index). */
export function filteredSet(
  pool: Fact[],
  setSize: number,
  seed: number,
  strategy: FilteringCase['strategy'],
  share: number,
  setIndex = 0,
): Fact[] {
  const initial = sample(pool, setSize, seed, `filtering-set-${setIndex}`);
  const inSet = new Set(initial.map((f) => f.record.id));
  let candidates = pool.filter((f) => !inSet.has(f.record.id));
  const set = initial.slice();
  const k = Math.min(candidates.length, Math.round(share * setSize));
  if (strategy === 'nearest-first') {
    // the k farthest items of the set (ties: earlier position) out, the k nearest candidates (ties: pool order) in
    const out = set
      .map((f, i) => ({ d: dist(f), i }))
      .sort((a, b) => b.d - a.d || a.i - b.i)
      .slice(0, k);
    const inn = candidates
      .map((f, i) => ({ d: dist(f), i }))
      .sort((a, b) => a.d - b.d || a.i - b.i)
      .slice(0, k);
    out.forEach((o, j) => {
      set[o.i] = candidates[inn[j].i];
    });
    return set;
  }
  if (strategy === 'random') {
    const out = permutation(set.length, deriveSeed(seed, `random-out-${setIndex}-${share}`)).slice(0, k);
    const inn = permutation(candidates.length, deriveSeed(seed, `random-in-${setIndex}-${share}`)).slice(
      0,
      k,
    );
    out.forEach((pos, j) => {
      set[pos] = candidates[inn[j]];
    });
    return set;
  }
  const replaced = new Set<number>();
  for (let step = 0; step < k; step++) {
    // the not-yet-replaced item whose removal helps J most
    let worst = -1;
    let bestJ = Number.NEGATIVE_INFINITY;
    set.forEach((_, i) => {
      if (replaced.has(i)) return;
      const j = objective(set.filter((__, q) => q !== i).map(dist));
      if (j > bestJ) {
        bestJ = j;
        worst = i;
      }
    });
    // the candidate that helps J most in its place
    const rest = set.filter((_, q) => q !== worst).map(dist);
    let pick = 0;
    let pickJ = Number.NEGATIVE_INFINITY;
    candidates.forEach((c, ci) => {
      const j = objective([...rest, dist(c)]);
      if (j > pickJ) {
        pickJ = j;
        pick = ci;
      }
    });
    set[worst] = candidates[pick];
    replaced.add(worst);
    candidates = candidates.filter((_, ci) => ci !== pick);
  }
  return set;
}

export interface FilteringSummary {
  curves: {
    strategy: string;
    points: {
      share: number;
      accuracy: ReturnType<typeof meanCI>;
      meanDistance: number;
      varDistance: number;
    }[];
    bestShare: number;
  }[];
  /** semantic minus random at each share (paired by set) */
  gain: { share: number; diff: ReturnType<typeof meanCI> }[];
  /** semantic minus nearest-first at each share (paired by set): the semantic filter beyond picking nearer facts */
  nearestGain: { share: number; diff: ReturnType<typeof meanCI> }[];
  /** the facts both semantic and random filtering kept in a set: their accuracy under each (per share > 0) */
  keptInBoth: KeptInBoth[];
  /** how often each share (> 0) has the largest semantic − random gain when the sets are resampled */
  bestShareFrequency: { share: number; frequency: number }[];
  reproducesHelps: boolean;
  reproducesSixty: boolean;
}

export const filtering: Experiment<FilteringConfig, FilteringCase, FilteringResult, FilteringSummary> = {
  name: 'filtering',
  // 2: the config holds every PEFT and trainer default (resolved before hashing); 3: several sets per seed, per-fact
  // outcomes stored; 4: each set's outcomes after every epoch (learnedByEpoch); a lone adapter's products are summed
  // as a stack's (peft/groups.ts stackMatMul)
  version: 4,
  prepare: prepareSession,
  defaultBatchSize: 22,
  cases(cfg) {
    const out: FilteringCase[] = [];
    for (const seed of cfg.seeds)
      for (let set = 0; set < cfg.sets; set++)
        for (const strategy of cfg.strategies)
          for (const share of cfg.shares)
            out.push({ id: `${seed}|${set}|${strategy}|${share.toFixed(1)}`, seed, set, strategy, share });
    return out;
  },
  async runBatch(cfg, cases) {
    const s = session(cfg);
    const out: FilteringResult[] = new Array(cases.length);
    for (const seed of [...new Set(cases.map((c) => c.seed))]) {
      const idx = cases.map((c, i) => (c.seed === seed ? i : -1)).filter((i) => i >= 0);
      const sets = idx.map((i) =>
        filteredSet(s.pool, cfg.setSize, seed, cases[i].strategy, cases[i].share, cases[i].set),
      );
      const res = await learnFactSets(
        s,
        sets,
        cfg.spec,
        { ...cfg.train, epochs: cfg.epochs, batchSize: cfg.batchSize, lr: cfg.lr },
        seed,
      );
      idx.forEach((i, j) => {
        const d = sets[j].map(dist);
        out[i] = {
          accuracy: shareTrue(res[j].learned),
          meanDistance: mean(d),
          varDistance: variance(d),
          replaced: Math.round(cases[i].share * cfg.setSize),
          facts: sets[j].map((f) => f.record.id),
          learned: res[j].learned,
          learnedByEpoch: res[j].learnedByEpoch,
        };
      });
    }
    return out;
  },
  atEpoch(cfg, c, r, epoch) {
    const learned = learnedAt(r.learnedByEpoch, epoch, cfg.epochs, `filtering case ${c.id}`);
    return { ...r, learned, accuracy: shareTrue(learned) };
  },
  summarize(cfg, results) {
    const cases = this.cases(cfg);
    const pick = (strategy: string, share: number) =>
      results.filter((_, i) => cases[i].strategy === strategy && Math.abs(cases[i].share - share) < 1e-9);
    const curves = cfg.strategies.map((strategy) => {
      const points = cfg.shares.map((share) => {
        const rs = pick(strategy, share);
        return {
          share,
          accuracy: meanCI(rs.map((r) => r.accuracy)),
          meanDistance: mean(rs.map((r) => r.meanDistance)),
          varDistance: mean(rs.map((r) => r.varDistance)),
        };
      });
      const best = points.reduce((b, p) => (p.accuracy.estimate > b.accuracy.estimate ? p : b), points[0]);
      return { strategy, points, bestShare: best.share };
    });
    const runs: FilteredRun[] = results.map((r, i) => ({ ...cases[i], ...r }));
    const gain = pairedGain(runs, 'semantic-greedy', 'random', cfg.shares);
    const positive = cfg.shares.filter((x) => x > 0);
    const nearest = cfg.strategies.includes('nearest-first');
    const sem = curves.find((c) => c.strategy === 'semantic-greedy');
    const base = sem?.points[0].accuracy.estimate ?? Number.NaN;
    return {
      curves,
      gain,
      nearestGain: nearest ? pairedGain(runs, 'semantic-greedy', 'nearest-first', cfg.shares) : [],
      keptInBoth: keptInBoth(runs, 'semantic-greedy', 'random', positive),
      bestShareFrequency: bestShareFrequencies(runs, 'semantic-greedy', 'random', positive),
      reproducesHelps: sem?.points.some((p) => p.share > 0 && p.accuracy.lo > base) === true,
      reproducesSixty: sem !== undefined && sem.bestShare >= 0.5 && sem.bestShare <= 0.7,
    };
  },
};

/**
 * Experiment 3 — several facts learned together interfere (paper: accuracy falls as more facts are learned at once;
 * it rises as the set's mean target distance falls and as its variance rises).
 * (a) N facts share one LoRA, for N in the scale's sizes; each fact is seen `epochs` times, whatever N (so optimiser
 *     steps grow with N). Two controls hold the budget instead: the same total steps for every N, and batch 1 with
 *     `epochs` steps per fact. Accuracy is greedy exact match; "cross-talk" = a wrong answer that is another fact's
 *     new target.
 * (b) Many sets of a fixed size, composed to span the mean and the variance of target distance (sets drawn from
 *     distance windows of varying centre and width); accuracy regressed on the set's mean and variance together
 *     (OLS with standardised predictors), plus rank correlations.
 * (c) Designed sets (designed.ts, full scale): mean original→target distance and pairwise target spread varied
 *     independently in a 2 × 2 design.
 * (d) Feature sets: each fact learned alone and in its set (the paired test), with knowledge features per fact at
 *     equal budgets without early stopping (features.ts).
 */

import type { SetConfig, SetOptions } from '../../knowledge/config';
import { prepareSession, sample, session, setConfig } from '../../knowledge/config';
import { learnedAt, shareTrue } from '../../knowledge/epochs';
import { DEFAULT_PROTOCOL_NAME, type Fact } from '../../knowledge/facts';
import { learnFactSets, learnSingleFacts } from '../../knowledge/learn';
import type { ScaleName } from '../../knowledge/scales';
import { promptFeatureRows } from '../../metrics/evaluate';
import { pca } from '../../metrics/params';
import {
  clusterBootstrapCI,
  type Interval,
  mcnemarExact,
  mean,
  meanCI,
  ols2,
  olsSlope,
  rate,
  spearman,
  variance,
} from '../../metrics/stats';
import type { Experiment } from '../../runner/runner';
import { deriveSeed, permutation } from '../../util/random';
import {
  type DesignedSummary,
  designCell,
  designedSet,
  meanPairwiseTargetDistance,
  summarizeDesigned,
} from './designed';
import { type FactMeasures, type FactSpecificSummary, factMeasures, summarizeFactSpecific } from './features';

export interface InterferenceConfig extends SetConfig {
  sizes: number[];
  /**
   * how the N-sweep's budget is set: 'epochs' (v1: every fact seen `epochs` times, so steps grow with N), and the two
   * controls — 'total-steps' (every N gets `totalSteps` optimiser steps) and 'steps-per-fact' (batch 1, `epochs`
   * steps per fact: each fact is seen `epochs` times, one fact per step, so no N shares a batch)
   */
  sizeVariants: SizeVariant[];
  totalSteps: number;
  sets: number;
  /** sets per seed whose facts are learned both alone and together (the paired test, knowledge features) */
  featureSets: number;
  /**
   * designed sets per seed (designed.ts: mean distance × pairwise target spread, 2 × 2); absent when the scale has
   * none, so the configs (and cached results) of scales without them are unchanged
   */
  designedSets?: number;
}

/**
 * A budget rule of the size sweep: 'epochs' (v1), and the controls 'total-steps' and 'steps-per-fact' (the controls
 * train up to 16× more steps, so the default run leaves them to `full`).
 */
export type SizeVariant = 'epochs' | 'total-steps' | 'steps-per-fact';

/**
 * Interference's own knobs per scale preset: the set sizes of the size sweep and its budget rules, the composition
 * sets and the knowledge-feature sets per seed, and the designed sets per seed (mean distance × pairwise target
 * spread, 2 × 2; a multiple of 4; 0: none, and the config then has no such field).
 */
export interface InterferenceKnobs {
  setSizes: number[];
  sizeVariants: SizeVariant[];
  sets: number;
  featureSets: number;
  designedSets: number;
}

const ALL_VARIANTS: SizeVariant[] = ['epochs', 'total-steps', 'steps-per-fact'];

// 24 feature sets at toy (8 per seed)
const TOY_KNOBS: InterferenceKnobs = {
  setSizes: [1, 4, 16, 64, 256],
  sizeVariants: ['epochs'],
  sets: 24,
  featureSets: 8,
  designedSets: 0,
};

export const INTERFERENCE_SCALES: Record<ScaleName, InterferenceKnobs> = {
  smoke: { setSizes: [1, 4, 16], sizeVariants: ALL_VARIANTS, sets: 4, featureSets: 1, designedSets: 4 },
  toy: TOY_KNOBS,
  // the budget controls, and 4 designed sets per design cell per seed: 48 sets
  full: { ...TOY_KNOBS, sizeVariants: ALL_VARIANTS, designedSets: 16 },
  paper: { ...TOY_KNOBS, sizeVariants: ALL_VARIANTS, designedSets: 16 },
};

export function interferenceConfig(o: SetOptions = {}): InterferenceConfig {
  const { s, ...c } = setConfig(o);
  const k = INTERFERENCE_SCALES[s.name];
  return {
    ...c,
    sizes: k.setSizes,
    sizeVariants: [...k.sizeVariants],
    // the steps the v1 sweep gives its largest set: every N then sees each of its facts at least `epochs` times
    totalSteps:
      c.epochs * Math.ceil(Math.max(...k.setSizes) / Math.min(c.batchSize, Math.max(...k.setSizes))),
    sets: k.sets,
    featureSets: k.featureSets,
    ...(k.designedSets > 0 ? { designedSets: k.designedSets } : {}),
  };
}

export interface InterferenceCase {
  id: string;
  kind: 'size' | 'composition' | 'features' | 'designed';
  seed: number;
  n: number;
  /** composition and designed sets: index */
  index: number;
  /** size cases: the budget rule (absent: 'epochs') */
  variant?: SizeVariant;
}

export interface InterferenceResult {
  /** the set's facts (record ids), in the order of `learned` */
  facts: string[];
  learned: boolean[];
  /** [epoch][fact]: which were learned after each epoch (every shorter budget of the run: findings 3–5 per regime) */
  learnedByEpoch: boolean[][];
  /** optimiser steps the set trained for (absent for 'features' sets: `epochs` epochs) */
  steps?: number;
  crossTalk: boolean[];
  meanDistance: number;
  varDistance: number;
  /** 'features' cases: knowledge features of the set's facts (last-layer state at the last prompt token) */
  features?: {
    /** ‖f − f_base‖ per fact after learning alone (own adapter) and together (one shared adapter) */
    shiftSingle: number[];
    shiftJoint: number[];
    learnedSingle: boolean[];
    /** [epoch][fact]: learned alone after each epoch (one step per epoch: batch 1, one fact) — the paired test per regime */
    learnedSingleByEpoch: boolean[][];
    /** PCA (fitted on base, single and joint features together): 2-D coordinates and explained variance */
    coords: { base: number[][]; single: number[][]; joint: number[][] };
    explained: number[];
    /**
     * fact-specific measures (features.ts) in the base model, after learning each fact alone for exactly `epochs`
     * steps (no early stop), and after learning the set together (`epochs` epochs): each fact seen `epochs` times
     */
    factSpecific?: FactMeasures & { alone: FactMeasures; together: FactMeasures };
  };
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
  if (c.kind === 'designed') return designedSet(session(cfg), pool, c.n, c.seed, c.index);
  return c.kind === 'size'
    ? sample(pool, c.n, c.seed, `size-${c.n}`)
    : compositionSet(cfg, pool, c.seed, c.index);
}

type SizePoint = {
  n: number;
  accuracy: ReturnType<typeof meanCI>;
  crossTalkAmongWrong: ReturnType<typeof rate>;
};

export interface InterferenceSummary {
  /** accuracy by N under the v1 budget (every fact seen `epochs` times) */
  bySize: SizePoint[];
  /**
   * accuracy by N under each budget rule, and the OLS slope of set accuracy on log2 N (per doubling of N; t interval
   * over sets): negative = accuracy falls with N
   */
  sizeVariants: { variant: SizeVariant; points: SizePoint[]; slope: ReturnType<typeof olsSlope> | null }[];
  composition: {
    points: { mean: number; variance: number; accuracy: number }[];
    fit: ReturnType<typeof ols2>;
    spearmanMean: { rho: number; p: number };
    spearmanVariance: { rho: number; p: number };
    /**
     * the spread that cross-talk is about: the mean pairwise distance between the set's TARGETS (1 − cos of their
     * mean input embeddings), beside the mean original→target distance; accuracy ~ z(mean) + z(pairwise), and the
     * rank correlation of cross-talk (share of facts answered with another fact's target) with the pairwise distance
     */
    pairwise?: {
      values: number[];
      fit: ReturnType<typeof ols2>;
      meanVsPairwise: { rho: number; p: number };
      crossTalk: { rho: number; p: number };
    };
  };
  /** designed sets: mean distance and pairwise target spread varied independently (designed.ts) */
  designed?: DesignedSummary;
  /** feature shift from the base model when learned together minus when learned alone (paired by fact) */
  features: {
    jointMinusSingleShift: ReturnType<typeof meanCI>;
    meanShiftSingle: number;
    meanShiftJoint: number;
    example?: { coords: { base: number[][]; single: number[][]; joint: number[][] }; explained: number[] };
    /** fact-specific measures at equal budgets without early stopping, together − alone paired by fact (features.ts) */
    factSpecific?: FactSpecificSummary;
  };
  /**
   * The paired test: each fact of the feature sets learned alone (its own adapter) and together (one adapter for the
   * set), same epochs. diff = share learned alone − share learned together (positive: learning together hurts),
   * 95 % cluster-bootstrap interval over sets; McNemar's exact p on the discordant facts.
   */
  aloneVsTogether: {
    facts: number;
    sets: number;
    alone: number;
    together: number;
    diff: Interval & { se: number };
    /** facts learned alone but not together, and the reverse */
    onlyAlone: number;
    onlyTogether: number;
    mcnemarP: number;
  } | null;
  reproducesSuppression: boolean;
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
  // 2: the config holds every PEFT and trainer default (resolved before hashing); 3: the paired alone-vs-together
  // test over several feature sets per seed, per-fact outcomes stored; the size-sweep variants are new cases under a
  // new config field (no version change needed); 4: feature sets also record fact-specific measures at equal
  // budgets without early stopping; 5: each set's outcomes after every epoch (learnedByEpoch); a lone adapter's
  // products are summed as a stack's (peft/groups.ts stackMatMul)
  version: 5,
  prepare: prepareSession,
  defaultBatchSize: 32,
  cases(cfg) {
    const pool = session(cfg).pool;
    const out: InterferenceCase[] = [];
    for (const seed of cfg.seeds) {
      for (const variant of cfg.sizeVariants)
        for (const n of cfg.sizes.filter((x) => x <= pool.length))
          out.push(
            variant === 'epochs'
              ? { id: `size|${seed}|${n}`, kind: 'size', seed, n, index: 0 }
              : { id: `size-${variant}|${seed}|${n}`, kind: 'size', seed, n, index: 0, variant },
          );
      for (let i = 0; i < cfg.sets; i++)
        out.push({ id: `composition|${seed}|${i}`, kind: 'composition', seed, n: cfg.setSize, index: i });
      for (let i = 0; i < cfg.featureSets; i++)
        out.push({ id: `features|${seed}|${i}`, kind: 'features', seed, n: cfg.setSize, index: i });
      for (let i = 0; i < (cfg.designedSets ?? 0); i++)
        out.push({ id: `designed|${seed}|${i}`, kind: 'designed', seed, n: cfg.setSize, index: i });
    }
    return out;
  },
  async runBatch(cfg, cases) {
    const s = session(cfg);
    const out = new Map<string, InterferenceResult>();
    // sets of equal size train side by side (one adapter each)
    const bySize = new Map<string, InterferenceCase[]>();
    for (const c of cases.filter((x) => x.kind === 'features')) out.set(c.id, await featureCase(cfg, c));
    for (const c of cases.filter((x) => x.kind !== 'features')) {
      const key = `${c.n}|${c.variant ?? 'epochs'}`;
      if (!bySize.has(key)) bySize.set(key, []);
      bySize.get(key)!.push(c);
    }
    for (const [, group] of bySize) {
      const sets = group.map((c) => setFor(cfg, s.pool, c));
      const variant = group[0].variant ?? 'epochs';
      const budget =
        variant === 'total-steps'
          ? { steps: cfg.totalSteps, batchSize: cfg.batchSize }
          : variant === 'steps-per-fact'
            ? { steps: cfg.epochs * group[0].n, batchSize: 1 }
            : { batchSize: cfg.batchSize };
      const res = await learnFactSets(
        s,
        sets,
        cfg.spec,
        { ...cfg.train, epochs: cfg.epochs, ...budget, lr: cfg.lr },
        group[0].seed,
      );
      group.forEach((c, i) => {
        const d = sets[i].map((f) => f.distance[DEFAULT_PROTOCOL_NAME]);
        out.set(c.id, {
          ...res[i],
          facts: sets[i].map((f) => f.record.id),
          meanDistance: mean(d),
          varDistance: d.length > 1 ? variance(d) : 0,
        });
      });
    }
    return cases.map((c) => out.get(c.id)!);
  },
  atEpoch(cfg, c, r, epoch) {
    if (epoch === cfg.epochs) return r;
    const what = `interference case ${c.id}`;
    // a fixed-step budget ('total-steps', 'steps-per-fact') at the same share of its steps: the last epoch recorded by then
    const batch = c.variant === 'steps-per-fact' ? 1 : Math.min(cfg.batchSize, c.n);
    const perEpoch = Math.ceil(c.n / batch);
    const recorded = r.learnedByEpoch?.length ?? 0;
    const at =
      c.kind === 'features' || r.steps === undefined
        ? epoch
        : Math.min(recorded, Math.max(1, Math.floor(((epoch / cfg.epochs) * r.steps) / perEpoch)));
    const learned = learnedAt(r.learnedByEpoch, at, Math.max(recorded, at), what);
    return {
      ...r,
      learned,
      // the answers (cross-talk) and the feature measures are taken after the last epoch only
      crossTalk: [],
      ...(r.features
        ? {
            features: {
              ...r.features,
              learnedSingle: learnedAt(r.features.learnedSingleByEpoch, epoch, cfg.epochs, `${what} (alone)`),
              factSpecific: undefined,
            },
          }
        : {}),
    };
  },
  summarize(cfg, results) {
    const cases = this.cases(cfg);
    const acc = (r: InterferenceResult) => shareTrue(r.learned);
    const sweep = (variant: SizeVariant) =>
      cfg.sizes
        .filter((n) => cases.some((c) => c.kind === 'size' && c.n === n))
        .map((n) => {
          const rs = results.filter(
            (_, i) =>
              cases[i].kind === 'size' && cases[i].n === n && (cases[i].variant ?? 'epochs') === variant,
          );
          const wrong = rs.flatMap((r) => r.crossTalk.filter((_, j) => !r.learned[j]));
          return { n, accuracy: meanCI(rs.map(acc)), crossTalkAmongWrong: rate(wrong) };
        });
    const bySize = sweep('epochs');
    const sizeVariants = (cfg.sizeVariants ?? ['epochs']).map((variant) => {
      // accuracy against log2 N over the sets (one set per seed and N): the slope per doubling of N
      const rows = results
        .map((r, i) => ({ r, c: cases[i] }))
        .filter(({ c }) => c.kind === 'size' && (c.variant ?? 'epochs') === variant);
      const slope =
        rows.length > 2 && new Set(rows.map(({ c }) => c.n)).size > 1
          ? olsSlope(
              rows.map(({ c }) => Math.log2(c.n)),
              rows.map(({ r }) => acc(r)),
            )
          : null;
      return { variant, points: sweep(variant), slope };
    });
    const featureSets = results.filter((r) => r.features !== undefined && r.features !== null);
    const feats = featureSets.map((r) => r.features!);
    const gaps = feats.flatMap((f) => f.shiftJoint.map((j, i) => j - f.shiftSingle[i]));
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
    const pairwise = pairwiseSpread(cfg, comp, points);
    const designed = designedSummary(cfg, results, cases);
    const first = bySize[0]?.accuracy.estimate ?? Number.NaN;
    const last = bySize[bySize.length - 1]?.accuracy;
    return {
      bySize,
      sizeVariants,
      composition: {
        points,
        fit,
        spearmanMean: { rho: sm.r, p: sm.p },
        spearmanVariance: { rho: sv.r, p: sv.p },
        ...(pairwise ? { pairwise } : {}),
      },
      ...(designed ? { designed } : {}),
      features: {
        jointMinusSingleShift: meanCI(gaps),
        meanShiftSingle: mean(feats.flatMap((f) => f.shiftSingle)),
        meanShiftJoint: mean(feats.flatMap((f) => f.shiftJoint)),
        example: feats[0] ? { coords: feats[0].coords, explained: feats[0].explained } : undefined,
        ...factSpecificOf(feats),
      },
      aloneVsTogether: pairedAloneTogether(
        feats.map((f, i) => ({ alone: f.learnedSingle, together: featureSets[i].learned })),
      ),
      reproducesSuppression: gaps.length > 1 && meanCI(gaps).hi < 0,
      reproducesSize: last !== undefined && last.hi < first,
      reproducesMean: fit.b1.hi < 0,
      reproducesVariance: fit.b2.lo > 0,
    };
  },
};

function factSpecificOf(feats: NonNullable<InterferenceResult['features']>[]): {
  factSpecific?: FactSpecificSummary;
} {
  const sets = feats.map((f) => f.factSpecific).filter((f): f is NonNullable<typeof f> => f !== undefined);
  const summary = sets.length > 0 ? summarizeFactSpecific(sets) : undefined;
  return summary ? { factSpecific: summary } : {};
}

/** The designed sets' points and analysis (designed.ts); undefined without designed sets. */
function designedSummary(
  cfg: InterferenceConfig,
  results: InterferenceResult[],
  cases: InterferenceCase[],
): DesignedSummary | undefined {
  const rows = results.map((r, i) => ({ r, c: cases[i] })).filter(({ c }) => c.kind === 'designed');
  if (rows.length === 0) return undefined;
  const s = session(cfg);
  const byId = new Map(s.pool.map((f) => [f.record.id, f]));
  return summarizeDesigned(
    rows.map(({ r, c }) => ({
      ...designCell(c.index),
      mean: r.meanDistance,
      pairwise: meanPairwiseTargetDistance(s, r.facts.map((id) => byId.get(id)!).filter(Boolean)),
      accuracy: shareTrue(r.learned),
      crossTalk: shareTrue(r.crossTalk),
    })),
  );
}

/** Mean pairwise target distance of each composition set, and what it explains (see InterferenceSummary). */
function pairwiseSpread(
  cfg: InterferenceConfig,
  comp: InterferenceResult[],
  points: { mean: number; accuracy: number }[],
): InterferenceSummary['composition']['pairwise'] {
  if (comp.length < 4) return undefined;
  const s = session(cfg);
  const byId = new Map(s.pool.map((f) => [f.record.id, f]));
  const values = comp.map((r) =>
    meanPairwiseTargetDistance(s, r.facts.map((id) => byId.get(id)!).filter(Boolean)),
  );
  if (values.some((v) => !Number.isFinite(v))) return undefined;
  const rho = (x: number[], y: number[]) => {
    const r = spearman(x, y);
    return { rho: r.r, p: r.p };
  };
  return {
    values,
    fit: ols2(
      points.map((p) => p.accuracy),
      points.map((p) => p.mean),
      values,
    ),
    meanVsPairwise: rho(
      points.map((p) => p.mean),
      values,
    ),
    // a shorter budget's view (atEpoch) carries no cross-talk: the answers are generated after the last epoch only
    crossTalk: comp.every((r) => r.crossTalk.length > 0)
      ? rho(
          values,
          comp.map((r) => shareTrue(r.crossTalk)),
        )
      : { rho: Number.NaN, p: Number.NaN },
  };
}

/** The paired alone-vs-together comparison over the facts of the feature sets (sets are the clusters). */
export function pairedAloneTogether(
  sets: { alone: boolean[]; together: boolean[] }[],
): InterferenceSummary['aloneVsTogether'] {
  const diffs: number[] = [];
  const clusters: number[] = [];
  let onlyAlone = 0;
  let onlyTogether = 0;
  for (const [k, s] of sets.entries()) {
    for (const [j, a] of s.alone.entries()) {
      const t = s.together[j];
      diffs.push(Number(a) - Number(t));
      clusters.push(k);
      if (a && !t) onlyAlone++;
      if (t && !a) onlyTogether++;
    }
  }
  if (diffs.length === 0) return null;
  const ci = clusterBootstrapCI(diffs, clusters, mean, { seed: 3 });
  // standard error of the mean over sets (the clusters): sd of set means / √sets
  const setMeans = sets.map((s) => mean(s.alone.map((a, j) => Number(a) - Number(s.together[j]))));
  const se = sets.length > 1 ? Math.sqrt(variance(setMeans) / sets.length) : Number.NaN;
  const all = sets.flatMap((s) => s.alone);
  const together = sets.flatMap((s) => s.together);
  return {
    facts: diffs.length,
    sets: sets.length,
    alone: shareTrue(all),
    together: shareTrue(together),
    diff: { ...ci, se },
    onlyAlone,
    onlyTogether,
    mcnemarP: mcnemarExact(onlyAlone, onlyTogether),
  };
}

/**
 * Knowledge features of one set: base model, each fact learned alone (its own adapter), all learned together (one
 * adapter). Single-fact runs see each fact `epochs` times at batch 1 (early-stopped once learned); the joint run sees
 * each fact `epochs` times in batches.
 */
async function featureCase(cfg: InterferenceConfig, c: InterferenceCase): Promise<InterferenceResult> {
  const s = session(cfg);
  const set = sample(s.pool, cfg.setSize, c.seed, `features-${c.index}`);
  const prompts = set.map((f) => f.promptIds);
  const base = await promptFeatureRows(s.model, prompts, s.tok.padId);
  let single: Float32Array[] = [];
  const rs = await learnSingleFacts(
    s,
    set,
    cfg.spec,
    { ...cfg.train, steps: cfg.epochs, lr: cfg.lr },
    c.seed,
    set.length,
    async (facts, groups) => {
      single = await promptFeatureRows(
        s.model,
        facts.map((f) => f.promptIds),
        s.tok.padId,
        groups,
      );
    },
    { byStep: true },
  );
  // the same budget without early stopping: every fact trained for exactly `epochs` steps alone, then measured
  const baseMeasures = await factMeasures(s, set, base);
  let alone: FactMeasures | undefined;
  await learnSingleFacts(
    s,
    set,
    cfg.spec,
    { ...cfg.train, steps: cfg.epochs, lr: cfg.lr, earlyStop: false },
    c.seed,
    set.length,
    async (facts, groups) => {
      alone = await factMeasures(s, facts, base, groups);
    },
  );
  let together: FactMeasures | undefined;
  let joint: Float32Array[] = [];
  const [rj] = await learnFactSets(
    s,
    [set],
    cfg.spec,
    { ...cfg.train, epochs: cfg.epochs, batchSize: cfg.batchSize, lr: cfg.lr },
    c.seed,
    undefined,
    async () => {
      joint = await promptFeatureRows(s.model, prompts, s.tok.padId);
      together = await factMeasures(s, set, base);
    },
  );
  const shift = (a: Float32Array, b: Float32Array) =>
    Math.sqrt(a.reduce((acc, x, i) => acc + (x - b[i]) ** 2, 0));
  const fit = pca([...base, ...single, ...joint], 2);
  const n = set.length;
  const d = set.map((f) => f.distance[DEFAULT_PROTOCOL_NAME]);
  return {
    facts: set.map((f) => f.record.id),
    learned: rj.learned,
    learnedByEpoch: rj.learnedByEpoch,
    crossTalk: rj.crossTalk,
    meanDistance: mean(d),
    varDistance: variance(d),
    features: {
      shiftSingle: single.map((f, i) => shift(f, base[i])),
      shiftJoint: joint.map((f, i) => shift(f, base[i])),
      learnedSingle: rs.map((r) => r.learned),
      learnedSingleByEpoch: Array.from({ length: cfg.epochs }, (_, e) => rs.map((r) => r.learnedByStep![e])),
      coords: {
        base: fit.coordinates.slice(0, n),
        single: fit.coordinates.slice(n, 2 * n),
        joint: fit.coordinates.slice(2 * n),
      },
      explained: fit.explainedVarianceRatio,
      ...(alone && together ? { factSpecific: { ...baseMeasures, alone, together } } : {}),
    },
  };
}

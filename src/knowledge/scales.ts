/**
 * Scale presets: `smoke` (CI, about a minute), `toy` (the default, minutes on a laptop), `full` (the whole v2 study on
 * a laptop: toy's five findings plus the learning-regime study at six times the facts; about an hour on 2 cores),
 * `paper` (GPU, real LLaMA).
 * Step budgets and learning rates are chosen so accuracy stays away from 100 % (the unsaturated regime, where
 * differences between distances, methods and remedies can show at all). The toy learning rates are the output of
 * `beacons calibrate --scale toy` on beacon-base (results/calibration.json, 2026-11-26): per method, the rate whose
 * accuracy on 64 held-out facts was closest to 50 % at the toy step budget.
 */
import * as path from 'node:path';
import type { MethodSpec } from './learn';

export type ScaleName = 'smoke' | 'toy' | 'full' | 'paper';

/** A second regime of the fact-set findings: `rate` × the calibrated set learning rate, `epochs` long (default: the scale's). */
export interface SetRateRegime {
  rate: number;
  epochs?: number;
}

export interface Scale {
  name: ScaleName;
  seeds: number[];
  /** single-fact experiments: facts per method and seed, stacked adapters per batch */
  singleFacts: number;
  fullFacts: number;
  stack: number;
  singleSteps: number;
  /** learning rate per method (see knowledge/calibrate.ts) */
  singleLr: Record<string, number>;
  /** multi-fact experiments */
  setSizes: number[];
  setSize: number;
  sets: number;
  epochs: number;
  setLr: number;
  batchSize: number;
  /** sets per seed: filtering (one set per share and strategy), knowledge-feature sets, re-weighting */
  filteringSets: number;
  featureSets: number;
  reweightingSets: number;
  /**
   * learning-regime study (findings/regimes): each method trains single facts to convergence (early stop, at most
   * `regimeSteps` steps) at each rate of a grid (`regimeRates` × the method's calibrated rate); the regimes are chosen
   * on `regimeHeldOut` held-out facts (full fine-tuning: a quarter of them), the findings measured on `regimeFacts`
   * fresh facts per seed of `regimeSeeds` (full fine-tuning: the first `regimeFullFacts` of each seed's facts)
   */
  regimeSeeds: number[];
  regimeFacts: number;
  regimeFullFacts: number;
  regimeHeldOut: number;
  regimeSteps: number;
  regimeRates: number[];
  /**
   * the near and far ends of the distance range, oversampled for finding 1's near end − middle test: per end, this
   * many of the nearest and farthest facts that no seed trains (findings/regimes `endFacts`); 0: none
   */
  regimeEndFacts: number;
  /**
   * interference's designed sets per seed (mean distance × pairwise target spread, 2 × 2; a multiple of 4); 0: none
   * (the experiment's config then has no such field)
   */
  designedSets: number;
  /**
   * second regimes of the fact-set findings (3–5): `reproduce` also runs them at each of these multiples of the set
   * learning rate (into <results>/set-rate-<k>x/), for `epochs` where given, and SUMMARY.md compares their verdicts
   * with the calibrated ones
   */
  setRegimes: SetRateRegime[];
  /**
   * budget rules of interference's size sweep: 'epochs' (v1), and the controls 'total-steps' and 'steps-per-fact'
   * (findings/interference; the controls train up to 16× more steps, so the default run leaves them to `full`)
   */
  sizeVariants: ('epochs' | 'total-steps' | 'steps-per-fact')[];
}

export const METHODS: Record<string, MethodSpec> = {
  lora: { method: 'lora', r: 8, alpha: 16, targetModules: ['q_proj', 'v_proj'] },
  adalora: {
    method: 'adalora',
    initR: 12,
    targetR: 8,
    alpha: 16,
    targetModules: ['q_proj', 'v_proj'],
    tinit: 2,
    tfinal: 2,
    deltaT: 2,
  },
  adapter: { method: 'adapter', variant: 'houlsby', bottleneck: 16 },
  full: { method: 'full' },
};

/** Calibrated on beacon-base at the toy budget (results/calibration.json, 2026-12-02); smoke reuses them. */
const TOY_SINGLE_LR = { lora: 6.7e-4, adalora: 5.7e-3, adapter: 1.1e-3, full: 3.7e-5 };

/**
 * The learning-rate grid of the regime study, as multiples of each method's calibrated rate: a third of it
 * (under-trained at short budgets), the rate itself (≈ 50 % at the toy budget of 12 steps) and three times it
 * (converged within a few steps); measured on beacon-base, 48 steps take LoRA to 81 % / 100 % / 100 %.
 */
const REGIME_RATES = [1 / 3, 1, 3];

const TOY: Scale = {
  name: 'toy',
  seeds: [0, 1, 2],
  singleFacts: 192,
  fullFacts: 32,
  stack: 64,
  singleSteps: 12,
  singleLr: TOY_SINGLE_LR,
  setSizes: [1, 4, 16, 64, 256],
  setSize: 16,
  sets: 24,
  epochs: 6,
  setLr: 4.8e-3,
  batchSize: 16,
  // 12 paired sets per share; 24 feature sets; 81 re-weighting sets (minimum detectable effect ≤ 3 points at the
  // measured SD of paired differences ≈ 0.095)
  filteringSets: 4,
  featureSets: 8,
  reweightingSets: 27,
  // one seed of 64 fresh facts and 32 held-out ones keep the default run within 20 minutes; `full` has six seeds
  // and 64 held-out facts
  regimeSeeds: [0],
  regimeFacts: 64,
  regimeFullFacts: 8,
  regimeHeldOut: 32,
  regimeSteps: 48,
  regimeRates: REGIME_RATES,
  // 8 of the nearest and 8 of the farthest facts (about the outer 1 % of the facts at each end) beside seed 0's 64
  regimeEndFacts: 8,
  setRegimes: [],
  sizeVariants: ['epochs'],
  designedSets: 0,
};

export const SCALES: Record<ScaleName, Scale> = {
  smoke: {
    name: 'smoke',
    seeds: [0],
    singleFacts: 16,
    fullFacts: 4,
    stack: 16,
    singleSteps: 8,
    singleLr: TOY_SINGLE_LR,
    setSizes: [1, 4, 16],
    setSize: 8,
    sets: 4,
    epochs: 4,
    setLr: 4.8e-3,
    batchSize: 8,
    filteringSets: 1,
    featureSets: 1,
    reweightingSets: 2,
    regimeSeeds: [0],
    regimeFacts: 8,
    regimeFullFacts: 2,
    regimeHeldOut: 8,
    regimeSteps: 12,
    regimeRates: REGIME_RATES,
    regimeEndFacts: 2,
    setRegimes: [],
    sizeVariants: ['epochs', 'total-steps', 'steps-per-fact'],
    designedSets: 4,
  },
  toy: TOY,
  // the whole v2 study: six seeds of fresh facts for the regime study, interference's budget controls and designed
  // sets, and findings 3–5 at 0.33× and 3× their rate as well
  full: {
    ...TOY,
    name: 'full',
    regimeSeeds: [0, 1, 2, 3, 4, 5],
    regimeHeldOut: 64,
    regimeFullFacts: 16,
    // the outer ≈ 9 % at each end of the facts no seed trains
    regimeEndFacts: 48,
    // 3× trains 12 epochs: its first 6 are the 6-epoch run (Experiment.atEpoch), the rest reach convergence
    setRegimes: [{ rate: 0.33 }, { rate: 3, epochs: 12 }],
    sizeVariants: ['epochs', 'total-steps', 'steps-per-fact'],
    // 4 sets per design cell per seed: 48 sets
    designedSets: 16,
  },
  paper: {
    name: 'paper',
    seeds: [0, 1, 2],
    singleFacts: 500,
    fullFacts: 50,
    stack: 16,
    singleSteps: 30,
    singleLr: { lora: 5e-4, adalora: 5e-4, adapter: 5e-4, full: 1e-5 },
    setSizes: [1, 4, 16, 64, 256],
    setSize: 32,
    sets: 24,
    epochs: 10,
    setLr: 5e-4,
    batchSize: 16,
    filteringSets: 4,
    featureSets: 8,
    reweightingSets: 27,
    regimeSeeds: [0, 1, 2],
    regimeFacts: 100,
    regimeFullFacts: 20,
    regimeHeldOut: 64,
    regimeSteps: 120,
    regimeRates: REGIME_RATES,
    regimeEndFacts: 16,
    setRegimes: [],
    sizeVariants: ['epochs', 'total-steps', 'steps-per-fact'],
    designedSets: 16,
  },
};

/** A shipped model's own toy-scale learning rates (single facts per method, and LoRA on fact sets). */
export interface ModelRates {
  single: Record<string, number>;
  sets: number;
}

/**
 * Each shipped model's calibration at the toy budget (`beacons calibrate --model <name>`; beacon-base's in
 * results/calibration.json, the others' in results/models/<name>/calibration.json, 2026-12-02): the same
 * procedure picks every model's rates, so a comparison across models compares models at the same accuracy
 * level, not one model calibrated and the others saturated or starved. Smoke reuses them.
 */
export const MODEL_RATES: Record<string, ModelRates> = {
  'beacon-base': { single: TOY_SINGLE_LR, sets: 4.8e-3 },
  'beacon-untied': { single: { lora: 8.9e-4, adalora: 6.9e-3, adapter: 1.2e-3, full: 3.1e-5 }, sets: 6.3e-3 },
  'beacon-large': { single: { lora: 1.4e-3, adalora: 9.1e-3, adapter: 9.7e-4, full: 4.0e-5 }, sets: 8.3e-3 },
};

/**
 * The learning rates of a run, the one place of the rule "`--lr` else the calibrated rate": `lr` (when given) for
 * every method and for the fact sets; else the rates of `scale` for the model in directory `model` — at the smoke
 * and toy scales a shipped model (by its directory name) gets its own calibration, any other model the scale's
 * (beacon-base's) rates (run `beacons calibrate --model <dir>` and pass `--lr` or specs for a model of your own).
 */
export function ratesFor(scale: Scale, model: string, lr?: number): ModelRates {
  if (lr !== undefined)
    return { single: Object.fromEntries(Object.keys(scale.singleLr).map((m) => [m, lr])), sets: lr };
  const own = scale.name === 'paper' ? undefined : MODEL_RATES[path.basename(path.resolve(model))];
  return own ?? { single: scale.singleLr, sets: scale.setLr };
}

export function getScale(name: string): Scale {
  const s = SCALES[name as ScaleName];
  if (s === undefined) throw new Error(`Unknown scale '${name}': use smoke, toy, full or paper`);
  return s;
}

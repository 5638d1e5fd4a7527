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

/**
 * A preset's budgets shared by several findings. A finding's own knobs per preset live with the finding
 * (Finding.scales, e.g. findings/regimes/experiment.ts REGIMES_SCALES).
 */
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
  /** multi-fact experiments (findings 3–5): facts per set, epochs, the LoRA set learning rate, batch size */
  setSize: number;
  epochs: number;
  setLr: number;
  batchSize: number;
  /**
   * second regimes of the fact-set findings (3–5): `reproduce` also runs them at each of these multiples of the set
   * learning rate (into <results>/set-rate-<k>x/), for `epochs` where given, and SUMMARY.md compares their verdicts
   * with the calibrated ones
   */
  setRegimes: SetRateRegime[];
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

const TOY: Scale = {
  name: 'toy',
  seeds: [0, 1, 2],
  singleFacts: 192,
  fullFacts: 32,
  stack: 64,
  singleSteps: 12,
  singleLr: TOY_SINGLE_LR,
  setSize: 16,
  epochs: 6,
  setLr: 4.8e-3,
  batchSize: 16,
  setRegimes: [],
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
    setSize: 8,
    epochs: 4,
    setLr: 4.8e-3,
    batchSize: 8,
    setRegimes: [],
  },
  toy: TOY,
  // the whole v2 study: toy's budgets, findings 3–5 at 0.33× and 3× their rate as well (and each finding's own
  // `full` knobs: Finding.scales)
  full: {
    ...TOY,
    name: 'full',
    // 3× trains 12 epochs: its first 6 are the 6-epoch run (Experiment.atEpoch), the rest reach convergence
    setRegimes: [{ rate: 0.33 }, { rate: 3, epochs: 12 }],
  },
  paper: {
    name: 'paper',
    seeds: [0, 1, 2],
    singleFacts: 500,
    fullFacts: 50,
    stack: 16,
    singleSteps: 30,
    singleLr: { lora: 5e-4, adalora: 5e-4, adapter: 5e-4, full: 1e-5 },
    setSize: 32,
    epochs: 10,
    setLr: 5e-4,
    batchSize: 16,
    setRegimes: [],
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

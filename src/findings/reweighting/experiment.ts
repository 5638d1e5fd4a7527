/**
 * Experiment 5 — a loss re-weighted by target semantic distance (paper: +3–5 accuracy points over plain
 * fine-tuning). The paper's formula is not known to us; we test named variants, each giving fact i of a set a weight
 * w_i (normalised to mean 1 within the set, so the loss scale and the effective learning rate are unchanged):
 *   'ce'           w_i = 1 (plain cross-entropy, the baseline)
 *   'distance'     w_i ∝ d_i^γ        (attend to far targets, the hardest by finding 1's far side)
 *   'extremes'     w_i ∝ 1 + α·|z_i|  (attend to both ends: near and far targets, z = standardised d)
 *   'inverse'      w_i ∝ d_i^−γ       (a control pointing the other way)
 * The free parameters are chosen on held-out sets first: sets drawn from the calibration's held-out facts (the
 * pool's last 64, which the test sets never use) train every value of the grid (γ, α ∈ `grid`), and each variant
 * keeps the value with the largest mean gain over CE there (ties: the first). The test sets then train each variant
 * once, at its chosen value. Every variant trains on the same sets with the same seeds and the same adapter
 * initialisation, side by side; differences are paired by set.
 */

import { CALIBRATION_FACTS } from '../../knowledge/calibrate';
import type { SetConfig, SetOptions } from '../../knowledge/config';
import { prepareSession, sample, session, setConfig } from '../../knowledge/config';
import { learnedAt, shareTrue } from '../../knowledge/epochs';
import { DEFAULT_PROTOCOL_NAME, type Fact } from '../../knowledge/facts';
import { learnFactSets } from '../../knowledge/learn';
import type { ScaleName } from '../../knowledge/scales';
import { mean, meanCI } from '../../metrics/stats';
import type { Experiment, RunContext } from '../../runner/runner';
import { canonicalJson } from '../../util/hash';

export type WeightVariant = 'ce' | 'distance' | 'extremes' | 'inverse';

export interface ReweightingConfig extends SetConfig {
  /** test sets per seed (from the pool without the held-out facts) */
  sets: number;
  variants: WeightVariant[];
  /** the values of γ (distance, inverse) and α (extremes) tried on the held-out sets */
  grid: number[];
  /** held-out sets per seed (drawn from the calibration's held-out facts) on which γ and α are chosen */
  tuningSets: number;
}

/** Re-weighting's own knob per scale preset: test sets per seed. */
export const REWEIGHTING_SCALES: Record<ScaleName, { sets: number }> = {
  smoke: { sets: 2 },
  // 81 sets at toy (27 per seed): minimum detectable effect ≤ 3 points at the measured SD of paired differences ≈ 0.095
  toy: { sets: 27 },
  full: { sets: 27 },
  paper: { sets: 27 },
};

export function reweightingConfig(o: SetOptions = {}): ReweightingConfig {
  const { s, ...c } = setConfig(o);
  const sets = REWEIGHTING_SCALES[s.name].sets;
  return {
    ...c,
    sets,
    variants: ['ce', 'distance', 'extremes', 'inverse'],
    grid: [0.5, 1, 2],
    // a sixth of the test sets: every one trains the whole grid (10 adapters), and every worker needs all of them
    tuningSets: Math.max(2, Math.round(sets / 6)),
  };
}

/** A variant at one value of its free parameter (γ or α; none for 'ce'), e.g. 'distance γ=2'. */
export const variantLabel = (v: WeightVariant, value?: number) =>
  v === 'ce' ? 'ce' : `${v} ${v === 'extremes' ? 'α' : 'γ'}=${value}`;

/** Per-fact loss weights of a variant, mean 1. */
export function lossWeights(d: number[], variant: WeightVariant, gamma = 1, alpha = 1): number[] {
  const eps = 1e-3;
  const m = mean(d);
  const sd = Math.sqrt(d.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, d.length - 1)) || 1;
  const raw = d.map((x) => {
    switch (variant) {
      case 'ce':
        return 1;
      case 'distance':
        return Math.max(x, eps) ** gamma;
      case 'extremes':
        return 1 + alpha * Math.abs((x - m) / sd);
      default:
        return Math.max(x, eps) ** -gamma; // 'inverse'
    }
  });
  const mw = mean(raw);
  return raw.map((w) => w / mw);
}

export interface ReweightingCase {
  id: string;
  seed: number;
  set: number;
  /** a held-out set on which the grid is tried (absent: a test set) */
  tuning?: boolean;
}

/**
 * A test set: accuracy per variant at its chosen value (`chosen`), and the per-fact outcomes behind it (facts in set
 * order; learned per variant). A held-out set: accuracy at every grid value (`grid`, by variantLabel).
 */
export type ReweightingResult = Record<WeightVariant, number> & {
  facts: string[];
  learned: Partial<Record<WeightVariant, boolean[]>>;
  /** a test set: per variant, [epoch][fact] which were learned after each epoch (findings 3–5 per regime) */
  learnedByEpoch?: Partial<Record<WeightVariant, boolean[][]>>;
  chosen?: Partial<Record<WeightVariant, number>>;
  grid?: Record<string, number>;
  /** a held-out set: each grid value's accuracy after each epoch (the regimes are chosen on CE's) */
  gridByEpoch?: Record<string, number[]>;
};

export interface ReweightingSummary {
  variants: {
    variant: WeightVariant;
    accuracy: ReturnType<typeof meanCI>;
    gainOverCE: ReturnType<typeof meanCI>;
  }[];
  reproduces: string[];
  /** the held-out sets: each grid value's gain over CE, and the value each variant keeps */
  tuning?: { label: string; variant: WeightVariant; value: number; gainOverCE: ReturnType<typeof meanCI> }[];
  chosen?: Partial<Record<WeightVariant, number>>;
}

const dist = (f: Fact) => f.distance[DEFAULT_PROTOCOL_NAME];

/** The held-out facts the tuning sets come from (the calibration's), and the test sets' pool (the rest). */
function splitPool(pool: Fact[]): { held: Fact[]; test: Fact[] } {
  const n = pool.length > 2 * CALIBRATION_FACTS ? CALIBRATION_FACTS : 0;
  return { held: pool.slice(pool.length - n), test: pool.slice(0, pool.length - n) };
}

function setOf(cfg: ReweightingConfig, pool: Fact[], c: ReweightingCase): Fact[] {
  const { held, test } = splitPool(pool);
  return c.tuning
    ? sample(held.length >= cfg.setSize ? held : pool, cfg.setSize, c.seed, `reweighting-tuning-${c.set}`)
    : sample(test, cfg.setSize, c.seed, `reweighting-${c.set}`);
}

/** Each (variant, value) of the grid, CE first. */
function gridOf(cfg: ReweightingConfig): { variant: WeightVariant; value: number; label: string }[] {
  return cfg.variants.flatMap((variant): { variant: WeightVariant; value: number; label: string }[] =>
    variant === 'ce'
      ? [{ variant, value: 0, label: 'ce' }]
      : cfg.grid.map((value) => ({ variant, value, label: variantLabel(variant, value) })),
  );
}

/** Trains `sets` (each under each of `specs`: weights per fact) side by side; accuracy and flags per (set, spec). */
async function trainVariants(
  cfg: ReweightingConfig,
  sets: Fact[][],
  specs: { variant: WeightVariant; value: number }[][],
  seed: number,
): Promise<{ accuracy: number; learned: boolean[]; learnedByEpoch: boolean[][] }[][]> {
  const flat: Fact[][] = [];
  const weights: number[][] = [];
  sets.forEach((set, i) => {
    for (const sp of specs[i]) {
      flat.push(set);
      weights.push(lossWeights(set.map(dist), sp.variant, sp.value, sp.value));
    }
  });
  const res = await learnFactSets(
    session(cfg),
    flat,
    cfg.spec,
    { ...cfg.train, epochs: cfg.epochs, batchSize: cfg.batchSize, lr: cfg.lr },
    seed,
    weights,
  );
  let k = 0;
  return specs.map((sp) =>
    sp.map(() => {
      const r = res[k++];
      const accuracy = shareTrue(r.learned);
      return { accuracy, learned: r.learned, learnedByEpoch: r.learnedByEpoch };
    }),
  );
}

const tuned = new Map<string, Promise<Map<string, ReweightingResult>>>();

/**
 * Every held-out set's results by case id, once per process and config: a test set needs all of them to know its γ
 * and α. Those the run has stored already (`ctx.stored()`: with workers, the first phase computed them, split
 * between the workers) are read back; the rest are computed here (each process that needs them computes the same
 * numbers, whatever its shard).
 */
function tuningResults(
  cfg: ReweightingConfig,
  ctx: RunContext,
  /** held-out sets this batch has just computed (not stored yet) */
  known: Map<string, ReweightingResult>,
): Promise<Map<string, ReweightingResult>> {
  const key = canonicalJson(cfg);
  let p = tuned.get(key);
  if (!p) {
    p = (async () => {
      const cases = reweighting.cases(cfg).filter((c) => c.tuning);
      const stored = ctx.stored();
      const found = (id: string) => known.get(id) ?? (stored.get(id) as ReweightingResult | undefined);
      const missing = cases.filter((c) => found(c.id) === undefined);
      const rs = missing.length > 0 ? await runTuning(cfg, missing) : [];
      const computed = new Map(missing.map((c, i) => [c.id, rs[i]]));
      return new Map(cases.map((c) => [c.id, computed.get(c.id) ?? found(c.id)!]));
    })();
    tuned.set(key, p);
  }
  return p;
}

export function chooseFromGrid(
  cfg: ReweightingConfig,
  rs: ReweightingResult[],
): Partial<Record<WeightVariant, number>> {
  const out: Partial<Record<WeightVariant, number>> = {};
  for (const variant of cfg.variants.filter((v) => v !== 'ce')) {
    let best = cfg.grid[0];
    let bestGain = Number.NEGATIVE_INFINITY;
    for (const value of cfg.grid) {
      const label = variantLabel(variant, value);
      const g = mean(rs.map((r) => r.grid![label] - r.grid!.ce));
      if (g > bestGain) {
        bestGain = g;
        best = value;
      }
    }
    out[variant] = best;
  }
  return out;
}

/** Adapters trained side by side at most (a larger stack can exhaust the wasm backend's memory). */
const MAX_STACK = 32;

async function runTuning(cfg: ReweightingConfig, cases: ReweightingCase[]): Promise<ReweightingResult[]> {
  const s = session(cfg);
  const grid = gridOf(cfg);
  const out: ReweightingResult[] = [];
  for (const seed of [...new Set(cases.map((c) => c.seed))]) {
    const mine = cases.filter((c) => c.seed === seed);
    const sets = mine.map((c) => setOf(cfg, s.pool, c));
    // at most MAX_STACK adapters side by side (results do not depend on the chunking: stacked = separate runs)
    const per = Math.max(1, Math.floor(MAX_STACK / grid.length));
    const res: Awaited<ReturnType<typeof trainVariants>> = [];
    for (let k = 0; k < sets.length; k += per) {
      const chunk = sets.slice(k, k + per);
      res.push(
        ...(await trainVariants(
          cfg,
          chunk,
          chunk.map(() => grid),
          seed,
        )),
      );
    }
    mine.forEach((c, i) => {
      out[cases.indexOf(c)] = {
        ce: res[i][0].accuracy,
        distance: Number.NaN,
        extremes: Number.NaN,
        inverse: Number.NaN,
        facts: sets[i].map((f) => f.record.id),
        learned: {},
        grid: Object.fromEntries(grid.map((g, j) => [g.label, res[i][j].accuracy])),
        gridByEpoch: Object.fromEntries(
          grid.map((g, j) => [g.label, res[i][j].learnedByEpoch.map((e) => shareTrue(e))]),
        ),
      };
    });
  }
  return out;
}

export const reweighting: Experiment<
  ReweightingConfig,
  ReweightingCase,
  ReweightingResult,
  ReweightingSummary
> = {
  name: 'reweighting',
  // 2: the config holds every PEFT and trainer default (resolved before hashing); 3: 27 sets per seed at toy scale,
  // per-fact outcomes stored; 4: γ and α chosen on held-out sets, test sets drawn without the held-out facts; 5: every
  // set's outcomes after each epoch (learnedByEpoch, gridByEpoch); a lone adapter's products are summed as a stack's
  version: 5,
  prepare: prepareSession,
  defaultBatchSize: 8,
  cases(cfg) {
    const tuning = cfg.seeds.flatMap((seed) =>
      Array.from({ length: cfg.tuningSets }, (_, set) => ({
        id: `tuning|${seed}|${set}`,
        seed,
        set,
        tuning: true,
      })),
    );
    const test = cfg.seeds.flatMap((seed) =>
      Array.from({ length: cfg.sets }, (_, set) => ({ id: `${seed}|${set}`, seed, set })),
    );
    return [...tuning, ...test];
  },
  // the held-out sets first: with workers, they are split between them instead of computed by each
  phase: (c) => (c.tuning ? 0 : 1),
  async runBatch(cfg, cases, ctx) {
    const s = session(cfg);
    const out: ReweightingResult[] = new Array(cases.length);
    // this batch's held-out sets, computed here: each set's adapters are seeded by its own identity, so a subset gives
    // the same accuracies (test/determinism.test.ts: one process, two workers and array jobs agree)
    const tuning = cases.filter((c) => c.tuning);
    const mine = tuning.length > 0 ? await runTuning(cfg, tuning) : [];
    const known = new Map(tuning.map((c, i) => [c.id, mine[i]]));
    cases.forEach((c, i) => {
      if (c.tuning) out[i] = known.get(c.id)!;
    });
    const test = cases.filter((c) => !c.tuning);
    if (test.length === 0) return out;
    const all = await tuningResults(cfg, ctx, known);
    const chosen = chooseFromGrid(cfg, [...all.values()]);
    const specs = cfg.variants.map((variant) => ({ variant, value: chosen[variant] ?? 0 }));
    for (const seed of [...new Set(test.map((c) => c.seed))]) {
      const mine = test.filter((c) => c.seed === seed);
      const sets = mine.map((c) => setOf(cfg, s.pool, c));
      const res = await trainVariants(
        cfg,
        sets,
        sets.map(() => specs),
        seed,
      );
      mine.forEach((c, i) => {
        const r: ReweightingResult = {
          ce: 0,
          distance: 0,
          extremes: 0,
          inverse: 0,
          facts: sets[i].map((f) => f.record.id),
          learned: {},
          learnedByEpoch: {},
          chosen,
        };
        specs.forEach((sp, j) => {
          r[sp.variant] = res[i][j].accuracy;
          r.learned[sp.variant] = res[i][j].learned;
          r.learnedByEpoch![sp.variant] = res[i][j].learnedByEpoch;
        });
        out[cases.indexOf(c)] = r;
      });
    }
    return out;
  },
  atEpoch(cfg, c, r, epoch) {
    // a held-out set keeps its whole-budget grid: the values the test sets were trained with were chosen on it
    if (c.tuning) return r;
    const out: ReweightingResult = { ...r, learned: {} };
    for (const variant of Object.keys(r.learned) as WeightVariant[]) {
      const learned = learnedAt(
        r.learnedByEpoch?.[variant],
        epoch,
        cfg.epochs,
        `re-weighting case ${c.id} (${variant})`,
      );
      out.learned[variant] = learned;
      out[variant] = shareTrue(learned);
    }
    return out;
  },
  summarize(cfg, results) {
    const cases = this.cases(cfg);
    const test = results.filter((_, i) => !cases[i].tuning);
    const tune = results.filter((_, i) => cases[i].tuning);
    const variants = cfg.variants.map((variant) => ({
      variant,
      accuracy: meanCI(test.map((r) => r[variant])),
      gainOverCE: meanCI(test.map((r) => r[variant] - r.ce)),
    }));
    const tuning = gridOf(cfg)
      .filter((g) => g.variant !== 'ce')
      .map((g) => ({
        label: g.label,
        variant: g.variant,
        value: g.value,
        gainOverCE: meanCI(tune.map((r) => r.grid![g.label] - r.grid!.ce)),
      }));
    return {
      variants,
      reproduces: variants.filter((v) => v.variant !== 'ce' && v.gainOverCE.lo > 0).map((v) => v.variant),
      tuning,
      chosen: tune.length > 0 ? chooseFromGrid(cfg, tune) : {},
    };
  },
};

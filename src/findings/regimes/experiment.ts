/**
 * The learning-regime study (#14 "regimes, not one calibration point"; #15 "the premise"). Findings 1–5 are measured
 * at one calibration point per method (≈ 50 % accuracy at 12 steps), inside a narrow phase transition. Here every
 * method trains single facts to convergence at each rate of a small grid (⅓×, 1×, 3× its calibrated rate), so one
 * run per (fact, rate) gives accuracy at every step budget (knowledge/regime-runs.ts). Then:
 * 1. **Regimes** are chosen on held-out facts (the pool's last ones, never used below): per method, the (rate,
 *    budget) closest to 30 / 50 / 70 / 95 % accuracy, and "converged" (metrics/regimes.ts `chooseRegimes`).
 * 2. **The premise** (finding 0): full fine-tuning against each PEFT method at matched optimiser-step budgets, each
 *    at its best rate (the highest held-out accuracy averaged over budgets), paired by fact — the paper's starting point that PEFT
 *    learns facts less well than full fine-tuning, which per-method calibration to 50 % erases by construction.
 * 3. **Finding 1 per regime**: the peak test (logistic learned ~ d + d², clustered by fact, two lines) on fresh facts
 *    at each chosen regime, the distance effect with the base logit margin and the target's starting rank as
 *    covariates, and the oversampled nearest facts against the middle distance bins.
 * 4. **Finding 2 per rate**: the share of runs pushed away at the end of each rate's runs (up to 3× the calibrated
 *    rate), against the same 5 % bar as finding 2.
 * The analysis is in analysis.ts; every run's outcome is stored in cases.jsonl (RegimeRun).
 */
import { CALIBRATION_FACTS } from '../../knowledge/calibrate';
import {
  type CommonConfig,
  commonConfig,
  methodSpecs,
  prepareSession,
  session,
} from '../../knowledge/config';
import { DEFAULT_PROTOCOL_NAME, type Fact } from '../../knowledge/facts';
import type { MethodSpec } from '../../knowledge/learn';
import {
  learnToConvergence,
  type RegimeBlock,
  type RegimeRun,
  trainableParameters,
} from '../../knowledge/regime-runs';
import { ratesFor, type ScaleName } from '../../knowledge/scales';
import { seedFacts } from '../../knowledge/single-facts';
import type { RegimeName } from '../../metrics/regimes';
import type { Experiment } from '../../runner/runner';
import type { FindingOptions } from '../finding';
import { type RegimesSummary, summarizeRegimes } from './analysis';

export interface RegimesConfig extends CommonConfig {
  methods: string[];
  /** PEFT settings of each method (part of the run's identity) */
  specs: Record<string, MethodSpec>;
  /** per method: the learning-rate grid (the calibrated rate times each multiplier, two significant digits) */
  rates: Record<string, number[]>;
  multipliers: number[];
  /** step budget of every run (early stop ends most runs sooner) */
  steps: number;
  /** fresh facts per seed (PEFT methods) and the first `fullFacts` of them for full fine-tuning */
  facts: number;
  fullFacts: number;
  /** held-out facts (the pool's last ones, never trained as fresh facts; full fine-tuning: the first quarter of them) */
  heldOut: number;
  /** accuracy levels the regimes aim at, and 'converged' */
  targets: RegimeName[];
  stack: number;
  /** distance bins of the per-regime accuracy curve */
  bins: number;
  /** finding 2's null control: this method also trains each fresh fact toward another fact's target, at every rate */
  nullMethod: string | null;
  /**
   * the near and far ends of the distance range, oversampled for finding 1's near end − middle test: per end, this
   * many facts that no seed trains (the nearest and the farthest by target distance; full fine-tuning: its share
   * `fullFacts / facts`, the most extreme first). Not part of the accuracy, premise or finding-2 numbers, which stay
   * on the seeds' uniform draw; 0: none (the config then has no such field)
   */
  endFacts?: number;
}

/**
 * The regime study's own knobs per scale preset: each method trains single facts to convergence (early stop, at most
 * `steps` steps) at each rate of a grid (`rates` × the method's calibrated rate); the regimes are chosen on `heldOut`
 * held-out facts (full fine-tuning: a quarter of them), the findings measured on `facts` fresh facts per seed of
 * `seeds` (full fine-tuning: the first `fullFacts` of each seed's facts); `endFacts`: the near and far ends of the
 * distance range, oversampled for finding 1's near end − middle test — per end, this many of the nearest and
 * farthest facts that no seed trains (0: none).
 */
export interface RegimesKnobs {
  seeds: number[];
  facts: number;
  fullFacts: number;
  heldOut: number;
  steps: number;
  rates: number[];
  endFacts: number;
}

/**
 * The learning-rate grid, as multiples of each method's calibrated rate: a third of it (under-trained at short
 * budgets), the rate itself (≈ 50 % at the toy budget of 12 steps), three times it (measured on beacon-base, 48
 * steps take LoRA to 81 % / 100 % / 100 % at the first three), and 10×–300× beyond: with ⅓×–3× every method's best
 * rate was the grid's top, and with ⅓×–30× still LoRA's, Adapter's and full fine-tuning's, so the premise compared
 * the best rates of a grid, not the methods' best. AdamW with per-adapter clipping keeps 300× finite (a diverging
 * run stops the experiment: knowledge/regime-runs.ts). A best rate still at the top makes the premise's verdict say
 * so (summary.ts, 'grid edge').
 */
const REGIME_RATES = [1 / 3, 1, 3, 10, 30, 100, 300];
/** The smoke preset's grid (tests): the first three. */
const SMOKE_RATES = REGIME_RATES.slice(0, 3);

// one seed of 64 fresh facts and 32 held-out ones keep the default run within 20 minutes; `full` has six seeds
// and 64 held-out facts; endFacts 8: 8 of the nearest and 8 of the farthest (about the outer 1 % at each end)
const TOY_KNOBS: RegimesKnobs = {
  seeds: [0],
  facts: 64,
  fullFacts: 8,
  heldOut: 32,
  steps: 48,
  rates: REGIME_RATES,
  endFacts: 8,
};

export const REGIMES_SCALES: Record<ScaleName, RegimesKnobs> = {
  smoke: { seeds: [0], facts: 8, fullFacts: 2, heldOut: 8, steps: 12, rates: SMOKE_RATES, endFacts: 2 },
  toy: TOY_KNOBS,
  // six seeds of fresh facts; the outer ≈ 9 % at each end of the facts no seed trains
  full: { ...TOY_KNOBS, seeds: [0, 1, 2, 3, 4, 5], heldOut: 64, fullFacts: 16, endFacts: 48 },
  paper: {
    seeds: [0, 1, 2],
    facts: 100,
    fullFacts: 20,
    heldOut: 64,
    steps: 120,
    rates: REGIME_RATES,
    endFacts: 16,
  },
};

export function regimesConfig(o: FindingOptions = {}): RegimesConfig {
  const { s, ...c } = commonConfig(o);
  const k = REGIMES_SCALES[s.name];
  const methods = ['lora', 'adalora', 'adapter', 'full'];
  const base = ratesFor(s, c.model, o.lr).single;
  const round = (x: number) => Number(x.toPrecision(2));
  return {
    ...c,
    methods,
    specs: methodSpecs(methods, o.specs),
    rates: Object.fromEntries(methods.map((m) => [m, k.rates.map((x) => round(x * base[m]))])),
    multipliers: [...k.rates],
    steps: k.steps,
    // the seeds of the fresh facts (each seed its own facts: knowledge/single-facts.ts seedFacts); --seeds overrides
    seeds: o.seeds ?? [...k.seeds],
    facts: k.facts,
    fullFacts: k.fullFacts,
    heldOut: k.heldOut,
    targets: [0.3, 0.5, 0.7, 0.95, 'converged'],
    stack: s.stack,
    bins: 5,
    nullMethod: methods.includes('lora') ? 'lora' : null,
    ...(k.endFacts > 0 ? { endFacts: k.endFacts } : {}),
  };
}

/**
 * The null control's pairing: each fresh fact borrows the target of the next fact in its block (cyclically), the
 * first later one whose target differs from its own original and target answers.
 */
export function unrelatedPartner(facts: readonly Fact[], i: number): Fact {
  const f = facts[i];
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((t, j) => t === b[j]);
  for (let k = 1; k < facts.length; k++) {
    const g = facts[(i + k) % facts.length];
    if (!same(g.targetIds, f.targetIds) && !same(g.targetIds, f.originalIds)) return g;
  }
  throw new Error(`No unrelated target for fact ${f.record.id}: its block has no other target`);
}

export interface RegimeCase {
  id: string;
  method: string;
  rate: number;
  block: RegimeBlock;
  fact: string;
  /** the null control of finding 2: the fact whose target this fact is trained toward */
  unrelated?: string;
}

/** The held-out facts: the pool's last `n` (the calibration's, which no other experiment trains, when n ≤ 64). */
export function heldOutFacts(pool: Fact[], n: number): Fact[] {
  return pool.slice(Math.max(0, pool.length - n));
}

/**
 * The near and far ends (cfg.endFacts per end): of the facts neither held out nor trained by any seed, the `perEnd`
 * nearest and the `perEnd` farthest by target distance (ties: pool order), each end ordered from its extreme inward,
 * so a shorter prefix of either end is still its most extreme facts. Fewer when fewer facts are left.
 */
export function endFacts(
  pool: Fact[],
  cfg: Pick<RegimesConfig, 'seeds' | 'facts' | 'heldOut'>,
  perEnd: number,
): { near: Fact[]; far: Fact[] } {
  const reserved = Math.max(CALIBRATION_FACTS, cfg.heldOut);
  const used = new Set(
    cfg.seeds.flatMap((k) => seedFacts(pool, k, cfg.facts, reserved).map((f) => f.record.id)),
  );
  const rest = pool
    .slice(0, Math.max(0, pool.length - reserved))
    .map((f, i) => ({ f, i, d: f.distance[DEFAULT_PROTOCOL_NAME] }))
    .filter(({ f }) => !used.has(f.record.id))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .map(({ f }) => f);
  const n = Math.min(perEnd, Math.floor(rest.length / 2));
  return { near: rest.slice(0, n), far: rest.slice(rest.length - n).reverse() };
}

/** Seeds the held-out runs and the end runs use (the held-out seed is the calibration's). */
const HELD_OUT_SEED = 1234;
const ENDS_SEED = 4321;

function blockFacts(cfg: RegimesConfig, pool: Fact[], method: string, block: RegimeBlock): Fact[] {
  if (block === 'ends') {
    const perEnd = cfg.endFacts ?? 0;
    const k = method === 'full' ? Math.max(1, Math.round((perEnd * cfg.fullFacts) / cfg.facts)) : perEnd;
    const { near, far } = endFacts(pool, cfg, perEnd);
    return [...near.slice(0, k), ...far.slice(0, k)];
  }
  const all =
    block === 'held-out'
      ? heldOutFacts(pool, cfg.heldOut)
      : seedFacts(pool, block, cfg.facts, Math.max(CALIBRATION_FACTS, cfg.heldOut));
  const n = block === 'held-out' ? Math.max(1, Math.floor(cfg.heldOut / 4)) : cfg.fullFacts;
  return method === 'full' ? all.slice(0, n) : all;
}

export const regimes: Experiment<RegimesConfig, RegimeCase, RegimeRun, RegimesSummary> = {
  name: 'learning-regimes',
  // 2: LoRA's fresh runs also record finding 2's random-ΔW control (randomPushedAway); 3: the near and far ends
  // (endFacts); 4: base margins from prompts of one length per batch (no padding: independent of the batch); 5: a
  // lone adapter's products are summed as a stack's (peft/groups.ts stackMatMul: Σ‖ΔW‖ independent of the batch)
  version: 5,
  prepare: prepareSession,
  defaultBatchSize: 64,
  cases(cfg) {
    const pool = session(cfg).pool;
    const out: RegimeCase[] = [];
    for (const method of cfg.methods)
      for (const [rate] of cfg.rates[method].entries())
        for (const block of [
          'held-out' as const,
          ...cfg.seeds,
          ...((cfg.endFacts ?? 0) > 0 ? ['ends' as const] : []),
        ])
          for (const f of blockFacts(cfg, pool, method, block))
            out.push({
              id: `${method}|${rate}|${block}|${f.record.id}`,
              method,
              rate,
              block,
              fact: f.record.id,
            });
    const m = cfg.nullMethod;
    if (m !== null)
      for (const [rate] of cfg.rates[m].entries())
        for (const block of cfg.seeds) {
          const facts = blockFacts(cfg, pool, m, block);
          for (const [i, f] of facts.entries())
            out.push({
              id: `${m}|${rate}|${block}|${f.record.id}|unrelated`,
              method: m,
              rate,
              block,
              fact: f.record.id,
              unrelated: unrelatedPartner(facts, i).record.id,
            });
        }
    return out;
  },
  async runBatch(cfg, cases) {
    const s = session(cfg);
    const byId = new Map(s.pool.map((f) => [f.record.id, f]));
    const groups = new Map<string, RegimeCase[]>();
    for (const c of cases) {
      const key = `${c.method}|${c.rate}|${c.block}|${c.unrelated === undefined ? '' : 'unrelated'}`;
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    const done = new Map<string, RegimeRun>();
    for (const group of groups.values()) {
      const { method, rate, block } = group[0];
      const fact = (id: string) => {
        const f = byId.get(id);
        if (f === undefined) throw new Error(`Fact ${id} is not in the pool of facts the model knows`);
        return f;
      };
      const facts = group.map((c) => fact(c.fact));
      const unrelated = group[0].unrelated === undefined ? undefined : group.map((c) => fact(c.unrelated!));
      const runs = await learnToConvergence(
        s,
        facts,
        cfg.specs[method],
        cfg.train,
        {
          method,
          rate,
          block,
          lr: cfg.rates[method][rate],
          steps: cfg.steps,
          seed: block === 'held-out' ? HELD_OUT_SEED : block === 'ends' ? ENDS_SEED : block,
        },
        cfg.stack,
        unrelated,
        method === 'lora' && typeof block === 'number' && unrelated === undefined,
      );
      for (const [i, c] of group.entries()) done.set(c.id, runs[i]);
    }
    return cases.map((c) => done.get(c.id)!);
  },
  summarize(cfg, results) {
    const s = session(cfg);
    const parameters = Object.fromEntries(
      cfg.methods.map((m) => [m, trainableParameters(s, cfg.specs[m], cfg.steps)]),
    );
    return summarizeRegimes(cfg, results, parameters);
  },
};

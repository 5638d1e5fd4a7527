/**
 * Single-fact learning results shared by the distance-curve and drift experiments: both need the same runs, so a
 * process-level memo computes each (method, seed, fact, budget) once.
 */
import * as path from 'node:path';
import { canonicalJson } from '../util/hash';
import { deriveSeed, permutation } from '../util/random';
import { CALIBRATION_FACTS } from './calibrate';
import {
  type CommonConfig,
  type CommonOptions,
  commonConfig,
  methodSpecs,
  prepareSession,
  session,
} from './config';
import type { Fact } from './facts';
import type { MethodSpec } from './learn';
import { learnSingleFacts, type SingleResult } from './learn';
import { ratesFor } from './scales';
import type { Session } from './session';

export interface SingleCase {
  id: string;
  method: string;
  seed: number;
  fact: string;
}

export interface SingleCaseResult extends SingleResult {
  method: string;
  seed: number;
  /** target semantic distance by protocol */
  distance: Record<string, number>;
}

/** Config shared by the single-fact experiments (distance curve, drift). */
export interface SingleFactConfig extends CommonConfig {
  methods: string[];
  /** PEFT settings of each method (part of the run's identity) */
  specs: Record<string, MethodSpec>;
  facts: number;
  steps: number;
  /** learning rate per method */
  lrs: Record<string, number>;
  stack: number;
  bins: number;
}

export type SingleFactOptions = CommonOptions & { methods?: string[]; steps?: number; lr?: number };

export function singleFactConfig(
  o: SingleFactOptions,
  defaultMethods: string[],
): SingleFactConfig & { fullFacts: number } {
  const { s, ...c } = commonConfig(o);
  const methods = o.methods ?? defaultMethods;
  return {
    ...c,
    methods,
    specs: methodSpecs(methods, o.specs),
    facts: s.singleFacts,
    fullFacts: s.fullFacts,
    steps: o.steps ?? s.singleSteps,
    lrs: ratesFor(s, c.model, o.lr).single,
    stack: s.stack,
    bins: 5,
  };
}

/** What a single-fact run depends on besides its fact, method and seed (a SingleFactConfig is one). */
export interface SingleBudget
  extends Pick<CommonConfig, 'model' | 'modelId' | 'data' | 'dataId' | 'promptFormat' | 'train'> {
  /** PEFT settings by method name */
  specs: Record<string, MethodSpec>;
  steps: number;
  /** learning rate per method */
  lrs: Record<string, number>;
  stack: number;
}

function lrOf(b: SingleBudget, method: string): number {
  const lr = b.lrs[method] ?? b.lrs[b.specs[method]?.method as string];
  if (lr === undefined) throw new Error(`No learning rate for method '${method}'`);
  return lr;
}

const memo = new Map<string, SingleCaseResult>();

/** Forgets memoised runs (tests use it to prove that a resumed run recomputes the same results). */
export function clearSingleFactMemo(): void {
  memo.clear();
}

/**
 * The facts seed `seed` trains, n of them: each seed gets its own facts, so seeds add facts rather than retrain the
 * same ones (the fact is the unit of analysis). The pool without the calibration's held-out facts (its last
 * CALIBRATION_FACTS; knowledge/calibrate.ts) is shuffled once, with a fixed seed, and cut into blocks of n: seed k
 * takes block k (wrapping around the shuffled pool when k·n exceeds it). `reserved`: how many of the pool's last facts
 * are held out (default the calibration's; more where an experiment holds out more). Consecutive seeds therefore get disjoint
 * facts while (seeds × n) ≤ pool size − CALIBRATION_FACTS. Methods with the same n get the same facts for the same
 * seed (paired by fact); full fine-tuning, with fewer facts per seed, gets its own blocks of the same order.
 */
export function seedFacts(pool: Fact[], seed: number, n: number, reserved = CALIBRATION_FACTS): Fact[] {
  const usable = pool.length > reserved + n ? pool.slice(0, pool.length - reserved) : pool;
  const count = Math.min(n, usable.length);
  const order = permutation(usable.length, deriveSeed(0, 'single-facts'));
  const start = (seed * count) % usable.length;
  return Array.from({ length: count }, (_, i) => usable[order[(start + i) % usable.length]]);
}

export function singleCases(
  pool: Fact[],
  methods: string[],
  seeds: number[],
  perMethod: Record<string, number>,
): SingleCase[] {
  const out: SingleCase[] = [];
  for (const method of methods) {
    for (const seed of seeds) {
      for (const f of seedFacts(pool, seed, perMethod[method])) {
        out.push({ id: `${method}|${seed}|${f.record.id}`, method, seed, fact: f.record.id });
      }
    }
  }
  return out;
}

/**
 * The memo key of one single-fact run: everything its result depends on (model directory and files, data file and
 * contents, prompt format, the case, and the method's budget with every default resolved).
 */
export function singleRunKey(modelDir: string, budget: SingleBudget, c: SingleCase): string {
  return canonicalJson({
    dir: modelDir,
    model: budget.modelId,
    data: budget.data === null ? null : path.resolve(budget.data),
    dataId: budget.dataId,
    promptFormat: budget.promptFormat,
    id: c.id,
    steps: budget.steps,
    lr: lrOf(budget, c.method),
    spec: budget.specs[c.method],
    train: budget.train,
    stack: budget.stack,
  });
}

export async function runSingleCases(
  s: Session,
  cases: SingleCase[],
  budget: SingleBudget,
): Promise<SingleCaseResult[]> {
  const byId = new Map(s.pool.map((f) => [f.record.id, f]));
  const key = (c: SingleCase) => singleRunKey(s.loaded.dir, budget, c);
  const todo = cases.filter((c) => !memo.has(key(c)));
  // group by (method, seed), keeping order
  const groups = new Map<string, SingleCase[]>();
  for (const c of todo) {
    const g = `${c.method}|${c.seed}`;
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(c);
  }
  for (const group of groups.values()) {
    const { method, seed } = group[0];
    const facts = group.map((c) => {
      const f = byId.get(c.fact);
      if (f === undefined) throw new Error(`Fact ${c.fact} is not in the pool of facts the model knows`);
      return f;
    });
    const res = await learnSingleFacts(
      s,
      facts,
      budget.specs[method],
      { ...budget.train, steps: budget.steps, lr: lrOf(budget, method) },
      seed,
      budget.stack,
    );
    group.forEach((c, i) => {
      const { answerIds: _ids, ...stored } = res[i]; // the stored results keep their v1 shape
      memo.set(key(c), { ...stored, method, seed, distance: facts[i].distance });
    });
  }
  return cases.map((c) => memo.get(key(c))!);
}

/** What the single-fact experiments (distance curve, drift) share: the session, the batch size, the memoised runs. */
export const singleFactRuns = {
  prepare: prepareSession,
  defaultBatchSize: 64,
  runBatch(cfg: SingleFactConfig, cases: SingleCase[]): Promise<SingleCaseResult[]> {
    return runSingleCases(session(cfg), cases, cfg);
  },
};

/**
 * Config pieces and helpers shared by the five experiments.
 */
import * as path from 'node:path';
import { quantileBins, wilsonCI } from '../metrics/stats';
import { BEACON_BASE_DIR } from '../model/load';
import { deriveSeed, permutation } from '../util/random';
import type { Fact, PromptFormat } from './facts';
import type { MethodSpec } from './learn';
import { getScale, METHODS, type Scale } from './scales';
import {
  type DataSpec,
  dataFingerprint,
  getSession,
  loadSession,
  modelFingerprint,
  type Session,
} from './session';

export interface CommonConfig {
  scale: string;
  /** model directory, relative to the working directory when not absolute */
  model: string;
  /** identity of the model files' contents (result hashes change when the model does) */
  modelId: string;
  /** records file, or null for the base model's COUNTERFACT records */
  data: string | null;
  /** identity of the records file's contents (null with the base model's records) */
  dataId: string | null;
  /** prompt wrapping ('llama2-chat' for chat checkpoints) */
  promptFormat: PromptFormat;
  seeds: number[];
}

export interface CommonOptions {
  scale?: string;
  model?: string;
  data?: string | null;
  seeds?: number[];
  promptFormat?: PromptFormat;
  /** PEFT settings by method name, overriding the presets (e.g. { lora: { method: 'lora', r: 2, … } }) */
  specs?: Record<string, MethodSpec>;
}

export function commonConfig(o: CommonOptions = {}): CommonConfig & { s: Scale } {
  const s = getScale(o.scale ?? 'toy');
  const model = o.model ?? path.relative(process.cwd(), BEACON_BASE_DIR);
  return {
    scale: s.name,
    model,
    modelId: modelFingerprint(path.resolve(model)),
    data: o.data ?? null,
    dataId: o.data ? dataFingerprint(path.resolve(o.data)) : null,
    promptFormat: o.promptFormat ?? 'plain',
    seeds: o.seeds ?? s.seeds,
    s,
  };
}

function dataSpec(cfg: CommonConfig): DataSpec {
  return {
    model: path.resolve(cfg.model),
    data: cfg.data ? path.resolve(cfg.data) : undefined,
    promptFormat: cfg.promptFormat,
  };
}

/**
 * The experiment's session (model, tokenizer, pool), synchronous for `cases`/`summarize`; it must have been
 * prepared with `await prepareSession(cfg)` (it throws otherwise; see session.ts).
 */
export function session(cfg: CommonConfig): Session {
  return getSession(dataSpec(cfg));
}

/** Loads the model and builds the pool for `cfg` (once per process; reads the device, hence async). */
export function prepareSession(cfg: CommonConfig): Promise<Session> {
  return loadSession(dataSpec(cfg));
}

/** A seeded sample of n facts from the pool (without replacement). */
export function sample(pool: Fact[], n: number, seed: number, label: string): Fact[] {
  if (n > pool.length) throw new Error(`Asked for ${n} facts but the model knows only ${pool.length}`);
  return permutation(pool.length, deriveSeed(seed, label))
    .slice(0, n)
    .map((i) => pool[i]);
}

export interface Rate {
  k: number;
  n: number;
  rate: number;
  lo: number;
  hi: number;
}

export function rate(flags: readonly (boolean | null)[]): Rate {
  const xs = flags.filter((x): x is boolean => x !== null);
  const k = xs.filter(Boolean).length;
  const n = xs.length;
  const ci = n > 0 ? wilsonCI(k, n) : { lo: Number.NaN, hi: Number.NaN };
  return { k, n, rate: n > 0 ? k / n : Number.NaN, lo: ci.lo, hi: ci.hi };
}

export interface BinnedRate extends Rate {
  bin: number;
  lo_d: number;
  hi_d: number;
  mid: number;
}

/** Rates of `flags` in `k` quantile bins of `values`; `members[i]` are the indices in bin i. */
export function binnedRates(
  values: number[],
  flags: boolean[],
  k: number,
): { bins: BinnedRate[]; members: number[][] } {
  const qb = quantileBins(values, k);
  const bins = qb.map((b, i) => {
    const r = rate(b.indices.map((j) => flags[j]));
    const ds = b.indices.map((j) => values[j]).sort((a, c) => a - c);
    return { ...r, bin: i, lo_d: b.lo, hi_d: b.hi, mid: ds[Math.floor(ds.length / 2)] ?? Number.NaN };
  });
  return { bins, members: qb.map((b) => b.indices) };
}

/** Difference of two proportions with a 95 % Newcombe (Wilson-score) interval. */
export function rateDifference(a: Rate, b: Rate): { diff: number; lo: number; hi: number } {
  const diff = a.rate - b.rate;
  const lo = diff - Math.sqrt((a.rate - a.lo) ** 2 + (b.hi - b.rate) ** 2);
  const hi = diff + Math.sqrt((a.hi - a.rate) ** 2 + (b.rate - b.lo) ** 2);
  return { diff, lo, hi };
}

/**
 * The PEFT settings of the named methods (from the preset METHODS unless overridden). They are part of every
 * experiment's config, so a changed rank or bottleneck gets its own cache entry.
 */
export function methodSpecs(
  names: string[],
  overrides: Record<string, MethodSpec> = {},
): Record<string, MethodSpec> {
  return Object.fromEntries(
    names.map((m) => {
      const spec = overrides[m] ?? METHODS[m];
      if (spec === undefined)
        throw new Error(`Unknown method '${m}': use ${Object.keys(METHODS).join(', ')} or pass its settings`);
      return [m, spec];
    }),
  );
}

/** Config shared by the multiple-fact experiments (interference, filtering, re-weighting). */
export interface SetConfig extends CommonConfig {
  method: string;
  /** PEFT settings of the method (part of the run's identity) */
  spec: MethodSpec;
  setSize: number;
  epochs: number;
  lr: number;
  batchSize: number;
}

export type SetOptions = CommonOptions & { method?: string; lr?: number; epochs?: number };

export function setConfig(o: SetOptions): SetConfig & { s: Scale } {
  const { s, ...c } = commonConfig(o);
  const method = o.method ?? 'lora';
  return {
    ...c,
    method,
    spec: methodSpecs([method], o.specs)[method],
    setSize: s.setSize,
    epochs: o.epochs ?? s.epochs,
    lr: o.lr ?? s.setLr,
    batchSize: s.batchSize,
    s,
  };
}

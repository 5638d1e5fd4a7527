/**
 * Config pieces and helpers shared by the six experiments.
 */
import * as path from 'node:path';
import { BEACON_BASE_DIR } from '../model/load';
import { deriveSeed, permutation } from '../util/random';
import { resolveMethodSpec, resolveTrainer, type TrainerSettings } from './defaults';
import type { Fact, PromptFormat } from './facts';
import type { MethodSpec } from './learn';
import { getScale, METHODS, ratesFor, type Scale } from './scales';
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
  /** optimiser and clipping settings, every trainer default filled in (see defaults.ts) */
  train: TrainerSettings;
}

export interface CommonOptions {
  scale?: string;
  model?: string;
  data?: string | null;
  seeds?: number[];
  promptFormat?: PromptFormat;
  /** PEFT settings by method name, overriding the presets (e.g. { lora: { method: 'lora', r: 2, … } }) */
  specs?: Record<string, MethodSpec>;
  /** trainer settings overriding the trainer's defaults (e.g. { clipNorm: 0 }) */
  train?: Partial<TrainerSettings>;
  /**
   * multiplies the learning rate of the fact-set findings (interference, filtering, re-weighting): a second learning
   * regime beside the calibrated one (`--scale full` runs them at 0.33× and 3× as well; `beacons reproduce --set-rate k`)
   */
  setRateScale?: number;
  /** epochs of the fact-set findings' runs (default: the scale's; `beacons reproduce --set-epochs n`) */
  setEpochs?: number;
}

export function commonConfig(o: CommonOptions = {}): CommonConfig & { s: Scale } {
  const s = getScale(o.scale ?? 'toy');
  // the generator keeps 32 bits of a seed (util/random.ts): a larger one would silently repeat a smaller one's runs
  const bad = o.seeds?.find((x) => !Number.isInteger(x) || x < 0 || x > 2 ** 32 - 1);
  if (bad !== undefined)
    throw new Error(
      `seeds: each must be an integer from 0 to ${2 ** 32 - 1} (the generator's 32 bits), got ${bad}`,
    );
  const model = o.model ?? path.relative(process.cwd(), BEACON_BASE_DIR);
  return {
    scale: s.name,
    model,
    modelId: modelFingerprint(path.resolve(model)),
    data: o.data ?? null,
    dataId: o.data ? dataFingerprint(path.resolve(o.data)) : null,
    promptFormat: o.promptFormat ?? 'plain',
    seeds: o.seeds ?? s.seeds,
    train: resolveTrainer(o.train),
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

/**
 * The PEFT settings of the named methods (from the preset METHODS unless overridden), with every default of the
 * method filled in. They are part of every experiment's config, so a changed rank, bottleneck or method default
 * gets its own cache entry.
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
      return [m, resolveMethodSpec(spec)];
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
    epochs: o.epochs ?? o.setEpochs ?? s.epochs,
    lr: Number((ratesFor(s, c.model, o.lr).sets * (o.setRateScale ?? 1)).toPrecision(2)),
    batchSize: s.batchSize,
    s,
  };
}

/**
 * How a PEFT method registers itself: its module (lora.ts, adalora.ts, adapter.ts, full.ts) exports one
 * `PeftMethod` — its name, its defaults, how a spec gets every default filled in, how a run's config is made from a
 * spec, and how the model is wrapped — and peft/index.ts lists them in one table. Adding a method = its module + one
 * row of that table (docs/design.md, "PEFT methods").
 */
import type { LlamaModel } from '../model/llama';
import type { CommonPeftConfig, PeftHandle } from './types';

/** What a run adds to a method's settings: its stacked adapters, their seeds and its step budget. */
export interface RunShape {
  /** stacked adapters (default 1) */
  groups: number;
  seed: number;
  /** one seed per stacked adapter */
  seeds?: number[];
  /** the run's optimiser steps (AdaLoRA plans its rank schedule over them) */
  steps?: number;
}

/** Fields of a method's config that a run sets (RunShape), not the method's settings. */
export type RunFields = keyof CommonPeftConfig;

export interface PeftMethod<Config extends CommonPeftConfig & { method: string }, Spec> {
  /** the name configs carry in `method` */
  readonly name: Config['method'];
  /** the defaults `resolve` fills in (defaults.test.ts changes each in turn and checks the config hash) */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** the spec with every default filled in: the identity of its runs (a fresh copy; no field left undefined) */
  resolve(spec: Spec): Spec;
  /** the config of one run of `spec` */
  configFor(spec: Spec, run: RunShape): Config;
  /** wraps the model (hooks or trainable base weights) */
  create(model: LlamaModel, config: Config): PeftHandle;
}

/** `spec` over `defaults`, fields given as undefined dropped, as a deep copy (default arrays are shared objects). */
export function withDefaults<S extends object>(defaults: object, spec: S): S {
  const given = Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined));
  return JSON.parse(JSON.stringify({ ...defaults, ...given })) as S;
}

/** A run's fields (groups, seed, seeds) on a spec. */
export function runFields(run: RunShape): CommonPeftConfig {
  return { groups: run.groups, seed: run.seed, ...(run.seeds ? { seeds: run.seeds } : {}) };
}

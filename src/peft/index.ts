/**
 * The PEFT methods, one table: each method's module exports a `PeftMethod` (method.ts: name, defaults, resolve,
 * configFor, create) and registers itself here with one row. `wrap(model, config) → PeftHandle`, `resolveSpec`
 * and `configFor` are look-ups in the table; the config and spec types are derived from it.
 */
import type { LlamaModel } from '../model/llama';
import { adalora } from './adalora';
import { adapter } from './adapter';
import { full } from './full';
import { lora } from './lora';
import type { PeftMethod, RunShape } from './method';
import type { PeftHandle } from './types';

/** The table: a new method is one row here (and its module). */
export const PEFT_METHODS = { lora, adalora, adapter, full } as const;

export type MethodName = keyof typeof PEFT_METHODS;
/** The config of each method (what `wrap` takes), by name. */
export type ConfigOf = {
  [M in MethodName]: (typeof PEFT_METHODS)[M] extends PeftMethod<infer C, infer _S> ? C : never;
};
/** The settings of each method without a run's fields (what experiment configs hold and hash), by name. */
export type SpecOf = {
  [M in MethodName]: (typeof PEFT_METHODS)[M] extends PeftMethod<infer _C, infer S> ? S : never;
};
export type PeftConfig = ConfigOf[MethodName];
/** A PEFT method's settings without the per-run fields (a union discriminated by `method`). */
export type MethodSpec = SpecOf[MethodName];

const TABLE: { [M in MethodName]: PeftMethod<ConfigOf[M], SpecOf[M]> } = PEFT_METHODS;

/** The table's entry for `name`, or a clear error naming the methods there are. */
export function peftMethod<M extends MethodName>(name: M): PeftMethod<ConfigOf[M], SpecOf[M]> {
  const m = Object.keys(TABLE).includes(name) ? TABLE[name] : undefined;
  if (m === undefined) throw new Error(`Unknown PEFT method '${name}': use ${Object.keys(TABLE).join(', ')}`);
  return m;
}

function create<M extends MethodName>(model: LlamaModel, method: M, config: ConfigOf[M]): PeftHandle {
  return peftMethod(method).create(model, config);
}

/** Wraps `model` with the method `config.method` names. */
export function wrap(model: LlamaModel, config: PeftConfig): PeftHandle {
  return create(model, config.method, config);
}

function resolveAs<M extends MethodName>(method: M, spec: SpecOf[M]): SpecOf[M] {
  return peftMethod(method).resolve(spec);
}

/** `spec` with every default of its method filled in (the identity of its runs: configs hash it). */
export function resolveSpec(spec: MethodSpec): MethodSpec {
  return resolveAs(spec.method, spec);
}

function configAs<M extends MethodName>(method: M, spec: SpecOf[M], run: RunShape): ConfigOf[M] {
  return peftMethod(method).configFor(spec, run);
}

/** The config of one run of `spec`: its stacked adapters, seeds and step budget added. */
export function configFor(spec: MethodSpec, run: RunShape): PeftConfig {
  return configAs(spec.method, spec, run);
}

export type { PeftMethod, RunShape } from './method';
export {
  loadAdaLoraAdapter,
  loadLoraAdapter,
  loadPeftAdapter,
  saveAdaLoraAdapter,
  saveLoraAdapter,
} from './save';
export type { PeftHandle, TrainableVariable } from './types';

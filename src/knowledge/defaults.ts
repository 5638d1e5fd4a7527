/**
 * Configs own their defaults: every setting a run depends on is filled in here, before the config is hashed, so
 * the results cache key (runner.ts `runHash`) covers it. A default edited in the PEFT methods or the trainer
 * therefore changes the hash of every config that relies on it (tested in defaults.test.ts) instead of silently
 * returning the old cached numbers.
 */
import { ADALORA_DEFAULTS } from '../peft/adalora';
import { type AdapterConfig, resolveAdapterConfig } from '../peft/adapter';
import { LORA_DEFAULTS } from '../peft/lora';
import { TRAIN_DEFAULTS, type TrainConfig } from '../train/trainer';
import type { MethodSpec } from './learn';

/**
 * Full fine-tuning's one setting: `FullHandle` trains the embedding table unless `trainEmbeddings === false`
 * (src/peft/full.ts has no defaults object to import).
 */
export const FULL_DEFAULTS = { trainEmbeddings: true };

/** Trainer settings the experiments do not choose per run (steps, lr, batch size, seed and early stop they do). */
export const TRAINER_SETTINGS = [
  'weightDecay',
  'beta1',
  'beta2',
  'eps',
  'clipNorm',
  'warmupSteps',
  'schedule',
] as const;

export type TrainerSettings = Pick<TrainConfig, (typeof TRAINER_SETTINGS)[number]>;

const defined = (o: object): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** A deep copy of plain JSON-like data (default arrays are shared objects: never hand them out). */
const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** The trainer settings with every default filled in from `TRAIN_DEFAULTS` (read at call time). */
export function resolveTrainer(o: Partial<TrainerSettings> = {}): TrainerSettings {
  const given = defined(o);
  const unknown = Object.keys(given).filter((k) => !(TRAINER_SETTINGS as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw new Error(`Unknown trainer setting(s) ${unknown.join(', ')}: use ${TRAINER_SETTINGS.join(', ')}`);
  const out = Object.fromEntries(TRAINER_SETTINGS.map((k) => [k, given[k] ?? TRAIN_DEFAULTS[k]]));
  return out as unknown as TrainerSettings;
}

/** A method's settings with every default of its PEFT implementation filled in (the identity of its runs). */
export function resolveMethodSpec(spec: MethodSpec): MethodSpec {
  const given = defined(spec) as MethodSpec;
  switch (spec.method) {
    case 'lora':
      return copy({ ...LORA_DEFAULTS, ...given });
    case 'adalora':
      return copy({ ...ADALORA_DEFAULTS, ...given });
    case 'adapter':
      return copy(resolveAdapterConfig(given as AdapterConfig) as MethodSpec);
    case 'full':
      return copy({ ...FULL_DEFAULTS, ...given });
    default:
      throw new Error(
        `Unknown PEFT method '${(spec as { method: string }).method}': use lora, adalora, adapter or full`,
      );
  }
}

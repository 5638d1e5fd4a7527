/**
 * Configs own their defaults: every setting a run depends on is filled in here, before the config is hashed, so
 * the results cache key (runner.ts `runHash`) covers it. A default edited in the PEFT methods or the trainer
 * therefore changes the hash of every config that relies on it (tested in defaults.test.ts) instead of silently
 * returning the old cached numbers.
 */
import { type MethodSpec, resolveSpec } from '../peft/index';
import { TRAIN_DEFAULTS, type TrainConfig } from '../train/trainer';

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
  return resolveSpec(spec);
}

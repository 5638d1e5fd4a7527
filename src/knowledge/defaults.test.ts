import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXPERIMENTS } from '../findings/index';
import { ADALORA_DEFAULTS } from '../peft/adalora';
import { ADAPTER_DEFAULTS } from '../peft/adapter';
import { FULL_DEFAULTS } from '../peft/full';
import { PEFT_METHODS, peftMethod } from '../peft/index';
import { LORA_DEFAULTS } from '../peft/lora';
import { runHash } from '../runner/runner';
import { TRAIN_DEFAULTS } from '../train/trainer';
import { resolveMethodSpec, resolveTrainer, TRAINER_SETTINGS } from './defaults';
import { MODEL_RATES, SCALES } from './scales';
import { type SingleBudget, type SingleCase, singleFactConfig, singleRunKey } from './single-facts';

/** A value different from `v` of the same kind. */
function changed(v: unknown): unknown {
  if (typeof v === 'number') return v + 0.5;
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'string') return `${v}-changed`;
  if (Array.isArray(v)) return [...v, v[0]];
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, changed(x)]));
  throw new Error(`no change for ${String(v)}`);
}

/** Runs `fn` with `obj[key]` changed, then restores it. */
function withChanged<T>(obj: Record<string, unknown>, key: string, fn: () => T): T {
  const old = obj[key];
  obj[key] = changed(old);
  try {
    return fn();
  } finally {
    obj[key] = old;
  }
}

const hashes = (o = {}) => EXPERIMENTS.map((e) => runHash(e.experiment, e.config({ scale: 'toy', ...o })));

/** Every method of the PEFT table with the defaults it registered (a new method is covered by its row). */
const METHOD_DEFAULTS = Object.values(PEFT_METHODS).map(
  (m) => [m.name, m.defaults as Record<string, unknown>] as const,
);

test("the PEFT table: each method registers under its own name, with its module's defaults", () => {
  for (const [key, m] of Object.entries(PEFT_METHODS)) assert.equal(m.name, key);
  assert.deepEqual(
    METHOD_DEFAULTS.map(([name, d]) => [name, d]),
    [
      ['lora', LORA_DEFAULTS],
      ['adalora', ADALORA_DEFAULTS],
      ['adapter', ADAPTER_DEFAULTS],
      ['full', FULL_DEFAULTS],
    ],
  );
  assert.throws(
    () => peftMethod('lokr' as never),
    /Unknown PEFT method 'lokr': use lora, adalora, adapter, full/,
  );
});

test('every PEFT method default reaches the hash of a config that relies on it', () => {
  const entry = EXPERIMENTS.find((e) => e.key === 'distance')!;
  for (const [method, defaults] of METHOD_DEFAULTS) {
    // bare specs: every setting comes from the method's defaults (the adapter's depend on its variant)
    const specs = method === 'adapter' ? [{ method }, { method, variant: 'zero-init' }] : [{ method }];
    const hashOf = () =>
      specs.map((spec) => {
        const o = { specs: { [method]: spec } as never, methods: [method] };
        return runHash(entry.experiment, entry.config(o));
      });
    const before = hashOf();
    for (const key of Object.keys(defaults)) {
      const after = withChanged(defaults, key, hashOf);
      assert.ok(
        after.some((h, i) => h !== before[i]),
        `${method} default '${key}' does not change the hash`,
      );
    }
  }
});

test('the preset specs are resolved: a default the preset does not set changes every hash that uses the method', () => {
  const before = hashes();
  // LoRA's dropout and AdaLoRA's orthogonality weight are not in the presets (scales.ts METHODS)
  const lora = withChanged(LORA_DEFAULTS, 'dropout', () => hashes());
  for (const [i, h] of lora.entries()) assert.notEqual(h, before[i], `${EXPERIMENTS[i].key}: LoRA dropout`);
  const adalora = withChanged(ADALORA_DEFAULTS, 'orthRegWeight', () => hashes());
  assert.deepEqual(
    EXPERIMENTS.filter((_, i) => adalora[i] !== before[i]).map((e) => e.key),
    ['regimes', 'distance', 'drift'],
  );
});

test('every trainer default reaches every hash', () => {
  const before = hashes();
  for (const key of TRAINER_SETTINGS) {
    const after = withChanged(TRAIN_DEFAULTS as unknown as Record<string, unknown>, key, () => hashes());
    for (const [i, h] of after.entries())
      assert.notEqual(h, before[i], `${EXPERIMENTS[i].key}: trainer '${key}'`);
  }
});

test('every scale preset value reaches the hash of the findings that use it', () => {
  // singleLr / setLr are the rates of models without their own calibration: with the default (shipped) model the
  // hash follows MODEL_RATES instead (checked below)
  const uses: Record<string, string[]> = {
    seeds: ['distance', 'drift', 'interference', 'filtering', 'reweighting'],
    singleFacts: ['distance', 'drift'],
    fullFacts: ['distance'],
    stack: ['regimes', 'distance', 'drift'],
    singleSteps: ['distance', 'drift'],
    singleLr: [],
    setSize: ['interference', 'filtering', 'reweighting'],
    epochs: ['interference', 'filtering', 'reweighting'],
    setLr: [],
    batchSize: ['interference', 'filtering', 'reweighting'],
    setRegimes: [],
  };
  const toy = SCALES.toy as unknown as Record<string, unknown>;
  assert.deepEqual(
    Object.keys(uses).sort(),
    Object.keys(toy)
      .filter((k) => k !== 'name')
      .sort(),
  );
  const before = hashes();
  for (const [key, expected] of Object.entries(uses)) {
    const after = withChanged(toy, key, () => hashes());
    const moved = EXPERIMENTS.filter((_, i) => after[i] !== before[i]).map((e) => e.key);
    assert.deepEqual(moved, expected, `scale value '${key}'`);
  }
  const own = MODEL_RATES['beacon-base'] as unknown as Record<string, unknown>;
  for (const [key, expected] of Object.entries({
    single: ['regimes', 'distance', 'drift'],
    sets: ['interference', 'filtering', 'reweighting'],
  })) {
    const after = withChanged(own, key, () => hashes());
    const moved = EXPERIMENTS.filter((_, i) => after[i] !== before[i]).map((e) => e.key);
    assert.deepEqual(moved, expected, `beacon-base rate '${key}'`);
  }
});

test("every finding's own knob (Finding.scales) reaches that finding's hash and no other", () => {
  const before = hashes();
  const owners = EXPERIMENTS.filter((f) => f.scales !== undefined);
  assert.deepEqual(
    owners.map((f) => f.key),
    ['regimes', 'interference', 'filtering', 'reweighting'],
  );
  for (const f of owners) {
    const toy = f.scales!.toy as Record<string, unknown>;
    assert.ok(Object.keys(toy).length > 0, `${f.key}: knobs at toy`);
    for (const key of Object.keys(toy)) {
      const after = withChanged(toy, key, () => hashes());
      const moved = EXPERIMENTS.filter((_, i) => after[i] !== before[i]).map((e) => e.key);
      assert.deepEqual(moved, [f.key], `${f.key} knob '${key}'`);
    }
  }
});

test('resolving fills every default and keeps given values; unknown trainer settings are an error', () => {
  assert.deepEqual(resolveMethodSpec({ method: 'lora', r: 2 }), { ...LORA_DEFAULTS, method: 'lora', r: 2 });
  assert.deepEqual(resolveMethodSpec({ method: 'adapter', bottleneck: undefined }), {
    method: 'adapter',
    variant: 'houlsby',
    reductionFactor: ADAPTER_DEFAULTS.reductionFactor,
    placement: ADAPTER_DEFAULTS.placement,
    activation: ADAPTER_DEFAULTS.activation,
    initStd: ADAPTER_DEFAULTS.initStd.houlsby,
    trainNorms: true,
  });
  assert.deepEqual(resolveMethodSpec({ method: 'adapter', variant: 'zero-init' }), {
    method: 'adapter',
    variant: 'zero-init',
    bottleneck: ADAPTER_DEFAULTS.zeroInitBottleneck,
    placement: ADAPTER_DEFAULTS.placement,
    activation: ADAPTER_DEFAULTS.activation,
    initStd: ADAPTER_DEFAULTS.initStd['zero-init'],
    trainNorms: false,
  });
  const t = resolveTrainer({ clipNorm: 0 });
  assert.equal(t.clipNorm, 0);
  assert.equal(t.beta2, TRAIN_DEFAULTS.beta2);
  assert.throws(() => resolveTrainer({ clipnorm: 1 } as never), /Unknown trainer setting\(s\) clipnorm/);
  // resolved arrays are copies: editing one never edits the defaults
  const spec = resolveMethodSpec({ method: 'lora' });
  assert.ok(spec.method === 'lora' && spec.targetModules !== undefined);
  spec.targetModules.push('k_proj');
  assert.deepEqual(LORA_DEFAULTS.targetModules, ['q_proj', 'v_proj']);
});

test('the single-fact memo key covers model, data, prompt format and the resolved budget', () => {
  const cfg = singleFactConfig({ scale: 'smoke' }, ['lora']);
  const c: SingleCase = { id: 'lora|0|f1', method: 'lora', seed: 0, fact: 'f1' };
  const key = (b: SingleBudget, dir = '/m') => singleRunKey(dir, b, c);
  const base = key(cfg);
  const lora = cfg.specs.lora;
  assert.ok(lora.method === 'lora');
  const variants: SingleBudget[] = [
    { ...cfg, modelId: 'other' },
    { ...cfg, data: 'data/other.json' },
    { ...cfg, dataId: 'abc' },
    { ...cfg, promptFormat: 'llama2-chat' },
    { ...cfg, steps: cfg.steps + 1 },
    { ...cfg, stack: cfg.stack + 1 },
    { ...cfg, lrs: { ...cfg.lrs, lora: 1 } },
    { ...cfg, train: { ...cfg.train, clipNorm: 0 } },
    { ...cfg, specs: { lora: { ...lora, dropout: 0.1 } } },
  ];
  for (const v of variants) assert.notEqual(key(v), base);
  assert.notEqual(key(cfg, '/other'), base);
  assert.equal(key({ ...cfg }), base);
});

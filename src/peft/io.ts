/**
 * Hugging Face peft adapter files, so adapters trained here load with `PeftModel.from_pretrained` and back:
 *   adapter_config.json          {peft_type: 'LORA' | 'ADALORA', lora_alpha, target_modules, …}
 *   adapter_model.safetensors    LoRA:    base_model.model.<module>.lora_A.weight [r, in], ….lora_B.weight [out, r]
 *                                AdaLoRA: base_model.model.<module>.lora_A [r_m, in], ….lora_E [r_m, 1],
 *                                         ….lora_B [out, r_m], trimmed to the module's rank_pattern (r_m kept triplets)
 * `<module>` is the HF module path, e.g. 'model.layers.0.self_attn.q_proj'. LoRA's ΔW = scaling · B·A, [out, in]
 * with scaling lora_alpha/r (lora_alpha/√r with use_rslora); AdaLoRA's ΔW = lora_alpha/(init_r + 1e-5) · B·(A ⊙ E).
 * target_modules / exclude_modules are lists (peft's suffix match), layers_to_transform / layers_pattern select
 * decoder layers. Not supported (refused with the field named): regex target_modules, per-module rank/alpha
 * patterns for LoRA, bias, modules_to_save, fan_in_fan_out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { swapDir } from '../model/checkpoint';
import { openSafetensors, writeSafetensors } from '../model/safetensors';
import { matchesModule } from './targets';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
const LORA_KEY_RE = /^base_model\.model\.(.+)\.lora_([AB])\.weight$/;
const ADALORA_KEY_RE = /^base_model\.model\.(.+)\.lora_([AEB])$/;

/** Fields LoRA and AdaLoRA configs share. */
export interface PeftCommonConfig {
  task_type: 'CAUSAL_LM';
  lora_alpha: number;
  /** module names or dotted suffixes (e.g. ['q_proj', 'v_proj']) */
  target_modules: string[];
  exclude_modules: string[] | null;
  layers_to_transform: number[] | null;
  layers_pattern: string | string[] | null;
  lora_dropout: number;
  bias: 'none';
  fan_in_fan_out: false;
  inference_mode: boolean;
  base_model_name_or_path: string | null;
}

export interface PeftLoraConfig extends PeftCommonConfig {
  peft_type: 'LORA';
  r: number;
  use_rslora: boolean;
}

export interface PeftAdaLoraConfig extends PeftCommonConfig {
  peft_type: 'ADALORA';
  /** unused by AdaLoRA (peft keeps LoraConfig's default 8) */
  r: number;
  init_r: number;
  target_r: number;
  tinit: number;
  tfinal: number;
  deltaT: number;
  beta1: number;
  beta2: number;
  orth_reg_weight: number;
  total_step: number;
  /** '<module>.lora_E' → kept triplets (length init_r); null before any pruning */
  rank_pattern: Record<string, boolean[]> | null;
}

export interface LoraWeights {
  /** [r, in] row-major */
  A: Float32Array;
  /** [out, r] row-major */
  B: Float32Array;
  inFeatures: number;
  outFeatures: number;
}

/** One AdaLoRA module as stored: rank = the kept triplets r_m. */
export interface AdaLoraWeights extends LoraWeights {
  /** [r_m, 1] */
  E: Float32Array;
  rank: number;
}

export class PeftError extends Error {
  constructor(file: string, what: string, detail: string) {
    super(`${file}: ${what}: ${detail}`);
    this.name = 'PeftError';
  }
}

/** Scale of B·A: lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora. */
export function loraScaling(c: Pick<PeftLoraConfig, 'r' | 'lora_alpha' | 'use_rslora'>): number {
  return c.use_rslora ? c.lora_alpha / Math.sqrt(c.r) : c.lora_alpha / c.r;
}

const leafTargets = (modules: Iterable<string>) =>
  [...new Set([...modules].map((m) => m.split('.').pop()!))].sort();

function commonDefaults(): Omit<PeftCommonConfig, 'lora_alpha' | 'target_modules'> {
  return {
    task_type: 'CAUSAL_LM',
    exclude_modules: null,
    layers_to_transform: null,
    layers_pattern: null,
    lora_dropout: 0,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    base_model_name_or_path: null,
  };
}

/** Fill in peft defaults; target_modules default to the last name segment of every module. */
export function makeLoraConfig(
  c: Partial<PeftLoraConfig> & { r: number; lora_alpha: number },
  modules: Iterable<string> = [],
): PeftLoraConfig {
  return {
    peft_type: 'LORA',
    ...commonDefaults(),
    target_modules: c.target_modules ?? leafTargets(modules),
    use_rslora: false,
    ...c,
  };
}

/** Fill in peft's AdaLoraConfig defaults (total_step has none: it must be given). */
export function makeAdaLoraConfig(
  c: Partial<PeftAdaLoraConfig> & { lora_alpha: number; init_r: number; total_step: number },
  modules: Iterable<string> = [],
): PeftAdaLoraConfig {
  return {
    peft_type: 'ADALORA',
    ...commonDefaults(),
    target_modules: c.target_modules ?? leafTargets(modules),
    r: 8,
    target_r: 8,
    tinit: 0,
    tfinal: 0,
    deltaT: 1,
    beta1: 0.85,
    beta2: 0.85,
    orth_reg_weight: 0.5,
    rank_pattern: null,
    ...c,
  };
}

/** Whether `module` is adapted under `c`'s target_modules, exclude_modules and layers_to_transform. */
export function isAdapted(
  module: string,
  c: Pick<PeftCommonConfig, 'target_modules' | 'exclude_modules' | 'layers_to_transform'>,
): boolean {
  if (!c.target_modules.some((t) => matchesModule(module, t))) return false;
  if (c.exclude_modules?.some((t) => matchesModule(module, t))) return false;
  if (c.layers_to_transform !== null) {
    const layer = Number(/\.layers\.(\d+)\./.exec(module)?.[1]);
    if (!c.layers_to_transform.includes(layer)) return false;
  }
  return true;
}

type Fail = (field: string, detail: string) => PeftError;

const isInt = (x: unknown, min: number) => Number.isSafeInteger(x) && (x as number) >= min;
const isStringList = (x: unknown) => Array.isArray(x) && x.every((t) => typeof t === 'string');

/** The fields both methods share, checked. */
function validateCommon(o: Record<string, unknown>, fail: Fail): PeftCommonConfig {
  if (typeof o.lora_alpha !== 'number' || !(o.lora_alpha > 0) || !Number.isFinite(o.lora_alpha))
    throw fail(
      'lora_alpha',
      `must be a positive finite number, got ${typeof o.lora_alpha === 'number' ? o.lora_alpha : JSON.stringify(o.lora_alpha)}`,
    );
  const tm = o.target_modules;
  if (!isStringList(tm) || (tm as string[]).length === 0)
    throw fail(
      'target_modules',
      'must be a non-empty list of module names (regex strings are not supported)',
    );
  const ex = o.exclude_modules ?? null;
  if (ex !== null && !isStringList(ex))
    throw fail('exclude_modules', 'must be a list of module names or null (regex strings are not supported)');
  let layers = o.layers_to_transform ?? null;
  if (typeof layers === 'number') layers = [layers];
  if (layers !== null && !(Array.isArray(layers) && layers.length > 0 && layers.every((i) => isInt(i, 0))))
    throw fail('layers_to_transform', 'must be a layer index, a non-empty list of them, or null');
  const lp = o.layers_pattern ?? null;
  if (lp !== null) {
    const ps = [lp].flat();
    if (!ps.every((p) => p === 'layers' || p === 'model.layers'))
      throw fail('layers_pattern', `${JSON.stringify(lp)} is not a layer container of LLaMA ("layers")`);
    if (layers === null) throw fail('layers_pattern', 'needs layers_to_transform (as in peft)');
  }
  if ((o.bias ?? 'none') !== 'none') throw fail('bias', 'only "none" is supported');
  if (o.fan_in_fan_out === true) throw fail('fan_in_fan_out', 'must be false (LLaMA linear layers)');
  if (Array.isArray(o.modules_to_save) && o.modules_to_save.length > 0)
    throw fail('modules_to_save', 'not supported');
  const dropout = o.lora_dropout ?? 0;
  if (typeof dropout !== 'number' || dropout < 0 || dropout >= 1)
    throw fail('lora_dropout', 'must be in [0, 1)');
  if (o.task_type !== undefined && o.task_type !== null && o.task_type !== 'CAUSAL_LM')
    throw fail('task_type', `must be "CAUSAL_LM", got ${JSON.stringify(o.task_type)}`);
  const base = o.base_model_name_or_path ?? null;
  if (base !== null && typeof base !== 'string')
    throw fail('base_model_name_or_path', 'must be a string or null');
  return {
    task_type: 'CAUSAL_LM',
    lora_alpha: o.lora_alpha,
    target_modules: tm as string[],
    exclude_modules: ex as string[] | null,
    layers_to_transform: layers as number[] | null,
    layers_pattern: lp as string | string[] | null,
    lora_dropout: dropout,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: o.inference_mode !== false,
    base_model_name_or_path: base as string | null,
  };
}

function asObject(obj: unknown, file: string): Record<string, unknown> {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj))
    throw new PeftError(file, '(root)', 'not a JSON object');
  return obj as Record<string, unknown>;
}

const failIn =
  (file: string): Fail =>
  (field, detail) =>
    new PeftError(file, `field "${field}"`, detail);

/** Check a parsed LoRA adapter_config.json; `file` names it in errors. */
export function validateLoraConfig(obj: unknown, file: string): PeftLoraConfig {
  const o = asObject(obj, file);
  const fail = failIn(file);
  if (o.peft_type !== 'LORA') throw fail('peft_type', `must be "LORA", got ${JSON.stringify(o.peft_type)}`);
  if (!isInt(o.r, 1)) throw fail('r', `must be a positive integer, got ${o.r}`);
  for (const f of ['rank_pattern', 'alpha_pattern']) {
    if (o[f] && Object.keys(o[f] as object).length > 0)
      throw fail(f, 'per-module ranks/alphas are not supported');
  }
  if (o.use_dora === true) throw fail('use_dora', 'DoRA is not supported');
  return {
    peft_type: 'LORA',
    ...validateCommon(o, fail),
    r: o.r as number,
    use_rslora: o.use_rslora === true,
  };
}

/** Check a parsed AdaLoRA adapter_config.json (peft's AdaLoraConfig.__post_init__ rules). */
export function validateAdaLoraConfig(obj: unknown, file: string): PeftAdaLoraConfig {
  const o = asObject(obj, file);
  const fail = failIn(file);
  if (o.peft_type !== 'ADALORA')
    throw fail('peft_type', `must be "ADALORA", got ${JSON.stringify(o.peft_type)}`);
  const common = validateCommon(o, fail);
  const d = makeAdaLoraConfig({ lora_alpha: 1, init_r: 1, total_step: 1 });
  const num = (f: keyof PeftAdaLoraConfig) => (o[f] ?? d[f]) as number;
  for (const f of ['init_r', 'target_r', 'tinit', 'tfinal', 'deltaT', 'total_step'] as const) {
    const min = f === 'init_r' || f === 'deltaT' || f === 'total_step' ? 1 : 0;
    if (!isInt(o[f] ?? d[f], min)) throw fail(f, `must be an integer ≥ ${min}, got ${JSON.stringify(o[f])}`);
  }
  if (o.total_step === undefined || o.total_step === null)
    throw fail('total_step', 'is required (peft: a value > 0)');
  const c = { init_r: num('init_r'), target_r: num('target_r'), tinit: num('tinit'), tfinal: num('tfinal') };
  if (c.target_r > c.init_r) throw fail('target_r', `${c.target_r} exceeds init_r ${c.init_r}`);
  if (c.tinit >= num('total_step') - c.tfinal) throw fail('tinit', 'must be < total_step − tfinal');
  for (const f of ['beta1', 'beta2'] as const) {
    const v = num(f);
    if (typeof v !== 'number' || !(v > 0 && v < 1)) throw fail(f, 'must be in (0, 1)');
  }
  if (typeof num('orth_reg_weight') !== 'number' || num('orth_reg_weight') < 0)
    throw fail('orth_reg_weight', 'must be ≥ 0');
  if (o.use_rslora === true)
    throw fail('use_rslora', 'AdaLoRA scales by lora_alpha / init_r; rsLoRA does not apply');
  const rp = o.rank_pattern ?? null;
  let pattern: Record<string, boolean[]> | null = null;
  if (rp !== null) {
    if (typeof rp !== 'object' || Array.isArray(rp)) throw fail('rank_pattern', 'must be an object or null');
    pattern = {};
    for (const [k, v] of Object.entries(rp as Record<string, unknown>)) {
      if (!k.endsWith('.lora_E')) throw fail(`rank_pattern.${k}`, 'keys are "<module>.lora_E"');
      if (!Array.isArray(v) || v.length !== c.init_r || !v.every((b) => typeof b === 'boolean'))
        throw fail(`rank_pattern.${k}`, `must be ${c.init_r} booleans (one per initial triplet)`);
      pattern[k] = v as boolean[];
    }
  }
  return {
    peft_type: 'ADALORA',
    ...common,
    r: isInt(o.r, 1) ? (o.r as number) : 8,
    ...c,
    deltaT: num('deltaT'),
    beta1: num('beta1'),
    beta2: num('beta2'),
    orth_reg_weight: num('orth_reg_weight'),
    total_step: num('total_step'),
    rank_pattern: pattern,
  };
}

/**
 * Writes config + tensors into `dir` via `dir.tmp`, swapped in atomically. A null exclude_modules is left out, so
 * peft versions before the field (< 0.14) read the file too.
 */
function writeAdapterDir(
  dir: string,
  config: PeftCommonConfig,
  out: Map<string, { shape: number[]; data: Float32Array }>,
): void {
  const { exclude_modules, ...rest } = config;
  const cfg = exclude_modules === null ? rest : config;
  const tmp = `${dir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    fs.writeFileSync(path.join(tmp, ADAPTER_CONFIG_FILE), `${JSON.stringify(cfg, null, 2)}\n`);
    writeSafetensors(path.join(tmp, ADAPTER_WEIGHTS_FILE), out, { format: 'pt' });
    swapDir(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

function checkAdapted(file: string, m: string, cfg: PeftCommonConfig): void {
  if (!isAdapted(m, cfg)) {
    throw new PeftError(
      file,
      `module "${m}"`,
      `not selected by target_modules ${JSON.stringify(cfg.target_modules)}, exclude_modules ${JSON.stringify(cfg.exclude_modules)}, layers_to_transform ${JSON.stringify(cfg.layers_to_transform)}`,
    );
  }
}

function checkSize(file: string, what: string, got: number, want: number, how: string): void {
  if (got !== want) throw new PeftError(file, what, `${got} values != ${how}`);
}

/**
 * Write adapter_config.json + adapter_model.safetensors into `dir` (via `dir.tmp`, swapped in atomically).
 * Shapes and target_modules are checked before anything is written.
 */
export function writePeftLora(
  dir: string,
  config: Partial<PeftLoraConfig> & { r: number; lora_alpha: number },
  tensors: ReadonlyMap<string, LoraWeights>,
): void {
  const cfg = validateLoraConfig(makeLoraConfig(config, tensors.keys()), path.join(dir, ADAPTER_CONFIG_FILE));
  const file = path.join(dir, ADAPTER_WEIGHTS_FILE);
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [m, w] of tensors) {
    checkAdapted(file, m, cfg);
    checkSize(
      file,
      `module "${m}" lora_A`,
      w.A.length,
      cfg.r * w.inFeatures,
      `r ${cfg.r} × in ${w.inFeatures}`,
    );
    checkSize(
      file,
      `module "${m}" lora_B`,
      w.B.length,
      w.outFeatures * cfg.r,
      `out ${w.outFeatures} × r ${cfg.r}`,
    );
    out.set(`base_model.model.${m}.lora_A.weight`, { shape: [cfg.r, w.inFeatures], data: w.A });
    out.set(`base_model.model.${m}.lora_B.weight`, { shape: [w.outFeatures, cfg.r], data: w.B });
  }
  writeAdapterDir(dir, cfg, out);
}

/** Writes an AdaLoRA adapter as peft saves one: tensors trimmed to each module's rank (its rank_pattern). */
export function writePeftAdaLora(
  dir: string,
  config: Partial<PeftAdaLoraConfig> & { lora_alpha: number; init_r: number; total_step: number },
  tensors: ReadonlyMap<string, AdaLoraWeights>,
): void {
  const cfg = validateAdaLoraConfig(
    makeAdaLoraConfig(config, tensors.keys()),
    path.join(dir, ADAPTER_CONFIG_FILE),
  );
  const file = path.join(dir, ADAPTER_WEIGHTS_FILE);
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [m, w] of tensors) {
    checkAdapted(file, m, cfg);
    const kept = cfg.rank_pattern?.[`${m}.lora_E`];
    const r = kept ? kept.filter(Boolean).length : cfg.init_r;
    if (w.rank !== r)
      throw new PeftError(file, `module "${m}"`, `rank ${w.rank} but its rank_pattern keeps ${r}`);
    checkSize(file, `module "${m}" lora_A`, w.A.length, r * w.inFeatures, `rank ${r} × in ${w.inFeatures}`);
    checkSize(file, `module "${m}" lora_E`, w.E.length, r, `rank ${r}`);
    checkSize(
      file,
      `module "${m}" lora_B`,
      w.B.length,
      w.outFeatures * r,
      `out ${w.outFeatures} × rank ${r}`,
    );
    out.set(`base_model.model.${m}.lora_A`, { shape: [r, w.inFeatures], data: w.A });
    out.set(`base_model.model.${m}.lora_B`, { shape: [w.outFeatures, r], data: w.B });
    out.set(`base_model.model.${m}.lora_E`, { shape: [r, 1], data: w.E });
  }
  writeAdapterDir(dir, cfg, out);
}

/** Reads adapter_config.json as JSON, both files checked to exist. */
function readConfigJson(dir: string): { raw: unknown; cfgFile: string; file: string } {
  const cfgFile = path.join(dir, ADAPTER_CONFIG_FILE);
  const file = path.join(dir, ADAPTER_WEIGHTS_FILE);
  for (const f of [cfgFile, file]) {
    if (!fs.existsSync(f)) {
      throw new PeftError(
        f,
        '(file)',
        `missing; a peft adapter directory holds ${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE}`,
      );
    }
  }
  try {
    return { raw: JSON.parse(fs.readFileSync(cfgFile, 'utf8')), cfgFile, file };
  } catch (e) {
    throw new PeftError(cfgFile, '(file)', `not valid JSON (${(e as Error).message})`);
  }
}

/** The peft_type of an adapter directory's config (to pick the reader). */
export function peftTypeOf(dir: string): string {
  const { raw, cfgFile } = readConfigJson(dir);
  const t = asObject(raw, cfgFile).peft_type;
  return typeof t === 'string' ? t : JSON.stringify(t);
}

/** Tensor shapes grouped by module and part (A, B, E), each key checked against `re` and the config. */
function shapesByModule(
  file: string,
  re: RegExp,
  pattern: string,
  cfg: PeftCommonConfig,
): Map<string, Record<string, number[]>> {
  const r = openSafetensors(file);
  const shapes = new Map<string, Record<string, number[]>>();
  for (const e of r.entries) {
    const m = re.exec(e.name);
    if (!m) throw new PeftError(file, `tensor "${e.name}"`, `key does not match ${pattern}`);
    if (!isAdapted(m[1], cfg)) {
      throw new PeftError(
        file,
        `tensor "${e.name}"`,
        `module not in target_modules ${JSON.stringify(cfg.target_modules)} (after exclude_modules and layers_to_transform)`,
      );
    }
    if (e.shape.length !== 2)
      throw new PeftError(file, `tensor "${e.name}"`, `shape [${e.shape}] is not 2-D`);
    const s = shapes.get(m[1]) ?? {};
    s[m[2]] = e.shape;
    shapes.set(m[1], s);
  }
  if (shapes.size === 0) throw new PeftError(file, '(tensors)', 'no adapter weights in the file');
  return shapes;
}

/** Read and validate a peft LoRA directory: module name → {A [r, in], B [out, r]}. */
export function readPeftLora(dir: string): { config: PeftLoraConfig; tensors: Map<string, LoraWeights> } {
  const { raw, cfgFile, file } = readConfigJson(dir);
  const config = validateLoraConfig(raw, cfgFile);
  const shapes = shapesByModule(file, LORA_KEY_RE, 'base_model.model.<module>.lora_{A,B}.weight', config);
  const st = openSafetensors(file);
  const tensors = new Map<string, LoraWeights>();
  for (const [m, s] of shapes) {
    const key = (ab: string) => `base_model.model.${m}.lora_${ab}.weight`;
    if (!s.A || !s.B)
      throw new PeftError(
        file,
        `tensor "${key(s.A ? 'B' : 'A')}"`,
        'missing (lora_A and lora_B come in pairs)',
      );
    if (s.A[0] !== config.r)
      throw new PeftError(
        file,
        `tensor "${key('A')}"`,
        `shape [${s.A}] but r is ${config.r}: expected [r, in]`,
      );
    if (s.B[1] !== config.r)
      throw new PeftError(
        file,
        `tensor "${key('B')}"`,
        `shape [${s.B}] but r is ${config.r}: expected [out, r]`,
      );
    const w = { A: st.read(key('A')), B: st.read(key('B')), inFeatures: s.A[1], outFeatures: s.B[0] };
    checkFiniteDelta(file, cfgFile, key, loraScaling(config), config.r, { A: w.A, B: w.B });
    tensors.set(m, w);
  }
  return { config, tensors };
}

/** Read and validate a peft AdaLoRA directory: module name → {A [r_m, in], E [r_m, 1], B [out, r_m], rank r_m}. */
export function readPeftAdaLora(dir: string): {
  config: PeftAdaLoraConfig;
  tensors: Map<string, AdaLoraWeights>;
} {
  const { raw, cfgFile, file } = readConfigJson(dir);
  const config = validateAdaLoraConfig(raw, cfgFile);
  const shapes = shapesByModule(file, ADALORA_KEY_RE, 'base_model.model.<module>.lora_{A,E,B}', config);
  for (const k of Object.keys(config.rank_pattern ?? {})) {
    if (!shapes.has(k.slice(0, -'.lora_E'.length)))
      throw new PeftError(cfgFile, `field "rank_pattern.${k}"`, `names a module with no weights in ${file}`);
  }
  const st = openSafetensors(file);
  const tensors = new Map<string, AdaLoraWeights>();
  for (const [m, s] of shapes) {
    const key = (p: string) => `base_model.model.${m}.lora_${p}`;
    for (const p of ['A', 'E', 'B']) {
      if (!s[p])
        throw new PeftError(file, `tensor "${key(p)}"`, 'missing (lora_A, lora_E and lora_B come together)');
    }
    const kept = config.rank_pattern?.[`${m}.lora_E`];
    const r = kept ? kept.filter(Boolean).length : config.init_r;
    const why = kept ? `its rank_pattern keeps ${r}` : `init_r is ${r} (no rank_pattern)`;
    if (s.A[0] !== r)
      throw new PeftError(file, `tensor "${key('A')}"`, `shape [${s.A}] but ${why}: expected [r, in]`);
    if (s.E[0] !== r || s.E[1] !== 1)
      throw new PeftError(file, `tensor "${key('E')}"`, `shape [${s.E}] but ${why}: expected [r, 1]`);
    if (s.B[1] !== r)
      throw new PeftError(file, `tensor "${key('B')}"`, `shape [${s.B}] but ${why}: expected [out, r]`);
    const w = { A: st.read(key('A')), E: st.read(key('E')), B: st.read(key('B')) };
    checkFiniteDelta(file, cfgFile, key, config.lora_alpha / (config.init_r + 1e-5), r, w);
    tensors.set(m, { ...w, rank: r, inFeatures: s.A[1], outFeatures: s.B[0] });
  }
  return { config, tensors };
}

const F32_MAX = 3.4028234663852886e38;

/**
 * An adapter that would make non-finite logits is refused at load: every weight finite, and no ΔW entry able to
 * overflow float32 (the backends compute in it): |scaling| · r · max|A| · max|E| · max|B| must stay below float32's
 * largest number. A huge lora_alpha (1e308: a scaling float32 turns into Infinity) fails here, naming the config.
 */
function checkFiniteDelta(
  file: string,
  cfgFile: string,
  key: (part: string) => string,
  scaling: number,
  r: number,
  parts: Record<string, Float32Array>,
): void {
  let bound = Math.abs(scaling) * r;
  if (!(bound < F32_MAX))
    throw new PeftError(cfgFile, 'field "lora_alpha"', `gives a scaling of ${scaling}, beyond float32`);
  for (const [p, data] of Object.entries(parts)) {
    let max = 0;
    for (let i = 0; i < data.length; i++) {
      const v = Math.abs(data[i]);
      if (!Number.isFinite(v))
        throw new PeftError(file, `tensor "${key(p)}"`, `value ${i} is ${data[i]}: weights must be finite`);
      if (v > max) max = v;
    }
    bound *= max;
  }
  if (!(bound < F32_MAX))
    throw new PeftError(
      cfgFile,
      'field "lora_alpha"',
      `${scaling} (scaling) times the weights of ${key('A').replace(/\.lora_A(\.weight)?$/, '')} can reach ${bound.toExponential(2)}, beyond float32: the adapter would make non-finite logits`,
    );
}

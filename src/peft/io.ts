/**
 * Hugging Face peft LoRA adapter files, so adapters trained here load with `PeftModel.from_pretrained` and back:
 *   adapter_config.json          {peft_type: 'LORA', r, lora_alpha, target_modules, …}
 *   adapter_model.safetensors    base_model.model.<module>.lora_A.weight [r, in], ….lora_B.weight [out, r]
 * `<module>` is the HF module path, e.g. 'model.layers.0.self_attn.q_proj'. ΔW = scaling · B·A, [out, in].
 * Only plain LoRA (no rank_pattern/alpha_pattern, no bias, no modules_to_save); AdaLoRA files are rejected.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { swapDir } from '../model/checkpoint';
import { openSafetensors, writeSafetensors } from '../model/safetensors';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
const KEY_RE = /^base_model\.model\.(.+)\.lora_([AB])\.weight$/;

export interface PeftLoraConfig {
  peft_type: 'LORA';
  task_type: 'CAUSAL_LM';
  r: number;
  lora_alpha: number;
  /** module suffixes (e.g. ['q_proj', 'v_proj']) */
  target_modules: string[];
  lora_dropout: number;
  bias: 'none';
  fan_in_fan_out: false;
  inference_mode: boolean;
  base_model_name_or_path: string | null;
  use_rslora: boolean;
}

export interface LoraWeights {
  /** [r, in] row-major */
  A: Float32Array;
  /** [out, r] row-major */
  B: Float32Array;
  inFeatures: number;
  outFeatures: number;
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

/** Fill in peft defaults; target_modules default to the last name segment of every module. */
export function makeLoraConfig(
  c: Partial<PeftLoraConfig> & { r: number; lora_alpha: number },
  modules: Iterable<string> = [],
): PeftLoraConfig {
  const targets = c.target_modules ?? [...new Set([...modules].map((m) => m.split('.').pop()!))].sort();
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    target_modules: targets,
    lora_dropout: 0,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    base_model_name_or_path: null,
    use_rslora: false,
    ...c,
  };
}

function isTarget(module: string, targets: readonly string[]): boolean {
  return targets.some((t) => module === t || module.endsWith(`.${t}`));
}

/** Check a parsed adapter_config.json; `file` names it in errors. */
export function validateLoraConfig(obj: unknown, file: string): PeftLoraConfig {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj))
    throw new PeftError(file, '(root)', 'not a JSON object');
  const o = obj as Record<string, unknown>;
  const fail = (field: string, detail: string) => new PeftError(file, `field "${field}"`, detail);
  if (o.peft_type !== 'LORA') throw fail('peft_type', `must be "LORA", got ${JSON.stringify(o.peft_type)}`);
  if (!Number.isSafeInteger(o.r) || (o.r as number) <= 0)
    throw fail('r', `must be a positive integer, got ${o.r}`);
  if (typeof o.lora_alpha !== 'number' || !(o.lora_alpha > 0))
    throw fail('lora_alpha', 'must be a positive number');
  const tm = o.target_modules;
  if (!Array.isArray(tm) || tm.length === 0 || !tm.every((t) => typeof t === 'string')) {
    throw fail(
      'target_modules',
      'must be a non-empty list of module names (regex strings are not supported)',
    );
  }
  if ((o.bias ?? 'none') !== 'none') throw fail('bias', 'only "none" is supported');
  if (o.fan_in_fan_out === true) throw fail('fan_in_fan_out', 'must be false (LLaMA linear layers)');
  for (const f of ['rank_pattern', 'alpha_pattern']) {
    if (o[f] && Object.keys(o[f] as object).length > 0)
      throw fail(f, 'per-module ranks/alphas are not supported');
  }
  if (Array.isArray(o.modules_to_save) && o.modules_to_save.length > 0)
    throw fail('modules_to_save', 'not supported');
  const dropout = o.lora_dropout ?? 0;
  if (typeof dropout !== 'number' || dropout < 0 || dropout >= 1)
    throw fail('lora_dropout', 'must be in [0, 1)');
  if (o.task_type !== undefined && o.task_type !== null && o.task_type !== 'CAUSAL_LM') {
    throw fail('task_type', `must be "CAUSAL_LM", got ${JSON.stringify(o.task_type)}`);
  }
  const rawBase = o.base_model_name_or_path ?? null;
  if (rawBase !== null && typeof rawBase !== 'string')
    throw fail('base_model_name_or_path', 'must be a string or null');
  const base = rawBase as string | null;
  return makeLoraConfig({
    r: o.r as number,
    lora_alpha: o.lora_alpha,
    target_modules: tm as string[],
    lora_dropout: dropout,
    inference_mode: o.inference_mode !== false,
    base_model_name_or_path: base,
    use_rslora: o.use_rslora === true,
  });
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
    if (!isTarget(m, cfg.target_modules)) {
      throw new PeftError(
        file,
        `module "${m}"`,
        `not matched by target_modules ${JSON.stringify(cfg.target_modules)}`,
      );
    }
    if (w.A.length !== cfg.r * w.inFeatures) {
      throw new PeftError(
        file,
        `module "${m}" lora_A`,
        `${w.A.length} values != r ${cfg.r} × in ${w.inFeatures}`,
      );
    }
    if (w.B.length !== w.outFeatures * cfg.r) {
      throw new PeftError(
        file,
        `module "${m}" lora_B`,
        `${w.B.length} values != out ${w.outFeatures} × r ${cfg.r}`,
      );
    }
    out.set(`base_model.model.${m}.lora_A.weight`, { shape: [cfg.r, w.inFeatures], data: w.A });
    out.set(`base_model.model.${m}.lora_B.weight`, { shape: [w.outFeatures, cfg.r], data: w.B });
  }
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

/** Read and validate a peft LoRA directory: module name → {A [r, in], B [out, r]}. */
export function readPeftLora(dir: string): { config: PeftLoraConfig; tensors: Map<string, LoraWeights> } {
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
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  } catch (e) {
    throw new PeftError(cfgFile, '(file)', `not valid JSON (${(e as Error).message})`);
  }
  const config = validateLoraConfig(raw, cfgFile);
  const r = openSafetensors(file);
  const shapes = new Map<string, { A?: number[]; B?: number[] }>();
  for (const e of r.entries) {
    const m = KEY_RE.exec(e.name);
    if (!m)
      throw new PeftError(
        file,
        `tensor "${e.name}"`,
        'key does not match base_model.model.<module>.lora_{A,B}.weight',
      );
    if (!isTarget(m[1], config.target_modules)) {
      throw new PeftError(
        file,
        `tensor "${e.name}"`,
        `module not in target_modules ${JSON.stringify(config.target_modules)}`,
      );
    }
    if (e.shape.length !== 2)
      throw new PeftError(file, `tensor "${e.name}"`, `shape [${e.shape}] is not 2-D`);
    const s = shapes.get(m[1]) ?? {};
    s[m[2] as 'A' | 'B'] = e.shape;
    shapes.set(m[1], s);
  }
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
    tensors.set(m, { A: r.read(key('A')), B: r.read(key('B')), inFeatures: s.A[1], outFeatures: s.B[0] });
  }
  if (tensors.size === 0) throw new PeftError(file, '(tensors)', 'no LoRA weights in the file');
  return { config, tensors };
}

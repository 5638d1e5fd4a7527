/**
 * Trained adapters ⇄ Hugging Face peft directories (adapter_config.json + adapter_model.safetensors), so an adapter
 * trained here loads with `PeftModel.from_pretrained(base, dir)` and one trained with peft loads here: LoRA (with
 * rsLoRA, exclude_modules and layers_to_transform) and AdaLoRA (tensors trimmed to the rank pattern, as peft saves).
 * Loading needs weights for every module the config selects in the model: a missing one is an error.
 */

import * as path from 'node:path';
import type { LlamaModel } from '../model/llama';
import { AdaLoraHandle, type AdaLoraModuleWeights } from './adalora';
import {
  ADAPTER_WEIGHTS_FILE,
  type PeftCommonConfig,
  PeftError,
  peftTypeOf,
  readPeftAdaLora,
  readPeftLora,
  writePeftAdaLora,
  writePeftLora,
} from './io';
import { LoraHandle } from './lora';

/** Writes adapter `k` of a (possibly stacked) LoRA as a peft adapter directory. */
export async function saveLoraAdapter(
  lora: LoraHandle,
  dir: string,
  k = 0,
  baseModel: string | null = null,
): Promise<void> {
  const weights = await lora.exportAdapter(k);
  writePeftLora(
    dir,
    {
      r: lora.r,
      lora_alpha: lora.alpha,
      use_rslora: lora.useRslora,
      lora_dropout: lora.dropout,
      target_modules: lora.targetModules,
      exclude_modules: lora.excludeModules ?? null,
      layers_to_transform: lora.layersToTransform ?? null,
      layers_pattern: lora.layersPattern ?? null,
      base_model_name_or_path: baseModel,
    },
    new Map(
      [...weights].map(([m, w]) => [
        m,
        { A: w.A.data, B: w.B.data, inFeatures: w.A.shape[1], outFeatures: w.B.shape[0] },
      ]),
    ),
  );
}

/** Throws naming the weights file when the model has targeted modules the file lacks. */
function requireAll(dir: string, modules: string[], present: Map<string, unknown>): void {
  const missing = modules.filter((m) => !present.has(m));
  if (missing.length > 0) {
    throw new PeftError(
      path.join(dir, ADAPTER_WEIGHTS_FILE),
      '(tensors)',
      `no weights for targeted module(s) ${missing.join(', ')}`,
    );
  }
}

/** The module-selection fields of a peft config, as this library's PeftConfig names them. */
function moduleSelection(config: PeftCommonConfig) {
  return {
    targetModules: config.target_modules,
    excludeModules: config.exclude_modules ?? undefined,
    layersToTransform: config.layers_to_transform ?? undefined,
    layersPattern: config.layers_pattern ?? undefined,
  };
}

/** Wraps `model` with the LoRA of a peft adapter directory (its r, alpha, rsLoRA, dropout and module selection). */
export function loadLoraAdapter(model: LlamaModel, dir: string): LoraHandle {
  const { config, tensors } = readPeftLora(dir);
  const lora = new LoraHandle(model, {
    method: 'lora',
    r: config.r,
    alpha: config.lora_alpha,
    useRslora: config.use_rslora,
    dropout: config.lora_dropout,
    ...moduleSelection(config),
  });
  try {
    requireAll(dir, lora.modules, tensors);
    lora.importAdapter(
      new Map(
        [...tensors].map(([m, w]) => [
          m,
          {
            A: { shape: [config.r, w.inFeatures], data: w.A },
            B: { shape: [w.outFeatures, config.r], data: w.B },
          },
        ]),
      ),
    );
  } catch (e) {
    lora.remove();
    throw e;
  }
  return lora;
}

/** Writes adapter `k` of a (possibly stacked) AdaLoRA as peft does: its rank pattern, tensors trimmed to it. */
export async function saveAdaLoraAdapter(
  h: AdaLoraHandle,
  dir: string,
  k = 0,
  baseModel: string | null = null,
): Promise<void> {
  const weights = await h.exportAdapter(k);
  const pattern = await h.rankPattern(k);
  const trimmed = new Map(
    [...weights].map(([m, w]) => {
      const keep = pattern[`${m}.lora_E`];
      const idx = keep.flatMap((b, i) => (b ? [i] : []));
      const [r, inF] = w.A.shape;
      const outF = w.B.shape[0];
      const A = new Float32Array(idx.length * inF);
      const B = new Float32Array(outF * idx.length);
      idx.forEach((i, j) => {
        A.set(w.A.data.subarray(i * inF, (i + 1) * inF), j * inF);
        for (let o = 0; o < outF; o++) B[o * idx.length + j] = w.B.data[o * r + i];
      });
      const E = Float32Array.from(idx, (i) => w.E.data[i]);
      return [m, { A, E, B, rank: idx.length, inFeatures: inF, outFeatures: outF }];
    }),
  );
  writePeftAdaLora(
    dir,
    {
      lora_alpha: h.alpha,
      init_r: h.initR,
      target_r: h.targetR,
      tinit: h.schedule.tinit,
      tfinal: h.schedule.tfinal,
      deltaT: h.schedule.deltaT,
      beta1: h.beta1,
      beta2: h.beta2,
      orth_reg_weight: h.orthRegWeight,
      total_step: h.schedule.totalSteps,
      rank_pattern: pattern,
      lora_dropout: h.dropout,
      target_modules: h.targetModules,
      exclude_modules: h.excludeModules ?? null,
      layers_to_transform: h.layersToTransform ?? null,
      layers_pattern: h.layersPattern ?? null,
      base_model_name_or_path: baseModel,
    },
    trimmed,
  );
}

/** Wraps `model` with the AdaLoRA of a peft adapter directory; pruned triplets come back as zeros, masked. */
export function loadAdaLoraAdapter(model: LlamaModel, dir: string): AdaLoraHandle {
  const { config, tensors } = readPeftAdaLora(dir);
  const h = new AdaLoraHandle(model, {
    method: 'adalora',
    initR: config.init_r,
    targetR: config.target_r,
    alpha: config.lora_alpha,
    dropout: config.lora_dropout,
    ...moduleSelection(config),
    tinit: config.tinit,
    tfinal: config.tfinal,
    deltaT: config.deltaT,
    beta1: config.beta1,
    beta2: config.beta2,
    orthRegWeight: config.orth_reg_weight,
    totalSteps: config.total_step,
  });
  try {
    requireAll(dir, h.modules, tensors);
    const r = config.init_r;
    const full = new Map<string, AdaLoraModuleWeights>();
    for (const [m, w] of tensors) {
      const keep = config.rank_pattern?.[`${m}.lora_E`] ?? new Array(r).fill(true);
      const idx = keep.flatMap((b, i) => (b ? [i] : []));
      const A = new Float32Array(r * w.inFeatures);
      const E = new Float32Array(r);
      const B = new Float32Array(w.outFeatures * r);
      idx.forEach((i, j) => {
        A.set(w.A.subarray(j * w.inFeatures, (j + 1) * w.inFeatures), i * w.inFeatures);
        E[i] = w.E[j];
        for (let o = 0; o < w.outFeatures; o++) B[o * r + i] = w.B[o * w.rank + j];
      });
      full.set(m, {
        A: { shape: [r, w.inFeatures], data: A },
        E: { shape: [r, 1], data: E },
        B: { shape: [w.outFeatures, r], data: B },
      });
    }
    h.importAdapter(full, config.rank_pattern);
  } catch (e) {
    h.remove();
    throw e;
  }
  return h;
}

/** Loads a peft LoRA or AdaLoRA directory, by its peft_type. */
export function loadPeftAdapter(model: LlamaModel, dir: string): LoraHandle | AdaLoraHandle {
  const t = peftTypeOf(dir);
  if (t === 'LORA') return loadLoraAdapter(model, dir);
  if (t === 'ADALORA') return loadAdaLoraAdapter(model, dir);
  throw new PeftError(
    path.join(dir, 'adapter_config.json'),
    'field "peft_type"',
    `${t} is not supported (LORA, ADALORA)`,
  );
}

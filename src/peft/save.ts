/**
 * A trained LoRA adapter ⇄ a Hugging Face peft directory (adapter_config.json + adapter_model.safetensors), so an
 * adapter trained here loads with `PeftModel.from_pretrained(base, dir)` and one trained with peft loads here.
 */
import type { LlamaModel } from '../model/llama';
import { readPeftLora, writePeftLora } from './io';
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
      lora_dropout: lora.dropout,
      target_modules: lora.targetModules,
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

/** Wraps `model` with the LoRA of a peft adapter directory (its r, alpha, dropout and target modules). */
export function loadLoraAdapter(model: LlamaModel, dir: string): LoraHandle {
  const { config, tensors } = readPeftLora(dir);
  const lora = new LoraHandle(model, {
    method: 'lora',
    r: config.r,
    alpha: config.lora_alpha,
    dropout: config.lora_dropout,
    targetModules: config.target_modules,
  });
  try {
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

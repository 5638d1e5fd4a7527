/**
 * wrap(model, config) → PeftHandle, for every method behind one interface.
 */
import type { LlamaModel } from '../model/llama';
import { type AdaLoraConfig, AdaLoraHandle } from './adalora';
import { type AdapterConfig, AdapterHandle } from './adapter';
import { type FullConfig, FullHandle } from './full';
import { type LoraConfig, LoraHandle } from './lora';
import type { PeftHandle } from './types';

export type PeftConfig = LoraConfig | AdaLoraConfig | AdapterConfig | FullConfig;
export type { MethodName, PeftHandle, TrainableVariable } from './types';

export function wrap(model: LlamaModel, config: PeftConfig): PeftHandle {
  switch (config.method) {
    case 'lora':
      return new LoraHandle(model, config);
    case 'adalora':
      return new AdaLoraHandle(model, config);
    case 'adapter':
      return new AdapterHandle(model, config);
    case 'full':
      return new FullHandle(model, config);
    default:
      throw new Error(
        `Unknown PEFT method '${(config as { method: string }).method}': use lora, adalora, adapter or full`,
      );
  }
}
export {
  loadAdaLoraAdapter,
  loadLoraAdapter,
  loadPeftAdapter,
  saveAdaLoraAdapter,
  saveLoraAdapter,
} from './save';

/**
 * Kernel-level benchmark: the time of one training step (forward, backward, AdamW) of the real trainer on the
 * reference config, random weights and random tokens. Each step's time is the gap between two progress events of
 * `train()` with `checkEvery: 1` (every step ends with a host read, so the work is done when the event fires).
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../model/config';
import { LlamaModel } from '../model/llama';
import { wrap } from '../peft';
import type { Example } from '../train/batches';
import { train } from '../train/trainer';
import { mulberry32 } from '../util/random';

/** d 256, 4 layers, 4 heads, SwiGLU 688, vocab 2048, tied embeddings (the reference step). */
export const REFERENCE_CONFIG: ModelConfig = {
  model_type: 'llama',
  vocab_size: 2048,
  hidden_size: 256,
  intermediate_size: 688,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 4,
  head_dim: 64,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  max_position_embeddings: 64,
  tie_word_embeddings: true,
  hidden_act: 'silu',
};
export const REFERENCE_BATCH = 16;
export const REFERENCE_SEQ = 64;
export const LORA_SETUP = { r: 8, alpha: 16, targetModules: ['q_proj', 'v_proj'] };

export interface StepBench {
  backend: string;
  method: 'lora' | 'full';
  warmup: number;
  stepSeconds: number[];
  medianStepS: number;
  tokensPerS: number;
  /** tf.memory().numTensors before building the model and after disposing everything */
  numTensorsBefore: number;
  numTensorsAfter: number;
  /** tensors alive during training (model + adapters + optimiser state), read at the last step */
  numTensorsDuring: number;
  firstLoss: number;
  lastLoss: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** `n` random sequences of `len` tokens from [4, vocab) (ids 0–3 are the specials); loss on all but the first. */
export function randomSequences(n: number, len: number, vocab: number, seed: number): Example[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, () => ({
    ids: Array.from({ length: len }, () => 4 + Math.floor(rnd() * (vocab - 4))),
    answerStart: 1,
  }));
}

/** Times `warmup + steps` train steps of `method` on the active backend; the median excludes the warm-up. */
export async function benchTrainStep(
  method: 'lora' | 'full',
  warmup: number,
  steps: number,
  seed = 0,
): Promise<StepBench> {
  const numTensorsBefore = tf.memory().numTensors;
  const model = LlamaModel.random(REFERENCE_CONFIG, seed);
  const handle =
    method === 'lora'
      ? wrap(model, { method: 'lora', ...LORA_SETUP, seed })
      : wrap(model, { method: 'full', seed });
  const examples = randomSequences(REFERENCE_BATCH, REFERENCE_SEQ, REFERENCE_CONFIG.vocab_size, seed + 1);
  const stamps: number[] = [];
  let numTensorsDuring = 0;
  let result: Awaited<ReturnType<typeof train>>;
  try {
    const t0 = performance.now();
    stamps.push(t0);
    result = await train(
      model,
      handle,
      examples,
      { steps: warmup + steps, batchSize: REFERENCE_BATCH, checkEvery: 1, seed },
      {
        padId: 0,
        onProgress: () => {
          stamps.push(performance.now());
          numTensorsDuring = tf.memory().numTensors;
        },
      },
    );
  } finally {
    handle.remove();
    model.dispose();
  }
  const all = stamps.slice(1).map((t, i) => (t - stamps[i]) / 1000);
  const stepSeconds = all.slice(warmup);
  const med = median(stepSeconds);
  const losses = result.losses.map((row) => row[0]);
  return {
    backend: tf.getBackend(),
    method,
    warmup,
    stepSeconds,
    medianStepS: med,
    tokensPerS: (REFERENCE_BATCH * REFERENCE_SEQ) / med,
    numTensorsBefore,
    numTensorsAfter: tf.memory().numTensors,
    numTensorsDuring,
    firstLoss: losses[0],
    lastLoss: losses[losses.length - 1],
  };
}

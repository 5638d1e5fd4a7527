/**
 * One side of the backend parity test (test/backend-parity.test.ts): `node --import tsx src/bench/parity-worker.ts
 * <backend>` builds the same random tiny LLaMA on that backend and prints one line `PARITY_JSON {…}` with
 *   logits     forward logits [B, T, V] of fixed ids (flat)
 *   grads      one LoRA step's gradients (every linear module adapted, A and B random so both get gradients)
 *   losses     20 AdamW steps of LoRA training through the trainer (per-step loss)
 * or `PARITY_JSON {"unavailable": reason}` when the backend cannot start (the test then skips).
 * One process per backend because tfjs has one global backend and Dawn keeps its device for the process lifetime.
 * Reads the host only with async data()/array() (dataSync throws on webgpu).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { describeAdapter, webgpuStatus } from '../backend/webgpu';
import type { ModelConfig } from '../model/config';
import { LlamaModel, type RawTensor } from '../model/llama';
import { LoraHandle } from '../peft/lora';
import { disposeBatch, type Example, makeBatch } from '../train/batches';
import { groupLoss, tokenCrossEntropy } from '../train/losses';
import { train } from '../train/trainer';
import { normalArray } from '../util/random';

export const PARITY_CONFIG: ModelConfig = {
  model_type: 'llama',
  vocab_size: 256,
  hidden_size: 64,
  intermediate_size: 172,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 16,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  max_position_embeddings: 32,
  tie_word_embeddings: true,
  hidden_act: 'silu',
};
const ALL_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
const B = 4;
const T = 16;
export const TRAIN_STEPS = 20;

export interface ParityResult {
  backend: string;
  adapter?: string;
  logitsShape: number[];
  logits: number[];
  grads: Record<string, number[]>;
  losses: number[];
  seconds: { forward: number; grad: number; train: number };
}

/** Deterministic token ids in 3..V-1. */
function ids(seed: number): number[][] {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 3 + (s % (PARITY_CONFIG.vocab_size - 3));
  };
  return Array.from({ length: B }, () => Array.from({ length: T }, next));
}

/** Sequences of 12 tokens whose last 4 are the answer. */
function examples(): Example[] {
  return ids(7)
    .concat(ids(8))
    .map((row) => ({ ids: row.slice(0, 12), answerStart: 8 }));
}

/** Random (not zero) A and B for every adapted module, so that both get non-zero gradients. */
function randomAdapter(lora: LoraHandle): Map<string, { A: RawTensor; B: RawTensor }> {
  const w = new Map<string, { A: RawTensor; B: RawTensor }>();
  lora.modules.forEach((m, i) => {
    const [inF, outF] = shapeOf(lora, m);
    w.set(m, {
      A: { shape: [lora.r, inF], data: normalArray(lora.r * inF, 0.1, 1000 + i) },
      B: { shape: [outF, lora.r], data: normalArray(outF * lora.r, 0.1, 2000 + i) },
    });
  });
  return w;
}

function shapeOf(lora: LoraHandle, module: string): [number, number] {
  const t = lora.trainable.find((v) => v.name === `${module}.lora_A`)!.variable; // [1, in, r]
  const b = lora.trainable.find((v) => v.name === `${module}.lora_B`)!.variable; // [1, r, out]
  return [t.shape[1] as number, b.shape[2] as number];
}

async function run(backend: string): Promise<ParityResult | { unavailable: string }> {
  try {
    await initBackend(backend, { quiet: true, force: true });
  } catch (e) {
    return { unavailable: (e as Error).message };
  }
  const model = LlamaModel.random(PARITY_CONFIG, 1);
  // 1. forward logits
  let t0 = Date.now();
  const logitsT = tf.tidy(() => model.forward(tf.tensor2d(ids(3), [B, T], 'int32')).logits);
  const logits = Array.from(await logitsT.data());
  const logitsShape = logitsT.shape.slice();
  logitsT.dispose();
  const tForward = (Date.now() - t0) / 1000;

  // 2. one LoRA step's gradients (loss as in the trainer)
  t0 = Date.now();
  const lora = new LoraHandle(model, { method: 'lora', r: 4, alpha: 8, targetModules: ALL_MODULES, seed: 5 });
  lora.importAdapter(randomAdapter(lora));
  const batch = makeBatch(examples().slice(0, B), 1, 0);
  const { value, grads } = tf.variableGrads(
    () => {
      const out = model.forward(batch.ids, { logitPositions: batch.positions, training: true });
      return tf.sum(groupLoss(tokenCrossEntropy(out.logits as tf.Tensor2D, batch.targets), batch.weights));
    },
    lora.trainable.map((v) => v.variable),
  );
  const byTf = new Map(lora.trainable.map((v) => [v.variable.name, v.name]));
  const gradValues: Record<string, number[]> = { loss: Array.from(await value.data()) };
  for (const [k, g] of Object.entries(grads)) gradValues[byTf.get(k)!] = Array.from(await g.data());
  tf.dispose([value, ...Object.values(grads)]);
  disposeBatch(batch);
  lora.remove();
  const tGrad = (Date.now() - t0) / 1000;

  // 3. 20 steps of LoRA training (peft init: B = 0)
  t0 = Date.now();
  const fresh = new LoraHandle(model, {
    method: 'lora',
    r: 4,
    alpha: 8,
    targetModules: ALL_MODULES,
    seed: 6,
  });
  const result = await train(
    model,
    fresh,
    examples(),
    { steps: TRAIN_STEPS, batchSize: 4, lr: 1e-2, checkEvery: 5, seed: 3 },
    { padId: 0 },
  );
  fresh.remove();
  model.dispose();
  const status = webgpuStatus();
  return {
    backend: tf.getBackend(),
    adapter: backend === 'webgpu' && status?.adapter ? describeAdapter(status.adapter) : undefined,
    logitsShape,
    logits,
    grads: gradValues,
    losses: result.losses.map((row) => row[0]),
    seconds: { forward: tForward, grad: tGrad, train: (Date.now() - t0) / 1000 },
  };
}

if (require.main === module) {
  const backend = process.argv[2] ?? 'cpu';
  run(backend)
    .then((r) => {
      // exit only once the line is flushed (a pipe is written asynchronously); Dawn can keep the loop alive
      process.stdout.write(`PARITY_JSON ${JSON.stringify(r)}\n`, () => process.exit(0));
    })
    .catch((e: Error) => {
      console.error(`parity-worker (${backend}): ${e.stack ?? e.message}`);
      process.exit(1);
    });
}

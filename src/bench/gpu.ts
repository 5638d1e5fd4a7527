/**
 * The tfjs side of bench/gpu.sh: LoRA train-step throughput of the real trainer on one backend (default webgpu).
 *
 *   node --import tsx src/bench/gpu.ts [--backend webgpu] [--config reference|llama7b|tiny-reference|tiny-llama7b]
 *                                      [--steps 10] [--warmup 3]
 *
 * LoRA r 8, α 16 on q_proj and v_proj (peft's LLaMA default), AdamW lr 1e-3, random weights, random tokens, loss on
 * every position but the first (as bench/torch_gpu.py). A step's time is the gap between two progress events of
 * `train()` with checkEvery 1 (each step ends with a host read, so the GPU work is done); the median excludes the
 * warm-up (shader compilation). Prints one line `GPU_BENCH_JSON {…}`. bench/gpu.sh bundles this file with esbuild.
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { describeAdapter, webgpuStatus } from '../backend/webgpu';
import { countParams, type ModelConfig } from '../model/config';
import { LlamaModel, parameterShapes, type RawTensor } from '../model/llama';
import { LoraHandle } from '../peft/lora';
import { train } from '../train/trainer';
import { normalArray } from '../util/random';
import { median, REFERENCE_CONFIG, randomSequences } from './kernel';

export interface BenchShape {
  config: ModelConfig;
  batch: number;
  seq: number;
}

const llama = (over: Partial<ModelConfig>): ModelConfig => ({ ...REFERENCE_CONFIG, ...over });

/** The same shapes as BENCH_SHAPES in bench/torch_gpu.py. */
export const BENCH_SHAPES: Record<string, BenchShape> = {
  // the reference step of `npm run bench`: d 256, 4 layers, 4 heads, SwiGLU 688, vocab 2048, tied; batch 16 × seq 64
  reference: { config: llama({}), batch: 16, seq: 64 },
  // LLaMA-7B-shaped stack, 2 layers (667 M parameters): d 4096, 32 heads, SwiGLU 11008, vocab 32000, untied
  llama7b: {
    config: llama({
      vocab_size: 32000,
      hidden_size: 4096,
      intermediate_size: 11008,
      num_hidden_layers: 2,
      num_attention_heads: 32,
      num_key_value_heads: 32,
      head_dim: 128,
      max_position_embeddings: 256,
      tie_word_embeddings: false,
    }),
    batch: 4,
    seq: 256,
  },
  // --quick (llvmpipe, CI): tiny stand-ins with the same structure
  'tiny-reference': {
    config: llama({
      vocab_size: 256,
      hidden_size: 64,
      intermediate_size: 172,
      num_hidden_layers: 2,
      head_dim: 16,
      max_position_embeddings: 16,
    }),
    batch: 4,
    seq: 16,
  },
  'tiny-llama7b': {
    config: llama({
      vocab_size: 512,
      hidden_size: 128,
      intermediate_size: 344,
      num_hidden_layers: 2,
      num_attention_heads: 8,
      num_key_value_heads: 8,
      head_dim: 16,
      max_position_embeddings: 32,
      tie_word_embeddings: false,
    }),
    batch: 2,
    seq: 32,
  },
};

export const LORA = { r: 8, alpha: 16, targetModules: ['q_proj', 'v_proj'] };

/**
 * Random weights (N(0, 0.02), unit norms) without drawing hundreds of millions of normals: a 1 M pool per tensor,
 * tiled. Only for timing — use LlamaModel.random for anything numerical.
 */
function fastRandomModel(config: ModelConfig, seed: number): LlamaModel {
  const tensors = new Map<string, RawTensor>();
  let k = 0;
  for (const [name, shape] of parameterShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (name.endsWith('norm.weight')) data.fill(1);
    else {
      const pool = normalArray(Math.min(n, (1 << 20) + 7), 0.02, seed + 7919 * k++);
      for (let i = 0; i < n; i += pool.length) data.set(pool.subarray(0, Math.min(pool.length, n - i)), i);
    }
    tensors.set(name, { shape, data });
  }
  return new LlamaModel(config, tensors);
}

export interface GpuBenchResult {
  backend: string;
  adapter?: string;
  shape: string;
  params: number;
  batch: number;
  seq: number;
  warmup: number;
  stepSeconds: number[];
  medianStepS: number;
  tokensPerS: number;
  firstLoss: number;
  lastLoss: number;
  setupSeconds: number;
}

/** Times warmup + steps LoRA train steps of `shape` on the active backend. */
export async function benchShape(name: string, warmup: number, steps: number): Promise<GpuBenchResult> {
  const shape = BENCH_SHAPES[name];
  if (shape === undefined)
    throw new Error(`Unknown --config '${name}': ${Object.keys(BENCH_SHAPES).join(', ')}`);
  const { config, batch, seq } = shape;
  const t0 = performance.now();
  const model = fastRandomModel(config, 0);
  const lora = new LoraHandle(model, { method: 'lora', ...LORA, seed: 0 });
  const examples = randomSequences(batch, seq, config.vocab_size, 1);
  const setupSeconds = (performance.now() - t0) / 1000;
  const stamps = [performance.now()];
  let losses: number[] = [];
  try {
    const result = await train(
      model,
      lora,
      examples,
      { steps: warmup + steps, batchSize: batch, checkEvery: 1, lr: 1e-3, clipNorm: 0, seed: 0 },
      { padId: 0, onProgress: () => stamps.push(performance.now()) },
    );
    losses = result.losses.map((row) => row[0]);
  } finally {
    lora.remove();
    model.dispose();
  }
  const all = stamps.slice(1).map((t, i) => (t - stamps[i]) / 1000);
  const stepSeconds = all.slice(warmup);
  const med = median(stepSeconds);
  const status = webgpuStatus();
  return {
    backend: tf.getBackend(),
    adapter: tf.getBackend() === 'webgpu' && status?.adapter ? describeAdapter(status.adapter) : undefined,
    shape: name,
    params: countParams(config),
    batch,
    seq,
    warmup,
    stepSeconds,
    medianStepS: med,
    tokensPerS: (batch * seq) / med,
    firstLoss: losses[0],
    lastLoss: losses[losses.length - 1],
    setupSeconds,
  };
}

function arg(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}

async function main(argv: string[]): Promise<void> {
  const backend = arg(argv, 'backend', 'webgpu');
  const configs = arg(argv, 'config', 'reference').split(',');
  const steps = Number(arg(argv, 'steps', '10'));
  const warmup = Number(arg(argv, 'warmup', '3'));
  if (!(steps >= 1 && warmup >= 0)) throw new Error('--steps must be ≥ 1 and --warmup ≥ 0');
  await initBackend(backend);
  for (const c of configs) {
    const r = await benchShape(c, warmup, steps);
    await new Promise<void>((done) =>
      process.stdout.write(`GPU_BENCH_JSON ${JSON.stringify(r)}\n`, () => done()),
    );
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0), // Dawn can keep the event loop alive
    (e: Error) => {
      console.error(`gpu bench: ${e.stack ?? e.message}`);
      process.exit(1);
    },
  );
}

/**
 * Workload-level benchmark: learn N single facts, each with its own LoRA (r 8 on q_proj, v_proj), up to `steps`
 * steps, stopping a fact as soon as it is learned. Ours trains K adapters side by side (stacked adapters, one
 * example per adapter, early stop per adapter); the PyTorch reference (bench/torch_reference.py facts) runs the
 * usual loop of N separate runs. Both get the same base weights (written to a safetensors file) and token ids.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_COUNTERFACT_PATH, parseCounterfact } from '../data';
import { readJsonArray } from '../data/validate';
import type { ModelConfig } from '../model/config';
import { LlamaModel } from '../model/llama';
import { BEACON_BASE_DIR, loadModel } from '../model/load';
import { writeSafetensors } from '../model/safetensors';
import { wrap } from '../peft';
import type { Example } from '../train/batches';
import { train } from '../train/trainer';
import { runJsonChild } from '../util/child';
import { mulberry32 } from '../util/random';
import { LORA_SETUP } from './kernel';

/** The shape of data/models/beacon-base (src/pretrain/pretrain.ts), with a 4 800-token vocabulary. */
export const RANDOM_FACTS_CONFIG: ModelConfig = {
  model_type: 'llama',
  vocab_size: 4800,
  hidden_size: 128,
  intermediate_size: 344,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 4,
  head_dim: 32,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  max_position_embeddings: 64,
  tie_word_embeddings: true,
  hidden_act: 'silu',
};

export interface FactSet {
  model: LlamaModel;
  examples: Example[];
  padId: number;
  /** what was used, in words */
  source: string;
  real: boolean;
}

/** beacon-base + COUNTERFACT facts when the model exists, else a random model and random 12 + 1-token facts. */
export function prepareFacts(n: number, seed: number): FactSet {
  if (fs.existsSync(path.join(BEACON_BASE_DIR, 'config.json'))) {
    const { model, tokenizer } = loadModel(BEACON_BASE_DIR);
    const maxLen = model.config.max_position_embeddings;
    const bos = tokenizer.bosId === undefined ? [] : [tokenizer.bosId];
    const examples: Example[] = [];
    // the file's records in order, parsed a prefix at a time (validating all 10,000 took ~0.3 s of a worker's start)
    const raw = readJsonArray(DEFAULT_COUNTERFACT_PATH);
    for (let start = 0, size = 2 * n; examples.length < n && start < raw.length; start += size, size *= 2) {
      for (const rec of parseCounterfact(DEFAULT_COUNTERFACT_PATH, raw.slice(start, start + size))) {
        if (examples.length >= n) break;
        const { promptIds, answerIds } = tokenizer.encodeContinuation(rec.prompt, rec.target);
        const ids = [...bos, ...promptIds, ...answerIds];
        if (answerIds.length === 0 || promptIds.length + bos.length === 0 || ids.length > maxLen) continue;
        examples.push({ ids, answerStart: bos.length + promptIds.length });
      }
    }
    return {
      model,
      examples,
      padId: tokenizer.padId,
      source: `data/models/beacon-base + ${examples.length} COUNTERFACT facts (prompt → target_new)`,
      real: true,
    };
  }
  const c = RANDOM_FACTS_CONFIG;
  const rnd = mulberry32(seed + 7);
  const tok = () => 4 + Math.floor(rnd() * (c.vocab_size - 4));
  const examples = Array.from({ length: n }, () => ({
    ids: Array.from({ length: 13 }, tok),
    answerStart: 12,
  }));
  return {
    model: LlamaModel.random(c, seed),
    examples,
    padId: 0,
    source: `random model (d ${c.hidden_size}, ${c.num_hidden_layers} layers, vocab ${c.vocab_size}; no data/models/beacon-base) + ${n} random facts (12-token prompt, 1-token answer)`,
    real: false,
  };
}

export interface StackedResult {
  seconds: number;
  facts: number;
  stacks: number;
  perStack: number;
  learned: number;
  /** optimiser steps summed over adapters (an adapter stops counting once learned) */
  adapterSteps: number;
  /** trainer steps of each stack (the slowest adapter's) */
  stackSteps: number[];
  /** per fact (its index in the whole set): the step whose forward predicted its answer, or null */
  learnedAt: { id: number; at: number | null }[];
  numTensorsBefore: number;
  numTensorsAfter: number;
}

/**
 * Learns the facts `perStack` at a time with stacked adapters and early stopping. Fact i's adapter is seeded by
 * `seed + ids[i]` (`ids`: each example's index in the whole fact set, default its position), so a fact starts and
 * trains alike whatever stack, position or worker it trains in (src/peft/stacking.test.ts; on wasm its last bits
 * can still move with its stack's padded length, docs/reliability.md; workload.test.ts checks the learned step).
 */
export async function runStacked(
  set: FactSet,
  perStack: number,
  steps: number,
  lr: number,
  seed: number,
  checkEvery: number,
  ids: number[] = set.examples.map((_, i) => i),
): Promise<StackedResult> {
  const numTensorsBefore = tf.memory().numTensors;
  const t0 = performance.now();
  let learned = 0;
  let adapterSteps = 0;
  const stackSteps: number[] = [];
  const learnedAt: StackedResult['learnedAt'] = [];
  for (let start = 0; start < set.examples.length; start += perStack) {
    const chunk = set.examples.slice(start, start + perStack).map((e, k) => ({ ...e, group: k }));
    const seeds = ids.slice(start, start + perStack).map((i) => seed + i);
    const handle = wrap(set.model, {
      method: 'lora',
      ...LORA_SETUP,
      groups: chunk.length,
      seed: seeds[0],
      seeds,
    });
    try {
      const r = await train(
        set.model,
        handle,
        chunk,
        { steps, batchSize: 1, earlyStop: true, lr, seed, checkEvery, groupSeeds: seeds },
        { padId: set.padId },
      );
      stackSteps.push(r.steps);
      for (const [k, at] of r.learnedAt.entries()) {
        learnedAt.push({ id: ids[start + k], at });
        if (at !== null) learned++;
        // learnedAt = the step whose forward predicted the answer (its update skipped): at − 1 updates
        adapterSteps += at === null ? steps : at - 1;
      }
    } finally {
      handle.remove();
    }
  }
  return {
    seconds: (performance.now() - t0) / 1000,
    facts: set.examples.length,
    stacks: stackSteps.length,
    perStack,
    learned,
    adapterSteps,
    stackSteps,
    learnedAt,
    numTensorsBefore,
    numTensorsAfter: tf.memory().numTensors,
  };
}

/**
 * Writes the job files for `torch_reference.py facts` (base weights as F32 safetensors, written once): `job` holds
 * every fact; `parts[p]` the facts i with i mod parts = p (each keeping its index n, so its LoRA init is the one it
 * gets in the whole run), for one PyTorch process per core.
 */
export async function writeTorchJob(
  set: FactSet,
  steps: number,
  lr: number,
  seed: number,
  parts = 0,
): Promise<{ job: string; dir: string; parts: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-bench-'));
  const weights = path.join(dir, 'model.safetensors');
  writeSafetensors(weights, await set.model.toTensors());
  const examples = set.examples.map((e, n) => ({ ids: e.ids, answerStart: e.answerStart, n }));
  const common = {
    config: set.model.config,
    weights,
    steps,
    lr,
    seed,
    r: LORA_SETUP.r,
    alpha: LORA_SETUP.alpha,
    targetModules: LORA_SETUP.targetModules,
  };
  const write = (name: string, exs: typeof examples) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify({ ...common, examples: exs }));
    return file;
  };
  const job = write('job.json', examples);
  const partFiles = Array.from({ length: parts }, (_, p) =>
    write(
      `job-${p}.json`,
      examples.filter((_, i) => i % parts === p),
    ),
  );
  return { job, dir, parts: partFiles };
}

/**
 * The same workload split over `workers` processes (each its own tfjs backend, one core each). `seconds` is the
 * training time of the slowest worker (they train concurrently), comparable with runStacked's and PyTorch's, which
 * exclude loading; `wallWithStartup` adds process start and model loading.
 */
export async function runStackedWorkers(
  facts: number,
  perStack: number,
  steps: number,
  lr: number,
  checkEvery: number,
  workers: number,
  backend: string,
): Promise<StackedResult & { workers: number; wallWithStartup: number }> {
  const script = path.join(fs.realpathSync(__dirname), 'workload-worker.ts');
  const t0 = performance.now();
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, index) =>
      runJsonChild<StackedResult>(
        script,
        [JSON.stringify({ index, workers, facts, perStack, steps, lr, checkEvery, backend })],
        'WORKLOAD_JSON',
        { label: `workload worker ${index}` },
      ),
    ),
  );
  return {
    // like the single-process number, training time only: the workers train concurrently, so the slowest one's
    seconds: Math.max(...parts.map((p) => p.seconds)),
    wallWithStartup: (performance.now() - t0) / 1000,
    facts: parts.reduce((a, p) => a + p.facts, 0),
    stacks: parts.reduce((a, p) => a + p.stacks, 0),
    perStack,
    learned: parts.reduce((a, p) => a + p.learned, 0),
    adapterSteps: parts.reduce((a, p) => a + p.adapterSteps, 0),
    stackSteps: parts.flatMap((p) => p.stackSteps),
    learnedAt: parts.flatMap((p) => p.learnedAt).sort((a, b) => a.id - b.id),
    numTensorsBefore: parts.reduce((a, p) => a + p.numTensorsBefore, 0),
    numTensorsAfter: parts.reduce((a, p) => a + p.numTensorsAfter, 0),
    workers,
  };
}

/**
 * `beacons pretrain`: builds the corpus of true statements, trains the word-level tokenizer and a small LLaMA-style
 * model with full training, and writes `data/models/beacon-base/` (config.json, model.safetensors, tokenizer.json).
 * Deterministic for a seed on a given backend. Resumable: after every epoch the weights and the epoch number are
 * saved to `<out>.partial/`; a rerun continues from the last finished epoch (the AdamW moments restart there).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelConfig } from '../model/config';
import { LlamaModel } from '../model/llama';
import { loadModel, saveModel } from '../model/load';
import { WordTokenizer } from '../model/tokenizer';
import { FullHandle } from '../peft/full';
import type { Example } from '../train/batches';
import { AdamW } from '../train/optimizer';
import { type ProgressEvent, train } from '../train/trainer';
import { writeFileAtomic } from '../util/atomic';
import { buildCorpus, CORPUS_DEFAULTS, type CorpusConfig } from './corpus';

export interface PretrainConfig {
  corpus: CorpusConfig;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  max_position_embeddings: number;
  /** tie the LM head to the input embeddings (beacon-base) or give it its own matrix (the untied models) */
  tie_word_embeddings: boolean;
  epochs: number;
  /**
   * Epochs per learning-rate cycle (cosine warm restarts: each cycle has its own warm-up and cosine decay to 0 and
   * starts with fresh AdamW moments); must sum to `epochs`. Absent: one cycle of `epochs`.
   */
  cycles?: number[];
  batchSize: number;
  lr: number;
  warmupSteps: number;
  weightDecay: number;
  seed: number;
}

export const PRETRAIN_DEFAULTS: PretrainConfig = {
  corpus: CORPUS_DEFAULTS,
  hidden_size: 128,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  intermediate_size: 344,
  max_position_embeddings: 64,
  tie_word_embeddings: true,
  epochs: 14,
  batchSize: 64,
  lr: 3e-3,
  warmupSteps: 100,
  weightDecay: 0.01,
  seed: 0,
};

export interface PretrainResult {
  dir: string;
  config: ModelConfig;
  epochs: number;
  steps: number;
  finalLoss: number;
  seconds: number;
  tokensPerEpoch: number;
  statements: number;
  lossByEpoch: number[];
  /** the resolved recipe (corpus options included) */
  pretrain: PretrainConfig;
}

/** The learning-rate cycles of a recipe (default one cycle of all epochs); throws unless they sum to `epochs`. */
export function checkCycles(cfg: Pick<PretrainConfig, 'epochs' | 'cycles'>): number[] {
  const cycles = cfg.cycles ?? [cfg.epochs];
  if (cycles.reduce((a, c) => a + c, 0) !== cfg.epochs || cycles.some((c) => !Number.isInteger(c) || c < 1)) {
    throw new Error(
      `pretrain: cycles ${JSON.stringify(cycles)} must be positive integers summing to epochs ${cfg.epochs}`,
    );
  }
  return cycles;
}

/** The cycle an epoch (0-based) belongs to: its first epoch and its length in epochs. */
export function cycleOfEpoch(cycles: readonly number[], epoch: number): { start: number; len: number } {
  let start = 0;
  for (const len of cycles) {
    if (epoch >= start && epoch < start + len) return { start, len };
    start += len;
  }
  throw new RangeError(`epoch ${epoch} is outside the cycles ${JSON.stringify(cycles)}`);
}

/** The full recipe: PRETRAIN_DEFAULTS overridden by `partial` (corpus options merged with CORPUS_DEFAULTS). */
export function resolvePretrainConfig(partial: Partial<PretrainConfig> = {}): PretrainConfig {
  return {
    ...PRETRAIN_DEFAULTS,
    ...partial,
    corpus: { ...CORPUS_DEFAULTS, ...partial.corpus },
  };
}

/** The model config of a pretraining run: the recipe's shape and the corpus tokenizer's vocabulary and ids. */
function modelConfigFor(cfg: PretrainConfig, tokenizer: WordTokenizer): ModelConfig {
  return {
    model_type: 'llama',
    vocab_size: tokenizer.vocabSize,
    hidden_size: cfg.hidden_size,
    intermediate_size: cfg.intermediate_size,
    num_hidden_layers: cfg.num_hidden_layers,
    num_attention_heads: cfg.num_attention_heads,
    num_key_value_heads: cfg.num_attention_heads,
    head_dim: cfg.hidden_size / cfg.num_attention_heads,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    max_position_embeddings: cfg.max_position_embeddings,
    tie_word_embeddings: cfg.tie_word_embeddings,
    hidden_act: 'silu',
    bos_token_id: tokenizer.bosId,
    eos_token_id: tokenizer.eosId,
    pad_token_id: tokenizer.padId,
  };
}

/**
 * The model to train and where to start: the partial run in `partialDir` when there is one (its state must have been
 * written by the same config), else a random init.
 */
function resumeOrStart(
  partialDir: string,
  cfg: PretrainConfig,
  config: ModelConfig,
): { model: LlamaModel; startEpoch: number; lossByEpoch: number[]; secondsBefore: number } {
  const stateFile = path.join(partialDir, 'pretrain-state.json');
  let startEpoch = 0;
  let model: LlamaModel;
  const lossByEpoch: number[] = [];
  let secondsBefore = 0;
  if (fs.existsSync(stateFile)) {
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as {
      epoch: number;
      lossByEpoch: number[];
      seconds: number;
      cfg: unknown;
    };
    if (JSON.stringify(state.cfg) !== JSON.stringify(cfg)) {
      throw new Error(
        `${stateFile}: written by a different pretraining config; delete ${partialDir} to start over`,
      );
    }
    model = loadModel(path.join(partialDir, 'model')).model;
    startEpoch = state.epoch;
    lossByEpoch.push(...state.lossByEpoch);
    secondsBefore = state.seconds;
    console.error(`[pretrain] resuming after epoch ${startEpoch}`);
  } else {
    model = LlamaModel.random(config, cfg.seed);
  }
  return { model, startEpoch, lossByEpoch, secondsBefore };
}

export async function pretrain(
  outDir: string,
  partial: Partial<PretrainConfig> = {},
  onProgress?: (epoch: number, e: ProgressEvent) => void,
): Promise<PretrainResult> {
  const cfg = resolvePretrainConfig(partial);
  const cycles = checkCycles(cfg);
  const cycleOf = (epoch: number) => cycleOfEpoch(cycles, epoch);
  const corpus = buildCorpus(cfg.corpus);
  const tokenizer = WordTokenizer.train(corpus.statements);
  const examples: Example[] = corpus.statements.map((s) => ({
    ids: [tokenizer.bosId, ...tokenizer.encode(s), tokenizer.eosId],
    answerStart: 1,
  }));
  const maxLen = Math.max(...examples.map((e) => e.ids.length));
  if (maxLen > cfg.max_position_embeddings)
    throw new Error(`A statement has ${maxLen} tokens > max_position_embeddings`);
  const config = modelConfigFor(cfg, tokenizer);
  const partialDir = `${outDir}.partial`;
  const stateFile = path.join(partialDir, 'pretrain-state.json');
  const { model, startEpoch, lossByEpoch, secondsBefore } = resumeOrStart(partialDir, cfg, config);
  const handle = new FullHandle(model, { method: 'full' });
  const stepsPerEpoch = Math.ceil(examples.length / cfg.batchSize);
  const totalSteps = stepsPerEpoch * cfg.epochs;
  const trainCfg = {
    steps: stepsPerEpoch,
    batchSize: cfg.batchSize,
    lr: cfg.lr,
    warmupSteps: cfg.warmupSteps,
    schedule: 'cosine' as const,
    weightDecay: cfg.weightDecay,
    clipNorm: 1,
    checkEvery: 10,
  };
  const newOptimizer = () =>
    new AdamW(handle.trainable, 1, {
      lr: cfg.lr,
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-8,
      weightDecay: cfg.weightDecay,
      clipNorm: 1,
    });
  let optimizer = newOptimizer();
  const t0 = Date.now();
  try {
    for (let epoch = startEpoch; epoch < cfg.epochs; epoch++) {
      const cycle = cycleOf(epoch);
      if (epoch === cycle.start && epoch > startEpoch) {
        optimizer.dispose();
        optimizer = newOptimizer();
      }
      const r = await train(
        model,
        handle,
        examples,
        { ...trainCfg, seed: cfg.seed * 1000 + epoch },
        {
          padId: tokenizer.padId,
          optimizer,
          stepOffset: (epoch - cycle.start) * stepsPerEpoch,
          totalSteps: cycle.len * stepsPerEpoch,
          onProgress: (e) => onProgress?.(epoch, e),
        },
      );
      const mean = r.losses.reduce((a, l) => a + l[0], 0) / r.losses.length;
      lossByEpoch.push(mean);
      await saveModel(path.join(partialDir, 'model'), model, tokenizer);
      writeFileAtomic(
        stateFile,
        JSON.stringify(
          { epoch: epoch + 1, lossByEpoch, seconds: secondsBefore + (Date.now() - t0) / 1000, cfg },
          null,
          2,
        ),
      );
    }
    await saveModel(outDir, model, tokenizer);
    fs.rmSync(partialDir, { recursive: true, force: true });
    return {
      dir: outDir,
      config,
      epochs: cfg.epochs,
      steps: totalSteps,
      finalLoss: lossByEpoch[lossByEpoch.length - 1],
      seconds: secondsBefore + (Date.now() - t0) / 1000,
      tokensPerEpoch: examples.reduce((a, e) => a + e.ids.length, 0),
      statements: examples.length,
      lossByEpoch,
      pretrain: cfg,
    };
  } finally {
    optimizer.dispose();
    handle.remove();
    model.dispose();
  }
}

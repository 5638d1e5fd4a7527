/**
 * A trainer that knows nothing of the model: it gets a loss-producing forward (LlamaModel + PeftHandle), examples
 * and an explicit variable list, and runs AdamW with per-adapter clipping, an lr schedule, seeded shuffling,
 * per-adapter early stopping, progress events and a NaN/Inf guard.
 *
 * Stacked adapters: with K groups every group is an independent run (own examples, own clipping, own early stop,
 * own shuffling with `groupSeeds`), trained side by side; a frozen adapter gets no optimiser, schedule or
 * afterStep (AdaLoRA importance/mask) update, so the result equals K separate runs (see src/peft/stacking.test.ts),
 * provided every group has at least `batchSize` examples (rows per group are capped at the smallest group's count).
 * Host reads happen only every `checkEvery` steps (losses, NaN guard, freeing rows of finished adapters).
 */
import * as tf from '@tensorflow/tfjs';
import { cacheFrozenTransposes } from '../model/frozen-transposes';
import type { LlamaModel } from '../model/llama';
import type { PeftHandle } from '../peft/types';
import { deriveSeed, permutation } from '../util/random';
import { type Batch, disposeBatch, type Example, makeBatch, validateExample } from './batches';
import { groupErrors, groupLoss, tokenCrossEntropy } from './losses';
import { ADAMW_DEFAULTS, AdamW, type LrSchedule, learningRate } from './optimizer';

export interface TrainConfig {
  /** maximum optimiser steps */
  steps: number;
  /** rows per adapter group per step (capped at the smallest group's example count) */
  batchSize: number;
  lr: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** per-adapter gradient-norm clip (0 = none) */
  clipNorm: number;
  warmupSteps: number;
  schedule: LrSchedule;
  seed: number;
  /**
   * one seed per adapter group (length K): group k's examples are shuffled exactly as in a single-group run with
   * `seed: groupSeeds[k]`, whatever its neighbours and position; without it group k's order derives from `seed` and k
   */
  groupSeeds?: number[];
  /** freeze each adapter as soon as the step's forward predicts all its answer tokens (teacher forcing) */
  earlyStop: boolean;
  /** steps between host reads (loss history, NaN guard, dropping finished adapters' rows) */
  checkEvery: number;
}

export const TRAIN_DEFAULTS: TrainConfig = {
  steps: 30,
  batchSize: 8,
  lr: 1e-3,
  weightDecay: 0,
  beta1: ADAMW_DEFAULTS.beta1,
  beta2: ADAMW_DEFAULTS.beta2,
  eps: ADAMW_DEFAULTS.eps,
  clipNorm: 1,
  warmupSteps: 0,
  schedule: 'constant',
  seed: 0,
  earlyStop: false,
  checkEvery: 10,
};

export interface ProgressEvent {
  step: number;
  steps: number;
  /** adapters still training */
  active: number;
  /** mean loss over adapters that trained at the last step */
  loss: number;
  tokensPerSecond: number;
}

export interface TrainResult {
  /** steps run (the last adapter's) */
  steps: number;
  /** per step, per adapter loss (NaN once an adapter is frozen) */
  losses: number[][];
  /** per adapter: the step at which it was frozen as learned (early stop), or null */
  learnedAt: (number | null)[];
  /** per adapter: the last loss it trained with */
  finalLoss: number[];
  tokens: number;
  seconds: number;
}

export class TrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingError';
  }
}

export interface TrainOptions {
  padId: number;
  onProgress?: (e: ProgressEvent) => void;
  /** continue a longer run in chunks (pretraining): reuse this optimiser (not disposed here) … */
  optimizer?: AdamW;
  /** … and place these steps at `stepOffset` of a schedule `totalSteps` long (default 0 and cfg.steps) */
  stepOffset?: number;
  totalSteps?: number;
  /**
   * awaited after optimiser step `step` (1-based), e.g. to evaluate the adapters part-way (knowledge/learn.ts records
   * each set's accuracy after every epoch); it must not change the trainable variables or draw training randomness
   */
  afterEachStep?: (step: number) => void | Promise<void>;
}

/**
 * The rows of each adapter group, batch by batch: group k's examples in a seeded order, reshuffled each epoch of the
 * group, `rowsPerGroup` = min(batch size, the smallest group) rows per call. `present[k]`: group k has examples.
 */
function groupSampler(
  examples: Example[],
  K: number,
  cfg: TrainConfig,
): { present: boolean[]; nextRows: (k: number) => Example[] } {
  const byGroup: number[][] = Array.from({ length: K }, () => []);
  examples.forEach((e, i) => {
    byGroup[e.group ?? 0].push(i);
  });
  const present = byGroup.map((g) => g.length > 0);
  const minCount = Math.min(...byGroup.filter((g) => g.length > 0).map((g) => g.length));
  if (!Number.isFinite(minCount)) throw new Error('No training examples');
  const rowsPerGroup = Math.min(cfg.batchSize, minCount);
  const gs = cfg.groupSeeds;
  if (gs !== undefined && (!Array.isArray(gs) || gs.length !== K || !gs.every((s) => Number.isInteger(s)))) {
    throw new Error(`Training config: groupSeeds must hold ${K} integers (one per adapter group), got ${gs}`);
  }
  // group k's shuffle stream: as group 0 of a single-group run with its own seed when groupSeeds are given
  const shuffleSeed = (k: number, epoch: number) => {
    const label = gs !== undefined ? 'shuffle-0' : `shuffle-${k}`;
    return deriveSeed(gs?.[k] ?? cfg.seed, epoch === 0 ? label : `${label}-${epoch}`);
  };
  const order = byGroup.map((_, k) => permutation(byGroup[k].length, shuffleSeed(k, 0)));
  const cursor = new Array(K).fill(0);
  const epoch = new Array(K).fill(0);
  const nextRows = (k: number): Example[] => {
    const rows: Example[] = [];
    for (let i = 0; i < rowsPerGroup; i++) {
      if (cursor[k] >= order[k].length) {
        epoch[k]++;
        order[k] = permutation(byGroup[k].length, shuffleSeed(k, epoch[k]));
        cursor[k] = 0;
      }
      rows.push(examples[byGroup[k][order[k][cursor[k]++]]]);
    }
    return rows;
  };

  return { present, nextRows };
}

/**
 * The per-step losses: each step pushes a [2, K] tensor (loss, trained this step) to `pending`; `flush` reads them
 * from the device in one go into `losses` (NaN where an adapter was frozen), keeps each adapter's last loss in
 * `finalLoss`, and throws a TrainingError on a non-finite loss.
 */
function lossLog(K: number): {
  pending: tf.Tensor2D[];
  losses: number[][];
  finalLoss: number[];
  flush: () => Promise<void>;
} {
  const pendingLosses: tf.Tensor2D[] = [];
  const losses: number[][] = [];
  const finalLoss = new Array(K).fill(Number.NaN);
  const flush = async (): Promise<void> => {
    if (pendingLosses.length === 0) return;
    const stacked = tf.stack(pendingLosses);
    const values = (await stacked.array()) as number[][][];
    stacked.dispose();
    tf.dispose(pendingLosses);
    pendingLosses.length = 0;
    const base = losses.length;
    values.forEach(([loss, trained], i) => {
      const row = loss.map((l, k) => {
        if (trained[k] === 0) return Number.NaN;
        if (!Number.isFinite(l)) {
          throw new TrainingError(
            `Loss of adapter ${k} became ${l} at step ${base + i + 1}: lower the learning rate`,
          );
        }
        finalLoss[k] = l;
        return l;
      });
      losses.push(row);
    });
  };
  return { pending: pendingLosses, losses, finalLoss, flush };
}

/** Trains `handle`'s variables on `examples`. Leaves no tensors behind. */
export async function train(
  model: LlamaModel,
  handle: PeftHandle,
  examples: Example[],
  partial: Partial<TrainConfig>,
  opts: TrainOptions,
): Promise<TrainResult> {
  const cfg: TrainConfig = { ...TRAIN_DEFAULTS, ...partial };
  const K = handle.groups;
  examples.forEach((e, i) => {
    validateExample(e, i, K, model.config.max_position_embeddings);
  });
  const { present, nextRows } = groupSampler(examples, K, cfg);
  const vars = handle.trainable;
  const byTfName = new Map(vars.map((v) => [v.variable.name, v.name]));
  const opt = opts.optimizer ?? new AdamW(vars, K, { ...ADAMW_DEFAULTS, ...cfg });
  // device-side state: active mask [K], step at which each adapter was frozen [K] (−1 = still training)
  let active: tf.Tensor1D = tf.keep(
    tf.tensor1d(
      present.map((p) => (p ? 1 : 0)),
      'float32',
    ),
  );
  let learned: tf.Tensor1D = tf.keep(tf.fill([K], -1));
  let hostActive = present.slice();
  const { pending: pendingLosses, losses, finalLoss, flush } = lossLog(K);
  let tokens = 0;
  let tokensSinceCheck = 0;
  // the base weights this run does not train: their transposes made once, not every step (same bits)
  const training = new Set<tf.Variable>(vars.map((v) => v.variable));
  const releaseTransposes = cacheFrozenTransposes([...model.params.values()].filter((p) => !training.has(p)));
  const t0 = Date.now();
  let tCheck = t0;
  let step = 0;

  try {
    for (; step < cfg.steps; step++) {
      const groupsNow = hostActive.map((a, k) => (a ? k : -1)).filter((k) => k >= 0);
      if (groupsNow.length === 0) break;
      const rows = groupsNow.flatMap((k) => nextRows(k));
      const batch: Batch = makeBatch(rows, K, opts.padId);
      tokens += batch.tokens;
      tokensSinceCheck += batch.tokens;
      const offset = opts.stepOffset ?? 0;
      const lr = learningRate(
        cfg.lr,
        offset + step,
        opts.totalSteps ?? cfg.steps,
        cfg.warmupSteps,
        cfg.schedule,
      );
      let lossK: tf.Tensor1D | undefined;
      let errors: tf.Tensor1D | undefined;
      const { value, grads } = tf.variableGrads(
        () => {
          const out = model.forward(batch.ids, {
            logitPositions: batch.positions,
            rowGroups: K > 1 ? batch.rowGroups : undefined,
            lengths: batch.lengths,
            training: true,
          });
          const logits = out.logits as tf.Tensor2D;
          const ce = tokenCrossEntropy(logits, batch.targets);
          let gl = groupLoss(ce, batch.weights);
          const reg = handle.regularizer?.();
          if (reg !== undefined) gl = tf.add(gl, reg) as tf.Tensor1D;
          lossK = tf.keep(gl);
          errors = tf.keep(groupErrors(logits, batch.targets, batch.members));
          return tf.sum(tf.mul(gl, active));
        },
        vars.map((v) => v.variable),
      );
      const named = new Map<string, tf.Tensor>();
      for (const [tfName, g] of Object.entries(grads)) named.set(byTfName.get(tfName)!, g);
      const stepNo = step + 1;
      // freeze adapters whose answers this step's forward already predicts (before their update)
      const nextActive: tf.Tensor1D = cfg.earlyStop
        ? tf.tidy(() => tf.mul(active, tf.greater(errors!, 0).asType('float32')) as tf.Tensor1D)
        : tf.keep(active.clone());
      const nextLearned: tf.Tensor1D = tf.tidy(() =>
        tf.where(
          tf.logicalAnd(tf.greater(active, 0), tf.equal(nextActive, 0)),
          tf.fill([K], stepNo),
          learned,
        ),
      );
      // only the adapters still training are updated: optimiser, and afterStep's scores and masks
      const norms = opt.apply(named, lr, nextActive);
      handle.afterStep?.(stepNo, named, nextActive);
      pendingLosses.push(tf.stack([lossK!, active]) as tf.Tensor2D); // [2, K]: loss, trained this step
      tf.dispose([value, norms, lossK!, errors!, active, learned]);
      tf.dispose(Object.values(grads));
      disposeBatch(batch);
      active = nextActive;
      learned = nextLearned;
      if (stepNo % cfg.checkEvery === 0 || stepNo === cfg.steps) {
        await flush();
        hostActive = Array.from(await active.data()).map((a) => a > 0);
        const now = Date.now();
        const last = losses[losses.length - 1];
        const live = last.filter((l) => !Number.isNaN(l));
        opts.onProgress?.({
          step: stepNo,
          steps: cfg.steps,
          active: hostActive.filter(Boolean).length,
          loss: live.length > 0 ? live.reduce((a, b) => a + b, 0) / live.length : Number.NaN,
          tokensPerSecond: (tokensSinceCheck * 1000) / Math.max(1, now - tCheck),
        });
        tokensSinceCheck = 0;
        tCheck = now;
      }
      await opts.afterEachStep?.(stepNo);
    }
    await flush();
    const learnedAt = Array.from(await learned.data()).map((s) => (s < 0 ? null : s));
    return { steps: step, losses, learnedAt, finalLoss, tokens, seconds: (Date.now() - t0) / 1000 };
  } finally {
    releaseTransposes();
    tf.dispose(pendingLosses);
    tf.dispose([active, learned]);
    if (opts.optimizer === undefined) opt.dispose();
  }
}

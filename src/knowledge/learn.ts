/**
 * Learning knowledge and measuring what was learned, shared by the experiments.
 * - `learnSingleFacts`: the paper's single-knowledge setting — each fact gets its OWN adapter (K facts train side by
 *   side as K stacked adapters, identical to K separate runs; full fine-tuning runs one fact at a time).
 * - `learnFactSets`: the multiple-knowledge setting — each set of facts shares ONE adapter; several sets (and loss
 *   variants) train side by side as stacked adapters.
 * Training stops per adapter as soon as all its facts are learned (teacher-forced argmax = target), within a step
 * budget chosen to keep accuracy away from 100 % (see the scale presets).
 */
import * as tf from '@tensorflow/tfjs';
import { greedy, type ScoredItem, teacherForced } from '../metrics/evaluate';
import { cosineSimilarity } from '../metrics/semantic';
import type { LlamaModel } from '../model/llama';
import type { Tokenizer } from '../model/tokenizer';
import { configFor, type MethodSpec, wrap } from '../peft/index';
import type { LoraHandle } from '../peft/lora';
import type { PeftHandle } from '../peft/types';
import type { Example } from '../train/batches';
import { type TrainConfig, train } from '../train/trainer';
import { deriveSeed } from '../util/random';
import { tidyReadAll } from '../util/tensors';
import type { Fact } from './facts';

/** A PEFT method's settings without the per-run fields (peft/index.ts). */
export type { MethodSpec } from '../peft/index';

export interface SingleResult {
  id: string;
  /** greedy exact match of the target after training ('greedy-exact-match') */
  learned: boolean;
  /** step at which the adapter first predicted the whole target (early stop), or null */
  stepsToLearn: number | null;
  /**
   * with `byStep`: teacher-forced exact match of the target after each optimiser step (steps entries; a frozen
   * adapter keeps its state, so the entries after an early stop repeat it)
   */
  learnedByStep?: boolean[];
  /** ROME efficacy: log P(target) > log P(original) on the prompt */
  efficacy: boolean;
  /** greedy exact match of the target on the first paraphrase prompt (generalisation), null if none */
  paraphrase: boolean | null;
  /** greedy exact match of the neighbourhood prompt's true answer (locality), null if none */
  neighbourhood: boolean | null;
  /** the model's greedy answer after training (up to 4 tokens, cut at eos or '.') */
  answer: string;
  /** its token ids (not stored by the single-fact experiments; the regime study measures distances with them) */
  answerIds?: number[];
  answerIsTarget: boolean;
  answerIsOriginal: boolean;
  /** 1 − cos between the mean base-model input embeddings of the answer and the target (null: empty answer) */
  learnedDistance: number | null;
  /** LoRA only: Σ over modules of ‖ΔW‖_F, and the share of ‖ΔW‖²_F in the base weight's top-8 singular directions */
  deltaNorm?: number;
  deltaTopEnergy?: number;
}

export interface LearnContext {
  model: LlamaModel;
  tok: Tokenizer;
  /** base-model input embeddings on the host [V·d] (learned distance is measured in this fixed space) */
  embeddings: Float32Array;
}

export async function makeContext(model: LlamaModel, tok: Tokenizer): Promise<LearnContext> {
  const embeddings = (await model.param('model.embed_tokens.weight').data()) as Float32Array;
  return { model, tok, embeddings: embeddings.slice() }; // a copy: the cpu backend returns its own buffer
}

function meanEmbedding(ctx: LearnContext, ids: number[]): Float32Array {
  const d = ctx.model.config.hidden_size;
  const v = new Float32Array(d);
  for (const id of ids) for (let j = 0; j < d; j++) v[j] += ctx.embeddings[id * d + j] / ids.length;
  return v;
}

/** The greedy answer `answer` begins with the token ids `ids` (the answer may run on past them). */
export function startsWith(answer: readonly number[], ids: readonly number[]): boolean {
  return answer.length >= ids.length && ids.every((t, i) => answer[i] === t);
}

export function embeddingDistance(ctx: LearnContext, a: number[], b: number[]): number | null {
  if (a.length === 0 || b.length === 0) return null;
  return 1 - cosineSimilarity(meanEmbedding(ctx, a), meanEmbedding(ctx, b));
}

/** Token ids that end a greedy answer (EOS and '.'). */
export function stopIds(tok: Tokenizer): number[] {
  const ids = [tok.eosId, tok.tokenToId('.')].filter((x): x is number => x !== undefined);
  return ids;
}

/** LoRA ΔW statistics of adapter k: Σ‖ΔW‖_F and the energy share in the base weight's top-8 singular directions. */
async function deltaStats(
  handle: LoraHandle,
  k: number,
  bases: Map<string, { u: tf.Tensor2D; v: tf.Tensor2D }>,
): Promise<{ deltaNorm: number; deltaTopEnergy: number }> {
  let norm = 0;
  let top = 0;
  let total = 0;
  for (const m of handle.modules) {
    const [[n2], [p2]] = await tidyReadAll(() => {
      const d = handle.delta(m, k);
      const { u, v } = bases.get(m)!;
      const proj = tf.matMul(tf.matMul(tf.transpose(u), d), v); // [8, 8]
      return [tf.sum(tf.square(d)), tf.sum(tf.square(proj))];
    });
    norm += Math.sqrt(n2);
    top += p2;
    total += n2;
  }
  return { deltaNorm: norm, deltaTopEnergy: total > 0 ? top / total : 0 };
}

/** Top-8 left/right singular vectors of each LoRA target weight (power iteration on the host-free device). */
export function singularBases(
  model: LlamaModel,
  modules: string[],
  k = 8,
): Map<string, { u: tf.Tensor2D; v: tf.Tensor2D }> {
  const out = new Map<string, { u: tf.Tensor2D; v: tf.Tensor2D }>();
  for (const m of modules) {
    const [u, v] = tf.tidy(() => {
      const w = model.param(`${m}.weight`) as tf.Tensor2D; // [in, out]
      // subspace iteration for the top-k right singular vectors of W (WᵀW is [out, out])
      const wtw = tf.matMul(tf.transpose(w), w);
      let q = tf.linalg.qr(tf.randomNormal([wtw.shape[0], k], 0, 1, 'float32', 1))[0];
      for (let i = 0; i < 30; i++) q = tf.linalg.qr(tf.matMul(wtw, q))[0];
      const wv = tf.matMul(w, q); // [in, k] = U Σ
      const uu = tf.div(wv, tf.norm(wv, 'euclidean', 0));
      return [tf.keep(uu), tf.keep(q)];
    });
    out.set(m, { u: u as tf.Tensor2D, v: v as tf.Tensor2D });
  }
  return out;
}

/** Learns each fact with its own adapter; `stack` facts train side by side. */
export async function learnSingleFacts(
  ctx: LearnContext,
  facts: Fact[],
  spec: MethodSpec,
  trainCfg: Partial<TrainConfig> & { steps: number },
  seed: number,
  stack: number,
  /** awaited with each trained stack before it is removed (e.g. to read features); rowGroups: one row per fact */
  probe?: (facts: Fact[], rowGroups: number[] | undefined) => void | Promise<void>,
  /** byStep: also record each fact's outcome after every step (learnedByStep; one more forward per step) */
  record: { byStep?: boolean } = {},
): Promise<SingleResult[]> {
  const { model, tok } = ctx;
  const K = spec.method === 'full' ? 1 : Math.max(1, Math.min(stack, facts.length));
  const results: SingleResult[] = [];
  let bases: Map<string, { u: tf.Tensor2D; v: tf.Tensor2D }> | undefined;
  for (let start = 0; start < facts.length; start += K) {
    const chunk = facts.slice(start, start + K);
    const k = chunk.length;
    // every adapter seeded from its own identity (method, fact), whatever the chunk it is stacked in
    const seeds = chunk.map((f) => deriveSeed(seed, `${spec.method}:${f.record.id}`));
    const handle: PeftHandle = wrap(
      model,
      configFor(spec, { groups: k, seed: seeds[0], seeds, steps: trainCfg.steps }),
    );
    try {
      const examples: Example[] = chunk.map((f, g) => ({
        ids: [...f.promptIds, ...f.targetIds],
        answerStart: f.promptIds.length,
        group: g,
      }));
      const targets = chunk.map((f) => ({ prompt: f.promptIds, answer: f.targetIds }));
      const rowGroups = k > 1 ? chunk.map((_, g) => g) : undefined;
      const byStep: boolean[][] = []; // [step][fact of the chunk]
      const afterEachStep = record.byStep
        ? async () => {
            byStep.push((await teacherForced(model, targets, tok.padId, rowGroups)).map((x) => x.correct));
          }
        : undefined;
      const r = await train(
        model,
        handle,
        examples,
        {
          checkEvery: 5,
          ...trainCfg,
          batchSize: 1,
          earlyStop: trainCfg.earlyStop ?? true,
          seed,
          groupSeeds: seeds,
        },
        { padId: tok.padId, afterEachStep },
      );
      // every adapter stopped early: the remaining steps would leave each in its (frozen) state
      while (record.byStep && byStep.length > 0 && byStep.length < trainCfg.steps)
        byStep.push(byStep[byStep.length - 1]);
      const groups = k > 1 ? chunk.flatMap((_, g) => [g, g, g, g]) : undefined;
      const items: ScoredItem[] = chunk.flatMap((f) => [
        { prompt: f.promptIds, answer: f.targetIds },
        { prompt: f.promptIds, answer: f.originalIds },
        { prompt: f.paraphraseIds ?? f.promptIds, answer: f.targetIds },
        f.neighbourIds
          ? { prompt: f.neighbourIds.prompt, answer: f.neighbourIds.answer }
          : { prompt: f.promptIds, answer: f.targetIds },
      ]);
      const scores = await teacherForced(model, items, tok.padId, groups);
      const answers = await greedy(
        model,
        chunk.map((f) => f.promptIds),
        4,
        tok.padId,
        stopIds(tok),
        k > 1 ? chunk.map((_, g) => g) : undefined,
      );
      await probe?.(chunk, k > 1 ? chunk.map((_, g) => g) : undefined);
      if (handle.method === 'lora' && bases === undefined)
        bases = singularBases(model, (handle as LoraHandle).modules);
      for (const [g, f] of chunk.entries()) {
        const s = scores.slice(4 * g, 4 * g + 4);
        const ans = answers[g];
        results.push({
          id: f.record.id,
          learned: s[0].correct,
          stepsToLearn: r.learnedAt[g],
          ...(record.byStep ? { learnedByStep: byStep.map((s) => s[g]) } : {}),
          efficacy: s[0].logProb > s[1].logProb,
          paraphrase: f.paraphraseIds ? s[2].correct : null,
          neighbourhood: f.neighbourIds ? s[3].correct : null,
          answer: tok.decode(ans),
          answerIds: ans,
          answerIsTarget: startsWith(ans, f.targetIds),
          answerIsOriginal: startsWith(ans, f.originalIds),
          learnedDistance: embeddingDistance(ctx, ans, f.targetIds),
          ...(handle.method === 'lora' ? await deltaStats(handle as LoraHandle, g, bases!) : {}),
        });
      }
    } finally {
      handle.remove();
    }
  }
  if (bases) for (const b of bases.values()) tf.dispose([b.u, b.v]);
  return results;
}

export interface SetResult {
  /** per fact of the set: teacher-forced exact match of its target after training */
  learned: boolean[];
  /**
   * [epoch][fact]: the same after each whole epoch (every ceil(n / batch) steps; the last entry is `learned` when the
   * run is whole epochs long): every shorter step budget of the run, for the regimes of findings 3–5
   */
  learnedByEpoch: boolean[][];
  /** per fact: the greedy answer equals ANOTHER fact's target in the set (cross-talk) */
  crossTalk: boolean[];
  steps: number;
}

/**
 * Learns several sets of facts, each with one shared adapter (sets train side by side, stacked). `weights[s][i]`
 * optionally weights fact i of set s in the loss (re-weighted loss). Every fact is seen `epochs` times, unless
 * `trainCfg.steps` fixes the number of optimiser steps instead.
 */
export async function learnFactSets(
  ctx: LearnContext,
  sets: Fact[][],
  spec: MethodSpec,
  trainCfg: Partial<TrainConfig> & { epochs: number; batchSize: number },
  seed: number,
  weights?: number[][],
  /** awaited with the trained adapters before they are removed; rowGroups gives the set of each fact of sets.flat() */
  probe?: (rowGroups: number[] | undefined) => void | Promise<void>,
): Promise<SetResult[]> {
  const { model, tok } = ctx;
  const n = sets[0].length;
  if (sets.some((s) => s.length !== n))
    throw new Error('learnFactSets: every set needs the same number of facts');
  const batch = Math.min(trainCfg.batchSize, n);
  // `steps` (when given) replaces the epochs' count: a fixed optimiser budget whatever the set size
  const steps = trainCfg.steps ?? trainCfg.epochs * Math.ceil(n / batch);
  // every set's adapter seeded from its own identity (method, its facts), whatever its neighbours
  const seeds = sets.map((set) =>
    deriveSeed(seed, `${spec.method}:${set.map((f) => f.record.id).join(',')}`),
  );
  const handle = wrap(model, configFor(spec, { groups: sets.length, seed: seeds[0], seeds, steps }));
  try {
    const examples: Example[] = sets.flatMap((set, g) =>
      set.map((f, i) => ({
        ids: [...f.promptIds, ...f.targetIds],
        answerStart: f.promptIds.length,
        group: g,
        weight: weights?.[g][i],
      })),
    );
    const groups = sets.length > 1 ? sets.flatMap((set, g) => set.map(() => g)) : undefined;
    const flat = sets.flat();
    // evaluate in slices of whole sets to bound memory
    const per = Math.max(1, Math.floor(256 / n));
    const slices: { part: Fact[]; g: number[] | undefined }[] = [];
    for (let s0 = 0; s0 < sets.length; s0 += per) {
      const part = flat.slice(s0 * n, Math.min(sets.length, s0 + per) * n);
      slices.push({ part, g: groups?.slice(s0 * n, s0 * n + part.length) });
    }
    const correct = async (): Promise<boolean[]> => {
      const out: boolean[] = [];
      for (const { part, g } of slices) {
        const items = part.map((f) => ({ prompt: f.promptIds, answer: f.targetIds }));
        out.push(...(await teacherForced(model, items, tok.padId, g)).map((x) => x.correct));
      }
      return out;
    };
    const perEpoch = Math.ceil(n / batch);
    const byEpoch: boolean[][] = []; // [epoch][flat fact]
    const r = await train(
      model,
      handle,
      examples,
      { checkEvery: 10, ...trainCfg, steps, batchSize: batch, earlyStop: false, seed, groupSeeds: seeds },
      {
        padId: tok.padId,
        afterEachStep: async (step) => {
          if (step % perEpoch === 0) byEpoch.push(await correct());
        },
      },
    );
    // after whole epochs the last evaluation is the final state's
    const scores =
      steps % perEpoch === 0 && byEpoch.length > 0 ? byEpoch[byEpoch.length - 1] : await correct();
    const answers: number[][] = [];
    for (const { part, g } of slices) {
      const prompts = part.map((f) => f.promptIds);
      answers.push(...(await greedy(model, prompts, 4, tok.padId, stopIds(tok), g)));
    }
    await probe?.(groups);
    return sets.map((set, g) => ({
      learned: set.map((_, i) => scores[g * n + i]),
      learnedByEpoch: byEpoch.map((e) => set.map((_, i) => e[g * n + i])),
      crossTalk: set.map((_, i) => {
        const a = answers[g * n + i];
        if (scores[g * n + i]) return false;
        return set.some(
          (o, j) => j !== i && o.targetIds.length === a.length && o.targetIds.every((t, q) => a[q] === t),
        );
      }),
      steps: r.steps,
    }));
  } finally {
    handle.remove();
  }
}

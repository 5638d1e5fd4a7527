/**
 * Single-fact runs to convergence for the learning-regime study (findings/regimes): each fact is learned with its own
 * adapter at one learning rate of a grid, with early stopping and at most `steps` optimiser steps. The trainer's
 * learning rate is constant (no warm-up, no decay: TRAIN_DEFAULTS), so a run that stops as soon as its fact is
 * predicted is, up to any budget b, the same run as one given only b steps: one run per (fact, rate) gives accuracy
 * at every shorter budget (metrics/regimes.ts). AdaLoRA is the exception: its rank budget schedule is spread over the
 * run's total steps, so its shorter budgets are those of a run planned for `steps` (the README says so).
 *
 * Besides the outcome, each run records the fact's base-model logit margin (logit of the original answer's first
 * token minus the target's) and the target's starting rank, the covariates that finding 1's distance effect is
 * tested against (on a tied model distance and margin are nearly the same number).
 */

import { greedy } from '../metrics/evaluate';
import { firstTokenMargins } from '../metrics/margins';
import { configFor, wrap } from '../peft/index';
import type { LoraHandle } from '../peft/lora';
import { deriveSeed, normalArray } from '../util/random';
import type { TrainerSettings } from './defaults';
import { DEFAULT_PROTOCOL_NAME, type Fact } from './facts';
import { embeddingDistance, learnSingleFacts, type MethodSpec, startsWith, stopIds } from './learn';
import type { Session } from './session';

/**
 * Which facts a run belongs to: 'held-out' (regimes are chosen on these), a seed's uniform draw of fresh facts (the
 * seed), or 'ends' (the near and far ends of the distance range, oversampled for finding 1's near end − middle
 * test)
 */
export type RegimeBlock = 'held-out' | 'ends' | number;

export interface RegimeRun {
  fact: string;
  method: string;
  /** index into the method's learning-rate grid */
  rate: number;
  block: RegimeBlock;
  /**
   * the null control of finding 2: trained toward another fact's target (this id) instead of its own; `learned` and
   * `updates` then refer to that target, `pushedAway` and `learnedDistance` still to the fact's own target
   */
  unrelated?: string;
  /**
   * optimiser updates after which the fact was first predicted (teacher-forced argmax = target): learned within a
   * budget of b steps ⇔ updates ≤ b; null when not learned within the run's steps
   */
  updates: number | null;
  /** greedy exact match of the target at the end of the run (at early stop, or after all steps) */
  learned: boolean;
  /** the answer at the end of the run is farther from the target than the original answer was (finding 2) */
  pushedAway: boolean;
  answerIsOriginal: boolean;
  /** target semantic distance (default protocol) */
  distance: number;
  /** distance between the final answer and the target (null: empty answer) */
  learnedDistance: number | null;
  /** base model: logit(original first token) − logit(target first token); null when both start with one token */
  margin: number | null;
  /** base model: 1 + tokens with a higher logit than the target's first token; null as for `margin` */
  rank: number | null;
  /** LoRA only: Σ over modules of ‖ΔW‖_F at the end of the run */
  deltaNorm?: number;
  /**
   * LoRA, fresh facts, trained toward their own target: finding 2's random-ΔW control — the same model with a random
   * rank-r update of this run's Σ‖ΔW‖_F (spread evenly over the modules) instead of the trained one; true when its
   * greedy answer ends farther from the target than the original answer (null: the run had no ΔW)
   */
  randomPushedAway?: boolean | null;
}

/** Trainable scalars of one adapter of `spec` on the session's model (full fine-tuning: every weight it trains). */
export function trainableParameters(s: Session, spec: MethodSpec, steps: number): number {
  const handle = wrap(s.model, configFor(spec, { groups: 1, seed: 0, steps }));
  try {
    return handle.parametersPerGroup();
  } finally {
    handle.remove();
  }
}

/**
 * Learns `facts` one adapter each at learning rate `lr` for at most `steps` steps (early stop), `stack` side by side.
 * `seed` seeds the adapters (with the method and fact: the same initialisation at every rate of the grid).
 */
export async function learnToConvergence(
  s: Session,
  facts: Fact[],
  spec: MethodSpec,
  train: TrainerSettings,
  run: { method: string; rate: number; block: RegimeBlock; lr: number; steps: number; seed: number },
  stack: number,
  /** the null control: per fact, the fact whose target it is trained toward instead of its own */
  unrelated?: Fact[],
  /** LoRA: also run the random-ΔW control (randomPushedAway) with each run's norm */
  randomControl = false,
): Promise<RegimeRun[]> {
  const trained = unrelated ? facts.map((f, i) => ({ ...f, targetIds: unrelated[i].targetIds })) : facts;
  const res = await learnSingleFacts(
    s,
    trained,
    spec,
    { ...train, steps: run.steps, lr: run.lr, checkEvery: 4 },
    run.seed,
    stack,
  );
  // prompts of one length per batch: a fact's margin does not depend on the facts it is batched with
  const margins = await firstTokenMargins(
    s.model,
    facts.map((f) => ({ promptIds: f.promptIds, originalId: f.originalIds[0], targetId: f.targetIds[0] })),
    s.tok.padId,
    64,
    true,
  );
  const random =
    randomControl && spec.method === 'lora'
      ? await randomDeltaPushes(
          s,
          facts,
          spec,
          res.map((r) => r.deltaNorm),
          run.seed,
          stack,
        )
      : undefined;
  return facts.map((f, i) => {
    const r = res[i];
    const d = f.distance[DEFAULT_PROTOCOL_NAME];
    const sameFirst = f.originalIds[0] === f.targetIds[0];
    // the trainer's learnedAt is the step whose forward predicted the answer (that step's update is skipped)
    const updates = r.stepsToLearn !== null ? r.stepsToLearn - 1 : r.learned ? run.steps : null;
    // distance of the final answer to the fact's OWN target (for the null control, not the target it trained toward)
    const toOwn = unrelated ? embeddingDistance(s, r.answerIds ?? [], f.targetIds) : r.learnedDistance;
    const ownLearned = unrelated ? false : r.learned;
    return {
      fact: f.record.id,
      method: run.method,
      rate: run.rate,
      block: run.block,
      ...(unrelated ? { unrelated: unrelated[i].record.id } : {}),
      updates,
      learned: r.learned,
      pushedAway: toOwn !== null && !ownLearned && toOwn > d + 1e-6,
      answerIsOriginal: r.answerIsOriginal,
      distance: d,
      learnedDistance: toOwn,
      margin: sameFirst ? null : margins[i].margin,
      rank: sameFirst ? null : margins[i].targetRank,
      ...(r.deltaNorm !== undefined ? { deltaNorm: r.deltaNorm } : {}),
      ...(random ? { randomPushedAway: random[i] } : {}),
    };
  });
}

/**
 * Sets adapter `g` of a LoRA stack to a random update with Σ over modules of ‖ΔW_m‖_F = `norm`, spread evenly
 * (‖ΔW_m‖_F = norm / modules): A stays LoRA's own random initialisation, B is Gaussian (seeded per module), scaled.
 */
export async function setRandomDelta(
  handle: LoraHandle,
  g: number,
  norm: number,
  seed: number,
): Promise<void> {
  const weights = await handle.exportAdapter(g);
  const perModule = norm / weights.size;
  for (const [m, w] of weights) {
    const [r, inF] = w.A.shape; // A [r, in], B [out, r] (peft layout)
    const outF = w.B.shape[0];
    const B = normalArray(outF * r, 1, deriveSeed(seed, m));
    // ‖scaling·B·A‖_F on the host
    let sq = 0;
    for (let o = 0; o < outF; o++)
      for (let i = 0; i < inF; i++) {
        let v = 0;
        for (let j = 0; j < r; j++) v += B[o * r + j] * w.A.data[j * inF + i];
        sq += (handle.scaling * v) ** 2;
      }
    const c = sq > 0 ? perModule / Math.sqrt(sq) : 0;
    for (let j = 0; j < B.length; j++) B[j] *= c;
    weights.set(m, { A: w.A, B: { shape: [outF, r], data: B } });
  }
  handle.importAdapter(weights, g);
}

/**
 * Finding 2's random-ΔW control: for each fact, a LoRA update in a random direction with the norm of the trained
 * one — A from LoRA's own random initialisation, B Gaussian, each module scaled to ‖ΔW_m‖_F = norm / modules — and
 * whether the model's greedy answer then ends farther from the fact's target than its original answer. Facts
 * without a norm (or a zero one) give null. Seeded by the fact, so the result does not depend on the stacking.
 */
export async function randomDeltaPushes(
  s: Session,
  facts: Fact[],
  spec: MethodSpec,
  norms: (number | undefined)[],
  seed: number,
  stack: number,
): Promise<(boolean | null)[]> {
  const out: (boolean | null)[] = [];
  const K = Math.max(1, stack);
  for (let start = 0; start < facts.length; start += K) {
    const chunk = facts.slice(start, start + K);
    const seeds = chunk.map((f) => deriveSeed(seed, `random-delta:${f.record.id}`));
    const handle = wrap(
      s.model,
      configFor(spec, { groups: chunk.length, seed: seeds[0], seeds }),
    ) as LoraHandle;
    try {
      for (let g = 0; g < chunk.length; g++) {
        const norm = norms[start + g];
        if (!(norm !== undefined && norm > 0)) continue;
        await setRandomDelta(handle, g, norm, seeds[g]);
      }
      const answers = await greedy(
        s.model,
        chunk.map((f) => f.promptIds),
        4,
        s.tok.padId,
        stopIds(s.tok),
        chunk.length > 1 ? chunk.map((_, g) => g) : undefined,
      );
      for (const [g, f] of chunk.entries()) {
        const norm = norms[start + g];
        if (!(norm !== undefined && norm > 0)) {
          out.push(null);
          continue;
        }
        const ans = answers[g];
        const isTarget = startsWith(ans, f.targetIds);
        const d = embeddingDistance(s, ans, f.targetIds);
        out.push(!isTarget && d !== null && d > f.distance[DEFAULT_PROTOCOL_NAME] + 1e-6);
      }
    } finally {
      handle.remove();
    }
  }
  return out;
}

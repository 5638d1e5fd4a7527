/**
 * Method-level benchmark for the premise at matched wall-clock (findings/regimes `premiseAtWallClock`): the time of
 * one optimiser step of each method learning one fact on the shipped model, as the regime study trains it (batch 1,
 * the regime study's PEFT settings, full fine-tuning with its embeddings), and of a step of `stack` adapters trained
 * side by side (PEFT only: full fine-tuning trains one model at a time). Ratios are against full fine-tuning's step in
 * the same run, so they compare across machines; seconds do not.
 *
 * A step's time is the gap between two progress events of `train()` with `checkEvery: 1` (each step ends with a host
 * read); warm-up steps are excluded and the median of the rest is kept.
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { methodSpecs } from '../knowledge/config';
import type { Fact } from '../knowledge/facts';
import type { MethodSpec } from '../knowledge/learn';
import type { Session } from '../knowledge/session';
import { configFor, wrap } from '../peft/index';
import type { Example } from '../train/batches';
import { train } from '../train/trainer';
import { median } from './kernel';
import { table } from './report';

/** AdaLoRA's planned run length: the regime study's step budget at toy (findings/regimes/experiment.ts REGIMES_SCALES.toy.steps) */
const PLANNED_STEPS = 48;

export const BENCH_METHODS = ['lora', 'adalora', 'adapter', 'full'] as const;

export interface MethodStepTime {
  method: string;
  /** adapters trained side by side in one step (1: one fact alone) */
  stack: number;
  warmup: number;
  stepSeconds: number[];
  medianStepS: number;
  /** medianStepS ÷ stack: the seconds one fact's update costs */
  perFactS: number;
  /** perFactS ÷ full fine-tuning's perFactS in the same run */
  vsFull: number | null;
  /** trainable scalars of one adapter (full fine-tuning: every weight it trains) */
  parameters: number;
  numTensorsBefore: number;
  numTensorsAfter: number;
}

/** Times `warmup + steps` steps of `spec` learning `facts.length` facts side by side (one adapter each). */
async function timeSteps(
  s: Session,
  method: string,
  spec: MethodSpec,
  facts: Fact[],
  warmup: number,
  steps: number,
): Promise<Omit<MethodStepTime, 'vsFull'>> {
  const numTensorsBefore = tf.memory().numTensors;
  const k = facts.length;
  const handle = wrap(
    s.model,
    configFor(spec, {
      groups: k,
      seed: 0,
      seeds: facts.map((_, i) => i),
      // AdaLoRA's rank schedule planned over the regime study's run length (it needs tinit + tfinal < totalSteps)
      steps: Math.max(warmup + steps, PLANNED_STEPS),
    }),
  );
  const parameters = handle.parametersPerGroup();
  const examples: Example[] = facts.map((f, g) => ({
    ids: [...f.promptIds, ...f.targetIds],
    answerStart: f.promptIds.length,
    group: g,
  }));
  const stamps = [performance.now()];
  try {
    await train(
      s.model,
      handle,
      examples,
      { steps: warmup + steps, batchSize: 1, checkEvery: 1, earlyStop: false, seed: 0, lr: 1e-4 },
      { padId: s.tok.padId, onProgress: () => stamps.push(performance.now()) },
    );
  } finally {
    handle.remove();
  }
  const stepSeconds = stamps
    .slice(1)
    .map((t, i) => (t - stamps[i]) / 1000)
    .slice(warmup);
  const med = median(stepSeconds);
  return {
    method,
    stack: k,
    warmup,
    stepSeconds,
    medianStepS: med,
    perFactS: med / k,
    parameters,
    numTensorsBefore,
    numTensorsAfter: tf.memory().numTensors,
  };
}

/**
 * Step times of every method on one fact, and of the PEFT methods on `stack` facts side by side; `vsFull` is each
 * per-fact time over full fine-tuning's. `facts` are the facts trained (the first one alone, the first `stack`
 * stacked).
 */
export async function benchMethodSteps(
  s: Session,
  facts: Fact[],
  opts: { warmup: number; steps: number; stack: number; onLog?: (line: string) => void },
): Promise<MethodStepTime[]> {
  if (facts.length === 0) throw new Error('benchMethodSteps: no facts to train');
  const specs = methodSpecs([...BENCH_METHODS]);
  const out: Omit<MethodStepTime, 'vsFull'>[] = [];
  const stacks = [...new Set([1, Math.max(1, Math.min(opts.stack, facts.length))])];
  for (const m of BENCH_METHODS) {
    for (const k of m === 'full' ? [1] : stacks) {
      opts.onLog?.(
        `${m}, ${k} fact${k > 1 ? 's' : ''} per step: ${opts.warmup} warm-up + ${opts.steps} timed steps…`,
      );
      const r = await timeSteps(s, m, specs[m], facts.slice(0, k), opts.warmup, opts.steps);
      opts.onLog?.(`  median ${r.medianStepS.toFixed(4)} s a step, ${r.perFactS.toFixed(4)} s per fact`);
      out.push(r);
    }
  }
  const full = out.find((r) => r.method === 'full')!.perFactS;
  return out.map((r) => ({ ...r, vsFull: full > 0 ? r.perFactS / full : null }));
}

/** The benchmark as a text table (bench command): per method and stack, step and per-fact seconds, ratio to full. */
export function methodTable(times: readonly MethodStepTime[]): string {
  return table(
    [
      'method',
      'facts a step',
      'median s a step',
      's per fact',
      '÷ full',
      'trainable',
      'numTensors before→after',
    ],
    times.map((t) => [
      t.method,
      String(t.stack),
      t.medianStepS.toFixed(4),
      t.perFactS.toFixed(4),
      t.vsFull === null ? '—' : t.vsFull.toFixed(3),
      t.parameters.toLocaleString('en-US'),
      `${t.numTensorsBefore} → ${t.numTensorsAfter}`,
    ]),
  );
}

/**
 * Experiment 2 — does PEFT push the model AWAY from the target? (paper: after PEFT the learned knowledge can be
 * further from the target than the original knowledge was.)
 * Per single-fact run: target distance d₀ = distance(original, target) and learned distance d₁ =
 * distance(greedy answer after training, target), both 1 − cos of mean base-model input embeddings
 * ('emb/answer/mean/1-cos'). "Pushed away" = d₁ > d₀ (the answer moved to something further from the target than
 * the original). Reported: its share overall and among failed cases, by target-distance bin, what the failed
 * answers were (unchanged original / another word), and for LoRA the update's Frobenius norm and the share of its
 * energy in the base weight's top-8 singular directions for pushed-away vs learned cases.
 */

import { session } from '../../knowledge/config';
import { DEFAULT_PROTOCOL_NAME } from '../../knowledge/facts';
import type {
  SingleCase,
  SingleCaseResult,
  SingleFactConfig,
  SingleFactOptions,
} from '../../knowledge/single-facts';
import { singleCases, singleFactConfig, singleFactRuns } from '../../knowledge/single-facts';
import { type BinnedRate, binnedRates, meanCI, rate } from '../../metrics/stats';
import type { Experiment } from '../../runner/runner';

export type DriftConfig = SingleFactConfig;

export function driftConfig(o: SingleFactOptions = {}): DriftConfig {
  const { fullFacts: _unused, ...cfg } = singleFactConfig(o, ['lora', 'adalora', 'adapter']);
  return cfg;
}

type Rate = ReturnType<typeof rate>;
type CI = ReturnType<typeof meanCI>;

export interface MethodDrift {
  method: string;
  n: number;
  failed: number;
  pushedAway: Rate;
  pushedAwayAmongFailed: Rate;
  unchangedAmongFailed: Rate;
  /** mean d₁ − d₀ among failed cases with an answer */
  shiftAmongFailed: CI;
  byDistance: BinnedRate[];
  /** LoRA: ΔW Frobenius norm and top-8 energy share, pushed-away vs learned */
  delta?: { pushedNorm: CI; learnedNorm: CI; pushedTop: CI; learnedTop: CI };
  /** the claim read as an existence claim: runs pushed away occur (95 % lower bound above 0.5 % of runs) */
  occurs: boolean;
  /** the stronger reading: PEFT pushes away in at least 5 % of runs (95 % lower bound) */
  reproduces: boolean;
}

export interface DriftSummary {
  protocol: string;
  methods: MethodDrift[];
  examples: {
    method: string;
    prompt: string;
    original: string;
    target: string;
    answer: string;
    d0: number;
    d1: number;
  }[];
}

const pushed = (r: SingleCaseResult) =>
  r.learnedDistance !== null && !r.learned && r.learnedDistance > r.distance[DEFAULT_PROTOCOL_NAME] + 1e-6;

export const drift: Experiment<DriftConfig, SingleCase, SingleCaseResult, DriftSummary> = {
  name: 'drift',
  // 2: the config holds every PEFT and trainer default (resolved before hashing); 3: each seed trains its own facts;
  // 4: a lone adapter's products are summed as a stack's (peft/groups.ts stackMatMul)
  version: 4,
  ...singleFactRuns,
  cases(cfg) {
    return singleCases(
      session(cfg).pool,
      cfg.methods,
      cfg.seeds,
      Object.fromEntries(cfg.methods.map((m) => [m, cfg.facts])),
    );
  },
  summarize(cfg, results) {
    const pool = new Map(session(cfg).pool.map((f) => [f.record.id, f.record]));
    const methods: MethodDrift[] = cfg.methods.map((method) => {
      const rs = results.filter((r) => r.method === method);
      const failed = rs.filter((r) => !r.learned);
      const d0 = rs.map((r) => r.distance[DEFAULT_PROTOCOL_NAME]);
      const pa = rate(rs.map(pushed));
      const out: MethodDrift = {
        method,
        n: rs.length,
        failed: failed.length,
        pushedAway: pa,
        pushedAwayAmongFailed: rate(failed.map(pushed)),
        unchangedAmongFailed: rate(failed.map((r) => r.answerIsOriginal)),
        shiftAmongFailed: meanCI(
          failed
            .filter((r) => r.learnedDistance !== null)
            .map((r) => r.learnedDistance! - r.distance[DEFAULT_PROTOCOL_NAME]),
        ),
        byDistance: binnedRates(d0, rs.map(pushed), cfg.bins).bins,
        occurs: pa.lo > 0.005,
        reproduces: pa.lo > 0.05,
      };
      if (rs.some((r) => r.deltaNorm !== undefined)) {
        const p = rs.filter(pushed);
        const l = rs.filter((r) => r.learned);
        out.delta = {
          pushedNorm: meanCI(p.map((r) => r.deltaNorm ?? Number.NaN)),
          learnedNorm: meanCI(l.map((r) => r.deltaNorm ?? Number.NaN)),
          pushedTop: meanCI(p.map((r) => r.deltaTopEnergy ?? Number.NaN)),
          learnedTop: meanCI(l.map((r) => r.deltaTopEnergy ?? Number.NaN)),
        };
      }
      return out;
    });
    const examples = results
      .filter(pushed)
      .slice(0, 8)
      .map((r) => {
        const rec = pool.get(r.id);
        return {
          method: r.method,
          prompt: rec?.prompt ?? '',
          original: rec?.original ?? '',
          target: rec?.target ?? '',
          answer: r.answer,
          d0: r.distance[DEFAULT_PROTOCOL_NAME],
          d1: r.learnedDistance!,
        };
      });
    return { protocol: DEFAULT_PROTOCOL_NAME, methods, examples };
  },
};

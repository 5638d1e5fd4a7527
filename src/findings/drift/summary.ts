/** Finding drift: its section of results/SUMMARY.md (claim, our number with its interval, verdict). */
import { fix, pci, pct, verdict } from '../format';
import type { Headline } from '../headline';
import { existenceHeadline } from '../regimes/summary';
import type { DriftConfig, DriftSummary } from './experiment';

export function driftSection(cfg: DriftConfig, s: DriftSummary): string {
  const rows = s.methods.map(
    (m) =>
      `| ${m.method} | ${m.n} | ${m.failed} | ${pct(m.pushedAway.rate)} ${pci(m.pushedAway.lo, m.pushedAway.hi)} | ${pct(m.pushedAwayAmongFailed.rate)} | ${pct(m.unchangedAmongFailed.rate)} | ${m.occurs ? 'yes' : 'no'} | ${verdict(m.reproduces)} |`,
  );
  const lora = s.methods.find((m) => m.delta);
  const delta = lora?.delta
    ? `${lora.method} update (Σ over adapted modules of ‖ΔW‖_F): pushed-away runs ${fix(lora.delta.pushedNorm.estimate)} [${fix(lora.delta.pushedNorm.lo)}, ${fix(lora.delta.pushedNorm.hi)}] vs learned runs ${fix(lora.delta.learnedNorm.estimate)} [${fix(lora.delta.learnedNorm.lo)}, ${fix(lora.delta.learnedNorm.hi)}]; share of ‖ΔW‖²_F in the top-8 singular directions of the base weight: ${pct(lora.delta.pushedTop.estimate)} vs ${pct(lora.delta.learnedTop.estimate)} (a random update would put about (8/128)² ≈ 0.4 % there). Not evidence that pushing away comes from larger updates: learned runs stop early, so their updates are smaller by construction; that comparison needs equal step counts.`
    : '';
  return [
    '## 2. PEFT can push the model away from the target',
    'Paper: after PEFT, the learned knowledge can be further from the target than the original knowledge was.',
    `Ours: d₀ = distance(original, target), d₁ = distance(greedy answer after training, target), ${s.protocol}; "pushed away" = not learned and d₁ > d₀; ${cfg.steps} steps, seeds ${cfg.seeds.join(', ')}. "Occurs at all": the 95 % lower bound of the share is above 0.5 % of runs; the verdict tests the paper's claim as stated, existence: push-away among the failed runs with a lower bound above 0, given enough failed runs to see a 5 % rate; the 5 % bar on all runs (v1) is a description.`,
    '',
    '| method | runs | failed | pushed away (95 % CI) | pushed away among failed | unchanged original among failed | occurs at all | v1 verdict (lower bound ≥ 5 % of runs) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    delta,
  ].join('\n');
}

/**
 * Headline per PEFT method, the paper's claim as stated: push-away exists among the failed runs (Wilson lower bound
 * above 0), with the room rule (enough failed runs to see a 5 % rate); the 5 % bar on all runs is a description.
 */
export function driftHeadlines(s: DriftSummary): Headline[] {
  return s.methods
    .filter((m) => m.method !== 'full')
    .map((m) =>
      existenceHeadline(`2 drift away · ${m.method}`, 'pushed away among failed runs', [
        { name: 'the calibrated rate', r: m.pushedAwayAmongFailed },
      ]),
    );
}

/**
 * results/SUMMARY.md: for each finding, the paper's claim, our number with its 95 % interval and seeds, the protocol,
 * and whether the direction reproduces. Generated from the summaries only.
 */
import type { DistanceCurveConfig, DistanceCurveSummary } from '../findings/distance/experiment';
import type { DriftConfig, DriftSummary } from '../findings/drift/experiment';
import type { FilteringConfig, FilteringSummary } from '../findings/filtering/experiment';
import type { InterferenceConfig, InterferenceSummary } from '../findings/interference/experiment';
import type { ReweightingConfig, ReweightingSummary } from '../findings/reweighting/experiment';
import { DEFAULT_PROTOCOL_NAME } from '../knowledge/facts';

// summaries come back from JSON, where NaN is null
const ok = (x: number | null): x is number => typeof x === 'number' && Number.isFinite(x);
const pct = (x: number | null) => (ok(x) ? `${(100 * x).toFixed(1)} %` : 'n/a');
const pts = (x: number | null) => (ok(x) ? `${(100 * x).toFixed(1)}` : 'n/a');
const fix = (x: number | null, d = 3) => (ok(x) ? x.toFixed(d) : 'n/a');
const pval = (p: number | null) => (ok(p) ? (p < 1e-4 ? '< 1e-4' : p.toPrecision(2)) : 'n/a');
const ci = (lo: number | null, hi: number | null, f = pct) => `[${f(lo)}, ${f(hi)}]`;
/** interval of a proportion or accuracy: t intervals over few seeds can leave [0, 1]; shown clipped */
const clip = (x: number | null) => (ok(x) ? Math.min(1, Math.max(0, x)) : x);
const pci = (lo: number | null, hi: number | null) => ci(clip(lo), clip(hi));
const verdict = (ok: boolean) => (ok ? '**reproduces**' : '**does not reproduce**');

export interface Findings {
  distance?: { cfg: DistanceCurveConfig; s: DistanceCurveSummary };
  drift?: { cfg: DriftConfig; s: DriftSummary };
  interference?: { cfg: InterferenceConfig; s: InterferenceSummary };
  filtering?: { cfg: FilteringConfig; s: FilteringSummary };
  reweighting?: { cfg: ReweightingConfig; s: ReweightingSummary };
}

export function distanceSection(cfg: DistanceCurveConfig, s: DistanceCurveSummary): string {
  const rows = s.curves
    .filter((c) => c.protocol === DEFAULT_PROTOCOL_NAME)
    .map(
      (c) =>
        `| ${c.method} | ${c.overall.n} | ${c.bins.map((b) => pct(b.rate)).join(' · ')} | ${pts(c.middleMinusOuter.diff)} ${ci(c.middleMinusOuter.lo, c.middleMinusOuter.hi, pts)} | ${fix(c.spearman.rho, 2)} (p ${pval(c.spearman.p)}) | ${verdict(c.reproduces)} |`,
    );
  const robust = s.curves.map((c) => `${c.method}/${c.protocol}: ${c.reproduces ? 'yes' : 'no'}`).join('; ');
  return [
    '## 1. Accuracy depends on target semantic distance',
    'Paper: single-fact learning accuracy is best at a moderate target distance, lower for near and far targets.',
    `Ours: ${cfg.steps} steps, learning rates ${JSON.stringify(cfg.lrs)}, seeds ${cfg.seeds.join(', ')}; accuracy = greedy exact match of the target; ${cfg.bins} quantile bins of ${DEFAULT_PROTOCOL_NAME} (near → far).`,
    '',
    '| method | runs | accuracy by distance bin (near → far) | middle − outer bins (points, 95 % CI) | Spearman ρ (distance, learned) | verdict |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `Other distance protocols (reproduces?): ${robust}.`,
  ].join('\n');
}

export function driftSection(cfg: DriftConfig, s: DriftSummary): string {
  const rows = s.methods.map(
    (m) =>
      `| ${m.method} | ${m.n} | ${m.failed} | ${pct(m.pushedAway.rate)} ${pci(m.pushedAway.lo, m.pushedAway.hi)} | ${pct(m.pushedAwayAmongFailed.rate)} | ${pct(m.unchangedAmongFailed.rate)} | ${m.occurs ? 'yes' : 'no'} | ${verdict(m.reproduces)} |`,
  );
  const lora = s.methods.find((m) => m.delta);
  const delta = lora?.delta
    ? `${lora.method} update (Σ over adapted modules of ‖ΔW‖_F): pushed-away runs ${fix(lora.delta.pushedNorm.estimate)} [${fix(lora.delta.pushedNorm.lo)}, ${fix(lora.delta.pushedNorm.hi)}] vs learned runs ${fix(lora.delta.learnedNorm.estimate)} [${fix(lora.delta.learnedNorm.lo)}, ${fix(lora.delta.learnedNorm.hi)}]; share of ‖ΔW‖²_F in the top-8 singular directions of the base weight: ${pct(lora.delta.pushedTop.estimate)} vs ${pct(lora.delta.learnedTop.estimate)} (a random update would put about (8/128)² ≈ 0.4 % there).`
    : '';
  return [
    '## 2. PEFT can push the model away from the target',
    'Paper: after PEFT, the learned knowledge can be further from the target than the original knowledge was.',
    `Ours: d₀ = distance(original, target), d₁ = distance(greedy answer after training, target), ${s.protocol}; "pushed away" = not learned and d₁ > d₀; ${cfg.steps} steps, seeds ${cfg.seeds.join(', ')}. "Occurs at all": the 95 % lower bound of the share is above 0.5 % of runs; the verdict asks more — that PEFT pushes away in at least 5 % of runs (lower bound).`,
    '',
    '| method | runs | failed | pushed away (95 % CI) | pushed away among failed | unchanged original among failed | occurs at all | verdict (≥ 5 % of runs) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    delta,
  ].join('\n');
}

export function interferenceSection(cfg: InterferenceConfig, s: InterferenceSummary): string {
  const sizes = s.bySize
    .map((b) => `N=${b.n}: ${pct(b.accuracy.estimate)} ${pci(b.accuracy.lo, b.accuracy.hi)}`)
    .join('; ');
  const ct = s.bySize.map((b) => `N=${b.n}: ${pct(b.crossTalkAmongWrong.rate)}`).join('; ');
  const f = s.composition.fit;
  return [
    '## 3. Facts learned together interfere',
    "Paper: accuracy falls when many facts are learned together; it rises as the set's mean target distance falls and as its variance rises.",
    `Ours: ${cfg.method}, every fact seen ${cfg.epochs} times, seeds ${cfg.seeds.join(', ')}.`,
    '',
    `- Accuracy by N: ${sizes}. Falls with N: ${verdict(s.reproducesSize)}.`,
    `- Cross-talk (wrong answers that are another fact's new target): ${ct}.`,
    `- Knowledge features (last-layer state at the last prompt token), shift from the base model: learned alone ${fix(s.features.meanShiftSingle)}, learned together ${fix(s.features.meanShiftJoint)}; together − alone, paired by fact: ${fix(s.features.jointMinusSingleShift.estimate)} [${fix(s.features.jointMinusSingleShift.lo)}, ${fix(s.features.jointMinusSingleShift.hi)}] — the "interference suppresses knowledge features" reading ${verdict(s.reproducesSuppression)}.`,
    `- ${s.composition.points.length} sets of ${cfg.setSize}: OLS accuracy ~ z(mean) + z(variance): b_mean ${fix(f.b1.estimate, 3)} [${fix(f.b1.lo, 3)}, ${fix(f.b1.hi, 3)}] (${verdict(s.reproducesMean)} the "lower mean helps" direction), b_var ${fix(f.b2.estimate, 3)} [${fix(f.b2.lo, 3)}, ${fix(f.b2.hi, 3)}] (${verdict(s.reproducesVariance)} the "higher variance helps" direction); R² ${fix(f.r2, 2)}.`,
  ].join('\n');
}

export function filteringSection(cfg: FilteringConfig, s: FilteringSummary): string {
  const lines = s.curves.map(
    (c) =>
      `- ${c.strategy}: ${c.points.map((p) => `${(p.share * 100).toFixed(0)}%→${pct(p.accuracy.estimate)}`).join(', ')}; best at ${(c.bestShare * 100).toFixed(0)} %.`,
  );
  const g = s.gain
    .filter((x) => x.share > 0)
    .map((x) => `${(x.share * 100).toFixed(0)}%: ${pts(x.diff.estimate)} ${ci(x.diff.lo, x.diff.hi, pts)}`);
  return [
    '## 4. Data filtering helps (best near 60 % replaced)',
    'Paper: replacing data detrimental to knowledge learning (lower mean, higher variance of target distance) helps; about 60 % replaced is best.',
    `Ours: sets of ${cfg.setSize}, strategy 'semantic-greedy' (maximise var − mean of target distance) vs 'random' replacement, seeds ${cfg.seeds.join(', ')}, ${cfg.epochs} epochs.`,
    '',
    ...lines,
    `- Semantic minus random (points, 95 % CI): ${g.join('; ')}.`,
    `- Filtering beats no filtering: ${verdict(s.reproducesHelps)}; best share in 50–70 %: ${verdict(s.reproducesSixty)}.`,
  ].join('\n');
}

export function reweightingSection(cfg: ReweightingConfig, s: ReweightingSummary): string {
  const rows = s.variants.map(
    (v) =>
      `| ${v.variant} | ${pct(v.accuracy.estimate)} ${pci(v.accuracy.lo, v.accuracy.hi)} | ${v.variant === 'ce' ? '—' : `${pts(v.gainOverCE.estimate)} ${ci(v.gainOverCE.lo, v.gainOverCE.hi, pts)}`} |`,
  );
  return [
    '## 5. A distance-aware re-weighted loss helps (+3–5 points)',
    'Paper: a training loss attentive to target semantic distance improves accuracy by about 3–5 points over plain fine-tuning. The formula is not known to us: the variants below are ours.',
    `Ours: sets of ${cfg.setSize}, ${cfg.sets} sets × seeds ${cfg.seeds.join(', ')}, weights normalised to mean 1 (γ = ${cfg.gamma}, α = ${cfg.alpha}).`,
    '',
    '| variant | accuracy (95 % CI) | gain over CE, points (95 % CI) |',
    '|---|---|---|',
    ...rows,
    '',
    `Variants with a credible gain: ${s.reproduces.length > 0 ? s.reproduces.join(', ') : 'none'} — ${verdict(s.reproduces.length > 0)}.`,
  ].join('\n');
}

export function summaryMarkdown(f: Findings, header: string): string {
  const parts = [header];
  if (f.distance) parts.push(distanceSection(f.distance.cfg, f.distance.s));
  if (f.drift) parts.push(driftSection(f.drift.cfg, f.drift.s));
  if (f.interference) parts.push(interferenceSection(f.interference.cfg, f.interference.s));
  if (f.filtering) parts.push(filteringSection(f.filtering.cfg, f.filtering.s));
  if (f.reweighting) parts.push(reweightingSection(f.reweighting.cfg, f.reweighting.s));
  return `${parts.join('\n\n')}\n`;
}

/** Finding interference: its section of results/SUMMARY.md (claim, our number with its interval, verdict). */
import { fix, pci, pct, verdict } from '../format';
import type { InterferenceConfig, InterferenceSummary } from './experiment';

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

/** Finding filtering: its section of results/SUMMARY.md (claim, our number with its interval, verdict). */
import { ci, pct, pts, verdict } from '../format';
import type { FilteringConfig, FilteringSummary } from './experiment';

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

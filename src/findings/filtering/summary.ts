/** Finding filtering: its section of results/SUMMARY.md (claim, our number with its interval, verdict). */
import { ci, pct, pts, verdict } from '../format';
import { bestOfFamily, type Headline } from '../headline';
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
    `Ours: ${cfg.sets} sets of ${cfg.setSize} per seed (seeds ${cfg.seeds.join(', ')}), each filtered at every share by strategy 'semantic-greedy' (maximise var − mean of target distance) and by 'random' replacement (paired by set), ${cfg.epochs} epochs.`,
    '',
    ...lines,
    `- Semantic minus random (points, 95 % CI): ${g.join('; ')}.`,
    `- v1 rules (no control, no correction): filtering beats no filtering ${verdict(s.reproducesHelps)}; best share in 50–70 % ${verdict(s.reproducesSixty)}.`,
  ].join('\n');
}

/** Headline: semantic − random filtering at the best share (paired by set), Holm over the shares; margin 3 points. */
export function filteringHeadlines(s: FilteringSummary): Headline[] {
  const members = s.gain
    .filter((g) => g.share > 0)
    .map((g) => ({ name: `semantic − random, ${Math.round(100 * g.share)} % replaced`, ci: g.diff }));
  return [bestOfFamily('4 filtering', members, 0.03)];
}

/** Finding filtering: its figures, built from its summary (static SVG/PNG for the README, interactive in the notebooks). */
import { type FigureSpec, lineCI, seriesCI } from '../../viz/figures';
import type { FindingReading } from '../finding';
import { ci, gain, pct, pts, verdict } from '../format';
import type { FilteringSummary } from './experiment';

export function filteringFigure(s: FilteringSummary): FigureSpec {
  return lineCI(
    s.curves.map((c) =>
      seriesCI(
        c.strategy,
        c.points,
        (p) => p.share * 100,
        (p) => p.accuracy,
      ),
    ),
    {
      title: 'Data filtering: accuracy against the share of the set replaced',
      x: 'share of training facts replaced (%)',
      y: 'accuracy on the trained set',
      protocol:
        'paper: best near 60 %; random replacement is our control; mean over seeds, 95 % t intervals (clipped to [0, 1])',
    },
    { ci: 'bars', markers: true, yRange: [0, 1.02], bounds: [0, 1] },
  );
}

/** Finding 4 in words, from its summary. */
export function filteringReading(s: FilteringSummary): FindingReading {
  const sem = s.curves.find((c) => c.strategy !== 'random') ?? s.curves[0];
  const rnd = s.curves.find((c) => c.strategy === 'random');
  const at = (c: typeof sem | undefined, share: number) =>
    c?.points.find((p) => p.share === share)?.accuracy.estimate ?? null;
  const bestGain = [...s.gain]
    .filter((g) => g.share > 0)
    .sort((a, b) => b.diff.estimate - a.diff.estimate)[0];
  const g60 = s.gain.find((g) => Math.abs(g.share - 0.6) < 1e-9);
  const kept = sem
    ? `mean target distance of the set ${sem.points[0]?.meanDistance.toFixed(3)} → ${sem.points.find((p) => p.share === sem.bestShare)?.meanDistance.toFixed(3)}, variance ${sem.points[0]?.varDistance.toFixed(4)} → ${sem.points.find((p) => p.share === sem.bestShare)?.varDistance.toFixed(4)}`
    : '';
  return {
    number: `${sem ? `${sem.strategy}: ${pct(at(sem, 0))} unfiltered → ${pct(at(sem, sem.bestShare))} at ${(100 * sem.bestShare).toFixed(0)} % replaced (best)` : ''}${rnd ? `; random replacement best ${pct(at(rnd, rnd.bestShare))}` : ''}${g60 ? `; semantic − random at 60 %: ${gain(g60.diff.estimate)} ${ci(g60.diff.lo, g60.diff.hi, pts)}` : ''}`,
    verdict: `filtering helps: ${verdict(s.reproducesHelps)}; best share in 50–70 %: ${verdict(s.reproducesSixty)}`,
    figures: {
      filtering: `One line per replacement strategy; each point is the accuracy on the trained set after replacing that share of it (mean over seeds, 95 % t interval). ${sem ? `Semantic filtering peaks at ${(100 * sem.bestShare).toFixed(0)} % replaced (${pct(at(sem, sem.bestShare))}); ${kept}.` : ''} ${bestGain ? `Its largest lead over random replacement is ${gain(bestGain.diff.estimate)} ${ci(bestGain.diff.lo, bestGain.diff.hi, pts)} at ${(100 * bestGain.share).toFixed(0)} %.` : ''} Accuracy is measured on the facts actually trained, so a strategy that keeps easier (nearer) facts scores higher for that reason alone: the random control rules out replacement as such, not selection of easy facts.`,
    },
  };
}

/** Finding filtering: its figures, built from its summary (static SVG/PNG for the README, interactive in the notebooks). */
import { type FigureSpec, lineCI, seriesCI } from '../../viz/figures';
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
      protocol: 'paper: best near 60 %; random replacement is our control; mean over seeds, 95 % t intervals',
    },
    { ci: 'bars', markers: true, yRange: [0, 1] },
  );
}

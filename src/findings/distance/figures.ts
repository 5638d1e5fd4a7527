/** Finding distance: its figures, built from its summary (static SVG/PNG for the README, interactive in the notebooks). */
import { DEFAULT_PROTOCOL_NAME } from '../../knowledge/facts';
import { type FigureSpec, lineCI, seriesCI } from '../../viz/figures';
import type { DistanceCurveSummary } from './experiment';

export function distanceCurveFigure(s: DistanceCurveSummary, protocol = DEFAULT_PROTOCOL_NAME): FigureSpec {
  const curves = s.curves.filter((c) => c.protocol === protocol);
  return lineCI(
    curves.map((c) =>
      seriesCI(
        `${c.method} (n=${c.overall.n})`,
        c.bins,
        (b) => b.mid,
        (b) => b,
      ),
    ),
    {
      title: 'Accuracy against target semantic distance (single facts)',
      x: `target semantic distance (${protocol}), bin median`,
      y: 'accuracy (greedy exact match)',
      protocol: `quantile bins; 95 % Wilson intervals; paper: best at moderate distance`,
    },
    { ci: 'bars', markers: true, yRange: [0, 1] },
  );
}

export function stepsFigure(s: DistanceCurveSummary): FigureSpec {
  const curves = s.curves.filter((c) => c.protocol === DEFAULT_PROTOCOL_NAME);
  return lineCI(
    curves.map((c) => ({ name: c.method, x: c.byStep.map((_, i) => i + 1), mean: c.byStep })),
    {
      title: 'Share of single facts learned by step',
      x: 'training step',
      y: 'share learned (greedy exact match)',
    },
    { ci: 'none', markers: false, yRange: [0, 1] },
  );
}

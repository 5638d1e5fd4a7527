/** Finding drift: its figures, built from its summary (static SVG/PNG for the README, interactive in the notebooks). */
import { type FigureSpec, lineCI, seriesCI } from '../../viz/figures';
import type { DriftSummary } from './experiment';

export function driftFigure(s: DriftSummary): FigureSpec {
  return lineCI(
    s.methods.map((m) =>
      seriesCI(
        `${m.method} (failed ${m.failed}/${m.n})`,
        m.byDistance,
        (b) => b.mid,
        (b) => b,
      ),
    ),
    {
      title:
        'Pushed away from the target: share of single-fact runs whose answer ends further from the target',
      x: `target semantic distance (${s.protocol}), bin median`,
      y: 'share pushed away (d₁ > d₀)',
      protocol:
        'd₀ = distance(original, target), d₁ = distance(answer after training, target); 95 % Wilson intervals',
    },
    { ci: 'bars', markers: true, yRange: [0, 1] },
  );
}

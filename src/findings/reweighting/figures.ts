/** Finding reweighting: its figures, built from its summary (static SVG/PNG for the README, interactive in the notebooks). */
import { barCI, type FigureSpec } from '../../viz/figures';
import type { ReweightingSummary } from './experiment';

export function reweightingFigure(s: ReweightingSummary): FigureSpec {
  return barCI(
    [
      {
        name: 'gain over plain cross-entropy',
        categories: s.variants.filter((v) => v.variant !== 'ce').map((v) => v.variant),
        mean: s.variants.filter((v) => v.variant !== 'ce').map((v) => v.gainOverCE.estimate * 100),
        lo: s.variants.filter((v) => v.variant !== 'ce').map((v) => v.gainOverCE.lo * 100),
        hi: s.variants.filter((v) => v.variant !== 'ce').map((v) => v.gainOverCE.hi * 100),
      },
    ],
    {
      title: 'Re-weighted loss: accuracy gain over plain cross-entropy (points)',
      x: 'loss weighting variant',
      y: 'accuracy gain (percentage points)',
      protocol: 'paired by training set; 95 % t intervals; paper: +3–5 points',
    },
  );
}

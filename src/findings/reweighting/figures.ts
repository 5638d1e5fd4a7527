/** Finding reweighting: its figures, built from its summary (static SVG/PNG for the README, interactive in the notebooks). */
import { barCI, type FigureSpec, withBand, withLine } from '../../viz/figures';
import type { FindingReading } from '../finding';
import { ci, gain, pct, pts, verdict } from '../format';
import { familyCorrection } from '../headline';
import type { ReweightingSummary } from './experiment';

/** The paper's reported gain of its remedies, in percentage points. */
export const PAPER_GAIN_POINTS: readonly [number, number] = [3, 5];

export function reweightingFigure(s: ReweightingSummary): FigureSpec {
  const vs = s.variants.filter((v) => v.variant !== 'ce');
  const spec = barCI(
    [
      {
        name: 'gain over plain cross-entropy',
        categories: vs.map((v) => v.variant),
        mean: vs.map((v) => v.gainOverCE.estimate * 100),
        lo: vs.map((v) => v.gainOverCE.lo * 100),
        hi: vs.map((v) => v.gainOverCE.hi * 100),
      },
    ],
    {
      title: 'Re-weighted loss: accuracy gain over plain cross-entropy (points)',
      x: 'loss weighting variant',
      y: 'accuracy gain (percentage points)',
      protocol: 'paired by training set; 95 % t intervals; shaded: the paper’s +3–5 points',
    },
  );
  return withLine(
    withBand(spec, PAPER_GAIN_POINTS[0], PAPER_GAIN_POINTS[1], 'paper: +3–5 points'),
    0,
    'no gain',
    '#444',
    'left',
  );
}

/** Finding 5 in words, from its summary. */
export function reweightingReading(s: ReweightingSummary): FindingReading {
  const ce = s.variants.find((v) => v.variant === 'ce');
  const vs = s.variants.filter((v) => v.variant !== 'ce');
  const gains = vs.map(
    (v) => `${v.variant} ${gain(v.gainOverCE.estimate)} ${ci(v.gainOverCE.lo, v.gainOverCE.hi, pts)}`,
  );
  const inBand = vs
    .filter(
      (v) =>
        100 * v.gainOverCE.estimate >= PAPER_GAIN_POINTS[0] &&
        100 * v.gainOverCE.estimate <= PAPER_GAIN_POINTS[1],
    )
    .map((v) => v.variant);
  return {
    number: `gain over plain cross-entropy${ce ? ` (${pct(ce.accuracy.estimate)})` : ''}: ${gains.join('; ')}`,
    verdict: `best of ${vs.length}, uncorrected: ${s.reproduces.length ? `credible gain for ${s.reproduces.join(', ')}` : 'no variant with a credible gain'} — ${verdict(s.reproduces.length > 0)}`,
    figures: {
      reweighting: `One bar per weighting variant: its accuracy minus plain cross-entropy on the same sets (percentage points, 95 % t interval); the shaded band is the paper's +3–5 points. ${gains.join('; ')}. ${inBand.length ? `In the paper's band: ${inBand.join(', ')}.` : "No variant's estimate falls in the paper's band."} The paper's formula is not published. Each bar's interval is that variant's own, not corrected for picking the best of ${vs.length}; the verdict is (${familyCorrection(vs.length)}), and the v1 rule beside it is not.`,
    },
  };
}

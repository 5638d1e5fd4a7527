/** Finding interference: its figures, built from its summary (static SVG/PNG for the README, interactive in the notebooks). */

import { DEFAULT_PROTOCOL_NAME } from '../../knowledge/facts';
import { type FigureSpec, lineCI, pcaScatter, scatter, seriesCI } from '../../viz/figures';
import { fix as fmt } from '../format';
import type { InterferenceSummary } from './experiment';

export function interferenceSizeFigure(s: InterferenceSummary): FigureSpec {
  return lineCI(
    [
      seriesCI(
        'facts learned together',
        s.bySize,
        (b) => b.n,
        (b) => b.accuracy,
      ),
    ],
    {
      title: 'Interference: accuracy when N facts share one adapter',
      x: 'N facts learned together (each seen the same number of times)',
      y: 'accuracy (greedy exact match)',
      protocol: 'mean over seeds, 95 % t intervals',
    },
    { ci: 'bars', markers: true, yRange: [0, 1] },
  );
}

export function interferenceCompositionFigure(s: InterferenceSummary): FigureSpec {
  const p = s.composition.points;
  return scatter(
    p.map((x) => x.mean),
    p.map((x) => x.accuracy),
    {
      title: "A set's accuracy against its mean target distance (colour: variance tercile)",
      x: `mean target distance of the set (${DEFAULT_PROTOCOL_NAME})`,
      y: 'accuracy of the set',
      protocol: `OLS on standardised mean and variance: b_mean ${fmt(s.composition.fit.b1.estimate)}, b_var ${fmt(s.composition.fit.b2.estimate)}`,
    },
    {
      groups: terciles(p.map((x) => x.variance)),
      trend: 'all',
      text: p.map((x) => `var ${fmt(x.variance, 4)}`),
    },
  );
}

/** PCA of knowledge features of one set: base model, each fact learned alone, all learned together. */
export function interferenceFeaturesFigure(s: InterferenceSummary): FigureSpec | undefined {
  const ex = s.features.example;
  if (ex === undefined) return undefined;
  const groups = [
    ...ex.coords.base.map(() => 'base model'),
    ...ex.coords.single.map(() => 'learned alone'),
    ...ex.coords.joint.map(() => 'learned together'),
  ];
  return pcaScatter(
    [...ex.coords.base, ...ex.coords.single, ...ex.coords.joint],
    {
      title: 'Knowledge features (last layer, last prompt token): PCA of one set',
      protocol: `mean shift from base: alone ${fmt(s.features.meanShiftSingle)}, together ${fmt(s.features.meanShiftJoint)}`,
    },
    { groups, explained: [ex.explained[0], ex.explained[1]] },
  );
}

function terciles(v: number[]): string[] {
  const s = [...v].sort((a, b) => a - b);
  const t1 = s[Math.floor(s.length / 3)];
  const t2 = s[Math.floor((2 * s.length) / 3)];
  return v.map((x) => (x < t1 ? 'low variance' : x < t2 ? 'middle variance' : 'high variance'));
}

/**
 * The figure of each finding, built from its summary: one set of specs shared by the CLI (static SVG/PNG for the
 * README) and the notebooks (interactive plotly).
 */
import type { DistanceCurveSummary } from '../findings/distance/experiment';
import type { DriftSummary } from '../findings/drift/experiment';
import type { FilteringSummary } from '../findings/filtering/experiment';
import type { InterferenceSummary } from '../findings/interference/experiment';
import type { ReweightingSummary } from '../findings/reweighting/experiment';
import { DEFAULT_PROTOCOL_NAME } from '../knowledge/facts';
import { barCI, type FigureSpec, lineCI, pcaScatter, scatter } from '../viz/figures';

export function distanceCurveFigure(s: DistanceCurveSummary, protocol = DEFAULT_PROTOCOL_NAME): FigureSpec {
  const curves = s.curves.filter((c) => c.protocol === protocol);
  return lineCI(
    curves.map((c) => ({
      name: `${c.method} (n=${c.overall.n})`,
      x: c.bins.map((b) => b.mid),
      mean: c.bins.map((b) => b.rate),
      lo: c.bins.map((b) => b.lo),
      hi: c.bins.map((b) => b.hi),
    })),
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

export function driftFigure(s: DriftSummary): FigureSpec {
  return lineCI(
    s.methods.map((m) => ({
      name: `${m.method} (failed ${m.failed}/${m.n})`,
      x: m.byDistance.map((b) => b.mid),
      mean: m.byDistance.map((b) => b.rate),
      lo: m.byDistance.map((b) => b.lo),
      hi: m.byDistance.map((b) => b.hi),
    })),
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

export function interferenceSizeFigure(s: InterferenceSummary): FigureSpec {
  return lineCI(
    [
      {
        name: 'facts learned together',
        x: s.bySize.map((b) => b.n),
        mean: s.bySize.map((b) => b.accuracy.estimate),
        lo: s.bySize.map((b) => b.accuracy.lo),
        hi: s.bySize.map((b) => b.accuracy.hi),
      },
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

/** A number for a label; summaries come back from JSON, where NaN is null. */
function fmt(x: number | null, d = 3): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : 'n/a';
}

function terciles(v: number[]): string[] {
  const s = [...v].sort((a, b) => a - b);
  const t1 = s[Math.floor(s.length / 3)];
  const t2 = s[Math.floor((2 * s.length) / 3)];
  return v.map((x) => (x < t1 ? 'low variance' : x < t2 ? 'middle variance' : 'high variance'));
}

export function filteringFigure(s: FilteringSummary): FigureSpec {
  return lineCI(
    s.curves.map((c) => ({
      name: c.strategy,
      x: c.points.map((p) => p.share * 100),
      mean: c.points.map((p) => p.accuracy.estimate),
      lo: c.points.map((p) => p.accuracy.lo),
      hi: c.points.map((p) => p.accuracy.hi),
    })),
    {
      title: 'Data filtering: accuracy against the share of the set replaced',
      x: 'share of training facts replaced (%)',
      y: 'accuracy on the trained set',
      protocol: 'paper: best near 60 %; random replacement is our control; mean over seeds, 95 % t intervals',
    },
    { ci: 'bars', markers: true, yRange: [0, 1] },
  );
}

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

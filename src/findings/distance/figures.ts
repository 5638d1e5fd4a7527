/** Finding distance: its figures, built from its summary (static SVG/PNG for the README, interactive in the notebooks). */
import { DEFAULT_PROTOCOL_NAME } from '../../knowledge/facts';
import { type FigureSpec, lineCI, seriesCI } from '../../viz/figures';
import type { FindingReading } from '../finding';
import { ci, fix, gain, pct, pts, pval } from '../format';
import type { DistanceCurveSummary, MethodCurve } from './experiment';

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
    { ci: 'bars', markers: true, yRange: [0, 1], bounds: [0, 1] },
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

const nearFar = (c: MethodCurve) =>
  `${c.method} ${pct(c.bins[0]?.rate ?? null)} → ${pct(c.bins[c.bins.length - 1]?.rate ?? null)}`;

/** Finding 1 in words, from its summary (default distance protocol). */
export function distanceReading(s: DistanceCurveSummary): FindingReading {
  const curves = s.curves.filter((c) => c.protocol === DEFAULT_PROTOCOL_NAME);
  const peaked = curves.filter((c) => c.peak?.peaked).map((c) => c.method);
  const v1 = curves.filter((c) => c.reproduces).map((c) => c.method);
  const best = [...curves].sort((a, b) => b.overall.rate - a.overall.rate)[0];
  const steps = curves.map((c) => {
    const half = c.byStep.findIndex((x) => x >= 0.5 * (c.byStep[c.byStep.length - 1] ?? 0));
    return `${c.method} ${pct(c.byStep[c.byStep.length - 1] ?? null)} (half of it by step ${half + 1})`;
  });
  return {
    number: `accuracy overall: ${curves.map((c) => `${c.method} ${pct(c.overall.rate)} (${c.overall.k}/${c.overall.n})`).join('; ')}; in the nearest → farthest distance bin: ${curves.map(nearFar).join('; ')}; middle − outer bins: ${curves.map((c) => `${c.method} ${gain(c.middleMinusOuter.diff)} ${ci(c.middleMinusOuter.lo, c.middleMinusOuter.hi, pts)}`).join('; ')}`,
    verdict: `v1 rule (middle > outer): ${v1.length ? `reproduces for ${v1.join(', ')}` : 'does not reproduce for any method'}; peak test: ${peaked.length ? `peaked for ${peaked.join(', ')}` : 'no peak for any method'}`,
    figures: {
      'distance-curve': [
        `Each line is one method; each point is a quantile bin of the facts, placed at its median target distance, with its 95 % Wilson interval. The paper's claim predicts an inverted U (best in the middle).`,
        `Here accuracy ${curves.every((c) => (c.spearman.rho ?? 0) < 0) ? 'falls' : 'does not fall throughout'} with distance: ${curves.map(nearFar).join('; ')} (Spearman ρ ${curves.map((c) => `${c.method} ${fix(c.spearman.rho, 2)}, p ${pval(c.spearman.p)}`).join('; ')}).`,
        best
          ? `Overall, ${best.method} learned the most facts (${pct(best.overall.rate)} of ${best.overall.n} runs).`
          : '',
      ]
        .filter(Boolean)
        .join(' '),
      'distance-steps': `The share of facts predicted after each optimiser step (a run stops once its fact is learned). After the last step: ${steps.join('; ')}. A flat tail means more steps would add little at this learning rate.`,
    },
  };
}

/** Finding drift: its figures, built from its summary (static SVG/PNG for the README, interactive in the notebooks). */
import { type FigureSpec, lineCI, seriesCI, withLine, yRangeOf } from '../../viz/figures';
import type { FindingReading } from '../finding';
import { pci, pct } from '../format';
import type { DriftSummary } from './experiment';

/** The verdict's bar: PEFT "pushes away" when at least this share of runs does (95 % lower bound). */
export const DRIFT_BAR = 0.05;

export function driftFigure(s: DriftSummary): FigureSpec {
  const series = s.methods.map((m) =>
    seriesCI(
      `${m.method} (failed ${m.failed}/${m.n})`,
      m.byDistance,
      (b) => b.mid,
      (b) => b,
    ),
  );
  const spec = lineCI(
    series,
    {
      title:
        'Pushed away from the target: share of single-fact runs whose answer ends further from the target',
      x: `target semantic distance (${s.protocol}), bin median`,
      y: 'share pushed away (d₁ > d₀)',
      protocol:
        'd₀ = distance(original, target), d₁ = distance(answer after training, target); 95 % Wilson intervals',
    },
    // the y axis fits the data (shares stay small) and always shows the 5 % bar of the verdict
    { ci: 'bars', markers: true, yRange: yRangeOf(series, DRIFT_BAR * 1.2), bounds: [0, 1] },
  );
  const layout = spec.layout as { yaxis: { [k: string]: unknown } };
  layout.yaxis['tickformat'] = '.0%';
  return withLine(spec, DRIFT_BAR, 'verdict bar: 5 % of runs');
}

/** Finding 2 in words, from its summary. */
export function driftReading(s: DriftSummary): FindingReading {
  const shares = s.methods.map(
    (m) => `${m.method} ${pct(m.pushedAway.rate)} ${pci(m.pushedAway.lo, m.pushedAway.hi)}`,
  );
  const occurs = s.methods.filter((m) => m.occurs).map((m) => m.method);
  const over = s.methods.filter((m) => m.reproduces).map((m) => m.method);
  const unchanged = s.methods.map((m) => `${m.method} ${pct(m.unchangedAmongFailed.rate)}`);
  return {
    number: `runs pushed away: ${shares.join('; ')}`,
    verdict: `${occurs.length ? `occurs for ${occurs.join(', ')}` : 'does not occur credibly for any method'}; ${over.length ? `at least 5 % of runs for ${over.join(', ')}` : 'below the 5 % bar for every method'}`,
    figures: {
      drift: `Each point is a quantile bin of facts by target distance; its height is the share of runs in the bin whose answer after training is further from the target than the original answer was (95 % Wilson interval). The dashed line is the verdict's 5 % bar. Over all bins: ${shares.join('; ')}. Most failed runs simply keep their original answer (${unchanged.join('; ')} of failed runs), so "pushed away" is ${over.length ? 'common enough to clear the bar for some methods' : 'real but rare here'}.`,
    },
  };
}

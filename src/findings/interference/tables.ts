/** Finding interference: its tables for the notebooks (rows + caption), from its summary. */
import type { FindingTable } from '../finding';
import type { InterferenceSummary } from './experiment';

export function interferenceTables(summary: InterferenceSummary): FindingTable[] {
  const fit = summary.composition.fit;
  return [
    {
      rows: summary.bySize.map((b) => ({
        'N facts': b.n,
        accuracy: b.accuracy.estimate,
        lo: b.accuracy.lo,
        hi: b.accuracy.hi,
        'cross-talk among wrong': b.crossTalkAmongWrong.rate,
        wrong: b.crossTalkAmongWrong.n,
      })),
      caption: 'Accuracy when N facts share one adapter (mean over seeds, 95 % t interval lo–hi)',
    },
    {
      rows: [
        { coefficient: 'b_mean (paper: < 0)', ...fit.b1 },
        { coefficient: 'b_var (paper: > 0)', ...fit.b2 },
      ],
      caption: `Set accuracy ~ z(mean distance) + z(variance): OLS over ${summary.composition.points.length} sets, R² ${fit.r2?.toFixed(2)}`,
    },
  ];
}

/** Finding filtering: its tables for the notebooks (rows + caption), from its summary. */
import type { FindingTable } from '../finding';
import type { FilteringSummary } from './experiment';

export function filteringTables(summary: FilteringSummary): FindingTable[] {
  return [
    {
      rows: summary.curves.flatMap((c) =>
        c.points.map((p) => ({
          strategy: c.strategy,
          'replaced %': Math.round(p.share * 100),
          accuracy: p.accuracy.estimate,
          lo: p.accuracy.lo,
          hi: p.accuracy.hi,
          'mean distance': p.meanDistance,
          'distance variance': p.varDistance,
        })),
      ),
      caption: 'Accuracy and set composition by share replaced (mean over seeds, 95 % t interval lo–hi)',
      maxRows: 100,
    },
    {
      rows: summary.gain.map((g) => ({
        'replaced %': Math.round(g.share * 100),
        'semantic − random': g.diff.estimate,
        lo: g.diff.lo,
        hi: g.diff.hi,
      })),
      caption: 'semantic-greedy minus random replacement, paired by seed (accuracy, 95 % t interval)',
    },
  ];
}

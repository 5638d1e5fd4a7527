/** Finding filtering: its tables for the notebooks (rows + caption), from its summary. */
import type { FindingTable } from '../finding';
import { asPct, asPctClipped } from '../format';
import type { FilteringSummary } from './experiment';

export function filteringTables(summary: FilteringSummary): FindingTable[] {
  return [
    {
      rows: summary.curves.flatMap((c) =>
        c.points.map((p) => ({
          strategy: c.strategy,
          'replaced %': Math.round(p.share * 100),
          'accuracy %': asPct(p.accuracy.estimate),
          'lo %': asPctClipped(p.accuracy.lo),
          'hi %': asPctClipped(p.accuracy.hi),
          'mean distance': p.meanDistance,
          'distance variance': p.varDistance,
        })),
      ),
      caption:
        'Accuracy (in %) and set composition by share replaced (mean over seeds, 95 % t interval lo–hi, clipped to [0, 100])',
      maxRows: 100,
    },
    {
      rows: summary.gain.map((g) => ({
        'replaced %': Math.round(g.share * 100),
        'semantic − random (points)': asPct(g.diff.estimate),
        'lo (points)': asPct(g.diff.lo),
        'hi (points)': asPct(g.diff.hi),
      })),
      caption:
        'semantic-greedy minus random replacement, paired by seed (accuracy in percentage points, 95 % t interval)',
    },
  ];
}

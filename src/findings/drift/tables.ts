/** Finding drift: its tables for the notebooks (rows + caption), from its summary. */
import type { FindingTable } from '../finding';
import { asPct, asPctClipped } from '../format';
import type { DriftSummary } from './experiment';

export function driftTables(summary: DriftSummary): FindingTable[] {
  return [
    {
      rows: summary.methods.map((m) => ({
        method: m.method,
        runs: m.n,
        failed: m.failed,
        'pushed away %': asPct(m.pushedAway.rate),
        'lo %': asPctClipped(m.pushedAway.lo),
        'hi %': asPctClipped(m.pushedAway.hi),
        'pushed among failed %': asPct(m.pushedAwayAmongFailed.rate),
        'unchanged among failed %': asPct(m.unchangedAmongFailed.rate),
        'mean d₁ − d₀ (failed)': m.shiftAmongFailed.estimate,
      })),
      caption:
        'Share of runs pushed away from the target, in % (95 % Wilson interval lo–hi); d in distance units',
    },
    summary.examples.length > 0
      ? {
          rows: summary.examples,
          caption: 'Runs pushed away (d₀, d₁: distance to the target before / after training)',
        }
      : { rows: [], caption: 'No run was pushed away.' },
  ];
}

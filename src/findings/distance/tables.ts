/** Finding distance: its tables for the notebooks (rows + caption), from its summary. */
import { DEFAULT_PROTOCOL_NAME } from '../../knowledge/facts';
import type { FindingTable } from '../finding';
import { asPct, asPctClipped } from '../format';
import type { DistanceCurveSummary } from './experiment';

export function distanceTables(summary: DistanceCurveSummary): FindingTable[] {
  return [
    {
      rows: summary.curves
        .filter((c) => c.protocol === DEFAULT_PROTOCOL_NAME)
        .flatMap((c) =>
          c.bins.map((b) => ({
            method: c.method,
            bin: b.bin + 1,
            'distance from': b.lo_d,
            to: b.hi_d,
            median: b.mid,
            n: b.n,
            'accuracy %': asPct(b.rate),
            'lo %': asPctClipped(b.lo),
            'hi %': asPctClipped(b.hi),
          })),
        ),
      caption: `Accuracy by target-distance bin (${DEFAULT_PROTOCOL_NAME}; accuracy in %, 95 % Wilson interval lo–hi)`,
    },
    {
      rows: summary.curves.map((c) => ({
        method: c.method,
        protocol: c.protocol,
        'middle − outer (points)': asPct(c.middleMinusOuter.diff),
        'lo (points)': asPct(c.middleMinusOuter.lo),
        'hi (points)': asPct(c.middleMinusOuter.hi),
        'best bin': c.bestBin + 1,
        'Spearman ρ': c.spearman.rho,
        reproduces: c.reproduces ? 'yes' : 'no',
      })),
      caption:
        'Robustness: the same runs under every distance protocol (middle bins minus outer bins in percentage points, 95 % CI)',
    },
  ];
}

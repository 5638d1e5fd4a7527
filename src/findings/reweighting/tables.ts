/** Finding reweighting: its tables for the notebooks (rows + caption), from its summary. */
import type { FindingTable } from '../finding';
import { asPct, asPctClipped } from '../format';
import type { ReweightingSummary } from './experiment';

export function reweightingTables(summary: ReweightingSummary): FindingTable[] {
  return [
    {
      rows: summary.variants.map((v) => ({
        variant: v.variant,
        'accuracy %': asPct(v.accuracy.estimate),
        'lo %': asPctClipped(v.accuracy.lo),
        'hi %': asPctClipped(v.accuracy.hi),
        'gain over ce (points)': v.variant === 'ce' ? null : asPct(v.gainOverCE.estimate),
        'gain lo (points)': v.variant === 'ce' ? null : asPct(v.gainOverCE.lo),
        'gain hi (points)': v.variant === 'ce' ? null : asPct(v.gainOverCE.hi),
        sets: v.accuracy.n,
      })),
      caption:
        'Accuracy per loss variant and its gain over plain cross-entropy, paired by set (95 % t intervals)',
    },
  ];
}

/** Finding reweighting: its tables for the notebooks (rows + caption), from its summary. */
import type { FindingTable } from '../finding';
import type { ReweightingSummary } from './experiment';

export function reweightingTables(summary: ReweightingSummary): FindingTable[] {
  return [
    {
      rows: summary.variants.map((v) => ({
        variant: v.variant,
        accuracy: v.accuracy.estimate,
        lo: v.accuracy.lo,
        hi: v.accuracy.hi,
        'gain over ce (points)': v.variant === 'ce' ? null : 100 * v.gainOverCE.estimate,
        'gain lo': v.variant === 'ce' ? null : 100 * v.gainOverCE.lo,
        'gain hi': v.variant === 'ce' ? null : 100 * v.gainOverCE.hi,
        sets: v.accuracy.n,
      })),
      caption:
        'Accuracy per loss variant and its gain over plain cross-entropy, paired by set (95 % t intervals)',
    },
  ];
}

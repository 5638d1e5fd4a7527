/** Finding reweighting: its tables for the notebooks (rows + caption), from its summary. */
import type { FindingTable } from '../finding';
import { asPct, asPctClipped } from '../format';
import type { ReweightingSummary } from './experiment';

export function reweightingTables(summary: ReweightingSummary): FindingTable[] {
  return [
    {
      rows: summary.variants.map((v) => ({
        variant:
          v.value === undefined
            ? v.variant
            : `${v.variant} (${v.variant === 'extremes' ? 'α' : 'γ'} = ${v.value})`,
        'accuracy %': asPct(v.accuracy.estimate),
        'lo %': asPctClipped(v.accuracy.lo),
        'hi %': asPctClipped(v.accuracy.hi),
        'gain over ce (points)': v.variant === 'ce' ? null : asPct(v.gainOverCE.estimate),
        'gain lo (points)': v.variant === 'ce' ? null : asPct(v.gainOverCE.lo),
        'gain hi (points)': v.variant === 'ce' ? null : asPct(v.gainOverCE.hi),
        sets: v.accuracy.n,
      })),
      caption:
        'Accuracy per loss variant (at the γ or α chosen on the held-out sets) and its gain over plain cross-entropy, paired by set (95 % t intervals)',
    },
    {
      rows: summary.sensitivity.map((t) => {
        const held = summary.tuning.find((h) => h.label === t.label)?.gainOverCE;
        return {
          'variant and value': t.label,
          chosen: summary.chosen[t.variant] === t.value,
          'held-out gain (points)': held ? asPct(held.estimate) : null,
          'held-out lo': held ? asPct(held.lo) : null,
          'held-out hi': held ? asPct(held.hi) : null,
          'test accuracy %': asPct(t.accuracy.estimate),
          'test gain (points)': asPct(t.gainOverCE.estimate),
          'test lo': asPct(t.gainOverCE.lo),
          'test hi': asPct(t.gainOverCE.hi),
        };
      }),
      caption:
        'Every grid value: gain over plain cross-entropy on the held-out sets (where γ and α are chosen) and on the test sets (sensitivity; the verdict uses only the chosen value)',
    },
  ];
}

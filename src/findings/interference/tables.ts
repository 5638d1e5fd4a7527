/** Finding interference: its tables for the notebooks (rows + caption), from its summary. */
import type { FindingTable } from '../finding';
import { asPct, asPctClipped } from '../format';
import type { InterferenceSummary } from './experiment';

export function interferenceTables(summary: InterferenceSummary): FindingTable[] {
  const fit = summary.composition.fit;
  return [
    {
      rows: summary.bySize.map((b) => ({
        'N facts': b.n,
        'accuracy %': asPct(b.accuracy.estimate),
        'lo %': asPctClipped(b.accuracy.lo),
        'hi %': asPctClipped(b.accuracy.hi),
        'cross-talk among wrong %': asPct(b.crossTalkAmongWrong.rate),
        wrong: b.crossTalkAmongWrong.n,
      })),
      caption:
        'Accuracy when N facts share one adapter, in % (mean over seeds, 95 % t interval lo–hi, clipped to [0, 100])',
    },
    {
      rows: [
        { coefficient: 'b_mean (paper: < 0)', ...pointsOf(fit.b1) },
        { coefficient: 'b_var (paper: > 0)', ...pointsOf(fit.b2) },
      ],
      caption: `Set accuracy ~ z(mean distance) + z(variance): OLS over ${summary.composition.points.length} sets, R² ${fit.r2?.toFixed(2)}; in accuracy points per standard deviation`,
    },
    ...designedTables(summary),
  ];
}

/** The designed sets: accuracy per design cell, and the OLS on the two independently varied predictors. */
function designedTables(summary: InterferenceSummary): FindingTable[] {
  const d = summary.designed;
  if (!d) return [];
  return [
    {
      rows: d.cells.map((c) => ({
        facts: c.highMean ? 'farther half' : 'nearer half',
        targets: c.highSpread ? 'spread' : 'clustered',
        sets: c.sets,
        'accuracy %': asPct(c.accuracy.estimate),
        'lo %': asPctClipped(c.accuracy.lo),
        'hi %': asPctClipped(c.accuracy.hi),
        'mean distance': Number(c.mean.toFixed(3)),
        'pairwise target distance': Number(c.pairwise.toFixed(3)),
      })),
      caption:
        'Designed sets (2 × 2): accuracy per cell, in % (95 % t interval over sets, clipped to [0, 100])',
    },
    {
      rows: [
        { coefficient: 'b_mean (paper: < 0)', ...pointsOf(d.fit.b1) },
        { coefficient: 'b_pairwise (our reading of "variance": > 0)', ...pointsOf(d.fit.b2) },
      ],
      caption: `Designed sets: accuracy ~ z(mean distance) + z(pairwise target distance), OLS over ${d.points.length} sets, R² ${d.fit.r2?.toFixed(2)}; the predictors correlate at ρ ${d.meanVsPairwise.rho.toFixed(2)}`,
    },
  ];
}

/** An OLS coefficient of accuracy (a fraction) as percentage points, with its interval. */
function pointsOf(c: { estimate: number; lo: number; hi: number; p?: number }) {
  return {
    'estimate (points)': asPct(c.estimate),
    'lo (points)': asPct(c.lo),
    'hi (points)': asPct(c.hi),
    ...(c.p !== undefined ? { p: c.p } : {}),
  };
}

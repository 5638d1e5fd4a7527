/** The learning-regime study: its tables for the notebooks (rows + caption), from its summary. */
import type { FindingTable } from '../finding';
import { asPct, asPctClipped } from '../format';
import type { RegimesSummary } from './analysis';
import { regimeLabel } from './summary';

export function regimesTables(s: RegimesSummary): FindingTable[] {
  return [
    {
      rows: s.methods.flatMap((m) =>
        s.regimes[m].map((r) => ({
          method: m,
          regime: regimeLabel(r.name),
          lr: r.lr,
          steps: r.budget,
          'held-out %': asPct(r.heldOut),
          'fresh %': asPct(r.fresh?.estimate),
          'lo %': asPctClipped(r.fresh?.lo),
          'hi %': asPctClipped(r.fresh?.hi),
        })),
      ),
      caption:
        'Regimes chosen on held-out facts, and the accuracy at them on fresh facts (95 % bootstrap interval)',
    },
    {
      rows: s.premise.map((p) => ({
        method: p.method,
        'trainable parameters': s.parameters[p.method],
        'full: trainable parameters': s.parameters.full,
        facts: p.facts,
        'PEFT %': asPct(p.peft),
        'full %': asPct(p.full),
        'full − PEFT (points)': asPct(p.diff.estimate),
        'lo (points)': asPct(p.diff.lo),
        'hi (points)': asPct(p.diff.hi),
      })),
      caption:
        'The premise: accuracy averaged over step budgets, each method at its best rate (paired by fact)',
    },
    {
      rows: s.methods.flatMap((m) =>
        s.distance[m].map((p) => ({
          method: m,
          regime: regimeLabel(p.regime),
          'accuracy %': asPct(p.accuracy.rate),
          'near bin %': asPct(p.bins[0]?.rate),
          'far bin %': asPct(p.bins[p.bins.length - 1]?.rate),
          'near end %': asPct(p.ends?.near.accuracy.rate),
          'far end %': asPct(p.ends?.far.accuracy.rate),
          'near end − middle (points)': asPct(p.ends?.nearMinusMiddle.diff),
          'Spearman ρ': p.spearman.rho,
          peaked: p.noContrast ? 'no contrast' : p.peak?.peaked ? 'yes' : 'no',
          'peak p (Holm)': p.peakHolm,
          'distance coef (adjusted)': p.adjusted?.distance.coef ?? null,
          'margin coef (adjusted)': p.adjusted?.margin.coef ?? null,
        })),
      ),
      caption:
        'Finding 1 in every regime (coefficients per SD of each column; adjusted = with margin and log rank)',
    },
    {
      rows: s.methods.flatMap((m) =>
        s.drift[m].map((d) => ({
          method: m,
          'rate ×': d.multiplier,
          lr: d.lr,
          'learned %': asPct(d.learned.rate),
          'pushed away %': asPct(d.pushedAway.rate),
          'lo %': asPctClipped(d.pushedAway.lo),
          'hi %': asPctClipped(d.pushedAway.hi),
          facts: d.pushedAway.n,
          'pushed away among failed %': asPct(d.pushedAwayAmongFailed.rate),
          failed: d.pushedAwayAmongFailed.n,
          'null: pushed away %': d.null ? asPct(d.null.pushedAway.rate) : null,
          'random ΔW on the failed: pushed away %': d.random ? asPct(d.random.pushedAway.rate) : null,
        })),
      ),
      caption:
        'Finding 2 at every rate of the grid (end of each run; 95 % Wilson interval over facts). Controls (LoRA): the null trains the same facts toward another fact’s target; the random ΔW replaces each failed run’s update by a random one of the same norm',
    },
  ];
}

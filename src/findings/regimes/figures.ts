/** The learning-regime study: its figures (interactive in the notebooks and the report; static SVG/PNG) and reading. */

import { verdictLabel } from '../../metrics/verdict';
import { type FigureSpec, type LineSeries, lineCI, withLine } from '../../viz/figures';
import { type Panel, selector, smallMultiples } from '../../viz/panels';
import { DRIFT_BAR } from '../drift/figures';
import type { FindingReading } from '../finding';
import { ci, fix, gain, lr, pct, pts } from '../format';
import type { RegimesSummary } from './analysis';
import { regimeLabel, regimesHeadlines, times } from './summary';

const curveSeries = (name: string, c: RegimesSummary['freshCurves'][string][number]): LineSeries => ({
  name,
  x: c.map((p) => p.budget),
  mean: c.map((p) => p.estimate),
  lo: c.map((p) => p.lo),
  hi: c.map((p) => p.hi),
});

const paramsText = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`);

/** The premise: accuracy against optimiser steps, each method at its best rate, on the fresh facts. */
export function premiseFigure(s: RegimesSummary): FigureSpec {
  return lineCI(
    s.methods.map((m) =>
      curveSeries(
        `${m} (${paramsText(s.parameters[m])} trainable, lr ${lr(s.rates[m][s.bestRate[m]])})`,
        s.freshCurves[m][s.bestRate[m]],
      ),
    ),
    {
      title: 'Accuracy against optimiser steps, each method at its best rate',
      x: 'step budget (optimiser steps)',
      y: 'accuracy (facts learned within the budget)',
      protocol: `single facts, fresh (PEFT ${s.facts.fresh}, full ${s.facts.freshFull}); 95 % bootstrap intervals over facts; paper: PEFT below full fine-tuning`,
    },
    { ci: 'band', markers: false, yRange: [0, 1], bounds: [0, 1] },
  );
}

/** Held-out learning curves per method and rate, with the chosen regimes marked: one panel per method. */
export function heldOutPanels(s: RegimesSummary): Panel[] {
  return s.methods.map((m) => {
    const spec = lineCI(
      s.heldOutCurves[m].map((c, i) => curveSeries(`${times(s.multipliers[i])} rate`, c)),
      { title: m, x: 'step budget', y: 'held-out accuracy' },
      { ci: 'none', markers: false, yRange: [0, 1] },
    );
    spec.data.push({
      type: 'scatter',
      mode: 'markers+text',
      name: 'chosen regimes',
      legendgroup: 'chosen regimes',
      x: s.regimes[m].map((r) => r.budget),
      y: s.regimes[m].map((r) => r.heldOut),
      text: s.regimes[m].map((r) => regimeLabel(r.name)),
      textposition: 'top left',
      marker: { color: '#222', size: 9, symbol: 'x' },
    });
    return { label: m, spec };
  });
}

/** Finding 1 at one regime: accuracy by distance bin, one line per method. */
function distancePanel(s: RegimesSummary, k: number): Panel {
  const name = s.regimes[s.methods[0]][k].name;
  const spec = lineCI(
    s.methods.map((m) => {
      const p = s.distance[m][k];
      return {
        name: `${m}`,
        x: p.bins.map((b) => b.mid),
        mean: p.bins.map((b) => b.rate),
        lo: p.bins.map((b) => b.lo),
        hi: p.bins.map((b) => b.hi),
      };
    }),
    { title: regimeLabel(name), x: 'target distance (bin median)', y: 'accuracy' },
    { ci: 'bars', markers: true, yRange: [0, 1], bounds: [0, 1] },
  );
  return { label: `${regimeLabel(name)} regime`, spec };
}

export function distancePanels(s: RegimesSummary): Panel[] {
  return s.regimes[s.methods[0]].map((_, k) => distancePanel(s, k));
}

/** Finding 2 at each rate: the pushed-away share against the rate multiplier, with the 5 % bar. */
export function driftRateFigure(s: RegimesSummary): FigureSpec {
  const spec = lineCI(
    s.methods
      .filter((m) => m !== 'full')
      .map((m) => ({
        name: m,
        x: s.drift[m].map((d) => d.multiplier),
        mean: s.drift[m].map((d) => d.pushedAway.rate),
        lo: s.drift[m].map((d) => d.pushedAway.lo),
        hi: s.drift[m].map((d) => d.pushedAway.hi),
      })),
    {
      title: 'Pushed away from the target at each learning rate',
      x: "learning rate (× the method's calibrated rate)",
      y: 'share of facts pushed away (end of run)',
      protocol: `fresh facts, runs to convergence (≤ ${s.steps} steps); 95 % Wilson intervals over facts`,
    },
    { ci: 'bars', markers: true, logX: true, bounds: [0, 1] },
  );
  return withLine(spec, DRIFT_BAR, `${pts(DRIFT_BAR)} % bar (ours)`);
}

export function regimesFigures(s: RegimesSummary): { name: string; spec: FigureSpec }[] {
  const dist = distancePanels(s);
  return [
    { name: 'regimes-premise', spec: premiseFigure(s) },
    {
      name: 'regimes-held-out',
      spec: smallMultiples(heldOutPanels(s), 'Held-out learning curves per rate, with the chosen regimes', 2),
    },
    { name: 'regimes-distance', spec: selector(dist, 'Accuracy against target distance') },
    {
      name: 'regimes-distance-panels',
      spec: smallMultiples(dist, 'Accuracy against target distance in every regime', 3),
    },
    { name: 'regimes-drift', spec: driftRateFigure(s) },
  ];
}

/** The study in words, from its summary. */
export function regimesReading(s: RegimesSummary): FindingReading {
  const hs = regimesHeadlines(s);
  // the verdict's measure: accuracy averaged over the budgets up to the slower method's convergence (the whole
  // horizon's average, diluted by the converged tail, where an older summary has no such horizon)
  const prem = s.premise
    .map((p) => {
      const c = p.toConvergence ?? { ...p, horizon: s.steps };
      return `${p.method} ${pct(c.peft)} vs full ${pct(c.full)} over budgets 1–${c.horizon} (${gain(c.diff.estimate)} ${ci(c.diff.lo, c.diff.hi, pts)})`;
    })
    .join('; ');
  const conv = s.methods
    .map((m) => {
      const c = s.regimes[m].find((r) => r.name === 'converged');
      return c
        ? `${m} ${pct(c.fresh?.estimate ?? null)} by step ${c.budget} at ${times(s.multipliers[c.rate])}`
        : '';
    })
    .filter(Boolean)
    .join('; ');
  return {
    number: `mean accuracy over step budgets up to the slower method's convergence, PEFT vs full fine-tuning (paired facts): ${prem}. Converged: ${conv}`,
    verdict: hs.map((h) => `${h.finding}: ${verdictLabel(h)}`).join('; '),
    figures: {
      'regimes-premise': `Each line is one method at its best rate: the share of fresh facts learned within each step budget (a run stops when its fact is predicted), with a bootstrap band over facts. The paper's premise predicts full fine-tuning above every PEFT method; the legend gives each method's trainable parameters. Here: ${prem}.`,
      'regimes-held-out': `The held-out facts' learning curves at each rate of the grid (${s.multipliers.map(times).join(', ')} the calibrated rate); the crosses are the regimes chosen on them (the rate and budget closest to each accuracy level, and "converged"). The findings are then measured on other, fresh facts at those points.`,
      'regimes-distance': `Finding 1 in each regime (pick it in the menu): accuracy by target-distance bin, one line per method. An inverted U would show as a middle bin above both ends. Peak tests: ${s.methods
        .map(
          (m) =>
            `${m} ${s.distance[m].map((p) => `${regimeLabel(p.regime)} ${p.noContrast ? '–' : p.peak?.peaked ? 'peaked' : 'no'}`).join(', ')}`,
        )
        .join('; ')}.`,
      'regimes-distance-panels': `The same curves, every regime side by side (the static version of the menu figure). Nearest → farthest bin, ${s.methods[0]}: ${s.distance[
        s.methods[0]
      ]
        .map(
          (p) =>
            `${regimeLabel(p.regime)} ${pct(p.bins[0]?.rate ?? null)} → ${pct(p.bins[p.bins.length - 1]?.rate ?? null)}`,
        )
        .join('; ')}.`,
      'regimes-drift': `The share of facts whose final answer moved away from the target, at each rate. Higher rates learn more facts, which leaves fewer to be pushed away: ${s.methods
        .filter((m) => m !== 'full')
        .map(
          (m) =>
            `${m} ${s.drift[m].map((d) => `${times(d.multiplier)} ${pct(d.pushedAway.rate)}`).join(', ')}`,
        )
        .join('; ')} (bar ${fix(100 * DRIFT_BAR, 0)} %).`,
    },
  };
}

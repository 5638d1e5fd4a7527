/** Finding interference: its figures, built from its summary (static SVG/PNG for the README, interactive in the notebooks). */

import { DEFAULT_PROTOCOL_NAME } from '../../knowledge/facts';
import { barCI, type FigureSpec, lineCI, pcaScatter, scatter, seriesCI } from '../../viz/figures';
import type { FindingReading } from '../finding';
import { fix as fmt, gain, pci, pct, verdict } from '../format';
import type { InterferenceSummary } from './experiment';

const VARIANT_LABEL: Record<string, string> = {
  epochs: 'each fact seen the same number of times (v1)',
  'total-steps': 'same total steps for every N',
  'steps-per-fact': 'same steps per fact (batch 1)',
};

export function interferenceSizeFigure(s: InterferenceSummary): FigureSpec {
  const variants = s.sizeVariants?.length ? s.sizeVariants : [{ variant: 'epochs', points: s.bySize }];
  return lineCI(
    variants.map((v) =>
      seriesCI(
        VARIANT_LABEL[v.variant] ?? v.variant,
        v.points,
        (b) => b.n,
        (b) => b.accuracy,
      ),
    ),
    {
      title: 'Interference: accuracy when N facts share one adapter',
      x: 'N facts learned together (budget rule: see legend)',
      y: 'accuracy (greedy exact match)',
      protocol: 'mean over seeds, 95 % t intervals (clipped to [0, 1]); log scale of N',
    },
    { ci: 'bars', markers: true, yRange: [0, 1.02], bounds: [0, 1], logX: true },
  );
}

export function interferenceCompositionFigure(s: InterferenceSummary): FigureSpec {
  const p = s.composition.points;
  return scatter(
    p.map((x) => x.mean),
    p.map((x) => x.accuracy),
    {
      title: "A set's accuracy against its mean target distance (colour: variance tercile)",
      x: `mean target distance of the set (${DEFAULT_PROTOCOL_NAME})`,
      y: 'accuracy of the set',
      protocol: `OLS on standardised mean and variance: b_mean ${fmt(s.composition.fit.b1.estimate)}, b_var ${fmt(s.composition.fit.b2.estimate)}`,
    },
    {
      groups: terciles(p.map((x) => x.variance)),
      trend: 'all',
      text: p.map((x) => `var ${fmt(x.variance, 4)}`),
    },
  );
}

/** PCA of knowledge features of one set: base model, each fact learned alone, all learned together. */
export function interferenceFeaturesFigure(s: InterferenceSummary): FigureSpec | undefined {
  const ex = s.features.example;
  if (ex === undefined) return undefined;
  const groups = [
    ...ex.coords.base.map(() => 'base model'),
    ...ex.coords.single.map(() => 'learned alone'),
    ...ex.coords.joint.map(() => 'learned together'),
  ];
  return pcaScatter(
    [...ex.coords.base, ...ex.coords.single, ...ex.coords.joint],
    {
      title: 'Knowledge features (last layer, last prompt token): PCA of one set',
      protocol: `mean shift from base: alone ${fmt(s.features.meanShiftSingle)}, together ${fmt(s.features.meanShiftJoint)}`,
    },
    { groups, explained: [ex.explained[0], ex.explained[1]] },
  );
}

/**
 * Finding 3c: how far the knowledge features move from the base model when each fact is learned alone and when
 * the set is learned together, and the paired difference with its 95 % interval (the paper: together suppresses).
 */
export function interferenceFeatureShiftFigure(s: InterferenceSummary): FigureSpec {
  const d = s.features.jointMinusSingleShift;
  return barCI(
    [
      {
        name: 'mean shift from the base model',
        categories: ['learned alone', 'learned together'],
        mean: [s.features.meanShiftSingle, s.features.meanShiftJoint],
      },
      {
        name: 'together − alone, paired by fact (95 % t interval)',
        categories: ['together − alone'],
        mean: [d.estimate],
        lo: [d.lo],
        hi: [d.hi],
      },
    ],
    {
      title: 'Knowledge features: shift from the base model, alone vs together',
      x: 'how the fact was learned',
      y: 'feature shift (L2, last layer, last prompt token)',
      protocol: `paired over ${d.n} facts; paper: interference suppresses knowledge features (together < alone)`,
    },
  );
}

/** Finding 3, designed sets: accuracy per design cell (mean distance half × target spread), 95 % t intervals. */
export function interferenceDesignedFigure(s: InterferenceSummary): FigureSpec | undefined {
  const d = s.designed;
  if (!d) return undefined;
  return barCI(
    [false, true].map((highSpread) => {
      const cells = [false, true].map((highMean) =>
        d.cells.find((c) => c.highMean === highMean && c.highSpread === highSpread),
      );
      return {
        name: highSpread ? 'targets spread apart' : 'targets clustered (similar answers)',
        categories: ['nearer half (low mean distance)', 'farther half (high mean distance)'],
        mean: cells.map((c) => c?.accuracy.estimate ?? Number.NaN),
        lo: cells.map((c) => Math.max(0, c?.accuracy.lo ?? Number.NaN)),
        hi: cells.map((c) => Math.min(1, c?.accuracy.hi ?? Number.NaN)),
      };
    }),
    {
      title: 'Designed sets: mean distance and target spread varied independently',
      x: "the set's facts: original→target distance half",
      y: 'set accuracy (greedy exact match)',
      protocol: `${d.points.length} sets, 95 % t intervals over sets (clipped to [0, 1]); b_pairwise ${fmt(d.fit.b2.estimate)}, b_mean ${fmt(d.fit.b1.estimate)} per SD; predictors ρ ${fmt(d.meanVsPairwise.rho, 2)}`,
    },
    { yRange: [0, 1.02] },
  );
}

/** Finding 3 in words, from its summary. */
export function interferenceReading(s: InterferenceSummary): FindingReading {
  const sizes = s.bySize.map((b) => `N=${b.n} ${pct(b.accuracy.estimate)}`);
  const first = s.bySize[0];
  const last = s.bySize[s.bySize.length - 1];
  const worst = [...s.bySize].sort((a, b) => a.accuracy.estimate - b.accuracy.estimate)[0];
  const f = s.composition.fit;
  const d = s.features.jointMinusSingleShift;
  const ct = last
    ? `${pct(last.crossTalkAmongWrong.rate)} of the wrong answers at N=${last.n} are another fact's new target`
    : '';
  return {
    number: `accuracy by N: ${sizes.join(', ')}; composition: b_mean ${fmt(f.b1.estimate)} [${fmt(f.b1.lo)}, ${fmt(f.b1.hi)}], b_var ${fmt(f.b2.estimate)} [${fmt(f.b2.lo)}, ${fmt(f.b2.hi)}]; features together − alone ${fmt(d.estimate)} [${fmt(d.lo)}, ${fmt(d.hi)}]`,
    verdict: `falls with N: ${verdict(s.reproducesSize)}; lower mean helps: ${verdict(s.reproducesMean)}; higher variance helps: ${verdict(s.reproducesVariance)}; features suppressed: ${verdict(s.reproducesSuppression)}`,
    figures: {
      'interference-size': `One point per set size N (one shared LoRA adapter for all N facts), mean over seeds with its 95 % t interval, one line per budget rule: the v1 rule sees each fact the same number of times (so larger sets get more optimiser steps); the controls give every N the same total steps, or the same steps per fact at batch 1.${(
        s.sizeVariants ?? []
      )
        .filter((v) => v.slope)
        .map((v) => ` ${VARIANT_LABEL[v.variant]}: ${gain(v.slope!.slope)} per doubling of N.`)
        .join(
          '',
        )} The v1 line: ${first && last ? `Accuracy goes from ${pct(first.accuracy.estimate)} at N=${first.n} to ${pct(last.accuracy.estimate)} at N=${last.n}` : ''}${worst ? `, lowest at N=${worst.n} (${pct(worst.accuracy.estimate)} ${pci(worst.accuracy.lo, worst.accuracy.hi)})` : ''}. ${ct ? `Cross-talk: ${ct}.` : ''}`,
      'interference-composition': `One point per set of facts (${s.composition.points.length} sets): its accuracy against the mean target distance of its facts; colour is the tercile of the set's distance variance. The standardised OLS slopes: b_mean ${fmt(f.b1.estimate)} [${fmt(f.b1.lo)}, ${fmt(f.b1.hi)}] (paper: negative), b_var ${fmt(f.b2.estimate)} [${fmt(f.b2.lo)}, ${fmt(f.b2.hi)}] (paper: positive); R² ${fmt(f.r2, 2)}. A slope of −0.1 means one standard deviation more mean distance costs ${gain(0.1).replace('+', '')} of accuracy.`,
      'interference-features': `PCA of the knowledge features (last layer, last prompt token) of one set's facts: in the base model, after learning each fact alone, and after learning the set together${s.features.example ? ` (the two axes hold ${pct(s.features.example.explained[0] ?? null)} and ${pct(s.features.example.explained[1] ?? null)} of the variance)` : ''}. The paper reads interference as the together points moving less far from the base points than the alone points; over all facts the mean shift is ${fmt(s.features.meanShiftSingle)} alone and ${fmt(s.features.meanShiftJoint)} together.`,
      ...(s.designed
        ? {
            'interference-designed': `Sets built in a 2 × 2 design (${s.designed.points.length} sets): facts from the nearer or farther half of the pool by original→target distance, with targets clustered around one anchor's target or spread apart. Bars are the mean set accuracy per cell with 95 % t intervals over sets. Holding the other fixed, one SD more pairwise target spread changes accuracy by ${gain(s.designed.fit.b2.estimate)} [${gain(s.designed.fit.b2.lo)}, ${gain(s.designed.fit.b2.hi)}], one SD more mean distance by ${gain(s.designed.fit.b1.estimate)} [${gain(s.designed.fit.b1.lo)}, ${gain(s.designed.fit.b1.hi)}].`,
          }
        : {}),
      'interference-feature-shift': `Mean distance the features move from the base model: alone ${fmt(s.features.meanShiftSingle)}, together ${fmt(s.features.meanShiftJoint)}; together − alone, paired by fact: ${fmt(d.estimate)} [${fmt(d.lo)}, ${fmt(d.hi)}]. Suppression needs this difference credibly below 0: ${verdict(s.reproducesSuppression)}.`,
    },
  };
}

function terciles(v: number[]): string[] {
  const s = [...v].sort((a, b) => a - b);
  const t1 = s[Math.floor(s.length / 3)];
  const t2 = s[Math.floor((2 * s.length) / 3)];
  return v.map((x) => (x < t1 ? 'low variance' : x < t2 ? 'middle variance' : 'high variance'));
}

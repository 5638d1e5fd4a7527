/** Finding 5: a loss re-weighted by target distance. One module: experiment, config, figures, SUMMARY section. */
import { defineFinding } from '../finding';
import { REWEIGHTING_SCALES, reweighting, reweightingConfig } from './experiment';
import { reweightingFigure, reweightingReading } from './figures';
import { reweightingHeadlines, reweightingSection } from './summary';
import { reweightingTables } from './tables';

export const reweightingFinding = defineFinding({
  key: 'reweighting',
  experiment: reweighting,
  config: reweightingConfig,
  scales: REWEIGHTING_SCALES,
  figures: (s) => [{ name: 'reweighting', spec: reweightingFigure(s) }],
  section: reweightingSection,
  tables: reweightingTables,
  headlines: reweightingHeadlines,
  reading: reweightingReading,
  caveat:
    'The paper’s weighting formula is not published: the variants are ours; every set trains the whole grid of γ and α; the values are chosen on held-out sets and tested on the test sets (the whole grid on the test sets is a sensitivity table, not the verdict). The three-way verdict corrects for picking the best of three (Holm); the v1 rule does not, and a revision that changed only how runs were seeded once moved it.',
  setRates: true,
});

export * from './experiment';
export * from './figures';
export * from './summary';
export * from './tables';

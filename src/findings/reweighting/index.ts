/** Finding 5: a loss re-weighted by target distance. One module: experiment, config, figures, SUMMARY section. */
import { defineFinding } from '../finding';
import { reweighting, reweightingConfig } from './experiment';
import { reweightingFigure } from './figures';
import { reweightingHeadlines, reweightingSection } from './summary';
import { reweightingTables } from './tables';

export const reweightingFinding = defineFinding({
  key: 'reweighting',
  experiment: reweighting,
  config: reweightingConfig,
  figures: (s) => [{ name: 'reweighting', spec: reweightingFigure(s) }],
  section: reweightingSection,
  tables: reweightingTables,
  headlines: reweightingHeadlines,
});

export * from './experiment';
export * from './figures';
export * from './summary';
export * from './tables';

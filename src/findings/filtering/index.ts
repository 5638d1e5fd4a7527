/** Finding 4: filtering detrimental training data. One module: experiment, config, figures, SUMMARY section. */
import { defineFinding } from '../finding';
import { filtering, filteringConfig } from './experiment';
import { filteringFigure } from './figures';
import { filteringHeadlines, filteringSection } from './summary';
import { filteringTables } from './tables';

export const filteringFinding = defineFinding({
  key: 'filtering',
  experiment: filtering,
  config: filteringConfig,
  figures: (s) => [{ name: 'filtering', spec: filteringFigure(s) }],
  section: filteringSection,
  tables: filteringTables,
  headlines: filteringHeadlines,
});

export * from './experiment';
export * from './figures';
export * from './summary';
export * from './tables';

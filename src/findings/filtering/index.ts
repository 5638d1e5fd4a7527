/** Finding 4: filtering detrimental training data. One module: experiment, config, figures, SUMMARY section. */
import { defineFinding } from '../finding';
import { FILTERING_SCALES, filtering, filteringConfig } from './experiment';
import { filteringFigure, filteringReading } from './figures';
import { filteringHeadlines, filteringSection } from './summary';
import { filteringTables } from './tables';

export const filteringFinding = defineFinding({
  key: 'filtering',
  experiment: filtering,
  config: filteringConfig,
  scales: FILTERING_SCALES,
  figures: (s) => [{ name: 'filtering', spec: filteringFigure(s) }],
  section: filteringSection,
  tables: filteringTables,
  headlines: filteringHeadlines,
  reading: filteringReading,
  caveat:
    'Filtering changes which facts are trained, and accuracy is measured on the facts actually trained (as in the paper’s setting). Semantic filtering selects near targets, which finding 1 shows are easier on our model, and its score J = variance − mean is dominated by the mean. The random-replacement control shows the gain is not from replacement as such; the nearest-first control (the mean term alone) tests whether it is more than a selection of easier facts.',
  setRates: true,
});

export * from './experiment';
export * from './figures';
export * from './summary';
export * from './tables';

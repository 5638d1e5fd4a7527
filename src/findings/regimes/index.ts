/**
 * The learning-regime study: PEFT against full fine-tuning at matched step budgets (the paper's premise) and
 * findings 1–2 in every regime, from runs to convergence on a learning-rate grid. One module: experiment, analysis,
 * figures, SUMMARY section.
 */
import { defineFinding } from '../finding';
import { regimes, regimesConfig } from './experiment';
import { regimesFigures } from './figures';
import { regimesHeadlines, regimesSection } from './summary';
import { regimesTables } from './tables';

export const regimesFinding = defineFinding({
  key: 'regimes',
  experiment: regimes,
  config: regimesConfig,
  figures: regimesFigures,
  section: regimesSection,
  tables: regimesTables,
  headlines: regimesHeadlines,
});

export * from './analysis';
export * from './experiment';
export * from './figures';
export * from './summary';
export * from './tables';
export * from './wall-clock';

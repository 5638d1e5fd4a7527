/** Finding 2: PEFT pushing the answer away from the target. One module: experiment, config, figures, SUMMARY section. */
import { defineFinding } from '../finding';
import { drift, driftConfig } from './experiment';
import { driftFigure } from './figures';
import { driftHeadlines, driftSection } from './summary';
import { driftTables } from './tables';

export const driftFinding = defineFinding({
  key: 'drift',
  experiment: drift,
  config: driftConfig,
  figures: (s) => [{ name: 'drift', spec: driftFigure(s) }],
  section: driftSection,
  tables: driftTables,
  headlines: driftHeadlines,
});

export * from './experiment';
export * from './figures';
export * from './summary';
export * from './tables';

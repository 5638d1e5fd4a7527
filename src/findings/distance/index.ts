/** Finding 1: accuracy against target semantic distance (single facts). One module: experiment, config, figures, SUMMARY section. */
import { defineFinding } from '../finding';
import { distanceCurve, distanceCurveConfig } from './experiment';
import { distanceCurveFigure, stepsFigure } from './figures';
import { distanceHeadlines, distanceSection } from './summary';
import { distanceTables } from './tables';

export const distanceFinding = defineFinding({
  key: 'distance',
  experiment: distanceCurve,
  config: distanceCurveConfig,
  figures: (s) => [
    { name: 'distance-curve', spec: distanceCurveFigure(s) },
    { name: 'distance-steps', spec: stepsFigure(s) },
  ],
  section: distanceSection,
  tables: distanceTables,
  headlines: distanceHeadlines,
});

export * from './experiment';
export * from './figures';
export * from './summary';
export * from './tables';

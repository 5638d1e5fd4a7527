/** Finding 1: accuracy against target semantic distance (single facts). One module: experiment, config, figures, SUMMARY section. */
import { defineFinding } from '../finding';
import { distanceCurve, distanceCurveConfig } from './experiment';
import { distanceCurveFigure, distanceReading, stepsFigure } from './figures';
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
  reading: distanceReading,
  caveat:
    'The v1 rule (middle bins minus outer bins > 0) is about zero for any straight line and positive for any concave monotone curve, so its "yes" and "no" say little about a peak; the peak test (logistic fit with a squared term, standard errors clustered by fact, and a two-lines test) decides. On this tied-embedding model the input-embedding distance and the starting logit margin are strongly correlated, so this is not yet a verdict about semantic distance as such.',
});

export * from './experiment';
export * from './figures';
export * from './summary';
export * from './tables';

/** Finding 3: facts learned together interfere (set size, set composition, knowledge features). One module: experiment, config, figures, SUMMARY section. */
import { defineFinding } from '../finding';
import { INTERFERENCE_SCALES, interference, interferenceConfig } from './experiment';
import {
  interferenceCompositionFigure,
  interferenceDesignedFigure,
  interferenceFeatureShiftFigure,
  interferenceFeaturesFigure,
  interferenceReading,
  interferenceSizeFigure,
} from './figures';
import { interferenceHeadlines, interferenceSection } from './summary';
import { interferenceTables } from './tables';

export const interferenceFinding = defineFinding({
  key: 'interference',
  experiment: interference,
  config: interferenceConfig,
  scales: INTERFERENCE_SCALES,
  figures(s) {
    const features = interferenceFeaturesFigure(s);
    const designed = interferenceDesignedFigure(s);
    return [
      { name: 'interference-size', spec: interferenceSizeFigure(s) },
      { name: 'interference-composition', spec: interferenceCompositionFigure(s) },
      ...(features ? [{ name: 'interference-features', spec: features }] : []),
      ...(designed ? [{ name: 'interference-designed', spec: designed }] : []),
    ];
  },
  section: interferenceSection,
  tables: interferenceTables,
  headlines: interferenceHeadlines,
  reading: interferenceReading,
  caveat:
    'The verdict comes from the paired test (each fact learned alone and in its set, same epochs). In the set-size curve every fact is seen the same number of times, so larger sets train for more steps; its intervals are t intervals over a few seeds: wide, and clipped to [0, 1] in the figures and tables. "Knowledge features" are our reading of the paper’s PCA (last layer, last prompt token); the per-fact measures (target log-probability, shift along e_target − e_original) are ours. The designed sets (full scale) vary the mean original→target distance and the spread between targets independently; "spread" is our reading of the paper’s "variance".',
  setRates: true,
  // the feature-shift figure: shown by the report and notebook 03, not written to results/figures/
  moreFigures: (s) => [{ name: 'interference-feature-shift', spec: interferenceFeatureShiftFigure(s) }],
});

export * from './designed';
export * from './experiment';
export * from './figures';
export * from './summary';
export * from './tables';

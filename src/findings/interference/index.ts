/** Finding 3: facts learned together interfere (set size, set composition, knowledge features). One module: experiment, config, figures, SUMMARY section. */
import { defineFinding } from '../finding';
import { interference, interferenceConfig } from './experiment';
import {
  interferenceCompositionFigure,
  interferenceDesignedFigure,
  interferenceFeaturesFigure,
  interferenceSizeFigure,
} from './figures';
import { interferenceHeadlines, interferenceSection } from './summary';
import { interferenceTables } from './tables';

export const interferenceFinding = defineFinding({
  key: 'interference',
  experiment: interference,
  config: interferenceConfig,
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
});

export * from './designed';
export * from './experiment';
export * from './figures';
export * from './summary';
export * from './tables';

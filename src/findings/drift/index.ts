/** Finding 2: PEFT pushing the answer away from the target. One module: experiment, config, figures, SUMMARY section. */
import { defineFinding } from '../finding';
import { drift, driftConfig } from './experiment';
import { driftFigure, driftReading } from './figures';
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
  reading: driftReading,
  caveat:
    'The paper gives no rate: the 5 % bar is ours. Distances are measured in the base model’s input-embedding space, and only failed runs whose greedy answer ends further from the target count. The regime study adds two controls for LoRA: the same facts trained toward another fact’s target, and a random rank-r update with the trained run’s Σ‖ΔW‖_F (spread evenly over the modules; the random direction is our choice of null).',
});

export * from './experiment';
export * from './figures';
export * from './summary';
export * from './tables';

/** The five experiments, in the paper's order, with their config builders. */
import type { CommonOptions } from '../knowledge/config';
import type { AnyExperiment } from '../runner/runner';
import { distanceCurve, distanceCurveConfig } from './distance/experiment';
import { drift, driftConfig } from './drift/experiment';
import { filtering, filteringConfig } from './filtering/experiment';
import { interference, interferenceConfig } from './interference/experiment';
import { reweighting, reweightingConfig } from './reweighting/experiment';

export interface ExperimentEntry {
  key: 'distance' | 'drift' | 'interference' | 'filtering' | 'reweighting';
  experiment: AnyExperiment;
  /** `lr` overrides the learning rate of every method */
  config(o: CommonOptions & { lr?: number }): unknown;
}

export const EXPERIMENTS: ExperimentEntry[] = [
  { key: 'distance', experiment: distanceCurve, config: distanceCurveConfig },
  { key: 'drift', experiment: drift, config: driftConfig },
  { key: 'interference', experiment: interference, config: interferenceConfig },
  { key: 'filtering', experiment: filtering, config: filteringConfig },
  { key: 'reweighting', experiment: reweighting, config: reweightingConfig },
];

export function findExperiments(only?: string): ExperimentEntry[] {
  if (!only) return EXPERIMENTS;
  const keys = only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return keys.map((k) => {
    const e = EXPERIMENTS.find((x) => x.key === k || x.experiment.name === k);
    if (!e)
      throw new Error(
        `Unknown experiment '${k}': use ${EXPERIMENTS.map((x) => x.experiment.name).join(', ')}`,
      );
    return e;
  });
}

export {
  distanceCurve,
  distanceCurveConfig,
  drift,
  driftConfig,
  filtering,
  filteringConfig,
  interference,
  interferenceConfig,
  reweighting,
  reweightingConfig,
};

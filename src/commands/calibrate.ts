/** `beacons calibrate [--scale toy] [--model dir] [--methods lora,adalora,adapter,full]` — see knowledge/calibrate.ts */
import * as path from 'node:path';
import { CALIBRATION_FACTS, calibrate, pickRates } from '../knowledge/calibrate';
import { commonConfig, prepareSession } from '../knowledge/config';
import { METHODS } from '../knowledge/scales';
import { writeFileAtomic } from '../util/atomic';
import { modelPath, parseCommand, STUDY_OPTIONS } from './options';

export const SPEC = {
  name: 'calibrate',
  summary:
    'Per-method learning rates that put accuracy near 50 % (the unsaturated regime); writes calibration.json.',
  options: {
    scale: STUDY_OPTIONS.scale,
    model: STUDY_OPTIONS.model,
    methods: {
      type: 'names',
      choices: Object.keys(METHODS),
      default: 'lora,adalora,adapter,full',
      help: 'methods to calibrate',
    },
    iterations: { type: 'int', min: 1, max: 20, default: 7, help: 'bisection steps per method' },
    around: {
      type: 'number',
      min: 1,
      above: true,
      max: 1e6,
      help: "search ×/÷ this factor around the scale's current rate (default: the whole range 1e-6 to 1e-1)",
    },
    results: { ...STUDY_OPTIONS.results, help: 'where calibration.json goes' },
  },
} as const;

export async function run(argv: string[]): Promise<void> {
  const values = parseCommand(SPEC, argv);
  const { s: scale, ...cfg } = commonConfig({ scale: values.scale, model: modelPath(values.model) });
  const s = await prepareSession(cfg);
  const rows = await calibrate(
    s,
    scale,
    values.methods,
    CALIBRATION_FACTS,
    (m) => console.error(`[calibrate] ${m}`),
    {
      iterations: values.iterations,
      around: values.around,
    },
  );
  const picked = pickRates(rows);
  console.log(JSON.stringify(picked, null, 2));
  writeFileAtomic(
    path.join(values.results, 'calibration.json'),
    `${JSON.stringify({ scale: scale.name, model: cfg.model, modelId: cfg.modelId, steps: scale.singleSteps, epochs: scale.epochs, iterations: values.iterations, around: values.around ?? null, rows, picked }, null, 2)}\n`,
  );
}

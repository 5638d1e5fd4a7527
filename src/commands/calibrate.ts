/** `beacons calibrate [--scale toy] [--model dir] [--methods lora,adalora,adapter,full]` — see knowledge/calibrate.ts */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { calibrate, pickRates } from '../knowledge/calibrate';
import { commonConfig, prepareSession } from '../knowledge/config';
import { writeFileAtomic } from '../util/atomic';

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string', default: 'toy' },
      model: { type: 'string' },
      methods: { type: 'string', default: 'lora,adalora,adapter,full' },
      results: { type: 'string', default: 'results' },
      backend: { type: 'string' },
    },
  });
  const { s: scale, ...cfg } = commonConfig({ scale: values.scale, model: values.model });
  const s = await prepareSession(cfg);
  const rows = await calibrate(s, scale, values.methods!.split(','), 64, (m) =>
    console.error(`[calibrate] ${m}`),
  );
  const picked = pickRates(rows);
  console.log(JSON.stringify(picked, null, 2));
  writeFileAtomic(
    path.join(values.results!, 'calibration.json'),
    `${JSON.stringify({ scale: scale.name, model: cfg.model, modelId: cfg.modelId, steps: scale.singleSteps, epochs: scale.epochs, rows, picked }, null, 2)}\n`,
  );
}

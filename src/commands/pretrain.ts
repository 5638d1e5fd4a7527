/** `beacons pretrain [--out dir] [--epochs n] [--records n] [--seed n]` (options: SPEC below). */
import * as path from 'node:path';
import { backendInfo } from '../backend';
import { BEACON_BASE_DIR } from '../model/load';
import { PRETRAIN_DEFAULTS, pretrain } from '../pretrain/pretrain';
import { writeFileAtomic } from '../util/atomic';
import { parseCommand } from './options';

export const SPEC = {
  name: 'pretrain',
  summary: 'Builds the shipped base model (≈ 20 min on 2 cores; resumable per epoch).',
  options: {
    out: { type: 'string', arg: 'dir', default: BEACON_BASE_DIR, help: 'model directory to write' },
    epochs: { type: 'int', min: 1, max: 10_000, default: PRETRAIN_DEFAULTS.epochs, help: 'training epochs' },
    records: {
      type: 'int',
      min: 1,
      max: 10_000_000,
      default: PRETRAIN_DEFAULTS.corpus.counterfactRecords,
      help: 'COUNTERFACT records in the corpus',
    },
    seed: {
      type: 'int',
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      default: PRETRAIN_DEFAULTS.seed,
      help: 'random seed',
    },
  },
} as const;

export async function run(argv: string[]): Promise<void> {
  const values = parseCommand(SPEC, argv);
  const { epochs, records, seed } = values;
  const out = path.resolve(values.out);
  let last = Date.now();
  const r = await pretrain(
    out,
    { epochs, seed, corpus: { ...PRETRAIN_DEFAULTS.corpus, counterfactRecords: records } },
    (epoch, e) => {
      if (Date.now() - last > 15000 || e.step === e.steps) {
        last = Date.now();
        console.error(
          `[pretrain] epoch ${epoch + 1}/${epochs} step ${e.step}/${e.steps} loss ${e.loss.toFixed(3)} ${e.tokensPerSecond.toFixed(0)} tok/s`,
        );
      }
    },
  );
  const summary = {
    ...r,
    dir: path.relative(process.cwd(), r.dir),
    backend: backendInfo()?.name,
    date: new Date().toISOString(),
  };
  writeFileAtomic(path.join(out, 'pretrain-log.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(
    `Wrote ${out} (${r.epochs} epochs, ${r.steps} steps, final loss ${r.finalLoss.toFixed(3)}, ${r.seconds.toFixed(0)} s)`,
  );
}

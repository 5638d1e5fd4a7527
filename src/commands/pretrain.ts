/** `beacons pretrain [--out dir] [--epochs n] [--records n] [--seed n]` */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { backendInfo } from '../backend';
import { BEACON_BASE_DIR } from '../model/load';
import { PRETRAIN_DEFAULTS, pretrain } from '../pretrain/pretrain';
import { writeFileAtomic } from '../util/atomic';

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string', default: BEACON_BASE_DIR },
      epochs: { type: 'string' },
      records: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
    },
  });
  const epochs = values.epochs ? Number(values.epochs) : PRETRAIN_DEFAULTS.epochs;
  const records = values.records ? Number(values.records) : PRETRAIN_DEFAULTS.corpus.counterfactRecords;
  const seed = values.seed ? Number(values.seed) : PRETRAIN_DEFAULTS.seed;
  const out = path.resolve(values.out!);
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

/**
 * `beacons pretrain [--model name] [--out dir] [--epochs n] [--records n] [--seed n]`: pretrains a shipped model's
 * recipe (src/pretrain/shipped.ts; default beacon-base) into its directory (or --out). --epochs/--records/--seed
 * override the recipe. The resolved recipe is written to pretrain-log.json (`pretrain`).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { backendInfo } from '../backend';
import { pretrain } from '../pretrain/pretrain';
import { SHIPPED_MODEL_NAMES, shippedModel, shippedPretrainConfig } from '../pretrain/shipped';
import { writeFileAtomic } from '../util/atomic';

const HELP = `Usage: beacons pretrain [--model name] [--out dir] [--epochs n] [--records n] [--seed n]
  --model name  recipe to pretrain: ${SHIPPED_MODEL_NAMES.join(', ')} (default beacon-base)
  --out dir     output directory (default: the model's directory under data/models/)
  --epochs n, --records n (COUNTERFACT records), --seed n   override the recipe`;

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string', default: 'beacon-base' },
      out: { type: 'string' },
      epochs: { type: 'string' },
      records: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const shipped = shippedModel(values.model!);
  const recipe = shippedPretrainConfig(shipped.name);
  const num = (flag: string, v: string | undefined, fallback: number) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`--${flag}: expected a non-negative integer, got '${v}'`);
    return n;
  };
  const cfg = {
    ...recipe,
    epochs: num('epochs', values.epochs, recipe.epochs),
    // --epochs replaces the recipe's learning-rate cycles by one cycle
    cycles: values.epochs === undefined ? recipe.cycles : undefined,
    seed: num('seed', values.seed, recipe.seed),
    corpus: {
      ...recipe.corpus,
      counterfactRecords: num('records', values.records, recipe.corpus.counterfactRecords),
    },
  };
  const out = path.resolve(values.out ?? shipped.dir);
  const epochs = cfg.epochs;
  let last = Date.now();
  const r = await pretrain(out, cfg, (epoch, e) => {
    if (Date.now() - last > 15000 || e.step === e.steps) {
      last = Date.now();
      console.error(
        `[pretrain] epoch ${epoch + 1}/${epochs} step ${e.step}/${e.steps} loss ${e.loss.toFixed(3)} ${e.tokensPerSecond.toFixed(0)} tok/s`,
      );
    }
  });
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

/**
 * `beacons pretrain [--model name] [--out dir] [--epochs n] [--records n] [--seed n]` (options: SPEC below):
 * pretrains a shipped model's recipe (src/pretrain/shipped.ts; default beacon-base) into its directory (or --out).
 * --epochs/--records/--seed override the recipe. The resolved recipe is written to pretrain-log.json (`pretrain`).
 */
import * as path from 'node:path';
import { backendInfo } from '../backend';
import { pretrain } from '../pretrain/pretrain';
import { SHIPPED_MODEL_NAMES, shippedModel, shippedPretrainConfig } from '../pretrain/shipped';
import { writeFileAtomic } from '../util/atomic';
import { checkOutputDir } from '../util/paths';
import { MAX_SEED, parseCommand } from './options';

export const SPEC = {
  name: 'pretrain',
  summary: "Pretrains a shipped model's recipe (beacon-base ≈ 20 min on 2 cores; resumable per epoch).",
  options: {
    model: {
      type: 'string',
      arg: 'name',
      choices: SHIPPED_MODEL_NAMES,
      default: 'beacon-base',
      help: 'recipe to pretrain',
    },
    out: {
      type: 'string',
      arg: 'dir',
      path: 'output-dir',
      help: "model directory to write (default: the model's under data/models/)",
    },
    epochs: { type: 'int', min: 1, max: 10_000, help: "training epochs (default: the recipe's)" },
    records: {
      type: 'int',
      min: 1,
      max: 10_000_000,
      help: "COUNTERFACT records in the corpus (default: the recipe's)",
    },
    seed: { type: 'int', min: 0, max: MAX_SEED, help: "random seed (default: the recipe's)" },
  },
} as const;

export async function run(argv: string[]): Promise<void> {
  const values = parseCommand(SPEC, argv);
  const shipped = shippedModel(values.model);
  const recipe = shippedPretrainConfig(shipped.name);
  const cfg = {
    ...recipe,
    epochs: values.epochs ?? recipe.epochs,
    // --epochs replaces the recipe's learning-rate cycles by one cycle
    cycles: values.epochs === undefined ? recipe.cycles : undefined,
    seed: values.seed ?? recipe.seed,
    corpus: { ...recipe.corpus, counterfactRecords: values.records ?? recipe.corpus.counterfactRecords },
  };
  const out = path.resolve(values.out ?? shipped.dir);
  checkOutputDir(out, 'out'); // before training, not after it
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

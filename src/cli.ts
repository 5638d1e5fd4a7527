/**
 * The `beacons` command line: `beacons <command> [options]`.
 *   reproduce   run the five experiments, write figures and results/SUMMARY.md
 *   pretrain    build the shipped base model (data/models/beacon-base)
 *   probe       re-run the base model's probes and write its MODEL_CARD.md
 *   bench       training-step benchmark against a PyTorch reference
 *   calibrate   choose per-method learning rates for the unsaturated regime
 *   merge       join --shard result files of a sweep
 */
import { parseArgs } from 'node:util';
import { initBackend } from './backend';

const USAGE = `Usage: beacons <reproduce|pretrain|probe|calibrate|bench|merge> [options]
  --backend auto|tensorflow|webgpu|wasm|cpu   (or BEACONS_BACKEND; default auto)
Run "beacons <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(USAGE);
    return;
  }
  const { values } = parseArgs({ args: rest, options: { backend: { type: 'string' } }, strict: false });
  await initBackend(typeof values.backend === 'string' ? values.backend : undefined);
  switch (command) {
    case 'pretrain':
      return (await import('./commands/pretrain')).run(rest);
    case 'probe':
      return (await import('./commands/probe')).run(rest);
    case 'reproduce':
      return (await import('./commands/reproduce')).run(rest);
    case 'bench':
      return (await import('./commands/bench')).run(rest);
    case 'calibrate':
      return (await import('./commands/calibrate')).run(rest);
    case 'merge':
      return (await import('./commands/reproduce')).merge(rest);
    default:
      throw new Error(`Unknown command '${command}'.\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((e: Error) => {
  console.error(`beacons: ${e.message}`);
  if (process.env.BEACONS_DEBUG) console.error(e.stack);
  process.exit(1);
});

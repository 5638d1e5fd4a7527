/**
 * The `beacons` command line: `beacons <command> [options]`; `beacons <command> --help` prints the command's
 * options (generated from its option table, src/commands/options.ts) and does nothing else.
 */
import { initBackend } from './backend';
import { type CommandSpec, helpText, parseCommand, wantsHelp } from './commands/options';

interface Command {
  spec: CommandSpec;
  run(argv: string[]): Promise<void>;
}

/** Each command module exports its option table (SPEC) and `run`; loaded only when its command is used. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  reproduce: async () => {
    const m = await import('./commands/reproduce');
    return { spec: m.SPEC, run: m.run };
  },
  merge: async () => {
    const m = await import('./commands/reproduce');
    return { spec: m.MERGE_SPEC, run: m.merge };
  },
  pretrain: async () => {
    const m = await import('./commands/pretrain');
    return { spec: m.SPEC, run: m.run };
  },
  probe: async () => {
    const m = await import('./commands/probe');
    return { spec: m.SPEC, run: m.run };
  },
  calibrate: async () => {
    const m = await import('./commands/calibrate');
    return { spec: m.SPEC, run: m.run };
  },
  report: async () => {
    const m = await import('./commands/report');
    return { spec: m.SPEC, run: m.run };
  },
  bench: async () => {
    const m = await import('./commands/bench');
    return { spec: m.SPEC, run: m.run };
  },
  operating: async () => {
    const m = await import('./commands/operating');
    return { spec: m.SPEC, run: m.run };
  },
};

const USAGE = `Usage: beacons <${Object.keys(COMMANDS).join('|')}> [options]
  reproduce   run the five experiments (cached), write figures and results/SUMMARY.md
  merge       join the result files of --shard i/n runs and write the summaries
  pretrain    build the shipped base model (data/models/beacon-base)
  probe       re-run the base model's probes and write its MODEL_CARD.md
  calibrate   choose per-method learning rates for the unsaturated regime
  report      write the interactive HTML report (results/report/) from cached runs
  bench       training-step and workload benchmark against a PyTorch reference
  operating   simulate each verdict rule at the study's sample sizes (results/operating-characteristics.md)
Every command takes --backend auto|tensorflow|webgpu|wasm|cpu (or BEACONS_BACKEND; default auto).
Run "beacons <command> --help" for a command's options.`;

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return;
  }
  const load = COMMANDS[command];
  if (load === undefined) throw new Error(`Unknown command '${command}'.\n${USAGE}`);
  const cmd = await load();
  if (wantsHelp(rest)) {
    console.log(helpText(cmd.spec));
    return;
  }
  // every option is checked before the backend starts or any file is read
  const values = parseCommand(cmd.spec, rest);
  await initBackend(values.backend);
  await cmd.run(rest);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: Error) => {
    console.error(`beacons: ${e.message}`);
    if (process.env.BEACONS_DEBUG) console.error(e.stack);
    process.exit(1);
  });
}

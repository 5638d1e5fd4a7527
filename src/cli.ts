/**
 * The `beacons` command line: `beacons <command> [options]`; `beacons <command> --help` prints the command's
 * options (generated from its option table, src/commands/options.ts) and does nothing else.
 */
import { initBackend } from './backend';
import { COMMANDS, USAGE } from './commands/index';
import { helpText, parseCommand, wantsHelp } from './commands/options';

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

/** Runs the command line and exits 1 with one `beacons: …` line on error (src/cli.ts and bin/beacons.js). */
export function runCli(argv: string[]): void {
  main(argv).catch((e: Error) => {
    console.error(`beacons: ${e.message}`);
    if (process.env.BEACONS_DEBUG) console.error(e.stack);
    process.exit(1);
  });
}

if (require.main === module) runCli(process.argv.slice(2));

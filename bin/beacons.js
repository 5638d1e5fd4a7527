#!/usr/bin/env node
// Entry point of the `beacons` command: runs src/cli.ts in THIS process through tsx's loader (no build step, no
// child process). A signal to `beacons` is a signal to the CLI itself: SIGINT/SIGTERM/SIGHUP end it as they end
// `node --import tsx src/cli.ts` (a --workers run forwards them to its workers and exits 1), and a SIGKILL leaves
// no orphan (its workers' watchdog stops them; src/util/workers.ts).
const path = require('node:path');
const { pathToFileURL } = require('node:url');

(async () => {
  await import('tsx'); // registers tsx's ESM and CommonJS hooks, as `node --import tsx` does
  const cli = await import(pathToFileURL(path.join(__dirname, '..', 'src', 'cli.ts')).href);
  (cli.runCli ?? cli.default.runCli)(process.argv.slice(2));
})().catch((e) => {
  console.error(`beacons: cannot start the command line: ${e?.message ? e.message.split('\n')[0] : e}`);
  process.exit(1);
});

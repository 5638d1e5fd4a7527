/**
 * docs/cli.md, generated from the option tables (src/commands/options.ts) so that the docs and `--help` cannot
 * disagree: `npm run docs:cli` writes it; test/cli-docs.test.ts fails when it is stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomic';
import { COMMANDS, USAGE } from './index';
import { helpText } from './options';

const ROOT = path.resolve(fs.realpathSync(__dirname), '..', '..');
export const CLI_DOCS = path.join(ROOT, 'docs', 'cli.md');

/** The whole page: the command list, then each command's `--help`. */
export async function cliDocs(): Promise<string> {
  const parts = [
    '# The `beacons` command line',
    '',
    "Generated from the option tables (`src/commands/options.ts` and each command's `SPEC`) by `npm run docs:cli`;",
    'a test fails when this page and `beacons <command> --help` disagree. Every command checks all its options',
    'before any work (numbers and their ranges, data files, writable result folders).',
    '',
    '```text',
    USAGE,
    '```',
  ];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const { spec } = await load();
    parts.push('', `## beacons ${name}`, '', '```text', helpText(spec), '```');
  }
  // defaults that are absolute paths (bench --out) are shown relative to the checkout
  return `${parts.join('\n').split(ROOT).join('<repo>')}\n`;
}

if (require.main === module) {
  cliDocs().then(
    (text) => {
      writeFileAtomic(CLI_DOCS, text);
      console.log(`wrote ${path.relative(process.cwd(), CLI_DOCS)}`);
    },
    (e: Error) => {
      console.error(`docs:cli: ${e.message}`);
      process.exit(1);
    },
  );
}

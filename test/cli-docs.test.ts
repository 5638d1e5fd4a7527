/** docs/cli.md is the option tables' help, generated (src/commands/cli-docs.ts); the CLI's counts are the code's. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { CLI_DOCS, cliDocs } from '../src/commands/cli-docs';
import { USAGE } from '../src/commands/index';
import { EXPERIMENTS } from '../src/findings/index';

test('docs/cli.md is up to date with the option tables (npm run docs:cli)', {
  skip: process.env.BEACONS_SCALE !== undefined && 'BEACONS_SCALE changes the documented --scale default',
}, async () => {
  const want = await cliDocs();
  const got = fs.existsSync(CLI_DOCS) ? fs.readFileSync(CLI_DOCS, 'utf8') : '';
  assert.ok(got === want, 'docs/cli.md is stale: run "npm run docs:cli" and commit it');
});

test('beacons --help names as many experiments as reproduce runs', () => {
  const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
  assert.match(USAGE, new RegExp(`run the ${words[EXPERIMENTS.length]} experiments`));
});

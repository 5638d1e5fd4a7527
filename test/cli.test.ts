import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { SPEC as BENCH } from '../src/commands/bench';
import { SPEC as CALIBRATE } from '../src/commands/calibrate';
import { type CommandSpec, helpText, modelPath, parseCommand, wantsHelp } from '../src/commands/options';
import { SPEC as PRETRAIN } from '../src/commands/pretrain';
import { SPEC as PROBE } from '../src/commands/probe';
import { MERGE_SPEC, SPEC as REPRODUCE } from '../src/commands/reproduce';

const ROOT = path.resolve(__dirname, '..');
const SPECS: CommandSpec[] = [REPRODUCE, MERGE_SPEC, PRETRAIN, PROBE, CALIBRATE, BENCH];

test('every command has --help generated from the option table that parses it', () => {
  for (const spec of SPECS) {
    const help = helpText(spec);
    assert.match(help, new RegExp(`^Usage: beacons ${spec.name} \\[options\\]`));
    for (const name of [...Object.keys(spec.options), 'backend', 'help'])
      assert.match(help, new RegExp(`--${name}\\b`), `${spec.name} --help lacks --${name}`);
    // the table parses what the help lists: no options → defaults, no error
    parseCommand(spec, []);
  }
  assert.ok(wantsHelp(['--scale', 'toy', '-h']) && !wantsHelp(['--', '--help']));
});

test('`beacons <command> --help` prints the help and does nothing else (no backend, no files, no merge)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-help-'));
  try {
    const results = path.join(dir, 'results');
    for (const spec of SPECS) {
      const args = ['--import', 'tsx', 'src/cli.ts', spec.name, '--results', results, '--help'];
      const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, `${spec.name} --help: ${r.stderr}`);
      assert.equal(r.stdout.trim(), helpText(spec));
      assert.doesNotMatch(r.stderr, /tfjs backend/, `${spec.name} --help started a backend`);
    }
    assert.equal(fs.existsSync(results), false, 'a --help run wrote results');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('numeric options are validated with one line naming the option and the allowed range', () => {
  const bad: [CommandSpec, string[], RegExp][] = [
    [REPRODUCE, ['--lr', 'Infinity'], /--lr must be a number above 0 and at most 1, got 'Infinity'$/],
    [REPRODUCE, ['--lr', '1e30'], /--lr must be a number above 0 and at most 1, got '1e30'$/],
    [REPRODUCE, ['--lr', '0'], /--lr must be a number above 0/],
    [REPRODUCE, ['--lr', ''], /--lr must be a number/],
    [
      REPRODUCE,
      ['--seeds', '9007199254740993'],
      /--seeds must be an integer at least 0 and at most 4294967295/,
    ],
    [REPRODUCE, ['--seeds', '1,,2'], /--seeds must be a comma-separated list of integers/],
    [REPRODUCE, ['--seeds=-1'], /--seeds must be an integer at least 0/],
    [REPRODUCE, ['--only', ','], /--only must be a comma-separated list of .* \(no empty items\), got ','$/],
    [
      REPRODUCE,
      ['--only', 'nope'],
      /--only must be a comma-separated list of regimes, learning-regimes, distance/,
    ],
    [REPRODUCE, ['--workers', '2.5'], /--workers must be an integer at least 1 and at most 1024, got '2.5'$/],
    [
      REPRODUCE,
      ['--shard', '3/2'],
      /--shard must be i\/n with integers 0 ≤ i < n \(e.g. 0\/4\), got .3\/2.$/,
    ],
    [REPRODUCE, ['--scale', 'huge'], /--scale must be one of smoke, toy, full, paper, got 'huge'$/],
    [REPRODUCE, ['--models', 'beacon-huge'], /--models must be a comma-separated list of all, beacon-base/],
    [REPRODUCE, ['--bogus'], /reproduce: Unknown option '--bogus' \(see "beacons reproduce --help"\)$/],
    [PRETRAIN, ['--epochs', '1e9'], /--epochs must be an integer at least 1 and at most 10000/],
    [PRETRAIN, ['--seed', 'NaN'], /--seed must be an integer/],
    [PRETRAIN, ['--records', '0x10'], /--records must be an integer/],
    [BENCH, ['--per-stack', '0'], /--per-stack must be an integer at least 1/],
    [BENCH, ['--lr=-1'], /--lr must be a number above 0/],
    [
      CALIBRATE,
      ['--methods', 'lora,'],
      /--methods must be a comma-separated list of lora, adalora, adapter, full/,
    ],
    [PROBE, ['--model'], /Option '--model <value>' argument missing/],
  ];
  for (const [spec, args, msg] of bad) assert.throws(() => parseCommand(spec, args), msg, args.join(' '));
  const ok = parseCommand(REPRODUCE, ['--lr', '3e-4', '--seeds', '0, 7', '--only', 'drift,filtering']);
  assert.equal(ok.lr, 3e-4);
  assert.deepEqual(ok.seeds, [0, 7]);
  assert.deepEqual(ok.only, ['drift', 'filtering']);
  // the generator keeps 32 bits of a seed: the largest seed accepted is 2^32 − 1
  assert.equal(parseCommand(PRETRAIN, ['--seed', String(2 ** 32 - 1)]).seed, 2 ** 32 - 1);
});

test('--model takes a shipped model name or a directory; a name and its directory give the same config path', () => {
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    assert.equal(modelPath('beacon-untied'), path.join('data', 'models', 'beacon-untied'));
    assert.equal(modelPath('beacon-base'), modelPath('./data/models/beacon-base'));
    assert.equal(modelPath('some/dir/'), path.join('some', 'dir'));
    assert.equal(modelPath(undefined), undefined);
  } finally {
    process.chdir(cwd);
  }
});

test('reproduce --models refuses --model beside it, with one line and nothing written', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-models-'));
  try {
    const results = path.join(dir, 'results');
    const args = ['--import', 'tsx', 'src/cli.ts', 'reproduce', '--models', 'all', '--model', 'beacon-base'];
    const r = spawnSync(process.execPath, [...args, '--results', results], { cwd: ROOT, encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr.trim(), /--model and --models exclude each other/);
    assert.equal(fs.existsSync(results), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

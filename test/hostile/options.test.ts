/**
 * Hostile command lines: negative and out-of-range numbers, seeds beyond the generator's 32 bits, devices and
 * folders as data files, result folders under /proc or on a read-only file system, an unwritable pretrain --out.
 * Each is one line naming the option, the value and the cause, before any work (most through the option tables
 * directly).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SPEC as CALIBRATE } from '../../src/commands/calibrate';
import { parseCommand } from '../../src/commands/options';
import { SPEC as PRETRAIN } from '../../src/commands/pretrain';
import { SPEC as REPORT } from '../../src/commands/report';
import { defaultWorkers, SPEC as REPRODUCE } from '../../src/commands/reproduce';
import { commonConfig } from '../../src/knowledge/config';
import { writeFileAtomic } from '../../src/util/atomic';
import { lockResultsDir } from '../../src/util/lock';

let tmp = '';
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-hostile-options-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('numbers: a negative value is a number, range-checked like any other', () => {
  for (const [spec, args, want] of [
    [REPRODUCE, ['--lr', '-1'], "--lr must be a number above 0 and at most 1, got '-1'"],
    [REPRODUCE, ['--seeds', '-1'], "--seeds must be an integer at least 0 and at most 4294967295, got '-1'"],
    [REPRODUCE, ['--workers', '-1'], "--workers must be an integer at least 1 and at most 1024, got '-1'"],
    [REPRODUCE, ['--shard', '-1/2'], "--shard must be i/n with integers 0 ≤ i < n (e.g. 0/4), got '-1/2'"],
    [REPRODUCE, ['--set-rate', '-.5'], "--set-rate must be a number above 0 and at most 1000, got '-.5'"],
    [PRETRAIN, ['--epochs', '-1'], "--epochs must be an integer at least 1 and at most 10000, got '-1'"],
    [
      CALIBRATE,
      ['--iterations', '-3'],
      "--iterations must be an integer at least 1 and at most 20, got '-3'",
    ],
  ] as const)
    test(`${spec.name} ${args.join(' ')}`, () => {
      assert.throws(() => parseCommand(spec, [...args]), { message: want });
    });
});

describe('seeds: the generator keeps 32 bits, so a larger seed is refused rather than repeating a smaller one', () => {
  test('on the command line (reproduce --seeds, pretrain --seed)', () => {
    assert.throws(() => parseCommand(REPRODUCE, ['--seeds', '0,4294967296']), {
      message: "--seeds must be an integer at least 0 and at most 4294967295, got '4294967296'",
    });
    assert.throws(() => parseCommand(PRETRAIN, ['--seed', '4294967296']), {
      message: "--seed must be an integer at least 0 and at most 4294967295, got '4294967296'",
    });
    assert.deepEqual(parseCommand(REPRODUCE, ['--seeds', '0,4294967295']).seeds, [0, 4294967295]);
  });

  test('in a config built by code (notebooks)', () => {
    assert.throws(() => commonConfig({ scale: 'smoke', seeds: [1, 2 ** 32] }), {
      message:
        "seeds: each must be an integer from 0 to 4294967295 (the generator's 32 bits), got 4294967296",
    });
  });
});

describe('data files are checked before they are read or hashed', () => {
  test('a device (/dev/zero) is refused at once, not read forever', () => {
    const t0 = Date.now();
    assert.throws(() => parseCommand(REPRODUCE, ['--data', '/dev/zero']), {
      message: '--data /dev/zero: not a regular file (a device, pipe or socket is never read)',
    });
    assert.ok(Date.now() - t0 < 1000);
  });

  test('a folder, a missing file, a file over the size limit', () => {
    assert.throws(() => parseCommand(REPORT, ['--data', tmp]), {
      message: `--data ${tmp}: a folder, not a file`,
    });
    const missing = path.join(tmp, 'none.json');
    assert.throws(() => parseCommand(REPORT, ['--data', missing]), {
      message: `--data ${missing}: cannot read file (ENOENT: no such file)`,
    });
    const big = path.join(tmp, 'big.json');
    fs.writeFileSync(big, Buffer.alloc(3 * 1024 * 1024, 0x20));
    process.env.BEACONS_MAX_DATA_MB = '2';
    try {
      assert.throws(() => parseCommand(REPRODUCE, ['--data', big]), {
        message: `--data ${big}: 3 MB, larger than the 2 MB limit (set BEACONS_MAX_DATA_MB to raise it)`,
      });
    } finally {
      delete process.env.BEACONS_MAX_DATA_MB;
    }
  });
});

describe('a model path', () => {
  test('a file given as the model directory is called a file, not missing', () => {
    const file = path.join(tmp, 'model-file');
    fs.writeFileSync(file, '');
    assert.throws(() => commonConfig({ scale: 'smoke', model: file }), {
      message: new RegExp(
        `^Model directory ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a file, not a folder: `,
      ),
    });
  });
});

describe('output folders are checked before any work', () => {
  test('under /proc or /sys: refused at once (a recursive mkdir there may never return)', () => {
    assert.throws(() => parseCommand(REPRODUCE, ['--results', '/proc/1/x']), {
      message: '--results /proc/1/x: under /proc, a virtual file system: results cannot go there',
    });
    assert.throws(() => parseCommand(REPORT, ['--out', '/sys/x']), {
      message: '--out /sys/x: under /sys, a virtual file system: results cannot go there',
    });
    // code that takes the lock itself (a notebook's runExperiment) is refused too, before any mkdir
    assert.throws(() => lockResultsDir('/proc/1/x'), {
      message: '/proc/1/x/.lock: cannot write (under /proc, a virtual file system: results cannot go there)',
    });
  });

  test('a file where a folder should be; pretrain --out under a file fails before training', () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, '');
    assert.throws(() => parseCommand(CALIBRATE, ['--results', file]), {
      message: `--results ${file}: a file, not a folder`,
    });
    assert.throws(() => parseCommand(PRETRAIN, ['--out', path.join(file, 'model')]), {
      message: `--out ${path.join(file, 'model')}: ${file} is a file, not a folder`,
    });
  });

  const mounted = (() => {
    if (process.getuid?.() !== 0 || process.platform !== 'linux') return false;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-ro-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir], { stdio: 'ignore' });
      return dir;
    } catch {
      fs.rmSync(dir, { recursive: true, force: true });
      return false;
    }
  })();
  after(() => {
    if (mounted) {
      execFileSync('umount', [mounted]);
      fs.rmSync(mounted, { recursive: true, force: true });
    }
  });

  test('a read-only file system says so (EROFS), not ENOENT', {
    skip: mounted ? false : 'needs root and mount to make a read-only file system',
  }, () => {
    const dir = mounted as string;
    for (const [spec, opt] of [
      [REPRODUCE, 'results'],
      [REPORT, 'out'],
      [PRETRAIN, 'out'],
    ] as const)
      assert.throws(() => parseCommand(spec, [`--${opt}`, path.join(dir, 'new', 'folder')]), {
        message: `--${opt} ${path.join(dir, 'new', 'folder')}: ${dir} is on a read-only file system (EROFS)`,
      });
    // and where code writes there anyway (a notebook's runExperiment, the lock): EROFS, not ENOENT … mkdir
    const file = path.join(dir, 'a', 'b', 'summary.json');
    assert.throws(() => writeFileAtomic(file, '{}'), {
      message: `${file}: cannot write (${dir} is on a read-only file system (EROFS))`,
    });
    assert.throws(() => lockResultsDir(path.join(dir, 'r')), {
      message: `${path.join(dir, 'r', '.lock')}: cannot write (${dir} is on a read-only file system (EROFS))`,
    });
  });
});

describe('environment', () => {
  test('BEACONS_WORKERS=abc names the variable and the value', () => {
    process.env.BEACONS_WORKERS = 'abc';
    try {
      assert.throws(() => defaultWorkers(), {
        message: "BEACONS_WORKERS must be an integer from 1 to 1024 (or unset), got 'abc'",
      });
      process.env.BEACONS_WORKERS = '3';
      assert.equal(defaultWorkers(), 3);
    } finally {
      delete process.env.BEACONS_WORKERS;
    }
  });
});

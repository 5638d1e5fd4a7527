/**
 * environment/slurm-array.sh `submit`: an array job of N tasks, then a merge job that depends on it (a fake sbatch on
 * the PATH records the calls). The tasks and the merge themselves are tested in test/determinism.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const SCRIPT = path.resolve(__dirname, '..', 'environment', 'slurm-array.sh');

test('slurm-array.sh submit N: an array of N shard tasks, then a merge job after them', () => {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-sbatch-'));
  const log = path.join(bin, 'calls');
  fs.writeFileSync(
    path.join(bin, 'sbatch'),
    `#!/usr/bin/env bash\necho "$*" >> ${JSON.stringify(log)}\nif [[ "$*" == *--array* ]]; then echo 4242; else echo 4243; fi\n`,
    { mode: 0o755 },
  );
  try {
    const out = execFileSync('bash', [SCRIPT, 'submit', '4', '--scale', 'toy', '--results', 'r'], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, BEACONS_SBATCH_OPTS: '--partition=cpu' },
      encoding: 'utf8',
    });
    assert.equal(out.trim(), 'array job 4242 (4 tasks), merge job 4243 after it');
    assert.deepEqual(fs.readFileSync(log, 'utf8').trim().split('\n'), [
      '--parsable --partition=cpu --array=0-3 environment/slurm-array.sh --scale toy --results r',
      '--parsable --partition=cpu --dependency=afterok:4242 --export=ALL,BEACONS_SLURM_STEP=merge environment/slurm-array.sh --scale toy --results r',
    ]);
    assert.throws(
      () => execFileSync('bash', [SCRIPT, 'submit', 'x'], { stdio: 'pipe' }),
      (e: { stderr: Buffer }) =>
        e.stderr.toString().trim() === "slurm-array.sh: N must be a positive integer, got 'x'",
    );
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
});

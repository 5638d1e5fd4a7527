/**
 * Hostile input files: each gives ONE clear line naming the file and the field or number at fault. Fixtures are
 * written at test time to a scratch folder.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initBackend } from '../../src/backend';
import { checkMemory, loadSession } from '../../src/knowledge/session';
import { expectedShapes, saveModelDir } from '../../src/model/checkpoint';
import { loadModel } from '../../src/model/load';
import { SPECIAL_TOKENS, WordTokenizer } from '../../src/model/tokenizer';
import { readPeftLora, writePeftLora } from '../../src/peft/io';
import { type Experiment, loadSummary, resultPaths, runExperiment } from '../../src/runner/runner';
import { appendLinesDurable, writeFileAtomic } from '../../src/util/atomic';
import { lockResultsDir } from '../../src/util/lock';
import { tinyConfig } from '../helpers';
import { ROOT } from '../sweep';

let tmp = '';
before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-hostile-'));
  await initBackend('cpu', { quiet: true });
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A tiny model directory whose tokenizer has `tokens` entries (config.json's vocab_size is 24). */
function tinyModelDir(name: string, tokens = 24): string {
  const dir = path.join(tmp, name);
  const config = tinyConfig();
  const tensors = new Map(
    [...expectedShapes(config)].map(([n, shape]) => [
      n,
      { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.01) },
    ]),
  );
  const vocab = [
    ...SPECIAL_TOKENS,
    ...Array.from({ length: tokens - SPECIAL_TOKENS.length }, (_, i) => `w${i}`),
  ];
  saveModelDir(dir, config, tensors, new WordTokenizer(vocab, true));
  return dir;
}

describe('model files', () => {
  test('a tokenizer larger than vocab_size is refused at load, naming both files and numbers', () => {
    const dir = tinyModelDir('big-tokenizer', 30);
    assert.throws(
      () => loadModel(dir),
      (e: Error) => {
        assert.equal(
          e.message,
          `${path.join(dir, 'tokenizer.json')}: the tokenizer has ids up to 29 (30 tokens) but ${path.join(dir, 'config.json')} has vocab_size 24: they belong to different models`,
        );
        return true;
      },
    );
  });

  test('config.json that is not JSON: the error names the file', () => {
    const dir = tinyModelDir('bad-config');
    fs.writeFileSync(path.join(dir, 'config.json'), '{"vocab_size": 24,');
    const file = path.join(dir, 'config.json');
    const shape = new RegExp(`^${reEscape(file)}: model config is not valid JSON: `);
    assert.throws(() => checkMemory(dir), { message: shape });
    assert.throws(() => loadModel(dir), { message: new RegExp(`^${reEscape(file)}: not valid JSON \\(`) });
  });
});

describe('data files', () => {
  const record = (id: number, target: string) => ({
    case_id: id,
    prompt: `The capital of Country${id} is`,
    subject: `Country${id}`,
    target_new: target,
    ground_truth: 'Paris',
    rephrase_prompt: `Country${id} has its capital in`,
    locality_prompt: 'The capital of Italy is',
    locality_ground_truth: 'Rome',
  });

  test('every record unusable: says how many were dropped and the first reason', async () => {
    const file = path.join(tmp, 'all-bad.json');
    fs.writeFileSync(file, JSON.stringify([record(1, 'Paris'), record(2, 'Paris')]));
    await assert.rejects(
      loadSession({ data: file }),
      (e: Error) =>
        new RegExp(
          `^${reEscape(file)}: all 2 records are unusable and were dropped; the first: record 0 \\(id "cf-1"\\), field "target_new": .*Paris`,
        ).test(e.message) || assert.fail(e.message),
    );
  });

  test('some records unusable: one warning with the count and the first reason', async () => {
    const file = path.join(tmp, 'some-bad.json');
    fs.writeFileSync(file, JSON.stringify([record(1, 'Rome'), record(2, 'Paris'), record(3, 'Paris')]));
    const lines: string[] = [];
    const original = console.error;
    console.error = (m: string) => lines.push(String(m));
    try {
      await loadSession({ data: file, model: tinyModelDir('for-data') }).catch(() => {});
    } finally {
      console.error = original;
    }
    const warnings = lines.filter((l) => l.includes('dropped'));
    assert.equal(warnings.length, 1, lines.join('\n'));
    assert.match(
      warnings[0],
      new RegExp(
        `^\\[data\\] warning: dropped 2 of 3 records of ${reEscape(file)} as unusable; the first: record 1 \\(id "cf-2"\\), field "target_new": `,
      ),
    );
  });
});

describe('results files', () => {
  type Cfg = { n: number };
  const exp: Experiment<Cfg, { id: string; x: number }, number, { sum: number }> = {
    name: 'hostile',
    version: 1,
    cases: (cfg) => Array.from({ length: cfg.n }, (_, x) => ({ id: `c${x}`, x })),
    runBatch: async (_cfg, cases) => cases.map((c) => c.x),
    summarize: (_cfg, results) => ({ sum: results.reduce((a, b) => a + b, 0) }),
  };

  test('a summary.json whose meta is {} or lacks a field: the file and the field, then it is rewritten', async () => {
    const dir = path.join(tmp, 'meta');
    const cfg = { n: 3 };
    await runExperiment(exp, cfg, { resultsDir: dir });
    const file = resultPaths(exp, cfg, dir).summary;
    for (const [meta, field] of [
      [{}, 'meta.seconds'],
      [{ seconds: 1, cases: 3, startedAt: 'x' }, 'meta.finishedAt'],
    ] as const) {
      const s = JSON.parse(fs.readFileSync(file, 'utf8'));
      fs.writeFileSync(file, JSON.stringify({ ...s, meta }));
      assert.throws(() => loadSummary(exp, cfg, dir), { message: `${file}: field "${field}" is missing` });
      const warnings: string[] = [];
      const out = await runExperiment(exp, cfg, { resultsDir: dir, onWarn: (m) => warnings.push(m) });
      assert.deepEqual(warnings, [`${file}: field "${field}" is missing; rewriting it from the cases`]);
      assert.equal(out.summary?.summary.sum, 3);
      assert.equal(typeof loadSummary(exp, cfg, dir)?.meta.seconds, 'number');
    }
  });

  test('a full disk (ENOSPC) names the file', { skip: !fs.existsSync('/dev/full') && 'no /dev/full' }, () => {
    assert.throws(() => appendLinesDurable('/dev/full', ['{}']), {
      message: '/dev/full: cannot write (ENOSPC: no space left on the device)',
    });
  });

  /** As root, the check runs as user nobody: it needs to read the checkout (not so in a mode-700 folder). */
  const asNobody = (() => {
    if (process.getuid?.() !== 0) return false;
    const need = [
      path.join(ROOT, 'node_modules', 'tsx', 'package.json'),
      path.join(ROOT, 'src', 'util', 'lock.ts'),
    ];
    try {
      execFileSync(
        'setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          'sh',
          '-c',
          need.map((f) => `test -r '${f}'`).join(' && '),
        ],
        { stdio: 'ignore' },
      );
      return false;
    } catch {
      return `as root this check runs as user nobody (uid 65534), who cannot read the checkout at ${ROOT} (a folder of mode 700 above it?)`;
    }
  })();

  test('a read-only results folder says so (EACCES), not ENOENT', { skip: asNobody }, () => {
    const ro = path.join(tmp, 'read-only');
    fs.mkdirSync(ro);
    fs.chmodSync(tmp, 0o755);
    fs.chmodSync(ro, 0o555);
    const lock = path.join(ro, '.lock');
    const atomic = path.join(ro, 'x', 'config.json');
    const want = [
      `${lock}: cannot write (EACCES: permission denied: the folder is not writable)`,
      `${atomic}: cannot write (EACCES: permission denied: the folder is not writable)`,
    ];
    if (process.getuid?.() !== 0) {
      assert.throws(() => lockResultsDir(ro), { message: want[0] });
      assert.throws(() => writeFileAtomic(atomic, '{}'), { message: want[1] });
      return;
    }
    // root may write anywhere: run the same calls as user nobody
    const script = `
      const { lockResultsDir } = require(${JSON.stringify(path.join(ROOT, 'src/util/lock.ts'))});
      const { writeFileAtomic } = require(${JSON.stringify(path.join(ROOT, 'src/util/atomic.ts'))});
      for (const f of [() => lockResultsDir(${JSON.stringify(ro)}), () => writeFileAtomic(${JSON.stringify(atomic)}, '{}')]) {
        try { f(); console.log('no error'); } catch (e) { console.log(e.message); }
      }`;
    const out = execFileSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', '-e', script],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, HOME: tmp } },
    );
    assert.deepEqual(out.trim().split('\n'), want);
  });
});

describe('adapter files that would give non-finite logits are refused at load', () => {
  const m = 'model.layers.0.self_attn.q_proj';
  const weights = (a: number, b: number) =>
    new Map([
      [
        m,
        {
          A: new Float32Array(2 * 4).fill(a),
          B: new Float32Array(4 * 2).fill(b),
          inFeatures: 4,
          outFeatures: 4,
        },
      ],
    ]);
  const write = (name: string, alpha: number, a = 0.1, b = 0.1) => {
    const dir = path.join(tmp, `adapter-${name}`);
    writePeftLora(dir, { r: 2, lora_alpha: alpha, target_modules: ['q_proj'] }, weights(a, b));
    return {
      dir,
      cfg: path.join(dir, 'adapter_config.json'),
      st: path.join(dir, 'adapter_model.safetensors'),
    };
  };

  test('lora_alpha 1e308 (a scaling float32 cannot hold), or not finite in the config', () => {
    const { dir, cfg } = write('huge-alpha', 1e308);
    assert.throws(() => readPeftLora(dir), {
      message: `${cfg}: field "lora_alpha": gives a scaling of 5e+307, beyond float32`,
    });
    fs.writeFileSync(
      cfg,
      fs.readFileSync(cfg, 'utf8').replace('"lora_alpha": 1e+308', '"lora_alpha": 1e999'),
    );
    assert.throws(() => readPeftLora(dir), {
      message: `${cfg}: field "lora_alpha": must be a positive finite number, got Infinity`,
    });
  });

  for (const [name, bad] of [
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ] as const)
    test(`a ${name} weight names the tensor and the value`, () => {
      const { dir, st } = write(`nan-${name}`, 4, 0.1, bad);
      assert.throws(() => readPeftLora(dir), {
        message: `${st}: tensor "base_model.model.${m}.lora_B.weight": value 0 is ${name}: weights must be finite`,
      });
    });

  test('finite weights whose product with the scaling overflows float32', () => {
    const { dir, cfg } = write('overflow', 1e30, 1e10, 1);
    assert.throws(() => readPeftLora(dir), {
      message: new RegExp(
        `^${reEscape(cfg)}: field "lora_alpha": 5e\\+29 \\(scaling\\) times the weights of .*q_proj can reach 1\\.00e\\+40, beyond float32`,
      ),
    });
  });
});

/**
 * How long `beacons reproduce` takes from an empty results folder with tfjs's kernels (BEACONS_SIMD_MATMUL=0, which
 * also turns the packed layout off) and with src/kernels, and whether both give the same case files (they must: the
 * kernels keep tfjs's bits). `--switch packing` compares the packed layout alone instead (src/kernels on in both
 * runs, BEACONS_PACK=0 before); `--switch adamw` the fused AdamW update (src/kernels/adamw.ts) against tfjs's ops
 * (BEACONS_FUSED_ADAMW=0 before); `--switch transposes` frozen weights' transposes made once a run
 * (src/model/frozen-transposes.ts) against every step (BEACONS_FROZEN_TRANSPOSES=0 before); `--switch memory`
 * tensors freed once spent (src/backend/lean-backprop.ts) against kept to the end of a step (BEACONS_LEAN_MEMORY=0).
 *
 *   npx tsx src/bench/reproduce-time.ts [--only filtering] [--scale smoke] [--rounds 1] [--workers 2] [--out results/bench]
 *                                       [--reference results] [--switch kernels|packing|adamw|transposes|memory]
 *
 * Each round runs `before` then `after` (alternating, so that load from other jobs lands on both), each from a fresh
 * temporary folder, timing the whole command (process start, model loading and the merge included). Writes
 * `reproduce-<date>.json` to --out; `beacons bench --readme … --reproduce <file>` renders it in docs/performance.md.
 * The default `--only` is every experiment (the default `npm run reproduce`: 20–40 min a run on 2 cores).
 * `--reference <dir>` also compares every run's case files with the same files under dir (the committed caches):
 * `reference` in the JSON says whether each one was there and the same, byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { REPO_DIR } from '../data/paths';
import { median } from './kernel';
import { type MachineInfo, machineInfo, writeResult } from './report';

/** What reproduce-time writes: the command, and each run's wall clock and case-file digest. */
export interface ReproduceTime {
  date: string;
  machine: MachineInfo;
  loadAverageAtEnd: number;
  /** the reproduce arguments, the same for every run (the results folder excepted) */
  args: string[];
  /** what differs between the before and after runs (absent in older files: kernels) */
  switched?: Switch;
  /** `packed`: present when switched = packing (kernels are src/kernels in both); `side`: in newer files */
  runs: {
    kernels: 'tfjs' | 'src/kernels';
    packed?: boolean;
    side?: 'before' | 'after';
    wallS: number;
    cases: number;
    casesSha256: string;
  }[];
  /** every run wrote the same cases.jsonl files, byte for byte */
  identical: boolean;
  /** with --reference: the folder, and the case files of the runs that differ from it or are missing there */
  reference?: { dir: string; files: number; differ: string[] };
}

/** The cases.jsonl files under a results folder (experiment/hash/cases.jsonl), relative, in a fixed order. */
function caseFiles(dir: string): string[] {
  const out: string[] = [];
  for (const exp of fs.readdirSync(dir).sort()) {
    const e = path.join(dir, exp);
    if (!fs.statSync(e).isDirectory()) continue;
    for (const h of fs.readdirSync(e).sort()) {
      if (fs.existsSync(path.join(e, h, 'cases.jsonl'))) out.push(path.join(exp, h, 'cases.jsonl'));
    }
  }
  return out;
}

/** What a reproduce-time run can switch between its before and after runs: the variable, and each side's name. */
export const SWITCHES = {
  kernels: { env: 'BEACONS_SIMD_MATMUL', before: "tfjs's kernels", after: 'src/kernels', alone: '' },
  packing: { env: 'BEACONS_PACK', before: 'padded', after: 'packed', alone: 'the packed layout alone' },
  adamw: { env: 'BEACONS_FUSED_ADAMW', before: 'tfjs ops', after: 'fused', alone: 'the fused AdamW update' },
  transposes: {
    env: 'BEACONS_FROZEN_TRANSPOSES',
    before: 'every step',
    after: 'once a run',
    alone: "frozen weights' transposes made once a run",
  },
  memory: {
    env: 'BEACONS_LEAN_MEMORY',
    before: 'kept to the end',
    after: 'freed once spent',
    alone: 'tensors freed once spent',
  },
} as const;
export type Switch = keyof typeof SWITCHES;

/** The case files under a results folder as one digest. */
function casesDigest(dir: string): { files: number; sha256: string; cases: number } {
  const hash = createHash('sha256');
  let cases = 0;
  const files = caseFiles(dir);
  for (const f of files) {
    const text = fs.readFileSync(path.join(dir, f));
    hash.update(`${path.dirname(f)}\n`);
    hash.update(text);
    cases += text.toString('utf8').split('\n').filter(Boolean).length;
  }
  return { files: files.length, sha256: hash.digest('hex'), cases };
}

/** The case files of `dir` that are missing under `reference` or differ from it. */
function differFrom(dir: string, reference: string): { files: number; differ: string[] } {
  const files = caseFiles(dir);
  const differ = files.filter((f) => {
    const ref = path.join(reference, f);
    return !fs.existsSync(ref) || !fs.readFileSync(ref).equals(fs.readFileSync(path.join(dir, f)));
  });
  return { files: files.length, differ };
}

/** The runs of one side: before (tfjs's kernels, padded, …) or after; older files have no `side` field. */
export function runsOf(r: ReproduceTime, side: 'before' | 'after'): ReproduceTime['runs'] {
  const isBefore = (x: ReproduceTime['runs'][number]) =>
    x.side !== undefined
      ? x.side === 'before'
      : r.switched === 'packing'
        ? x.packed === false
        : x.kernels === 'tfjs';
  return r.runs.filter((x) => isBefore(x) === (side === 'before'));
}

/** Median wall seconds of the before runs or the after runs. */
export function medianWall(r: ReproduceTime, side: 'before' | 'after'): number {
  return median(runsOf(r, side).map((x) => x.wallS));
}

function option(argv: string[], name: string, fallback?: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`reproduce-time: --${name} needs a value`);
  return v;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const only = option(argv, 'only');
  const scale = option(argv, 'scale');
  const rounds = Number(option(argv, 'rounds', '1'));
  const workers = option(argv, 'workers', '2') as string;
  const out = option(argv, 'out', 'results/bench') as string;
  const reference = option(argv, 'reference');
  const switched = option(argv, 'switch', 'kernels') as Switch;
  if (!Object.hasOwn(SWITCHES, switched))
    throw new Error(
      `reproduce-time: --switch must be one of ${Object.keys(SWITCHES).join(', ')}, got ${switched}`,
    );
  const sw = SWITCHES[switched];
  if (reference !== undefined && !fs.existsSync(reference))
    throw new Error(`reproduce-time: --reference ${reference} does not exist`);
  const compared = { files: 0, differ: new Set<string>() };
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error('reproduce-time: --rounds must be an integer ≥ 1');
  const args = [
    '--workers',
    workers,
    '--no-figures',
    ...(only ? ['--only', only] : []),
    ...(scale ? ['--scale', scale] : []),
  ];
  const machine = machineInfo(null);
  const runs: ReproduceTime['runs'] = [];
  const digests = new Set<string>();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-reproduce-time-'));
  try {
    for (let r = 0; r < rounds; r++) {
      for (const side of ['before', 'after'] as const) {
        const dir = path.join(tmp, `${r}-${side}`);
        const kernels = switched === 'kernels' && side === 'before' ? 'tfjs' : 'src/kernels';
        const label = `${side}: ${sw[side]}`;
        const env: NodeJS.ProcessEnv = { ...process.env, BEACONS_PROGRESS: 'lines' };
        for (const o of Object.values(SWITCHES)) env[o.env] = o === sw && side === 'before' ? '0' : '1';
        const log = `${dir}.log`;
        console.error(
          `[reproduce-time] round ${r + 1}/${rounds}, ${label}: reproduce ${args.join(' ')} (log ${log})`,
        );
        const fd = fs.openSync(log, 'w');
        const t0 = performance.now();
        const p = spawnSync(
          process.execPath,
          ['--import', 'tsx', path.join(REPO_DIR, 'src', 'cli.ts'), 'reproduce', ...args, '--results', dir],
          { cwd: REPO_DIR, env, stdio: ['ignore', fd, fd] },
        );
        const wallS = (performance.now() - t0) / 1000;
        fs.closeSync(fd);
        if (p.status !== 0) {
          const tail = fs.readFileSync(log, 'utf8').trim().split('\n').slice(-5).join('\n');
          throw new Error(`reproduce-time: reproduce (${label}) exited with ${p.status}:\n${tail}`);
        }
        const d = casesDigest(dir);
        if (d.files === 0)
          throw new Error(`reproduce-time: reproduce (${label}) wrote no cases.jsonl under ${dir}`);
        digests.add(d.sha256);
        if (reference !== undefined) {
          const c = differFrom(dir, reference);
          compared.files = Math.max(compared.files, c.files);
          for (const f of c.differ) compared.differ.add(f);
        }
        runs.push({
          kernels,
          ...(switched === 'packing' ? { packed: side === 'after' } : {}),
          side,
          wallS,
          cases: d.cases,
          casesSha256: d.sha256,
        });
        console.error(
          `[reproduce-time] ${label}: ${wallS.toFixed(1)} s, ${d.cases} cases in ${d.files} files`,
        );
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const result: ReproduceTime = {
    date: new Date().toISOString(),
    machine,
    loadAverageAtEnd: os.loadavg()[0],
    switched,
    args,
    runs,
    identical: digests.size === 1,
    ...(reference !== undefined
      ? { reference: { dir: reference, files: compared.files, differ: [...compared.differ].sort() } }
      : {}),
  };
  const file = writeResult(out, 'reproduce', result);
  const ref = result.reference;
  console.log(
    `${sw.before} ${medianWall(result, 'before').toFixed(1)} s, ${sw.after} ${medianWall(result, 'after').toFixed(1)} s; case files ${result.identical ? 'identical' : 'DIFFER'}${ref ? `; against ${ref.dir}: ${ref.differ.length === 0 ? `all ${ref.files} the same` : `${ref.differ.length} of ${ref.files} differ (${ref.differ.join(', ')})`}` : ''}; wrote ${file}`,
  );
  if (!result.identical || (ref !== undefined && ref.differ.length > 0)) process.exit(1);
}

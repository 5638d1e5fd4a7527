/**
 * The text of a `beacons bench` result: the tables `npm run bench` prints, and README's Performance block, both
 * rendered from the result JSON (results/bench/bench-<date>.json), so that no number in the README is typed by hand.
 *
 * `beacons bench --readme results/bench/<after>.json [--before results/bench/<before>.json] [--ab
 * results/bench/simd-ab-<date>.json] [--profile results/bench/profile-<date>.json] [--reproduce
 * results/bench/reproduce-<date>.json]` rewrites the block
 * between `<!-- bench:begin -->` and `<!-- bench:end -->` in docs/performance.md from stored JSON, running nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_DIR } from '../data/paths';
import { writeFileAtomic } from '../util/atomic';
import { notComparable, referenceBlas } from './blas';
import { REFERENCE_BATCH, REFERENCE_SEQ } from './kernel';
import { type MethodStepTime, methodTable } from './methods';
import {
  type KernelReport,
  kernelTable,
  type MachineInfo,
  type ProfileRun,
  profileTable,
  type StepProfile,
  type WorkloadReport,
  workloadTable,
} from './report';
import { medianWall, type ReproduceTime, runsOf, SWITCHES } from './reproduce-time';

/** What `beacons bench` writes to results/bench/bench-<date>.json. */
export interface BenchResult {
  date: string;
  machine: MachineInfo;
  backend: string;
  options: {
    quick?: boolean;
    all?: boolean;
    steps: number;
    warmup: number;
    facts: number;
    perStack: number;
    lr: number;
    factSteps: number;
    checkEvery: number;
    /** times the PyTorch workload ran, its median the reference (absent: once, runs before the option) */
    torchRuns?: number;
    /** whether src/kernels/matmul.c ran tfjs-wasm's slow BatchMatMul path (absent: runs before it existed) */
    simdMatMul?: boolean;
  };
  kernel?: KernelReport;
  workload?: WorkloadReport;
  methods?: MethodStepTime[];
  memory: { peakRssMB: number; numTensorsStart: number; numTensorsEnd: number };
  notes: string[];
}

/** The tables and notes `npm run bench` prints after a run (everything but the file name). */
export function benchText(r: BenchResult): string {
  const m = r.machine;
  const lines: string[] = [
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.os}, Node ${m.node}, tfjs ${m.tfjs}, torch ${m.torch ?? '—'}`,
  ];
  if (m.torchBlas) lines.push(`PyTorch BLAS: ${m.torchBlas.join(', ')}`);
  const slowBlas = referenceBlas(m.torchBlas ?? r.workload?.torch?.blas);
  if (r.kernel) {
    lines.push(
      '',
      `1. Train step, reference config (d 256, 4 layers, batch ${REFERENCE_BATCH} × seq ${REFERENCE_SEQ}, random data)`,
      kernelTable(r.kernel, !slowBlas),
    );
    if (slowBlas && Object.keys(r.kernel.torch).length > 0)
      lines.push(`   ÷ torch: ${notComparable(slowBlas)}`);
  }
  const w = r.workload;
  if (w) {
    lines.push(
      '',
      `2. Learning ${w.ours.facts} single facts (LoRA r 8 on q,v, ≤ ${r.options.factSteps} steps, early stop)`,
      `   ${w.source}`,
      workloadTable(w),
    );
    if (w.ratio !== undefined && slowBlas) {
      lines.push(`   PyTorch time ÷ ours: ${notComparable(slowBlas)}`);
    } else if (w.ratio !== undefined) {
      lines.push(`   PyTorch time ÷ ours = ${w.ratio.toFixed(2)} (≥ 1: ours is faster)`);
      if (w.ratioWorkers !== undefined) {
        lines.push(`   PyTorch time ÷ ours with workers = ${w.ratioWorkers.toFixed(2)}`);
        const withStart = startupRatio(w);
        if (withStart !== undefined)
          lines.push(`   … including process start and model loading = ${withStart.toFixed(2)}`);
        const fastest = startupRatioFastest(w);
        if (fastest !== undefined)
          lines.push(
            `   … the same against PyTorch's fastest of its ${w.torch!.secondsEach!.length} runs = ${fastest.toFixed(2)}`,
          );
      }
      if (w.ratioCores !== undefined && w.torchCores !== undefined)
        lines.push(
          `   PyTorch on both cores (${w.torchCores.processes} processes × 1 thread) ÷ ours with workers = ${w.ratioCores.toFixed(2)}`,
        );
    }
  }
  if (r.methods) {
    lines.push(
      '',
      '3. One optimiser step per method on beacon-base (batch 1; the premise at matched wall-clock)',
      methodTable(r.methods),
    );
  }
  lines.push(
    '',
    `Peak RSS ${r.memory.peakRssMB.toFixed(0)} MB; tf.memory().numTensors ${r.memory.numTensorsStart} at start, ${r.memory.numTensorsEnd} at end`,
  );
  for (const n of r.notes) lines.push(`Note: ${n}`);
  return lines.join('\n');
}

/** PyTorch's time ÷ ours with workers, process start and model loading included. */
export function startupRatio(w: WorkloadReport): number | undefined {
  return w.torch && w.oursWorkers ? w.torch.seconds / w.oursWorkers.wallWithStartup : undefined;
}

/**
 * startupRatio against PyTorch's fastest run instead of its median (its runs move a lot from one to the next);
 * undefined with fewer than two runs, where the two are one.
 */
export function startupRatioFastest(w: WorkloadReport): number | undefined {
  const each = w.torch?.secondsEach;
  return each && each.length > 1 && w.oursWorkers
    ? Math.min(...each) / w.oursWorkers.wallWithStartup
    : undefined;
}

/** The headline ratios of one run: kernel (wasm LoRA step ÷ torch) and workload (with workers, incl. start-up). */
export function headline(r: BenchResult) {
  const w = r.workload;
  return {
    loraStep: r.kernel?.ratios['wasm/lora'],
    fullStep: r.kernel?.ratios['wasm/full'],
    workload: w?.ratioWorkers,
    workloadWithStartup: w ? startupRatio(w) : undefined,
  };
}

/** A before ÷ after time ratio in words: "1.89× faster", "1.05× slower", or "the same speed" (within 0.5 %). */
export function speed(ratio: number): string {
  if (ratio >= 1.005) return `${ratio.toFixed(2)}× faster`;
  if (ratio <= 1 / 1.005) return `${(1 / ratio).toFixed(2)}× slower`;
  return 'the same speed';
}

const f = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

export const README_BEGIN =
  '<!-- bench:begin (generated by `beacons bench --readme`; do not edit by hand) -->';
export const README_END = '<!-- bench:end -->';

/** What `npx tsx src/bench/profile.ts ab` writes: step times with and without src/kernels, alternating in one process. */
export interface SimdAb {
  date: string;
  machine: MachineInfo;
  loadAverageAtEnd: number;
  steps: {
    method: string;
    offMedianS: number;
    onMedianS: number;
    speedup: number;
    off: number[];
    on: number[];
  }[];
  /** the packed layout alone: stacked training of `facts` facts with BEACONS_PACK=0 (off) and on (newer runs) */
  packing?: SwitchAb;
  /** the fused AdamW alone (BEACONS_FUSED_ADAMW=0 against on; newer runs) */
  adamw?: SwitchAb;
  /** frozen weights' transposes once a run alone (BEACONS_FROZEN_TRANSPOSES=0 against on; newer runs) */
  transposes?: SwitchAb;
  /** tensors freed once spent alone (BEACONS_LEAN_MEMORY=0 against on; newer runs) */
  memory?: SwitchAb;
  /** its memory: peak live tensor MB of a 64-fact stack off and on, and this machine's cost of fresh memory */
  memoryEffect?: { peakMBOff: number; peakMBOn: number; firstTouchMsPerMB: number };
}

/** One switch of `profile.ts ab` on stacked training: run times off and on, alternating. */
export interface SwitchAb {
  facts: number;
  offMedianS: number;
  onMedianS: number;
  speedup: number;
  off: number[];
  on: number[];
}

/** How the block names each switch of the A/B file (its variable: reproduce-time's SWITCHES). */
const AB_LINES: Record<'packing' | 'adamw' | 'transposes' | 'memory', string> = {
  packing: 'The packed layout alone',
  adamw: 'The fused AdamW alone',
  transposes: "Frozen weights' transposes made once a run alone",
  memory: 'Tensors freed once spent alone',
};

/** A --reference folder as the block names it: a checkout's absolute path (a run from a worktree) by its last part. */
function referenceDir(dir: string): string {
  return path.isAbsolute(dir) ? path.basename(dir) : dir;
}

/** A stored result and the file it was read from (named from the repository root). */
export interface Stored<T> {
  data: T;
  file: string;
}

/** The files besides the main run that the block can show. */
export interface BlockParts {
  /** the run without src/kernels (BEACONS_SIMD_MATMUL=0), for the before → after line */
  before?: Stored<BenchResult>;
  /** `npx tsx src/bench/profile.ts ab`: the kernel alone, in one process */
  ab?: Stored<SimdAb>;
  /** `npx tsx src/bench/profile.ts save`: where a step's time goes, and the ceiling it sets */
  profile?: Stored<ProfileRun>;
  /** `npx tsx src/bench/reproduce-time.ts`: `reproduce` from an empty folder with and without src/kernels */
  reproduce?: Stored<ReproduceTime>[];
}

/** The line for a reproduce-time result: wall clock before → after, and whether the case files were the same. */
export function reproduceLine(r: Stored<ReproduceTime>): string {
  const d = r.data;
  const before = medianWall(d, 'before');
  const after = medianWall(d, 'after');
  const sw = SWITCHES[d.switched ?? 'kernels'];
  const n = runsOf(d, 'before').length;
  const cases = d.runs[0]?.cases ?? 0;
  const what = d.args.includes('--only')
    ? `\`reproduce ${d.args.join(' ')}\``
    : `\`npm run reproduce -- ${d.args.join(' ')}\` (every experiment)`;
  return (
    `${what} from an empty results folder, whole command timed (\`npx tsx src/bench/reproduce-time.ts\`, \`${r.file}\`, load average ${d.machine.loadAverage.toFixed(2)} → ${d.loadAverageAtEnd.toFixed(2)}): ` +
    (sw.alone === ''
      ? `${sw.before} ${before.toFixed(0)} s → ${sw.after} ${after.toFixed(0)} s`
      : `${sw.alone} (src/kernels on in both), ${sw.before} (\`${sw.env}=0\`) ${before.toFixed(0)} s → ${sw.after} ${after.toFixed(0)} s`) +
    ` (${speed(before / after)}${n > 1 ? `; medians of ${n} runs each, alternating` : ''}); ` +
    `${cases} cases, ${d.identical ? 'the same case files byte for byte' : 'case files that DIFFER between the two'}` +
    (d.reference === undefined
      ? '.'
      : d.reference.differ.length === 0
        ? `, and the same as the ${d.reference.files} committed under \`${referenceDir(d.reference.dir)}/\`.`
        : `; ${d.reference.differ.length} of ${d.reference.files} DIFFER from those committed under \`${referenceDir(d.reference.dir)}/\`.`)
  );
}

/** Milliseconds of the products XNNPACK runs (2-D, already SIMD) in a profiled step. */
export function xnnpackMs(p: StepProfile): number {
  return p.rows
    .filter((r) => r.kernel === 'BatchMatMul plain' || r.kernel === '_FusedMatMul plain')
    .reduce((s, r) => s + r.ms, 0);
}

/**
 * The profile's lines: both tables, and the bound the XNNPACK products put on the LoRA step's ratio to PyTorch
 * (PyTorch's median LoRA step of `after` ÷ the time of those products alone: the ratio if every other kernel took no
 * time).
 */
function profileLines(profile: Stored<ProfileRun>, after: BenchResult): string[] {
  const run = profile.data;
  const lines = [
    '',
    `Where a step's time goes (\`npx tsx src/bench/profile.ts save\`, \`${profile.file}\`, ${run.simdMatMul ? 'with' : 'without'} src/kernels, load average ${run.machine.loadAverage.toFixed(2)} → ${run.loadAverageAtEnd.toFixed(2)}; each kernel is timed on its own, so the kernels sum to a little more than an unprofiled step):`,
    '',
    '```text',
    run.profiles.map((p) => profileTable(p)).join('\n\n'),
    '```',
  ];
  const lora = run.profiles.find((p) => p.step === 'lora');
  const torch = after.kernel?.torch.lora?.median_step_s;
  if (lora !== undefined && torch !== undefined) {
    const plain = xnnpackMs(lora);
    lines.push(
      '',
      `In the LoRA step, XNNPACK's 2-D products (SIMD already, one thread) take ${plain.toFixed(0)} ms of ${lora.kernelMs.toFixed(0)} ms in kernels (${((100 * plain) / lora.kernelMs).toFixed(0)} %). ` +
        `Were every other kernel free, the step would still take that long: wasm LoRA step ÷ PyTorch at most ${torch.toFixed(3)} s ÷ ${(plain / 1000).toFixed(3)} s = ${(torch / (plain / 1000)).toFixed(2)} (PyTorch's median from the run above).`,
    );
  }
  return lines;
}

/**
 * The seconds behind the before → after ratios, both sides: a ratio's change mixes ours with PyTorch's own
 * run-to-run variation, which this line shows (undefined where a run lacks the kernel or workload part).
 */
export function secondsLine(before: BenchResult, after: BenchResult): string | undefined {
  // one measure before → after, in seconds, with its change in percent
  const change = (get: (r: BenchResult) => number | undefined, digits: number) => {
    const [x, y] = [get(before), get(after)];
    const pct =
      x !== undefined && y !== undefined
        ? ` (${y >= x ? '+' : '−'}${f((100 * Math.abs(y - x)) / x, 0)} %)`
        : '';
    return `${f(x, digits)} → ${f(y, digits)} s${pct}`;
  };
  const step = (r: BenchResult) => r.kernel?.tfjs.find((x) => x.method === 'lora')?.medianStepS;
  const torchStep = (r: BenchResult) => r.kernel?.torch.lora?.median_step_s;
  const ours = (r: BenchResult) => r.workload?.oursWorkers?.seconds;
  const torch = (r: BenchResult) => r.workload?.torch?.seconds;
  const parts: string[] = [];
  if (step(before) !== undefined && torchStep(before) !== undefined) {
    parts.push(`LoRA step ours ${change(step, 3)}, PyTorch ${change(torchStep, 3)}`);
  }
  if (ours(before) !== undefined && torch(before) !== undefined) {
    parts.push(`256-fact workload ours with workers ${change(ours, 1)}, PyTorch ${change(torch, 1)}`);
  }
  if (parts.length === 0) return undefined;
  return `The seconds behind those ratios, before → after: ${parts.join('; ')}. PyTorch runs the same work in both, so its change is the machine's run-to-run variation, and each ratio's change carries it too.`;
}

/** README's Performance block: the run's tables, where they come from, and the parts given (before/after, A/B, profile). */
export function readmeBlock(after: Stored<BenchResult>, parts: BlockParts = {}): string {
  const { before, ab, profile, reproduce } = parts;
  const a0 = after.data;
  const day = a0.date.slice(0, 10);
  const lines = [
    README_BEGIN,
    `Measured by \`npm run bench\` on ${day} (ratios against PyTorch in the same run; [bench/README.md](../bench/README.md)); wasm backend (SIMD, 1 thread${a0.options.simdMatMul ? ', BatchMatMul of src/kernels/matmul.c' : ''}):`,
    '',
    '```text',
    benchText(a0),
    '```',
    '',
    `(\`${after.file}\`.)`,
  ];
  if (before !== undefined) {
    const a = headline(a0);
    const b = headline(before.data);
    lines.push(
      '',
      `Before → after src/kernels (the before run: \`BEACONS_SIMD_MATMUL=0 npm run bench\`, \`${before.file}\`, load average ${before.data.machine.loadAverage.toFixed(2)}; the variable also turns off what needs the kernels: the packed layout, the fused AdamW and, in newer runs, the frozen transposes): ` +
        `wasm LoRA step ÷ PyTorch ${f(b.loraStep, 3)} → ${f(a.loraStep, 3)}, full step ${f(b.fullStep, 3)} → ${f(a.fullStep, 3)}; ` +
        `256-fact workload with workers, PyTorch time ÷ ours ${f(b.workload)} → ${f(a.workload)} ` +
        `(including process start and model loading ${f(b.workloadWithStartup)} → ${f(a.workloadWithStartup)}).`,
    );
    const seconds = secondsLine(before.data, a0);
    if (seconds !== undefined) lines.push(seconds);
    const load = Math.max(a0.machine.loadAverage, before.data.machine.loadAverage);
    if (load > 0.5) {
      lines.push(
        `The two runs started at load averages up to ${load.toFixed(2)} on ${a0.machine.cores} cores (the machine was shared with other jobs): each ratio compares two sides measured in the same run, but the load moved between and within runs, so the change from one run to the other is not a measurement of the kernel.`,
      );
    }
  }
  if (ab !== undefined) {
    const steps = ab.data.steps.map(
      (s) =>
        `${s.method} step ${s.offMedianS.toFixed(3)} s → ${s.onMedianS.toFixed(3)} s (${speed(s.speedup)}; medians of ${s.off.length} steps each)`,
    );
    lines.push(
      '',
      `The kernel alone, timed in alternating rounds in one process so that other load hits both sides alike (\`npx tsx src/bench/profile.ts ab\`, \`${ab.file}\`, load average ${ab.data.machine.loadAverage.toFixed(2)} → ${ab.data.loadAverageAtEnd.toFixed(2)}): ${steps.join('; ')}.`,
    );
    for (const [key, what] of Object.entries(AB_LINES) as [keyof typeof AB_LINES, string][]) {
      const p = ab.data[key];
      const env = SWITCHES[key].env;
      const m = key === 'memory' ? ab.data.memoryEffect : undefined;
      const memory =
        m === undefined
          ? ''
          : ` Live tensors at the peak of one 64-fact stack: ${m.peakMBOff.toFixed(0)} MB → ${m.peakMBOn.toFixed(0)} MB. In one process the heap has grown already, so this line shows no cost of fresh memory; a new process pays it once for its peak, and here fresh memory cost ${m.firstTouchMsPerMB.toFixed(2)} ms a MB (128 MB allocated and filled, median of 3).`;
      if (p !== undefined)
        lines.push(
          '',
          `${what}, the same way (src/kernels on in both; stacked training of ${p.facts} facts in stacks of 64 with early stop, \`${env}=0\` against on): ${p.offMedianS.toFixed(2)} s → ${p.onMedianS.toFixed(2)} s (${speed(p.speedup)}; medians of ${p.off.length} runs each).${memory}`,
        );
    }
  }
  for (const r of reproduce ?? []) lines.push('', reproduceLine(r));
  if (profile !== undefined) lines.push(...profileLines(profile, a0));
  lines.push(README_END);
  return lines.join('\n');
}

/**
 * Reads a stored JSON result of kind `what`, with an error naming the file: unreadable, or missing what `valid`
 * checks (`fields`, named in the error).
 */
function readStored<T>(file: string, what: string, fields: string, valid: (r: T) => boolean): T {
  let r: T;
  try {
    r = JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new Error(`bench --readme: cannot read ${file}: ${(e as Error).message}`);
  }
  if (r === null || typeof r !== 'object' || !valid(r)) {
    throw new Error(`bench --readme: ${file} is not a ${what} result (${fields})`);
  }
  return r;
}

/** Reads a bench JSON. */
export const readBench = (file: string): BenchResult =>
  readStored<BenchResult>(
    file,
    'bench',
    'date, machine, notes',
    (r) => typeof r.date === 'string' && r.machine !== undefined && Array.isArray(r.notes),
  );

/** Reads a simd-ab JSON of `npx tsx src/bench/profile.ts ab`. */
export const readAb = (file: string): SimdAb =>
  readStored<SimdAb>(
    file,
    'simd-ab',
    'machine, steps',
    (r) => Array.isArray(r.steps) && r.machine !== undefined,
  );

/** Reads a profile JSON of `npx tsx src/bench/profile.ts save`. */
export const readProfile = (file: string): ProfileRun =>
  readStored<ProfileRun>(
    file,
    'profile',
    'machine, profiles',
    (r) => Array.isArray(r.profiles) && r.machine !== undefined,
  );

/** Reads a JSON of `npx tsx src/bench/reproduce-time.ts`. */
export const readReproduce = (file: string): ReproduceTime =>
  readStored<ReproduceTime>(
    file,
    'reproduce-time',
    'machine, args, runs',
    (r) => Array.isArray(r.runs) && Array.isArray(r.args) && r.machine !== undefined,
  );

/** The files of a bench block, read from disk (paths as given; each shown named from the repository root). */
export interface BlockFiles {
  before?: string;
  ab?: string;
  profile?: string;
  reproduce?: string;
}

/** Replaces README's bench block (between the markers) with one rendered from the given JSON files. */
export function updateReadme(readme: string, afterFile: string, files: BlockFiles = {}): void {
  const text = fs.readFileSync(readme, 'utf8');
  const begin = text.indexOf('<!-- bench:begin');
  const end = text.indexOf(README_END);
  if (begin < 0 || end < begin) {
    throw new Error(`bench --readme: ${readme} has no '<!-- bench:begin … -->' … '${README_END}' block`);
  }
  // the files are named from the repository root (results/bench/…), wherever the page that shows them lives
  const rel = (p: string) => path.relative(REPO_DIR, path.resolve(p)).split(path.sep).join('/');
  const stored = <T>(file: string | undefined, read: (f: string) => T): Stored<T> | undefined =>
    file === undefined ? undefined : { data: read(file), file: rel(file) };
  const block = readmeBlock(
    { data: readBench(afterFile), file: rel(afterFile) },
    {
      before: stored(files.before, readBench),
      ab: stored(files.ab, readAb),
      profile: stored(files.profile, readProfile),
      reproduce: files.reproduce?.split(',').map((f) => ({ data: readReproduce(f), file: rel(f) })),
    },
  );
  writeFileAtomic(readme, text.slice(0, begin) + block + text.slice(end + README_END.length));
}

/**
 * One option table per command: it parses the command line (node:util parseArgs, strict), validates every value
 * (one error line naming the option and what it accepts) and generates the command's `--help`. The CLI answers
 * `--help` / `-h` from the table alone, before any backend starts or any file is read.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { BACKEND_NAMES } from '../backend';
import type { PromptFormat } from '../knowledge/facts';
import { resolveModelDir, SHIPPED_MODEL_NAMES } from '../pretrain/shipped';
import { inputFileProblem, outputDirProblem } from '../util/paths';

interface Base {
  /** one line of help */
  help: string;
  /** the argument's name in the help (e.g. 'dir') */
  arg?: string;
}

export type OptionSpec =
  | (Base & { type: 'boolean' })
  /** `valid`: what the value must be when it is not, e.g. 'i/n with 0 ≤ i < n'; undefined when fine */
  | (Base & {
      type: 'string';
      default?: string;
      choices?: readonly string[];
      valid?: (s: string) => string | undefined;
      /** checked on the file system before any work: a readable regular data file, or a writable output folder */
      path?: 'input-file' | 'output-dir';
    })
  | (Base & { type: 'int'; default?: number; min: number; max: number })
  /** a real number in [min, max] (or (min, max] with `above: true`) */
  | (Base & { type: 'number'; default?: number; min: number; max: number; above?: boolean })
  /** a comma-separated list of integers in [min, max] */
  | (Base & { type: 'ints'; min: number; max: number })
  /** a comma-separated list of names (from `choices` when given) */
  | (Base & { type: 'names'; default?: string; choices?: readonly string[] });

export interface CommandSpec {
  name: string;
  /** what the command does (first line of its help) */
  summary: string;
  options: Record<string, OptionSpec>;
  /** extra lines after the options */
  notes?: string[];
}

type ValueOf<O extends OptionSpec> = O extends { type: 'boolean' }
  ? boolean
  : O extends { type: 'int' | 'number' }
    ? O extends { default: number }
      ? number
      : number | undefined
    : O extends { type: 'ints' }
      ? number[] | undefined
      : O extends { type: 'names' }
        ? O extends { default: string }
          ? string[]
          : string[] | undefined
        : O extends { default: string }
          ? string
          : string | undefined;

export type OptionValues<S extends CommandSpec> = { [K in keyof S['options']]: ValueOf<S['options'][K]> } & {
  backend: string | undefined;
};

/** Every command takes --backend (cli.ts starts the backend) and --help. */
const COMMON: Record<string, OptionSpec> = {
  backend: {
    type: 'string',
    arg: 'name',
    choices: BACKEND_NAMES,
    help: 'tfjs backend (or BEACONS_BACKEND; default auto)',
  },
  help: { type: 'boolean', help: 'print this help and exit (does nothing else)' },
};

/** The largest seed: the generator (util/random.ts) keeps 32 bits, so larger seeds would repeat smaller ones. */
export const MAX_SEED = 2 ** 32 - 1;

/**
 * The options that name a configuration of the study, shared by reproduce, report and calibrate (the same options
 * find the same cached runs). `studyOptions` turns their values into the findings' CommonOptions.
 */
export const STUDY_OPTIONS = {
  scale: {
    type: 'string',
    choices: ['smoke', 'toy', 'full', 'paper'],
    default: process.env.BEACONS_SCALE ?? 'toy',
    help: 'scale preset (or BEACONS_SCALE)',
  },
  seeds: { type: 'ints', min: 0, max: MAX_SEED, help: "seeds (default: the scale's)" },
  lr: {
    type: 'number',
    min: 0,
    above: true,
    // AdamW diverges long before; a typo like 1e30 must not run for hours
    max: 1,
    help: 'learning rate of every method (default: calibrated)',
  },
  model: {
    type: 'string',
    arg: 'name|dir',
    help: `a shipped model (${SHIPPED_MODEL_NAMES.join(', ')}) or a model directory (default beacon-base)`,
  },
  data: {
    type: 'string',
    arg: 'file',
    path: 'input-file',
    help: "records file, COUNTERFACT or ZsRE (default: the model's records)",
  },
  'prompt-format': {
    type: 'string',
    choices: ['plain', 'llama2-chat'],
    default: 'plain',
    help: 'prompt wrapping',
  },
  results: {
    type: 'string',
    arg: 'dir',
    default: 'results',
    path: 'output-dir',
    help: 'results directory',
  },
} as const;

/** The study's CommonOptions (plus --lr) from parsed STUDY_OPTIONS values. */
export function studyOptions(v: {
  scale: string;
  seeds?: number[];
  lr?: number;
  model?: string;
  data?: string;
  'prompt-format': string;
}): {
  scale: string;
  model?: string;
  data: string | null;
  promptFormat: PromptFormat;
  seeds?: number[];
  lr?: number;
} {
  return {
    scale: v.scale,
    model: modelPath(v.model),
    data: v.data ?? null,
    promptFormat: v['prompt-format'] as PromptFormat,
    seeds: v.seeds,
    lr: v.lr,
  };
}

/** True when the arguments ask for help (`--help` or `-h` anywhere before a `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

function describe(name: string, o: OptionSpec): [string, string] {
  let arg = '';
  if (o.type === 'string' || o.type === 'names')
    arg = o.choices ? o.choices.join(o.type === 'names' ? ',' : '|') : (o.arg ?? 'value');
  else if (o.type === 'int' || o.type === 'number') arg = o.arg ?? (o.type === 'int' ? 'n' : 'x');
  else if (o.type === 'ints') arg = o.arg ?? 'n,n,…';
  const range =
    o.type === 'int' || o.type === 'number' || o.type === 'ints'
      ? `; ${o.type === 'number' ? 'a number' : o.type === 'int' ? 'an integer' : 'integers'} in ${o.type === 'number' && o.above ? '(' : '['}${o.min}, ${o.max}]`
      : '';
  const dflt = 'default' in o && o.default !== undefined ? `; default ${o.default}` : '';
  return [`--${name}${arg ? ` ${arg}` : ''}`, `${o.help}${range}${dflt}`];
}

/** The command's help, generated from its option table. */
export function helpText(spec: CommandSpec): string {
  const rows = Object.entries({ ...spec.options, ...COMMON }).map(([k, o]) => describe(k, o));
  const width = Math.min(34, Math.max(...rows.map(([a]) => a.length)));
  const lines = rows.map(([a, h]) =>
    a.length > width ? `  ${a}\n  ${' '.repeat(width)}  ${h}` : `  ${a.padEnd(width)}  ${h}`,
  );
  return [
    `Usage: beacons ${spec.name} [options]`,
    spec.summary,
    '',
    'Options:',
    ...lines,
    ...(spec.notes ? ['', ...spec.notes] : []),
  ].join('\n');
}

function fail(name: string, what: string, got: string): never {
  throw new Error(`--${name} must be ${what}, got '${got}'`);
}

function number(name: string, o: OptionSpec & { type: 'int' | 'number' | 'ints' }, s: string): number {
  const t = s.trim();
  // decimal notation only ('0x10', 'Infinity' and '' are not numbers here)
  const x = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : Number.NaN;
  const int = o.type !== 'number';
  const lower = o.type === 'number' && o.above ? `above ${o.min}` : `at least ${o.min}`;
  const what = `${int ? 'an integer' : 'a number'} ${lower} and at most ${o.max}`;
  if (!Number.isFinite(x) || (int && !Number.isSafeInteger(x))) fail(name, what, s);
  if ((o.type === 'number' && o.above ? x <= o.min : x < o.min) || x > o.max) fail(name, what, s);
  return x;
}

function names(name: string, o: OptionSpec & { type: 'names' }, s: string): string[] {
  const items = s.split(',').map((x) => x.trim());
  const what = o.choices
    ? `a comma-separated list of ${o.choices.join(', ')}`
    : 'a comma-separated list of names';
  if (items.some((x) => x === '')) fail(name, `${what} (no empty items)`, s);
  const bad = o.choices ? items.filter((x) => !o.choices!.includes(x)) : [];
  if (bad.length > 0) fail(name, what, s);
  return items;
}

/** Parses and validates `argv` against the command's table; unknown options and bad values are errors. */
export function parseCommand<S extends CommandSpec>(
  spec: S,
  argv: string[],
): OptionValues<S> & { help: boolean } {
  const table = { ...spec.options, ...COMMON };
  // `--lr -1`: node's parser calls a value that starts with '-' ambiguous; a negative number is a value here (and
  // then range-checked like any other)
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : undefined;
    const o = name !== undefined ? table[name] : undefined;
    if (o && o.type !== 'boolean' && /^-[\d.]/.test(argv[i + 1] ?? '')) args.push(`${argv[i]}=${argv[++i]}`);
    else args.push(argv[i]);
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      options: Object.fromEntries(
        Object.entries(table).map(([k, o]) => [
          k,
          { type: o.type === 'boolean' ? 'boolean' : 'string' } as const,
        ]),
      ),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    // node's message goes on about positionals; one line naming the command is clearer
    const first = (e as Error).message.split('\n')[0].split('. ')[0].replace(/\.$/, '');
    throw new Error(`${spec.name}: ${first} (see "beacons ${spec.name} --help")`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, o] of Object.entries(table)) {
    const v = values[k];
    if (o.type === 'boolean') {
      out[k] = v === true;
      continue;
    }
    const s = typeof v === 'string' ? v : undefined;
    if (s === undefined) {
      const d = 'default' in o ? o.default : undefined;
      out[k] = o.type === 'names' && typeof d === 'string' ? names(k, o, d) : d;
      if (o.type === 'string' && o.path === 'output-dir' && typeof d === 'string') {
        const where = outputDirProblem(d);
        if (where !== undefined) throw new Error(`--${k} ${d} (the default): ${where}`);
      }
      continue;
    }
    if (o.type === 'string') {
      if (o.choices && !o.choices.includes(s)) fail(k, `one of ${o.choices.join(', ')}`, s);
      if (s.trim() === '') fail(k, 'a non-empty value', s);
      const problem = o.valid?.(s);
      if (problem !== undefined) fail(k, problem, s);
      const where =
        o.path === 'input-file'
          ? inputFileProblem(s)
          : o.path === 'output-dir'
            ? outputDirProblem(s)
            : undefined;
      if (where !== undefined) throw new Error(`--${k} ${s}: ${where}`);
      out[k] = s;
    } else if (o.type === 'int' || o.type === 'number') out[k] = number(k, o, s);
    else if (o.type === 'ints') {
      const items = s.split(',');
      if (items.some((x) => x.trim() === ''))
        fail(k, `a comma-separated list of integers from ${o.min} to ${o.max} (no empty items)`, s);
      out[k] = items.map((x) => number(k, o, x));
    } else out[k] = names(k, o, s);
  }
  return out as OptionValues<S> & { help: boolean };
}

/**
 * A `--model` value as the configs store it: a shipped model's name (beacon-base, beacon-untied, beacon-large)
 * becomes its directory, relative to the working directory like a directory given by hand; undefined stays
 * undefined (the default model).
 */
export function modelPath(nameOrDir: string | undefined): string | undefined {
  return nameOrDir === undefined
    ? undefined
    : path.relative(process.cwd(), resolveModelDir(nameOrDir)) || '.';
}

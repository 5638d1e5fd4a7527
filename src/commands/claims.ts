/**
 * `beacons claims [--check] [--no-figures]`: rewrites the generated blocks of README.md and docs/*.md (the answer
 * table, …) from the cached results, and writes the answer figure (results/figures/verdicts.svg|png). Computes
 * nothing. `--check` writes nothing and fails, naming the files, when a committed block differs from what the
 * results give now.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXPERIMENTS } from '../findings/index';
import { SHIPPED_MODEL_NAMES } from '../pretrain/shipped';
import {
  answerFigure,
  answerMarkdown,
  type FrontTable,
  frontColumns,
  frontTable,
  rewriteGenerated,
  timingsMarkdown,
} from '../report/front';
import { writeFileAtomic } from '../util/atomic';
import { closeBrowser, exportFigure } from '../viz/display';
import { parseCommand } from './options';

export const SPEC = {
  name: 'claims',
  summary:
    'Rewrites the generated blocks of README.md and docs/*.md (the answer table) from the cached results and writes results/figures/verdicts.svg|png; computes nothing.',
  options: {
    check: {
      type: 'boolean',
      help: 'write nothing; fail, naming the files, when a generated block is stale',
    },
    'no-figures': { type: 'boolean', help: 'do not export the answer figure (no Chromium needed)' },
  },
} as const;

/** The files that may carry generated blocks, relative to the project root. */
export function claimFiles(root: string): string[] {
  const docs = path.join(root, 'docs');
  const pages = fs.existsSync(docs)
    ? fs
        .readdirSync(docs)
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => path.join('docs', f))
    : [];
  return ['README.md', ...pages];
}

/** The answer table of the shipped models' cached results under `root`. */
export function claimTable(root: string): FrontTable {
  return frontTable(EXPERIMENTS, frontColumns(SHIPPED_MODEL_NAMES, SHIPPED_MODEL_NAMES[0]!), root);
}

/** Every generated block's body, from the cached results under `root`. */
export function claimBlocks(root: string, table = claimTable(root)): Record<string, string> {
  return {
    timings: timingsMarkdown(table),
    answer: answerMarkdown(table, [
      { name: 'default', dir: 'results/report' },
      { name: 'full', dir: 'results/full/report' },
    ]),
    'answer-figure':
      '![Each finding on each model: effect with its 95 % interval, coloured by verdict](results/figures/verdicts.png)',
  };
}

/** The files whose generated blocks differ from `blocks` (and their new text). */
export function staleClaimFiles(
  root: string,
  blocks: Record<string, string>,
): { file: string; text: string }[] {
  return claimFiles(root).flatMap((file) => {
    const old = fs.readFileSync(path.join(root, file), 'utf8');
    const text = rewriteGenerated(old, blocks, file);
    return text === old ? [] : [{ file, text }];
  });
}

export async function run(argv: string[]): Promise<void> {
  const v = parseCommand(SPEC, argv);
  const root = process.cwd();
  const table = claimTable(root);
  const blocks = claimBlocks(root, table);
  const stale = staleClaimFiles(root, blocks);
  if (v.check) {
    if (stale.length > 0)
      throw new Error(
        `generated blocks are stale in ${stale.map((s) => s.file).join(', ')}: run "beacons claims" and commit`,
      );
    console.log('claims: every generated block matches the results');
    return;
  }
  for (const s of stale) writeFileAtomic(path.join(root, s.file), s.text);
  console.log(
    stale.length > 0
      ? `claims: rewrote ${stale.map((s) => s.file).join(', ')}`
      : 'claims: nothing to rewrite',
  );
  if (!v['no-figures']) {
    const spec = answerFigure(table);
    try {
      // the figure's own size (a panel per finding needs the width)
      const size = { width: spec.layout['width'] as number, height: spec.layout['height'] as number };
      for (const ext of ['svg', 'png'])
        await exportFigure(spec, path.join(root, 'results', 'figures', `verdicts.${ext}`), size);
    } finally {
      await closeBrowser();
    }
  }
}

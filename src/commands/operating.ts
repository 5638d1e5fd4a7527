/**
 * `beacons operating [options]`: simulates every headline rule at the study's sample sizes (findings/operating.ts)
 * and writes results/operating-characteristics.md. Needs no model or backend; seeded, so the table is reproducible.
 */
import * as path from 'node:path';
import { operatingCharacteristics, operatingMarkdown } from '../findings/operating';
import { writeFileAtomic } from '../util/atomic';
import { parseCommand } from './options';

export const SPEC = {
  name: 'operating',
  summary:
    "Simulates each verdict rule at the study's sample sizes (planted effect of the paper's size, and none) and writes <results>/operating-characteristics.md.",
  options: {
    draws: { type: 'int', min: 10, max: 100000, default: 1000, help: 'draws per rule, scale and effect' },
    seed: { type: 'int', min: 0, max: 2147483647, default: 1, help: 'seed of the simulation' },
    results: { type: 'string', arg: 'dir', default: 'results', help: 'results directory' },
  },
} as const;

export async function run(argv: string[]): Promise<void> {
  const v = parseCommand(SPEC, argv);
  const draws = Number(v.draws);
  const seed = Number(v.seed);
  const out = path.join(v.results, 'operating-characteristics.md');
  writeFileAtomic(out, operatingMarkdown(operatingCharacteristics(draws, seed), draws, seed));
  console.error(`[operating] wrote ${out}`);
}

/**
 * `beacons reproduce [--scale smoke|toy|paper] [--only a,b] [--seeds 0,1,2] [--model dir] [--data file]
 *                    [--shard i/n] [--results dir] [--force] [--no-figures]`
 * Runs the five experiments (cached: a rerun skips finished cases), then writes figures and results/SUMMARY.md.
 * `beacons merge [same options]` joins the files of a sharded sweep and writes the summaries.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { backendInfo } from '../backend';
import type { CommonOptions } from '../experiments/common';
import { session } from '../experiments/common';
import { findExperiments } from '../experiments/index';
import { createProgressGroup } from '../experiments/progress';
import { mergeShards, parseShard, runExperiment } from '../experiments/runner';
import { writeReport } from '../report/write';

const OPTIONS = {
  scale: { type: 'string', default: process.env.BEACONS_SCALE ?? 'toy' },
  only: { type: 'string' },
  seeds: { type: 'string' },
  model: { type: 'string' },
  data: { type: 'string' },
  shard: { type: 'string' },
  results: { type: 'string', default: 'results' },
  force: { type: 'boolean', default: false },
  'no-figures': { type: 'boolean', default: false },
  backend: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

function parse(argv: string[]) {
  const { values } = parseArgs({ args: argv, options: OPTIONS });
  const common: CommonOptions = {
    scale: values.scale,
    model: values.model,
    data: values.data ?? null,
    seeds: values.seeds ? values.seeds.split(',').map((s) => Number(s.trim())) : undefined,
  };
  if (common.seeds?.some((s) => !Number.isInteger(s)))
    throw new Error(`--seeds must be integers, got '${values.seeds}'`);
  return { values, common };
}

export async function run(argv: string[]): Promise<void> {
  const { values, common } = parse(argv);
  if (values.help) {
    console.log((await import('node:fs')).readFileSync(__filename, 'utf8').split('*/')[0]);
    return;
  }
  const entries = findExperiments(values.only);
  const shard = values.shard ? parseShard(values.shard) : undefined;
  const t0 = Date.now();
  const cfgs = entries.map((e) => e.config(common));
  // load the model and the pool once, before the bars start
  const s = session(cfgs[0] as Parameters<typeof session>[0]);
  console.error(
    `[reproduce] model ${s.loaded.dir}: ${s.poolInfo.known} known facts of ${s.poolInfo.considered} records; scale ${common.scale}`,
  );
  const group = createProgressGroup();
  const timings: { name: string; seconds: number; ran: number; total: number }[] = [];
  try {
    for (const [i, e] of entries.entries()) {
      const t = Date.now();
      const out = await runExperiment(e.experiment, cfgs[i], {
        resultsDir: values.results,
        shard,
        force: values.force,
        onProgress: group.reporter(),
        backend: backendInfo()?.name,
      });
      timings.push({
        name: e.experiment.name,
        seconds: (Date.now() - t) / 1000,
        ran: out.ran,
        total: out.total,
      });
    }
  } finally {
    group.stop();
  }
  for (const t of timings)
    console.error(`[reproduce] ${t.name}: ${t.ran}/${t.total} cases computed in ${t.seconds.toFixed(1)} s`);
  if (shard === undefined) {
    await writeReport(entries, cfgs, values.results, {
      figures: !values['no-figures'],
      scale: common.scale ?? 'toy',
    });
    console.error(`[reproduce] wrote ${path.join(values.results, 'SUMMARY.md')}`);
  }
  console.error(`[reproduce] total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

export async function merge(argv: string[]): Promise<void> {
  const { values, common } = parse(argv);
  const entries = findExperiments(values.only);
  const cfgs = entries.map((e) => e.config(common));
  entries.forEach((e, i) => {
    const out = mergeShards(e.experiment, cfgs[i], { resultsDir: values.results });
    console.error(
      `[merge] ${e.experiment.name}: ${out.done}/${out.total} cases${out.missing.length ? `, ${out.missing.length} missing` : ''}`,
    );
  });
  await writeReport(entries, cfgs, values.results, {
    figures: !values['no-figures'],
    scale: common.scale ?? 'toy',
  });
}

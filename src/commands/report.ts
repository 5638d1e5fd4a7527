/**
 * `beacons report [options]` (the options: SPEC below): writes the interactive HTML report (results/report/:
 * index.html, a page per finding, plotly.min.js once beside them; opens from disk with no network) from the cached
 * runs of the configuration the options name. Computes nothing: a finding without a cached run is listed as missing.
 */
import * as path from 'node:path';
import { initBackend } from '../backend';
import { modelsExtra } from '../findings/across/models';
import { setAccuracyRegimesExtra } from '../findings/across/set-accuracy-regimes';
import { setRegimesExtra } from '../findings/across/set-regimes';
import { EXPERIMENTS } from '../findings/index';
import { cachedReports, writeFindingsReport } from '../report/findings';
import { checkOutputDir } from '../util/paths';
import { parseCommand, STUDY_OPTIONS, studyOptions } from './options';

const NOTES: string[] = [
  'The options name the configuration as for reproduce: the same options find the same cached runs.',
  'Open <out>/index.html in a browser (from disk: no server, no network).',
];

export const SPEC = {
  name: 'report',
  summary:
    'Writes the interactive HTML report (<results>/report/: a page per finding with its claim, number, verdict, caveat and plotly figures) from cached runs; computes nothing.',
  options: {
    ...STUDY_OPTIONS,
    // only read here: a read-only results folder is fine when --out points elsewhere
    results: {
      ...STUDY_OPTIONS.results,
      path: undefined,
      help: 'results directory (the cached runs: read only)',
    },
    out: {
      type: 'string',
      arg: 'dir',
      path: 'output-dir',
      help: 'where the report goes (default <results>/report)',
    },
  },
  notes: NOTES,
} as const;

export async function run(argv: string[]): Promise<void> {
  const v = parseCommand(SPEC, argv);
  const options = studyOptions(v);
  const out = v.out ?? path.join(v.results, 'report');
  checkOutputDir(out, 'out');
  await initBackend(undefined, { quiet: true });
  // nothing cached: say so before writing anything (an empty report would replace a good one at <out>)
  const cached = cachedReports(EXPERIMENTS, options, v.results);
  if (cached.reports.length === 0)
    throw new Error(
      `no cached run in ${v.results} for scale ${v.scale} (run "beacons reproduce" with the same options first)`,
    );
  const r = writeFindingsReport(
    cached,
    options,
    v.results,
    out,
    // the same extra pages as reproduce writes (the per-regime one reads the model's pool: a backend is needed)
    [
      ...setRegimesExtra(options, v.results),
      ...(await setAccuracyRegimesExtra(options, v.results)),
      ...modelsExtra(EXPERIMENTS, options, v.results),
    ],
  );
  for (const k of r.missing)
    console.error(`[report] ${k}: no cached run for this configuration (not in the report)`);
  console.log(`${r.index}: ${r.shown.length} findings (${r.shown.join(', ')}); plotly.js at ${r.plotly}`);
}

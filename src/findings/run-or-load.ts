/**
 * The notebooks' run cell: a finished run of `cfg` is read from the results cache (without loading the model);
 * otherwise its missing cases are computed (a killed run resumes). The answer says which of the two happened.
 */
import * as path from 'node:path';
import { backendInfo } from '../backend';
import type { SummaryFile } from '../runner/experiment';
import { CallbackProgress, formatLine } from '../runner/progress';
import { loadSummary, runExperiment } from '../runner/runner';
import type { Finding } from './finding';

export interface RunOrLoadOptions {
  /** results directory (default 'results', as the CLI) */
  resultsDir?: string;
  /** progress lines while computing (e.g. a notebook display's `text`) */
  onProgress?: (line: string) => void;
}

export interface RunOrLoadResult<S> {
  summary: S;
  file: SummaryFile<S>;
  /** true: some cases were computed now; false: the whole run was read from the cache */
  computed: boolean;
  /** the run's directory, `<resultsDir>/<experiment>/<hash>` */
  dir: string;
  /** one line saying where the summary came from, for the notebook to print */
  message: string;
}

export async function runOrLoad<K extends string, Cfg, Case extends { id: string }, Res, S>(
  finding: Finding<K, Cfg, Case, Res, S>,
  cfg: Cfg,
  opts: RunOrLoadOptions = {},
): Promise<RunOrLoadResult<S>> {
  const resultsDir = opts.resultsDir ?? 'results';
  const exp = finding.experiment;
  const cached = loadSummary(exp, cfg, resultsDir);
  const progress = opts.onProgress;
  const out = cached
    ? { file: cached, ran: 0 }
    : await runExperiment(exp, cfg, {
        resultsDir,
        backend: backendInfo()?.name,
        onProgress: progress ? new CallbackProgress((e) => progress(formatLine(e))) : undefined,
      }).then((r) => {
        if (r.summary === undefined)
          throw new Error(`${exp.name}: ${r.missing.length} of ${r.total} cases are still missing`);
        return { file: r.summary, ran: r.ran };
      });
  const file = out.file;
  const dir = path.join(resultsDir, exp.name, file.hash);
  const how =
    cached !== undefined
      ? `read from the cache (its ${file.meta.cases} cases were computed in ${file.meta.seconds.toFixed(1)} s on ${file.meta.backend ?? 'an unknown backend'})`
      : out.ran === file.meta.cases
        ? `computed its ${out.ran} cases now (backend ${file.meta.backend ?? 'unknown'})`
        : `computed ${out.ran} of its ${file.meta.cases} cases now (backend ${file.meta.backend ?? 'unknown'}; the others were cached)`;
  return { summary: file.summary, file, computed: cached === undefined, dir, message: `${dir}: ${how}` };
}

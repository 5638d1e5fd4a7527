/**
 * One finding across the cached runs beyond the notebook's own: its three-way verdicts on every shipped model (the
 * same scale, `results/models/<name>`) and, for the fact-set findings, at every set learning rate of the full scale
 * (`results/full`, `results/full/set-rate-<k>x`). Reads cached summaries only; computes nothing.
 */
import * as path from 'node:path';
import { getScale } from '../../knowledge/scales';
import type { FindingOptions } from '../finding';
import { EXPERIMENTS, type FindingKey } from '../index';
import { collectModelHeadlines, verdictTable } from './models';
import { setRegimeDir, setRegimeLabel, setRegimeOptions } from './set-regimes';

/** Markdown: the finding's verdicts per shipped model and (fact-set findings) per set rate at full scale. */
export function findingAcross(key: FindingKey, options: FindingOptions = {}, resultsDir = 'results'): string {
  const finding = EXPERIMENTS.find((e) => e.key === key);
  if (finding === undefined) throw new Error(`findingAcross: unknown finding '${key}'`);
  const out: string[] = [];
  const models = collectModelHeadlines([finding], options, resultsDir);
  if (models.length > 1)
    out.push(
      `**On every shipped model** (scale \`${options.scale ?? 'toy'}\`; \`npm run reproduce -- --models all\`):`,
      '',
      ...verdictTable('finding · method', models),
    );
  if (finding.setRates === true) {
    const full = path.join(resultsDir, 'full');
    const regimes = [{ rate: 1 }, ...getScale('full').setRegimes].sort((a, b) => a.rate - b.rate);
    const rates = regimes
      .map((r) => ({
        name: r.rate === 1 ? 'calibrated (1×)' : setRegimeLabel(r),
        headlines:
          finding.report(
            r.rate === 1 ? { ...options, scale: 'full' } : setRegimeOptions({ ...options, scale: 'full' }, r),
            r.rate === 1 ? full : setRegimeDir(full, r.rate),
          )?.headlines ?? [],
      }))
      .filter((c) => c.headlines.length > 0);
    if (rates.length > 1)
      out.push(
        '',
        `**At every set learning rate** (full scale, \`${full}\`; \`npm run reproduce -- --scale full --results ${full}\`):`,
        '',
        ...verdictTable('finding', rates),
      );
  }
  return out.length > 0
    ? out.join('\n')
    : 'No cached runs of this finding on other models or at other set rates yet.';
}

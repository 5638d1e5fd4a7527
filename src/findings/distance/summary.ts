/** Finding distance: its section of results/SUMMARY.md (claim, our number with its interval, verdict). */

import { DEFAULT_PROTOCOL_NAME } from '../../knowledge/facts';
import { ci, fix, pct, pts, pval, verdict } from '../format';
import type { DistanceCurveConfig, DistanceCurveSummary } from './experiment';

export function distanceSection(cfg: DistanceCurveConfig, s: DistanceCurveSummary): string {
  const rows = s.curves
    .filter((c) => c.protocol === DEFAULT_PROTOCOL_NAME)
    .map(
      (c) =>
        `| ${c.method} | ${c.overall.n} | ${c.bins.map((b) => pct(b.rate)).join(' · ')} | ${pts(c.middleMinusOuter.diff)} ${ci(c.middleMinusOuter.lo, c.middleMinusOuter.hi, pts)} | ${fix(c.spearman.rho, 2)} (p ${pval(c.spearman.p)}) | ${verdict(c.reproduces)} |`,
    );
  const robust = s.curves.map((c) => `${c.method}/${c.protocol}: ${c.reproduces ? 'yes' : 'no'}`).join('; ');
  return [
    '## 1. Accuracy depends on target semantic distance',
    'Paper: single-fact learning accuracy is best at a moderate target distance, lower for near and far targets.',
    `Ours: ${cfg.steps} steps, learning rates ${JSON.stringify(cfg.lrs)}, seeds ${cfg.seeds.join(', ')}; accuracy = greedy exact match of the target; ${cfg.bins} quantile bins of ${DEFAULT_PROTOCOL_NAME} (near → far).`,
    '',
    '| method | runs | accuracy by distance bin (near → far) | middle − outer bins (points, 95 % CI) | Spearman ρ (distance, learned) | verdict |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `Other distance protocols (reproduces?): ${robust}.`,
  ].join('\n');
}

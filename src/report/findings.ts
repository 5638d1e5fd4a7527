/**
 * The HTML report's sections, one per finding with a cached run: the paper's claim and our SUMMARY text (from the
 * finding's section), the key number and verdict and a paragraph per figure (generated from the summary by the
 * finding's `…Reading`), a caveat on the protocol, and every figure of the finding as an interactive plotly figure.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnyFinding, ExtraSection, FindingOptions, FindingReport } from '../findings/finding';
import type { Headline } from '../findings/headline';
import { EXPERIMENTS, moreFigures, readingOf } from '../findings/index';
import { DEFAULT_MODEL_NAME, SHIPPED_MODEL_NAMES } from '../pretrain/shipped';
import {
  answerMarkdown,
  baseLabel,
  cellText,
  columnName,
  effectText,
  type FrontRow,
  type FrontTable,
  frontCell,
  frontColumns,
  frontTable,
} from './front';
import { type HtmlReport, type ReportCondition, type ReportSection, writeHtmlReport } from './html';

export const PAPER =
  '*Semantic are Beacons: A Semantic Perspective for Unveiling Parameter-Efficient Fine-Tuning in Knowledge Learning* (Wang & Li, Findings of ACL 2024, [arXiv 2405.18292](https://arxiv.org/abs/2405.18292))';

/** Per finding key: what to keep in mind when reading the verdict (protocol, not numbers). */
export const CAVEATS: Record<string, string> = {
  regimes:
    'The premise is tested at matched optimiser steps, each method at the best rate of a three-rate grid; the best rates sit at the top of that grid, so a higher rate might be faster still. Wall-clock time depends on the machine, so it is not part of the cached results: notebook 01 prices the same runs with the step times of `npm run bench` (the premise at matched wall-clock). Full fine-tuning trains fewer facts than the PEFT methods (one model copy per fact), so its intervals are wide. AdaLoRA’s shorter budgets are those of a run planned for the whole step budget (its rank schedule spans it). Regimes near convergence leave too few failures to show a shape: they are listed, not counted.',
  distance:
    'The v1 rule (middle bins minus outer bins > 0) is about zero for any straight line and positive for any concave monotone curve, so its "yes" and "no" say little about a peak; the peak test (logistic fit with a squared term, standard errors clustered by fact, and a two-lines test) decides. On this tied-embedding model the input-embedding distance and the starting logit margin are strongly correlated, so this is not yet a verdict about semantic distance as such.',
  drift:
    'The paper gives no rate: the 5 % bar is ours. Distances are measured in the base model’s input-embedding space, and only failed runs whose greedy answer ends further from the target count. The regime study adds two controls for LoRA: the same facts trained toward another fact’s target, and a random rank-r update with the trained run’s Σ‖ΔW‖_F (spread evenly over the modules; the random direction is our choice of null).',
  interference:
    'The verdict comes from the paired test (each fact learned alone and in its set, same epochs). In the set-size curve every fact is seen the same number of times, so larger sets train for more steps; its intervals are t intervals over a few seeds: wide, and clipped to [0, 1] in the figures and tables. "Knowledge features" are our reading of the paper’s PCA (last layer, last prompt token); the per-fact measures (target log-probability, shift along e_target − e_original) are ours. The designed sets (full scale) vary the mean original→target distance and the spread between targets independently; "spread" is our reading of the paper’s "variance".',
  filtering:
    'Filtering changes which facts are trained, and accuracy is measured on the facts actually trained (as in the paper’s setting). Semantic filtering selects near targets, which finding 1 shows are easier on our model, and its score J = variance − mean is dominated by the mean. The random-replacement control shows the gain is not from replacement as such; the nearest-first control (the mean term alone) tests whether it is more than a selection of easier facts.',
  reweighting:
    'The paper’s weighting formula is not published: the variants are ours; γ and α are chosen on held-out sets, then tested once. The three-way verdict corrects for picking the best of three (Holm); the v1 rule does not, and a revision that changed only how runs were seeded once moved it.',
};

/** A finding's report section from its cached report. */
/** A SUMMARY.md section's title (its `## ` line, else `fallback`) and its other lines. */
function splitTitle(markdown: string, fallback: string): { title: string; lines: string[] } {
  const lines = markdown.split('\n');
  const title = (lines.find((l) => l.startsWith('## ')) ?? `## ${fallback}`).replace(/^##\s*/, '');
  return { title, lines: lines.filter((l) => !l.startsWith('## ')) };
}

/** One row per headline: the condition, its number with interval, its verdict (symbol + word) and MDE, in points. */
export function headlineConditions(headlines: readonly Headline[]): ReportCondition[] {
  return headlines.map((h) => ({
    condition: `${h.finding} — ${h.measure}`,
    number: effectText(h),
    verdict: cellText({ headlines: [h], word: h.verdict }),
    mde: h.mde === null || !Number.isFinite(h.mde) ? '—' : `${(100 * h.mde).toFixed(1)} points`,
  }));
}

/**
 * The index cell of a finding (≤ 40 words): per headline label, the verdict of each method (symbols) and the range
 * of their numbers.
 */
export function headlineSummary(headlines: readonly Headline[], maxWords = 40): string {
  const labels = [...new Set(headlines.map((h) => baseLabel(h.finding)))];
  const parts = labels.map((label) => {
    const row: FrontRow = { n: 0, short: '', claim: '', primary: label, measure: '', page: '' };
    const cell = frontCell(row, headlines);
    const hs =
      cell.headlines.length > 0 ? cell.headlines : headlines.filter((h) => baseLabel(h.finding) === label);
    const xs = hs.map((h) => 100 * h.estimate).filter(Number.isFinite);
    const range =
      xs.length === 0
        ? ''
        : xs.length === 1 || Math.min(...xs).toFixed(1) === Math.max(...xs).toFixed(1)
          ? ` ${xs[0]!.toFixed(1)}`
          : ` ${Math.min(...xs).toFixed(1)} to ${Math.max(...xs).toFixed(1)}`;
    return `${label.replace(/^\d+′? /, '')}: ${cellText(cell.word === 'not run' ? { headlines: hs, word: hs[0]!.verdict } : cell)}${range}`;
  });
  const words: string[] = [];
  const out: string[] = [];
  for (const p of parts) {
    const n = p.split(/\s+/).length;
    if (words.length + n > maxWords - 6) {
      out.push(`and ${parts.length - out.length} more on the page`);
      break;
    }
    words.push(...p.split(/\s+/));
    out.push(p);
  }
  return out.join('; ');
}

export function findingSection(r: FindingReport): ReportSection {
  const { title, lines } = splitTitle(r.section, r.key);
  const claimLine = lines.find((l) => l.startsWith('Paper: '));
  const rest = lines.filter((l) => l !== claimLine).join('\n');
  const reading = readingOf(r.key, r.summary.summary);
  const figures = [...r.figures, ...moreFigures(r.key, r.summary.summary)];
  return {
    title,
    slug: r.key,
    claim: claimLine?.replace(/^Paper: (.)/, (_, c: string) => c.toUpperCase()),
    number: reading?.number,
    summary: headlineSummary(r.headlines),
    conditions: headlineConditions(r.headlines),
    caveat: CAVEATS[r.key],
    figures: figures.map((f) => f.spec),
    figureNotes: figures.map((f) => reading?.figures[f.name]),
    text: `## Our protocol and numbers\n\n${rest}`,
  };
}

/** The first sentence of a text, at most `maxWords` words (an index cell). */
export function firstSentence(text: string, maxWords = 40): string {
  const para = text.split(/\n\s*\n/).find((p) => p.trim() !== '' && !p.trim().startsWith('|')) ?? '';
  const sentence = (/^(.*?[.:])(\s|$)/s.exec(para.trim())?.[1] ?? para.trim()).replace(/\s+/g, ' ');
  const words = sentence.split(' ');
  return words.length <= maxWords ? sentence : `${words.slice(0, maxWords - 1).join(' ')} …`;
}

function extraSection(x: ExtraSection): ReportSection {
  const { title, lines } = splitTitle(x.section, 'More');
  return {
    summary: firstSentence(lines.join('\n')),
    title, // the page name comes from the title (html.ts)
    figures: x.figures.map((f) => f.spec),
    figureNotes: x.figures.map(() => undefined),
    text: lines.join('\n'),
  };
}

export interface FindingsReportResult extends HtmlReport {
  /** the findings with a cached run (in the report) and those without */
  shown: string[];
  missing: string[];
}

/** The findings' cached reports in `resultsDir` (computed once, for SUMMARY.md and the HTML report alike). */
export interface CachedReports {
  reports: FindingReport[];
  /** keys of the findings without a cached run */
  missing: string[];
}

export function cachedReports(
  findings: readonly AnyFinding[],
  options: FindingOptions,
  resultsDir: string,
): CachedReports {
  const all = findings.map((f) => ({ f, r: f.report(options, resultsDir) }));
  return {
    reports: all.flatMap(({ r }) => (r ? [r] : [])),
    missing: all.filter(({ r }) => r === undefined).map(({ f }) => f.key),
  };
}

/** One line per cached run: where it is, its cases, its compute time and backend. */
export function runLines(reports: readonly FindingReport[], resultsDir: string): string[] {
  return reports.map(
    ({ summary: sf }) =>
      `- ${sf.experiment}: \`${path.join(resultsDir, sf.experiment, sf.hash)}\`, ${sf.meta.cases} cases, ${sf.meta.seconds.toFixed(0)} s compute (${sf.meta.backend ?? 'unknown backend'})`,
  );
}

/** Write the HTML report of the findings' cached runs (`cachedReports`) into `outDir`. Computes nothing. */
export function writeFindingsReport(
  { reports, missing }: CachedReports,
  options: FindingOptions,
  resultsDir: string,
  outDir: string,
  extra: ExtraSection[] = [],
): FindingsReportResult {
  const runs = runLines(reports, resultsDir);
  const intro = [
    `Re-running the findings of ${PAPER} on small LLaMA-style models in TypeScript. Scale \`${options.scale ?? 'toy'}\`, model \`${options.model ?? 'data/models/beacon-base'}\`.`,
    answerForIndex(reports, options, resultsDir),
    "Each page: the paper's claim, our number with its 95 % interval, every condition tested with its verdict and minimum detectable effect, a caveat, and interactive figures (hover for values, drag to zoom, double-click to reset, click a legend entry to hide it).",
  ].join('\n\n');
  const outro = [
    `Generated from the cached runs below by \`beacons report\` (it computes nothing; \`beacons reproduce\` computes and writes it too).`,
    runs.join('\n'),
    missing.length
      ? `Not in this report (no cached run for this configuration; \`beacons reproduce --only ${missing.join(',')}\` computes it): ${missing.join(', ')}.`
      : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  const html = writeHtmlReport(outDir, [...reports.map(findingSection), ...extra.map(extraSection)], {
    title: 'Semantic Beacons: results',
    intro,
    outro,
  });
  return { ...html, shown: reports.map((r) => r.key), missing };
}

/**
 * The index's answer: the README's table (every model and scale, links to this report's pages and the others')
 * when this report is one of the project's committed runs; else this run's own column.
 */
function answerForIndex(
  reports: readonly FindingReport[],
  options: FindingOptions,
  resultsDir: string,
): string {
  const root = process.cwd();
  // links as seen from the report's own place (<results>/report), wherever --out writes this copy
  const outDir = path.join(resultsDir, 'report');
  const columns = frontColumns(SHIPPED_MODEL_NAMES, DEFAULT_MODEL_NAME);
  const own = columns.some((c) => path.resolve(root, c.dir) === path.resolve(resultsDir));
  const rel = (dir: string) => path.relative(outDir, path.join(root, dir)) || '.';
  const dirs = [
    { name: 'default', dir: rel('results/report') },
    { name: 'full', dir: rel('results/full/report') },
  ];
  if (own) {
    const others = columns
      .filter((c) => c.model !== DEFAULT_MODEL_NAME && fs.existsSync(path.join(root, c.dir, 'SUMMARY.md')))
      .map((c) => `[${columnName(c)}](${rel(path.join(c.dir, 'SUMMARY.md'))})`);
    return [
      '## The answer',
      answerMarkdown(frontTable(EXPERIMENTS, columns, root), dirs),
      others.length ? `The other models' results as text: ${others.join(' · ')}.` : '',
    ]
      .filter(Boolean)
      .join('\n\n');
  }
  const model = path.basename(options.model ?? DEFAULT_MODEL_NAME);
  const t: FrontTable = {
    columns: [
      {
        column: { model, scale: options.scale === 'full' ? 'full' : 'toy', dir: resultsDir },
        reports: [...reports],
        headlines: reports.flatMap((r) => r.headlines),
      },
    ],
    reference: 0,
  };
  return ['## This run', answerMarkdown(t, [{ name: 'page', dir: '.' }])].join('\n\n');
}

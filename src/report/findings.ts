/**
 * The HTML report's sections, one per finding with a cached run: the paper's claim and our SUMMARY text (from the
 * finding's section), the key number and verdict and a paragraph per figure (generated from the summary by the
 * finding's `reading`), the finding's caveat on the protocol, and every figure of the finding as an interactive plotly figure.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnyFinding, ExtraSection, FindingOptions, FindingReport } from '../findings/finding';
import type { Headline } from '../findings/headline';
import { EXPERIMENTS } from '../findings/index';
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
  const reading = r.reading;
  const figures = [...r.figures, ...r.moreFigures];
  return {
    title,
    slug: r.key,
    claim: claimLine?.replace(/^Paper: (.)/, (_, c: string) => c.toUpperCase()),
    number: reading.number,
    summary: headlineSummary(r.headlines),
    conditions: headlineConditions(r.headlines),
    caveat: r.caveat,
    figures: figures.map((f) => f.spec),
    figureNotes: figures.map((f) => reading.figures[f.name]),
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

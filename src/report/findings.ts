/**
 * The HTML report's sections, one per finding with a cached run: the paper's claim and our SUMMARY text (from the
 * finding's section), the key number and verdict and a paragraph per figure (generated from the summary by the
 * finding's `reading`), the finding's caveat on the protocol, and every figure of the finding as an interactive plotly figure.
 */
import * as path from 'node:path';
import type { AnyFinding, ExtraSection, FindingOptions, FindingReport } from '../findings/finding';
import { type HtmlReport, type ReportSection, writeHtmlReport } from './html';

export const PAPER =
  '*Semantic are Beacons: A Semantic Perspective for Unveiling Parameter-Efficient Fine-Tuning in Knowledge Learning* (Wang & Li, Findings of ACL 2024, [arXiv 2405.18292](https://arxiv.org/abs/2405.18292))';

/** A finding's report section from its cached report. */
/** A SUMMARY.md section's title (its `## ` line, else `fallback`) and its other lines. */
function splitTitle(markdown: string, fallback: string): { title: string; lines: string[] } {
  const lines = markdown.split('\n');
  const title = (lines.find((l) => l.startsWith('## ')) ?? `## ${fallback}`).replace(/^##\s*/, '');
  return { title, lines: lines.filter((l) => !l.startsWith('## ')) };
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
    verdict: reading.verdict,
    caveat: r.caveat,
    figures: figures.map((f) => f.spec),
    figureNotes: figures.map((f) => reading.figures[f.name]),
    text: `## Our protocol and numbers\n\n${rest}`,
  };
}

function extraSection(x: ExtraSection): ReportSection {
  const { title, lines } = splitTitle(x.section, 'More');
  return {
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
    `Re-running the findings of ${PAPER} on small LLaMA-style models in TypeScript. Each page gives the paper's claim, our number with its 95 % interval, the verdict and a caveat, and the finding's figures (interactive: hover for values, drag to zoom, double-click to reset, click a legend entry to hide it).`,
    `Scale \`${options.scale ?? 'toy'}\`, model \`${options.model ?? 'data/models/beacon-base'}\`. Generated from the cached runs below by \`beacons report\` (it computes nothing; \`beacons reproduce\` computes and writes it too). Each page gives the three-way verdict (reproduces / does not reproduce / inconclusive, decided by code, with the minimum detectable effect where inconclusive) and, beside it, the v1 rule's — read them with the page's caveat.`,
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
  });
  return { ...html, shown: reports.map((r) => r.key), missing };
}

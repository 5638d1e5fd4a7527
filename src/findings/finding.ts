/**
 * A finding is one module (src/findings/<name>/): its experiment, its config builder, its figures and its section of
 * results/SUMMARY.md. `defineFinding` keeps the types of the five together, so a change to a summary's shape is a
 * compile error in the figure or section that reads it; the table in index.ts lists the findings in the paper's
 * order.
 */
import type { CommonOptions } from '../knowledge/config';
import type { Experiment, SummaryFile } from '../runner/experiment';
import { loadSummary, resultPaths } from '../runner/runner';
import { useStored } from '../runner/stored';
import type { FigureSpec } from '../viz/figures';
import { type Headline, headlineMarkdown } from './headline';

/** What the CLI (and notebooks) pass to a finding's config builder; `lr` overrides every method's learning rate. */
export type FindingOptions = CommonOptions & { lr?: number };

/** A named figure: `name` is the file name under results/figures/ (`.svg`, `.png`). */
export type NamedFigure = { name: string; spec: FigureSpec };

/** A table a notebook shows (`showTable(t.rows, t)`): rows of plain values, a caption, optionally more rows. */
export type FindingTable = { rows: Record<string, unknown>[]; caption: string; maxRows?: number };

export interface Finding<Key extends string, Cfg, Case extends { id: string }, Res, S> {
  /** the short name used by `--only` (the experiment's name works too) */
  readonly key: Key;
  readonly experiment: Experiment<Cfg, Case, Res, S>;
  /** the finding's full config from the CLI options (every default resolved: the cache key covers it) */
  config(o?: FindingOptions): Cfg;
  /** its figures, from its summary */
  figures(s: S): NamedFigure[];
  /** its section of results/SUMMARY.md, from its config and summary */
  section(cfg: Cfg, s: S): string;
  /** its tables for the notebooks, from its summary */
  tables(s: S): FindingTable[];
  /** its headline numbers with three-way verdicts (the cross-model table compares these) */
  headlines(s: S): Headline[];
}

/** A section beyond the findings' own (e.g. the verdict-per-model table): SUMMARY.md markdown and its figures. */
export interface ExtraSection {
  section: string;
  figures: NamedFigure[];
}

/** A finding's cached result made ready for the report (no types left to lose). */
export interface FindingReport {
  key: string;
  summary: SummaryFile<unknown>;
  section: string;
  figures: NamedFigure[];
  headlines: Headline[];
}

/** Any finding of the table, with the one operation that needs no knowledge of its types. */
export interface AnyFinding {
  readonly key: string;
  // biome-ignore lint/suspicious/noExplicitAny: any experiment, whatever its types (as runner's AnyExperiment)
  readonly experiment: Experiment<any, { id: string }, any, any>;
  config(o?: FindingOptions): unknown;
  /** the cached summary of `config(o)` in `resultsDir` as section + figures, or undefined when not computed */
  report(o: FindingOptions, resultsDir: string): FindingReport | undefined;
}

export function defineFinding<Key extends string, Cfg, Case extends { id: string }, Res, S>(
  f: Finding<Key, Cfg, Case, Res, S>,
): Finding<Key, Cfg, Case, Res, S> & Pick<AnyFinding, 'report'> {
  return {
    ...f,
    report(o, resultsDir) {
      const cfg = f.config(o);
      const summary = loadSummary(f.experiment, cfg, resultsDir);
      if (summary === undefined) return undefined;
      // a summary of the wrong shape: one error naming its file and the field (runner/stored.ts)
      const file = resultPaths(f.experiment, cfg, resultsDir).summary;
      const read = useStored(
        file,
        summary.summary,
        (s) => {
          const headlines = f.headlines(s);
          return {
            section: [f.section(cfg, s), headlineMarkdown(headlines)].filter(Boolean).join('\n\n'),
            figures: f.figures(s),
            headlines,
          };
        },
        (at) => `field "summary${at.slice(1)}"`,
      );
      return { key: f.key, summary, ...read };
    },
  };
}

/**
 * What a finding's summary says, in words generated from its numbers (never typed by hand): the key number(s),
 * the verdict(s), and per figure (by its name in `figures`) a paragraph on how to read it. The report and the
 * notebooks show these next to the figures.
 */
export interface FindingReading {
  number: string;
  verdict: string;
  figures: Record<string, string>;
}

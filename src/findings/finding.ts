/**
 * A finding is one module (src/findings/<name>/) and owns everything about itself: its experiment, its config
 * builder and its own knobs per scale preset, its figures (and the figures shown beyond them), its section of
 * results/SUMMARY.md, its headlines, its reading in words, the report's caveat and whether it runs at set learning
 * rates. `defineFinding` keeps their types together, so a change to a summary's shape is a compile error in the
 * figure or section that reads it; the table in index.ts lists the findings in the paper's order.
 */
import type { CommonOptions } from '../knowledge/config';
import type { ScaleName } from '../knowledge/scales';
import { verdictLabel } from '../metrics/verdict';
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
  /**
   * its summary in words (key number, v1 verdict, a paragraph per figure); `defineFinding`'s `reading` puts the
   * three-way verdict of the headlines before the v1 rule's
   */
  reading(s: S): FindingReading;
  /** what to keep in mind when reading its verdict (protocol, not numbers): the report's caveat */
  readonly caveat: string;
  /** figures the report and the notebooks show beyond `figures` (not written to results/figures/) */
  moreFigures?(s: S): NamedFigure[];
  /**
   * a fact-set finding (one shared adapter per set): it trains at the set learning rate, and `reproduce` runs it
   * again at each of the scale's `setRegimes` (findings/across/set-regimes.ts)
   */
  readonly setRates?: boolean;
  /** its own knobs per scale preset (the presets in knowledge/scales.ts hold only budgets several findings share) */
  readonly scales?: Readonly<Record<ScaleName, object>>;
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
  /** the figures shown beyond `figures` (Finding.moreFigures) */
  moreFigures: NamedFigure[];
  headlines: Headline[];
  reading: FindingReading;
  caveat: string;
}

/** Any finding of the table, with the operations that need no knowledge of its types. */
export interface AnyFinding {
  readonly key: string;
  // biome-ignore lint/suspicious/noExplicitAny: any experiment, whatever its types (as runner's AnyExperiment)
  readonly experiment: Experiment<any, { id: string }, any, any>;
  readonly caveat: string;
  readonly setRates?: boolean;
  readonly scales?: Readonly<Record<ScaleName, object>>;
  config(o?: FindingOptions): unknown;
  /** (method syntax: a finding's own summary type is accepted where `unknown` is declared) */
  figures(s: unknown): NamedFigure[];
  moreFigures?(s: unknown): NamedFigure[];
  reading(s: unknown): FindingReading;
  /** the cached summary of `config(o)` in `resultsDir` as section + figures, or undefined when not computed */
  report(o: FindingOptions, resultsDir: string): FindingReport | undefined;
}

/** The reading with the three-way verdict of the headlines before the v1 rule's (as the report shows it). */
function withThreeWayVerdict(r: FindingReading, headlines: readonly Headline[]): FindingReading {
  const three = headlines.map((h) => `${h.finding}: **${verdictLabel(h)}** (${h.reason})`).join('; ');
  // a v1 reading that names its rule itself is not prefixed again ("v1 rule: v1 rule (…)")
  const v1 = /^v1 rule/.test(r.verdict) ? r.verdict : `v1 rule: ${r.verdict}`;
  return { ...r, verdict: three ? `${three}. ${v1}` : r.verdict };
}

export function defineFinding<Key extends string, Cfg, Case extends { id: string }, Res, S>(
  f: Finding<Key, Cfg, Case, Res, S>,
): Finding<Key, Cfg, Case, Res, S> & Pick<AnyFinding, 'report'> {
  const reading = (s: S) => withThreeWayVerdict(f.reading(s), f.headlines(s));
  return {
    ...f,
    reading,
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
            moreFigures: f.moreFigures?.(s) ?? [],
            headlines,
            reading: reading(s),
          };
        },
        (at) => `field "summary${at.slice(1)}"`,
      );
      return { key: f.key, summary, ...read, caveat: f.caveat };
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

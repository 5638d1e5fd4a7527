// A self-contained HTML report: `<dir>/index.html` (one row per section: title, verdict, link), one page per
// section (`<slug>.html`: claim, our number, verdict, caveat, free text, interactive plotly figures) and plotly's
// JS copied once beside them (`plotly.min.js`, never inlined per figure). Opens from disk with no network: no CDN,
// no fonts, no other scripts. Figures are plain FigureSpec JSON embedded in the page; hover, zoom and the legend's
// show/hide work as in any plotly page. Text fields are "markdown-ish": paragraphs (blank lines), `- ` lists,
// `| a | b |` tables, `## headings`, **bold**, *italic*, `code`, [links](url) and `<details><summary>…</summary>` /
// `</details>` lines (collapsible, see viz/markdown.ts); everything else is escaped.
//   writeHtmlReport('results/report', [{ title: 'Finding 1', claim: '…', figures: [spec] }]);
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomic';
import type { FigureSpec } from '../viz/figures';
import { escapeHTML, inline, markdownish } from '../viz/markdown';

export { markdownish };

export interface ReportSection {
  title: string;
  /** Page name (`<slug>.html`); default: from the title. Letters, digits and '-' only; unique in a report. */
  slug?: string;
  /** The paper's claim. */
  claim?: string;
  /** Our number(s), e.g. 'middle − outer bins: +4.1 points [1.2, 7.0]'. */
  number?: string;
  /** Verdict, e.g. 'reproduced', 'not reproduced', 'inconclusive'. */
  verdict?: string;
  caveat?: string;
  /** Further text (protocol, interpretation), after the figures. */
  text?: string;
  figures?: FigureSpec[];
  /** How to read each figure (markdown-ish), shown under it: `figureNotes[j]` belongs to `figures[j]`. */
  figureNotes?: readonly (string | undefined)[];
  /** The index page's cell for this section (≤ 40 words, inline markdown-ish); default: `verdict`, else `number`. */
  summary?: string;
  /** Every tested condition, one row each (a table on the section's page). */
  conditions?: readonly ReportCondition[];
}

/** One tested condition of a section: what, its number with interval, its verdict and minimum detectable effect. */
export interface ReportCondition {
  condition: string;
  number: string;
  verdict: string;
  mde: string;
}

export interface HtmlReportOptions {
  /** Title of the index page (default 'Report'). */
  title?: string;
  /** Text at the top of the index page (markdown-ish). */
  intro?: string;
  /** Text after the index's table of sections (markdown-ish): the runs, what is missing. */
  outro?: string;
}

export interface HtmlReport {
  index: string;
  pages: string[];
  plotly: string;
}

export const PLOTLY_FILE = 'plotly.min.js';

function slugOf(s: ReportSection, i: number): string {
  const slug =
    s.slug ??
    (s.title
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') ||
      `section-${i + 1}`);
  if (!/^[A-Za-z0-9-]+$/.test(slug) || slug === 'index') {
    throw new Error(
      `html report: section ${i} ('${s.title}'): slug '${slug}' must be letters, digits and '-', not 'index'`,
    );
  }
  return slug;
}

/** JSON for a <script type="application/json"> block: '<' escaped so that no '</script>' can end it early. */
function scriptJSON(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const STYLE = `body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em}code{background:#f3f3f3;padding:0 .2em;border-radius:3px}
nav{margin-bottom:1em}dl.finding{display:grid;grid-template-columns:9em 1fr;gap:.3em 1em}dl.finding dt{font-weight:600}
dl.finding dd{margin:0}.figure{width:100%;height:480px;margin:1em 0}table{border-collapse:collapse;font-size:.9em}
.note{color:#333;background:#f7f7f7;border-left:3px solid #0072B2;padding:.2em .8em;margin-bottom:1.5em}
td,th{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left;vertical-align:top}\n.conditions td:nth-child(2),.conditions td:nth-child(3){white-space:nowrap}.v-yes{color:#0072B2;font-weight:600}.v-no{color:#D55E00;font-weight:600}.v-open{color:#666;font-weight:600}`;

/** Verdict labels written with their symbol (✓ reproduces, ✗ does not, ? inconclusive, ◐ mixed …) get a colour too. */
export function colourVerdicts(html: string): string {
  return html
    .replace(/✓ reproduces/g, '<span class="v-yes">✓ reproduces</span>')
    .replace(/✗ does not( reproduce)?/g, (m) => `<span class="v-no">${m}</span>`)
    .replace(/\? inconclusive/g, '<span class="v-open">? inconclusive</span>')
    .replace(/◐ mixed( [0-9✓✗? ]+)?/g, (m) => `<span class="v-open">${m}</span>`);
}

function page(title: string, body: string, withPlotly: boolean): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHTML(title)}</title>`,
    `<style>${STYLE}</style>`,
    ...(withPlotly ? [`<script src="${PLOTLY_FILE}"></script>`] : []),
    '</head>',
    '<body>',
    colourVerdicts(body),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

// Draws every <div class="figure"> from the JSON block that follows it (static text: no per-figure code).
const DRAW = `<script>
for (const div of document.querySelectorAll('div.figure')) {
  const spec = JSON.parse(document.getElementById(div.id + '-spec').textContent);
  // the page's width (a fixed width would overflow it); the height is the div's, set from the figure's own
  Plotly.newPlot(div, spec.data, Object.assign({}, spec.layout, { autosize: true, width: undefined }),
    { responsive: true, displaylogo: false });
}
</script>`;

function fields(s: ReportSection): string {
  const rows = (
    [
      ['Claim', s.claim],
      ['Our number', s.number],
      ['Verdict', s.verdict],
      ['Caveat', s.caveat],
    ] as const
  ).filter(([, v]) => v !== undefined && v.trim() !== '');
  if (rows.length === 0) return '';
  return `<dl class="finding">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${markdownish(v!)}</dd>`).join('')}</dl>`;
}

function conditionsTable(cs: readonly ReportCondition[]): string {
  if (cs.length === 0) return '';
  const rows = cs.map(
    (c) =>
      `<tr><td>${inline(c.condition)}</td><td>${inline(c.number)}</td><td>${inline(c.verdict)}</td><td>${inline(c.mde)}</td></tr>`,
  );
  return `<h2>Every condition tested</h2><table class="conditions"><thead><tr><th>Condition</th><th>Number (95 % CI)</th><th>Verdict</th><th>Detectable at 80 % power</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** A figure's height on a page: its own (small multiples grow with their rows), else 480 px. */
export function figureHeight(f: FigureSpec): number {
  const h = f.layout['height'];
  return typeof h === 'number' && h > 0 ? Math.ceil(h) : 480;
}

function sectionPage(s: ReportSection, reportTitle: string): string {
  const figs = (s.figures ?? []).map(
    (f, j) =>
      `<div class="figure" id="fig-${j + 1}" style="height:${figureHeight(f)}px"></div>\n` +
      `<script type="application/json" id="fig-${j + 1}-spec">${scriptJSON({ data: f.data, layout: f.layout })}</script>` +
      (s.figureNotes?.[j] ? `\n<div class="note">${markdownish(s.figureNotes[j]!)}</div>` : ''),
  );
  const body = [
    `<nav><a href="index.html">${escapeHTML(reportTitle)}</a></nav>`,
    `<h1>${escapeHTML(s.title)}</h1>`,
    fields(s),
    conditionsTable(s.conditions ?? []),
    ...figs,
    s.text ? markdownish(s.text) : '',
    figs.length ? DRAW : '',
  ].filter((x) => x !== '');
  return page(`${s.title} · ${reportTitle}`, body.join('\n'), figs.length > 0);
}

function indexPage(sections: ReportSection[], slugs: string[], opts: HtmlReportOptions): string {
  const title = opts.title ?? 'Report';
  const rows = sections.map(
    (s, i) =>
      `<tr><td><a href="${slugs[i]}.html">${escapeHTML(s.title)}</a></td>` +
      `<td>${inline(s.summary ?? s.verdict ?? s.number ?? '')}</td></tr>`,
  );
  const body = [
    `<h1>${escapeHTML(title)}</h1>`,
    opts.intro ? markdownish(opts.intro) : '',
    '<h2>Pages</h2>',
    `<table class="sections"><thead><tr><th>Page</th><th>In short</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
    opts.outro ? markdownish(opts.outro) : '',
  ].filter((x) => x !== '');
  return page(title, body.join('\n'), false);
}

/**
 * Copy plotly.min.js into `dir` unless an identical copy is there already (the report's pages; `npm run build`
 * also puts one beside the notebooks, notebooks/lib/, for classic Notebook's trusted figures).
 */
export function copyPlotly(dir: string): string {
  const src = require.resolve('plotly.js-dist-min');
  const dest = path.join(dir, PLOTLY_FILE);
  const same =
    fs.existsSync(dest) &&
    fs.statSync(dest).size === fs.statSync(src).size &&
    fs.readFileSync(dest).equals(fs.readFileSync(src));
  if (!same) writeFileAtomic(dest, fs.readFileSync(src));
  return dest;
}

/**
 * Write the report into `dir` (created): index.html, one `<slug>.html` per section and plotly.min.js once.
 * Files of an earlier report that are not rewritten are left alone. Returns the paths written.
 */
export function writeHtmlReport(
  dir: string,
  sections: readonly ReportSection[],
  opts: HtmlReportOptions = {},
): HtmlReport {
  const slugs = sections.map(slugOf);
  const dup = slugs.find((s, i) => slugs.indexOf(s) !== i);
  if (dup) throw new Error(`html report: two sections have the page name '${dup}.html' (set distinct slugs)`);
  sections.forEach((s, i) => {
    (s.figures ?? []).forEach((f, j) => {
      if (!Array.isArray(f?.data) || typeof f?.layout !== 'object' || f.layout === null) {
        throw new Error(
          `html report: section ${i} ('${s.title}'), figure ${j}: not a FigureSpec ({ data: [], layout: {} })`,
        );
      }
    });
  });
  fs.mkdirSync(dir, { recursive: true });
  const plotly = copyPlotly(dir);
  const title = opts.title ?? 'Report';
  const pages = sections.map((s, i) => {
    const file = path.join(dir, `${slugs[i]}.html`);
    writeFileAtomic(file, sectionPage(s, title));
    return file;
  });
  const index = path.join(dir, 'index.html');
  writeFileAtomic(index, indexPage([...sections], slugs, opts));
  return { index, pages, plotly };
}

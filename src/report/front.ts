/**
 * The front door: the answer to "does each claim of the paper hold, on which model, how sure are we?" as one table
 * (a row per finding, a column per model and scale, one verdict per cell) and one figure (each finding's effect with
 * its interval on each model, coloured by verdict), generated from the cached results — never typed by hand.
 *
 * The README and the pages under docs/ carry generated blocks between `<!-- generated:NAME -->` and
 * `<!-- /generated:NAME -->`; `beacons claims` rewrites them from the results (`--check` only compares), and a test
 * fails when a committed block differs from what this code produces now.
 *
 * A finding may have several headlines (one per method, several tests); its row in the answer uses its *primary*
 * headlines (`FRONT_ROWS[i].primary`, per method where the claim is per method) and says "mixed" where the methods
 * disagree. Every headline stays in SUMMARY.md and on the finding's report page.
 */
import * as path from 'node:path';
import type { AnyFinding, FindingOptions, FindingReport } from '../findings/finding';
import type { Headline } from '../findings/headline';
import type { Verdict } from '../metrics/verdict';
import { resolveModelDir } from '../pretrain/shipped';
import type { FigureSpec, Trace } from '../viz/figures';

/** One row of the answer: a finding of the paper. */
export interface FrontRow {
  /** 0–5, as in the paper's order (0: the premise) */
  n: number;
  /** the paper's claim in a few words */
  claim: string;
  /** a panel title of two or three words */
  short: string;
  /** the headline labels (the part before " · method") whose verdicts make the row */
  primary: string;
  /** what the number is, in a few words */
  measure: string;
  /** the finding's page in the HTML report (results/report/<slug>.html) */
  page: string;
}

export const FRONT_ROWS: readonly FrontRow[] = [
  {
    n: 0,
    short: 'PEFT below full',
    claim: 'PEFT learns facts less well than full fine-tuning',
    primary: '0 PEFT below full fine-tuning',
    measure: 'full − PEFT accuracy until both converge',
    page: 'regimes',
  },
  {
    n: 1,
    short: 'moderate distance best',
    claim: 'accuracy is best at a moderate target distance',
    primary: '1 distance curve, every regime',
    measure: 'middle bins − near end',
    page: 'regimes',
  },
  {
    n: 2,
    short: 'pushed away',
    claim: 'PEFT can push the model away from the target',
    primary: '2 push-away exists among failed runs',
    measure: 'failed runs pushed away',
    page: 'regimes',
  },
  {
    n: 3,
    short: 'interference',
    claim: 'facts learned together interfere',
    primary: '3 interference',
    measure: 'learned alone − together',
    page: 'interference',
  },
  {
    n: 4,
    short: 'filtering helps',
    claim: 'filtering detrimental items helps (best near 60 % replaced)',
    primary: '4 filtering',
    measure: 'semantic − random replacement',
    page: 'filtering',
  },
  {
    n: 5,
    short: 're-weighting helps',
    claim: 'a distance-aware re-weighted loss helps (+3–5 points)',
    primary: '5 re-weighting',
    measure: 'best weighting − plain cross-entropy',
    page: 'reweighting',
  },
];

/** A column of the answer: one model at one scale, read from one results folder. */
export interface FrontColumn {
  /** e.g. 'beacon-base' */
  model: string;
  scale: 'toy' | 'full';
  /** the results folder, relative to the project root */
  dir: string;
}

/**
 * The columns, in reading order: every shipped model at the default scale, then every model with a full-scale run
 * (a column without any cached run is left out by `frontTable`).
 */
export function frontColumns(models: readonly string[], base: string): FrontColumn[] {
  const at = (root: string, m: string) => (m === base ? root : `${root}/models/${m}`);
  return [
    ...models.map((m) => ({ model: m, scale: 'toy' as const, dir: at('results', m) })),
    ...models.map((m) => ({ model: m, scale: 'full' as const, dir: at('results/full', m) })),
  ];
}

export function columnName(c: FrontColumn): string {
  return c.scale === 'toy' ? `${c.model}` : `${c.model}, full`;
}

/** The cached reports of one column (empty when nothing is cached there). */
export function columnReports(
  findings: readonly AnyFinding[],
  c: FrontColumn,
  root: string,
): FindingReport[] {
  // the model path as the CLI writes it into a config (relative to the project root, the working directory)
  const o: FindingOptions = {
    scale: c.scale,
    model: path.relative(root, resolveModelDir(c.model)) || '.',
    data: null,
    promptFormat: 'plain',
  };
  return findings.flatMap((f) => {
    const r = f.report(o, path.join(root, c.dir));
    return r ? [r] : [];
  });
}

/** The label before " · method" (or the whole label). */
export function baseLabel(finding: string): string {
  const at = finding.lastIndexOf(' · ');
  return at < 0 ? finding : finding.slice(0, at);
}

/** The part after " · " (the method), or ''. */
function methodOf(finding: string): string {
  const at = finding.lastIndexOf(' · ');
  return at < 0 ? '' : finding.slice(at + 3);
}

/** One cell: the row's primary headlines on one column, and their one-word verdict. */
export interface FrontCell {
  headlines: Headline[];
  /** every headline agrees → its verdict; they disagree → 'mixed'; no headline → 'not run' */
  word: Verdict | 'mixed' | 'not run';
}

/** The PEFT methods' headlines of a row (full fine-tuning is the premise's reference, not a PEFT claim). */
export function rowHeadlines(row: FrontRow, headlines: readonly Headline[]): Headline[] {
  return headlines.filter((h) => baseLabel(h.finding) === row.primary && methodOf(h.finding) !== 'full');
}

export function frontCell(row: FrontRow, headlines: readonly Headline[]): FrontCell {
  const hs = rowHeadlines(row, headlines);
  if (hs.length === 0) return { headlines: hs, word: 'not run' };
  const verdicts = new Set(hs.map((h) => h.verdict));
  return { headlines: hs, word: verdicts.size === 1 ? hs[0]!.verdict : 'mixed' };
}

/** Symbols every font has (no emoji: they do not render everywhere); the word always goes with them. */
const SYMBOL: Record<FrontCell['word'], string> = {
  reproduces: '✓',
  'does not reproduce': '✗',
  inconclusive: '?',
  mixed: '◐',
  'not run': '·',
};

/** The word shown in a cell (short: the table must fit a screen). */
const WORD: Record<Verdict, string> = {
  reproduces: 'reproduces',
  'does not reproduce': 'does not',
  inconclusive: 'inconclusive',
};

/** A cell as text: symbol + word (+ how the methods split, for 'mixed'). Colour is never the only channel. */
export function cellText(cell: FrontCell): string {
  if (cell.word === 'not run') return '· not run';
  if (cell.word !== 'mixed') return `${SYMBOL[cell.word]} ${WORD[cell.word]}`;
  const count = (v: Verdict) => cell.headlines.filter((h) => h.verdict === v).length;
  const parts = (['reproduces', 'does not reproduce', 'inconclusive'] as const)
    .filter((v) => count(v) > 0)
    .map((v) => `${count(v)}${SYMBOL[v]}`);
  return `${SYMBOL.mixed} mixed ${parts.join(' ')}`;
}

/** '+3.1 [2.6, 3.5]' in points (one decimal), or 'n/a'. */
export function effectText(h: Headline): string {
  if (!Number.isFinite(h.estimate)) return 'n/a';
  const p = (x: number) => (100 * x).toFixed(1).replace(/^-0\.0$/, '0.0');
  const sign = h.estimate > 0 && p(h.estimate) !== '0.0' ? '+' : '';
  return `${sign}${p(h.estimate)} [${p(h.lo)}, ${p(h.hi)}]`;
}

/** The row's one phrase (≤ 15 words): its measure and the first method's number on the reference column. */
export function rowPhrase(row: FrontRow, cell: FrontCell): string {
  const h = cell.headlines[0];
  if (h === undefined) return `${row.measure}: not run`;
  return `${row.measure}: ${effectText(h)}`;
}

export interface FrontTable {
  columns: { column: FrontColumn; reports: FindingReport[]; headlines: Headline[] }[];
  /** the column the phrases quote: the first full-scale column with results, else the first column */
  reference: number;
}

export function frontTable(
  findings: readonly AnyFinding[],
  columns: readonly FrontColumn[],
  root: string,
): FrontTable {
  const cols = columns
    .map((column) => {
      const reports = columnReports(findings, column, root);
      return { column, reports, headlines: reports.flatMap((r) => r.headlines) };
    })
    .filter((c) => c.headlines.length > 0);
  if (cols.length === 0)
    throw new Error(`front: no cached results in ${columns.map((c) => c.dir).join(', ')}`);
  const full = cols.findIndex((c) => c.column.scale === 'full');
  return { columns: cols, reference: Math.max(full, 0) };
}

/**
 * Across the models at full scale (the columns with scale 'full'; at least two with results): the claims whose cell
 * is the same on every model (verdict, or the same split of a mixed one) and those whose cell changes with the
 * model; a claim not run on some model is in neither. Undefined with fewer than two full-scale columns.
 */
export function ladderLine(t: FrontTable): string | undefined {
  const full = t.columns.filter((c) => c.column.scale === 'full');
  if (full.length < 2) return undefined;
  const same: string[] = [];
  const moves: string[] = [];
  for (const row of FRONT_ROWS) {
    const cells = full.map((c) => frontCell(row, c.headlines));
    if (cells.some((c) => c.word === 'not run')) continue;
    const texts = new Set(cells.map(cellText));
    if (texts.size === 1) same.push(`${row.n} (${cellText(cells[0]!)})`);
    else moves.push(String(row.n));
  }
  const models = full.map((c) => c.column.model).join(', ');
  const parts = [
    same.length > 0
      ? `the same answer on every model for claim${same.length > 1 ? 's' : ''} ${same.join(', ')}`
      : 'no claim has the same answer on every model',
    moves.length > 0
      ? `it changes with the model for claim${moves.length > 1 ? 's' : ''} ${moves.join(', ')}`
      : '',
  ].filter(Boolean);
  return `At full scale on ${models}: ${parts.join('; ')} ([which verdict on which model](results/full/SUMMARY.md#verdict-per-finding--model)).`;
}

/** The answer as a markdown table: finding, claim, a verdict per column, the phrase, the report page. */
export function answerMarkdown(t: FrontTable, reportDirs: readonly { name: string; dir: string }[]): string {
  const names = t.columns.map((c) => columnName(c.column));
  const ref = names[t.reference]!;
  const lines = [
    `| the paper's claim | ${names.join(' | ')} | our number (points, 95 % CI) |`,
    `|---|${names.map(() => '---').join('|')}|---|`,
    ...FRONT_ROWS.map((row) => {
      const cells = t.columns.map((c) => frontCell(row, c.headlines));
      const links = reportDirs.map((d) => `[${d.name}](${d.dir}/${row.page}.html)`).join(', ');
      return `| **${row.n}** ${row.claim} (${links}) | ${cells.map(cellText).join(' | ')} | ${rowPhrase(row, cells[t.reference]!)} |`;
    }),
    '',
    `${(['reproduces', 'does not reproduce', 'inconclusive'] as const).map((w) => `${SYMBOL[w]} ${w}`).join(' · ')} · ${SYMBOL.mixed} mixed: the PEFT methods disagree (how many of each). Our number: the first PEFT method (LoRA where it is per method) on the ${ref} run.`,
  ];
  const ladder = ladderLine(t);
  if (ladder !== undefined) lines.push('', ladder);
  return lines.join('\n');
}

/**
 * The compute time of each column's cached runs (the sum of its experiments' recorded seconds, and how many
 * experiments), as markdown lines.
 */
export function timingsMarkdown(t: FrontTable): string {
  const rows = t.columns.map(({ column, reports }) => {
    const seconds = reports.reduce((a, r) => a + r.summary.meta.seconds, 0);
    const backends = [...new Set(reports.map((r) => r.summary.meta.backend ?? 'unknown'))].join(', ');
    return `| ${columnName(column)} | \`${column.dir}\` | ${reports.length} | ${(seconds / 60).toFixed(0)} min | ${backends} |`;
  });
  return [
    "Compute time of the committed runs (as recorded in each run's summary: the sum over its experiments; worker processes run side by side, so the wall clock was shorter):",
    '',
    '| run | results | experiments | compute | backend |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** Verdict colours (Okabe–Ito): blue = reproduces, vermillion = does not, grey = inconclusive. */
export const VERDICT_COLOUR: Record<Verdict, string> = {
  reproduces: '#0072B2',
  'does not reproduce': '#D55E00',
  inconclusive: '#999999',
};

/**
 * The answer as a figure: a panel per finding (its own x-axis, points), a row per column (model, scale), a marker
 * per method at its effect with its 95 % interval, coloured by verdict (and labelled in the legend by verdict).
 */
export function answerFigure(t: FrontTable): FigureSpec {
  const names = t.columns.map((c) => columnName(c.column));
  const n = FRONT_ROWS.length;
  const gap = 0.035;
  const width = (1 - gap * (n - 1)) / n;
  // the plot area stays at most 220 px tall, so the figure fits README's first screen however many columns it shows
  const rowHeight = Math.min(44, 220 / names.length);
  const layout: { [key: string]: unknown } = {
    title: {
      text: 'Does each claim hold? Effect in points with its 95 % interval; colour = verdict<br><sup>+ = the paper’s direction; a marker per PEFT method (● LoRA, ◆ AdaLoRA, ■ Adapter) or per set</sup>',
      x: 0.01,
      xanchor: 'left',
    },
    font: { family: 'Arial, Helvetica, sans-serif', size: 12, color: '#222' },
    paper_bgcolor: 'white',
    plot_bgcolor: 'white',
    width: 1300,
    height: 190 + rowHeight * names.length,
    margin: { t: 120, r: 10, b: 60, l: 130 },
    legend: { orientation: 'h', x: 1, xanchor: 'right', y: 1.14, yanchor: 'bottom' },
    showlegend: true,
    hovermode: 'closest',
    annotations: FRONT_ROWS.map((row, i) => ({
      text: `<b>${row.n}</b> ${row.short}`,
      xref: 'paper',
      yref: 'paper',
      x: i * (width + gap),
      xanchor: 'left',
      y: 1,
      yanchor: 'bottom',
      showarrow: false,
      font: { size: 12 },
    })),
  };
  const methods = ['lora', 'adalora', 'adapter'];
  const symbols = ['circle', 'diamond', 'square'];
  const data: Trace[] = [];
  // y: column j at names.length − 1 − j (first on top), methods offset within the row
  const yOf = (j: number, method: string) => {
    const k = methods.indexOf(method);
    return names.length - 1 - j + (k < 0 ? 0 : (k - 1) * 0.22);
  };
  FRONT_ROWS.forEach((row, i) => {
    const ax = i === 0 ? '' : String(i + 1);
    const x0 = i * (width + gap);
    layout[`xaxis${ax}`] = {
      domain: [x0, x0 + width],
      title: { text: 'points', font: { size: 11 } },
      zeroline: true,
      zerolinecolor: '#444',
      rangemode: 'tozero',
      gridcolor: '#eee',
      anchor: `y${ax}`,
    };
    layout[`yaxis${ax}`] = {
      domain: [0, 1],
      range: [-0.5, names.length - 0.5],
      tickvals: names.map((_, j) => names.length - 1 - j),
      ticktext: names,
      showticklabels: i === 0,
      anchor: `x${ax}`,
      showgrid: false,
      zeroline: false,
    };
    t.columns.forEach((c, j) => {
      for (const h of rowHeadlines(row, c.headlines)) {
        if (!Number.isFinite(h.estimate)) continue;
        const method = methodOf(h.finding);
        const k = methods.indexOf(method);
        data.push({
          type: 'scatter',
          mode: 'markers',
          xaxis: `x${ax}`,
          yaxis: `y${ax}`,
          x: [100 * h.estimate],
          y: [yOf(j, method)],
          marker: {
            color: VERDICT_COLOUR[h.verdict],
            symbol: symbols[k] ?? 'circle',
            size: 8,
            line: { color: 'white', width: 1 },
          },
          error_x: {
            type: 'data',
            symmetric: false,
            array: [100 * (h.hi - h.estimate)],
            arrayminus: [100 * (h.estimate - h.lo)],
            color: VERDICT_COLOUR[h.verdict],
            thickness: 1.5,
            width: 2,
          },
          name: h.verdict,
          legendgroup: h.verdict,
          showlegend: false,
          hovertemplate: `${names[j]} · ${h.finding}<br>${h.verdict}: ${effectText(h)} points<extra></extra>`,
        });
      }
    });
  });
  // one legend entry per verdict (the colour key), whatever appears where
  for (const v of ['reproduces', 'does not reproduce', 'inconclusive'] as const)
    data.push({
      type: 'scatter',
      mode: 'markers',
      x: [null],
      y: [null],
      name: v,
      legendgroup: v,
      marker: { color: VERDICT_COLOUR[v], size: 10 },
      showlegend: true,
      hoverinfo: 'skip',
    });
  return { data, layout };
}

/** `<!-- generated:NAME -->` … `<!-- /generated:NAME -->` blocks of a text. */
const BLOCK = /<!-- generated:([a-z0-9-]+) -->\n([\s\S]*?)<!-- \/generated:\1 -->/g;

/** The names of a text's generated blocks, in order. */
export function generatedBlocks(text: string): string[] {
  return [...text.matchAll(BLOCK)].map((m) => m[1]!);
}

/**
 * The text with every generated block's body replaced by `blocks[name]` (a block this run does not produce is an
 * error naming it: a stale marker must not stay silently).
 */
export function rewriteGenerated(text: string, blocks: Record<string, string>, file: string): string {
  return text.replace(BLOCK, (_, name: string) => {
    const body = blocks[name];
    if (body === undefined)
      throw new Error(
        `${file}: generated block '${name}' is not produced by beacons claims (known: ${Object.keys(blocks).join(', ')})`,
      );
    return `<!-- generated:${name} -->\n${body.endsWith('\n') ? body : `${body}\n`}<!-- /generated:${name} -->`;
  });
}

/** The text outside generated blocks (what a test checks for hand-typed numbers and verdict words). */
export function outsideGenerated(text: string): string {
  return text.replace(BLOCK, '');
}

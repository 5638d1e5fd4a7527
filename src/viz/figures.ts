// Plotly figure specs as plain JSON ({ data, layout }): built here, shown by display.ts, exported by the CLI.
// No plotly.js import: a spec is data. One style for every figure: Okabe–Ito colours (colour-blind safe), a
// title with the measurement protocol as a subtitle, axis titles that name the quantity and its protocol.

import { leastSquares } from '../metrics/stats';

/** One plotly trace (scatter, bar, histogram, …) as plain JSON. */
export type Trace = { [key: string]: unknown };

/** A plotly figure: what `Plotly.newPlot(div, data, layout)` and the plotly mime type take. */
export interface FigureSpec {
  data: Trace[];
  layout: { [key: string]: unknown };
}

/** Okabe & Ito (2008) palette, colour-blind safe; yellow is last (weak on white). */
export const PALETTE: readonly string[] = [
  '#0072B2', // blue
  '#E69F00', // orange
  '#009E73', // bluish green
  '#D55E00', // vermillion
  '#CC79A7', // reddish purple
  '#56B4E9', // sky blue
  '#000000', // black
  '#F0E442', // yellow
];

/** Marker symbols for a second categorical channel (e.g. before/after fine-tuning). */
export const SYMBOLS: readonly string[] = ['circle', 'diamond', 'square', 'triangle-up', 'x', 'cross'];

export interface Labels {
  title: string;
  /** x-axis title: the quantity and its protocol, e.g. axisLabel('target semantic distance', '1 − cos, emb-mean'). */
  x: string;
  y: string;
  /** The measurement protocol(s) behind the numbers, shown under the title, e.g. 'accuracy: exact match; n = 200'. */
  protocol?: string;
}

/** 'quantity (protocol)': the convention for axis titles. */
export function axisLabel(quantity: string, protocol?: string): string {
  return protocol ? `${quantity} (${protocol})` : quantity;
}

/** Colour i of the palette with opacity `alpha` as an rgba() string. */
export function colour(i: number, alpha = 1): string {
  const hex = PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
  if (alpha >= 1) return hex;
  const [r, g, b] = [1, 3, 5].map((k) => Number.parseInt(hex.slice(k, k + 2), 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** The shared layout: white background, light grid, outside ticks, legend above the plot. */
export function baseLayout(labels: Labels): { [key: string]: unknown } {
  const axis = (text: string) => ({
    title: { text },
    showline: true,
    linecolor: '#444',
    ticks: 'outside',
    gridcolor: '#e6e6e6',
    zeroline: false,
    automargin: true,
  });
  const sub = labels.protocol ? `<br><sup>${escapeText(labels.protocol)}</sup>` : '';
  return {
    title: { text: `${escapeText(labels.title)}${sub}`, x: 0.02, xanchor: 'left' },
    font: { family: 'Arial, Helvetica, sans-serif', size: 13, color: '#222' },
    colorway: [...PALETTE],
    paper_bgcolor: 'white',
    plot_bgcolor: 'white',
    xaxis: axis(escapeText(labels.x)),
    yaxis: axis(escapeText(labels.y)),
    // Right of the plot, top-aligned: never overlaps the title, however many or long the entries.
    legend: { orientation: 'v', x: 1.02, xanchor: 'left', y: 1, yanchor: 'top' },
    margin: { t: labels.protocol ? 90 : 70, r: 20, b: 60, l: 70 },
    hovermode: 'closest',
  };
}

/** Plotly titles are HTML-ish: escape '<' and '&' so that 'n < 5' is not read as a tag. */
function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function checkLength(what: string, field: string, arr: readonly unknown[] | undefined, n: number): void {
  if (arr !== undefined && arr.length !== n) {
    throw new Error(`figures: ${what}: field '${field}' has ${arr.length} values, expected ${n} (as x)`);
  }
}

/** Non-finite numbers become null (a gap in plotly; JSON has no NaN). */
function clean(v: readonly number[]): (number | null)[] {
  return v.map((x) => (Number.isFinite(x) ? x : null));
}

export interface LineSeries {
  name: string;
  x: readonly number[];
  mean: readonly number[];
  /** lower / upper bound of the confidence interval at each x (e.g. from tables.summarise). */
  lo?: readonly number[];
  hi?: readonly number[];
}

/** A point estimate with its interval: a metrics/stats.ts `Interval` ({estimate, …}) or a stored `Rate` ({rate, …}). */
export type PointCI = { lo: number; hi: number } & ({ estimate: number } | { rate: number });

/** A line series with interval bars from points: `x` and `ci` pick each point's position and interval. */
export function seriesCI<P>(
  name: string,
  points: readonly P[],
  x: (p: P) => number,
  ci: (p: P) => PointCI,
): LineSeries {
  const cis = points.map(ci);
  return {
    name,
    x: points.map(x),
    mean: cis.map((c) => ('estimate' in c ? c.estimate : c.rate)),
    lo: cis.map((c) => c.lo),
    hi: cis.map((c) => c.hi),
  };
}

export interface LineOptions {
  /** How to draw the CI: a shaded band (default), error bars, or not at all. */
  ci?: 'band' | 'bars' | 'none';
  markers?: boolean;
  yRange?: [number, number];
  /** Clip the drawn intervals to [lo, hi] (e.g. [0, 1] for an accuracy: t intervals over few seeds can leave it). */
  bounds?: [number, number];
  /** A logarithmic x axis (e.g. set sizes 1, 4, 16, 64, 256), ticks at the data's x values. */
  logX?: boolean;
}

/** Line chart of means with 95 % CI bands or error bars, one line per series. */
export function lineCI(series: readonly LineSeries[], labels: Labels, opts: LineOptions = {}): FigureSpec {
  const ci = opts.ci ?? 'band';
  const data: Trace[] = [];
  const b = opts.bounds;
  const bound = (v: readonly number[] | undefined) =>
    v && b ? v.map((x) => (Number.isFinite(x) ? Math.min(b[1], Math.max(b[0], x)) : x)) : v;
  series.forEach((s0, i) => {
    const n = s0.x.length;
    for (const f of ['mean', 'lo', 'hi'] as const) checkLength(`line series '${s0.name}'`, f, s0[f], n);
    const s = { ...s0, lo: bound(s0.lo), hi: bound(s0.hi) };
    const hasCI = ci !== 'none' && s.lo !== undefined && s.hi !== undefined;
    if (hasCI && ci === 'band') {
      const band = { x: [...s.x], mode: 'lines', line: { width: 0 }, hoverinfo: 'skip', showlegend: false };
      data.push({ ...band, type: 'scatter', name: `${s.name} lo`, y: clean(s.lo!), legendgroup: s.name });
      data.push({
        ...band,
        type: 'scatter',
        name: `${s.name} 95% CI`,
        y: clean(s.hi!),
        fill: 'tonexty',
        fillcolor: colour(i, 0.2),
        legendgroup: s.name,
      });
    }
    const trace: Trace = {
      type: 'scatter',
      name: s.name,
      legendgroup: s.name,
      x: [...s.x],
      y: clean(s.mean),
      mode: opts.markers === false ? 'lines' : 'lines+markers',
      line: { color: colour(i), width: 2 },
      marker: { color: colour(i), size: 6 },
    };
    if (hasCI && ci === 'bars') trace['error_y'] = errorBars(s.mean, s.lo!, s.hi!, colour(i));
    data.push(trace);
  });
  const layout = baseLayout(labels);
  if (opts.yRange) (layout['yaxis'] as { [k: string]: unknown })['range'] = [...opts.yRange];
  if (opts.logX) {
    const ticks = [...new Set(series.flatMap((s) => s.x))].filter((x) => x > 0).sort((p, q) => p - q);
    Object.assign(layout['xaxis'] as { [k: string]: unknown }, {
      type: 'log',
      tickvals: ticks,
      ticktext: ticks.map(String),
    });
  }
  return { data, layout };
}

/** The y range [0, top] that shows every point and interval of `series` (and `atLeast`), with 10 % headroom. */
export function yRangeOf(series: readonly LineSeries[], atLeast = 0): [number, number] {
  const top = Math.max(
    atLeast,
    ...series.flatMap((s) => [...s.mean, ...(s.hi ?? [])]).filter((x) => Number.isFinite(x)),
  );
  return [0, top > 0 ? top * 1.1 : 1];
}

/** A horizontal reference line across the plot at `y` (dashed), labelled at its right end: a threshold or bar. */
export function withLine(
  spec: FigureSpec,
  y: number,
  label: string,
  color = '#D55E00',
  side: 'left' | 'right' = 'right',
): FigureSpec {
  return withShape(
    spec,
    {
      type: 'line',
      xref: 'paper',
      x0: 0,
      x1: 1,
      yref: 'y',
      y0: y,
      y1: y,
      line: { color, width: 1.5, dash: 'dash' },
    },
    {
      xref: 'paper',
      x: side === 'right' ? 1 : 0,
      xanchor: side,
      yref: 'y',
      y,
      yanchor: side === 'right' ? 'bottom' : 'top',
      text: escapeText(label),
      showarrow: false,
      font: { color, size: 12 },
    },
  );
}

/** A horizontal band from `y0` to `y1` (shaded, behind the data), labelled: e.g. the paper's reported range. */
export function withBand(
  spec: FigureSpec,
  y0: number,
  y1: number,
  label: string,
  color = '#009E73',
): FigureSpec {
  return withShape(
    spec,
    {
      type: 'rect',
      xref: 'paper',
      x0: 0,
      x1: 1,
      yref: 'y',
      y0,
      y1,
      fillcolor: colour(PALETTE.indexOf(color), 0.15),
      line: { width: 0 },
      layer: 'below',
    },
    {
      xref: 'paper',
      x: 0,
      xanchor: 'left',
      yref: 'y',
      y: y1,
      yanchor: 'bottom',
      text: escapeText(label),
      showarrow: false,
      font: { color, size: 12 },
    },
  );
}

function withShape(spec: FigureSpec, shape: Trace, annotation: Trace): FigureSpec {
  const layout = { ...spec.layout };
  layout['shapes'] = [...((layout['shapes'] as Trace[] | undefined) ?? []), shape];
  layout['annotations'] = [...((layout['annotations'] as Trace[] | undefined) ?? []), annotation];
  return { data: spec.data, layout };
}

function errorBars(
  mean: readonly number[],
  lo: readonly number[],
  hi: readonly number[],
  color: string,
): Trace {
  return {
    type: 'data',
    symmetric: false,
    array: clean(hi.map((h, j) => h - mean[j]!)),
    arrayminus: clean(lo.map((l, j) => mean[j]! - l)),
    color,
    thickness: 1.5,
    width: 4,
    visible: true,
  };
}

export interface BarGroup {
  /** The series (legend entry), e.g. a method. */
  name: string;
  /** Category on the x axis for each bar, e.g. a distance bin or a data set. */
  categories: readonly string[];
  mean: readonly number[];
  lo?: readonly number[];
  hi?: readonly number[];
}

/**
 * Grouped bar chart with 95 % CI error bars. `horizontal`: bars along x, a category per row on the y axis (first
 * at the top), the plot as tall as its categories need (for many categories with long names); `labels.x` still
 * names the categories and `labels.y` the values, each on the axis that shows them; `yRange` is the value axis's.
 */
export function barCI(
  groups: readonly BarGroup[],
  labels: Labels,
  opts: { yRange?: [number, number]; horizontal?: boolean } = {},
): FigureSpec {
  const horizontal = opts.horizontal === true;
  const data: Trace[] = groups.map((g, i) => {
    const n = g.categories.length;
    for (const f of ['mean', 'lo', 'hi'] as const) checkLength(`bar group '${g.name}'`, f, g[f], n);
    const [cat, val] = horizontal ? (['y', 'x'] as const) : (['x', 'y'] as const);
    const trace: Trace = {
      type: 'bar',
      name: g.name,
      ...(horizontal ? { orientation: 'h' } : {}),
      [cat]: [...g.categories],
      [val]: clean(g.mean),
      marker: { color: colour(i) },
    };
    if (g.lo && g.hi) trace[`error_${val}`] = errorBars(g.mean, g.lo, g.hi, '#333');
    return trace;
  });
  if (!horizontal) {
    const layout: FigureSpec['layout'] = { ...baseLayout(labels), barmode: 'group', bargap: 0.2 };
    if (opts.yRange) (layout['yaxis'] as { [k: string]: unknown })['range'] = [...opts.yRange];
    return { data, layout };
  }
  const layout: FigureSpec['layout'] = {
    ...baseLayout({ ...labels, x: labels.y, y: labels.x }),
    barmode: 'group',
    bargap: 0.25,
  };
  const xaxis = layout['xaxis'] as { [k: string]: unknown };
  Object.assign(xaxis, { zeroline: true, zerolinecolor: '#888', zerolinewidth: 1 });
  if (opts.yRange) xaxis['range'] = [...opts.yRange];
  // the first category on top; the top and bottom margins plus a row per category (a bar per group in it)
  (layout['yaxis'] as { [k: string]: unknown })['autorange'] = 'reversed';
  const categories = new Set(groups.flatMap((g) => g.categories)).size;
  const margin = layout['margin'] as { t: number; b: number };
  layout['height'] = margin.t + margin.b + 20 + categories * (8 * Math.max(1, groups.length) + 12);
  // wide enough for long category names beside the bars (the HTML report fits the page's width instead)
  layout['width'] = 980;
  return { data, layout };
}

export interface LinearFit {
  slope: number;
  intercept: number;
  /** Pearson correlation of the finite (x, y) pairs. */
  r: number;
  n: number;
}

/** Least-squares line y = slope·x + intercept over the pairs where both values are finite (metrics/stats.ts). */
export function linearFit(x: readonly number[], y: readonly number[]): LinearFit {
  checkLength('linearFit', 'y', y, x.length);
  return leastSquares(x, y);
}

export interface ScatterOptions {
  /** A group per point: one colour (and legend entry) per group, in order of first appearance. */
  groups?: readonly string[];
  /** A second category per point shown as the marker symbol (e.g. 'before' / 'after'). */
  symbols?: readonly string[];
  /** Hover text per point (e.g. the record id). */
  text?: readonly string[];
  /** Fitted least-squares line: over all points, one per group, or none (default). */
  trend?: 'all' | 'group' | 'none';
  opacity?: number;
}

/** Scatter plot with optional colour groups, marker symbols and fitted trend lines. */
export function scatter(
  x: readonly number[],
  y: readonly number[],
  labels: Labels,
  opts: ScatterOptions = {},
): FigureSpec {
  const n = x.length;
  checkLength('scatter', 'y', y, n);
  checkLength('scatter', 'groups', opts.groups, n);
  checkLength('scatter', 'symbols', opts.symbols, n);
  checkLength('scatter', 'text', opts.text, n);
  const groupOf = (i: number) => opts.groups?.[i] ?? 'all';
  const names = [...new Set(x.map((_, i) => groupOf(i)))];
  const symbolNames = opts.symbols ? [...new Set(opts.symbols)] : [];
  const data: Trace[] = [];
  names.forEach((g, gi) => {
    const idx = x.map((_, i) => i).filter((i) => groupOf(i) === g);
    const trace: Trace = {
      type: 'scatter',
      mode: 'markers',
      name: g,
      legendgroup: g,
      showlegend: opts.groups !== undefined,
      x: clean(idx.map((i) => x[i]!)),
      y: clean(idx.map((i) => y[i]!)),
      marker: {
        color: colour(gi),
        size: 7,
        opacity: opts.opacity ?? 0.75,
        ...(opts.symbols
          ? { symbol: idx.map((i) => SYMBOLS[symbolNames.indexOf(opts.symbols![i]!) % SYMBOLS.length]) }
          : {}),
      },
    };
    if (opts.text) trace['text'] = idx.map((i) => opts.text![i]);
    data.push(trace);
    if (opts.trend === 'group') {
      data.push(
        trendTrace(
          idx.map((i) => x[i]!),
          idx.map((i) => y[i]!),
          `${g} fit`,
          colour(gi),
          g,
        ),
      );
    }
  });
  if (opts.trend === 'all') data.push(trendTrace(x, y, 'fit', '#333'));
  if (opts.symbols && symbolNames.length > 1) {
    // Legend entries for the symbol channel (grey markers, no data).
    symbolNames.forEach((s, si) => {
      data.push({
        type: 'scatter',
        mode: 'markers',
        name: s,
        x: [null],
        y: [null],
        marker: { color: '#777', symbol: SYMBOLS[si % SYMBOLS.length] },
      });
    });
  }
  return { data, layout: baseLayout(labels) };
}

function trendTrace(x: readonly number[], y: readonly number[], name: string, color: string, group?: string) {
  const fit = linearFit(x, y);
  const finite = x.filter((v) => Number.isFinite(v));
  const x0 = Math.min(...finite);
  const x1 = Math.max(...finite);
  const sign = fit.intercept < 0 ? '−' : '+';
  const trace: Trace = {
    type: 'scatter',
    mode: 'lines',
    name: `${name}: y = ${fmt(fit.slope)}x ${sign} ${fmt(Math.abs(fit.intercept))} (r = ${fmt(fit.r)}, n = ${fit.n})`,
    x: [x0, x1],
    y: clean([fit.intercept + fit.slope * x0, fit.intercept + fit.slope * x1]),
    line: { color, width: 2, dash: 'dash' },
    hoverinfo: 'name',
  };
  if (group !== undefined) trace['legendgroup'] = group;
  return trace;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(3) : 'n/a';
}

export interface HistogramSeries {
  name: string;
  values: readonly number[];
}

/** Overlaid histograms on shared bins (`bins` equal-width bins over all series' finite values). */
export function histogram(
  series: readonly HistogramSeries[],
  labels: Labels,
  opts: { bins?: number; normalise?: boolean } = {},
): FigureSpec {
  const all = series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  const lo = all.length ? Math.min(...all) : 0;
  const hi = all.length ? Math.max(...all) : 1;
  const bins = opts.bins ?? 20;
  const size = hi > lo ? (hi - lo) / bins : 1;
  const data: Trace[] = series.map((s, i) => ({
    type: 'histogram',
    name: s.name,
    x: clean(s.values),
    xbins: { start: lo, end: hi + size * 1e-9, size },
    autobinx: false,
    histnorm: opts.normalise ? 'probability' : '',
    marker: { color: colour(i), line: { color: 'white', width: 0.5 } },
    opacity: series.length > 1 ? 0.6 : 0.9,
  }));
  return { data, layout: { ...baseLayout(labels), barmode: 'overlay', bargap: 0.02 } };
}

export interface PcaOptions extends Omit<ScatterOptions, 'trend'> {
  /** Fraction of variance explained by PC1 and PC2, shown in the axis titles. */
  explained?: [number, number];
}

/** 2-D PCA scatter: points are [pc1, pc2] rows; equal axis scale so distances read true. */
export function pcaScatter(
  points: readonly (readonly number[])[],
  labels: Omit<Labels, 'x' | 'y'> & { x?: string; y?: string },
  opts: PcaOptions = {},
): FigureSpec {
  points.forEach((p, i) => {
    if (p.length < 2)
      throw new Error(`figures: pcaScatter: point ${i} has ${p.length} coordinates, expected 2`);
  });
  const pct = (k: 0 | 1) =>
    opts.explained ? ` (${(opts.explained[k] * 100).toFixed(1)} % of variance)` : '';
  const spec = scatter(
    points.map((p) => p[0]!),
    points.map((p) => p[1]!),
    { ...labels, x: `${labels.x ?? 'PC1'}${pct(0)}`, y: `${labels.y ?? 'PC2'}${pct(1)}` },
    opts,
  );
  (spec.layout['yaxis'] as { [k: string]: unknown })['scaleanchor'] = 'x';
  return spec;
}

const DASHES = ['solid', 'dash', 'dot', 'dashdot', 'longdash'] as const;

/**
 * Figures of the same kind from several runs in one: each run's traces are named '<label>: <trace>'. When every
 * run has one series, runs differ by colour; otherwise each series keeps its colour and runs differ by dash and
 * marker symbol (bars: by a hatch pattern). The y range covers every run's; shapes and notes come from the first.
 */
export function overlay(runs: readonly { label: string; spec: FigureSpec }[]): FigureSpec {
  if (runs.length === 0) throw new Error('figures: overlay: no figures');
  const series = (s: FigureSpec) => s.data.filter((t) => t['showlegend'] !== false).length;
  const byColour = runs.every((r) => series(r.spec) <= 1);
  const data = runs.flatMap(({ label, spec }, j) =>
    spec.data.map((t) => {
      const name = `${label}: ${String(t['name'] ?? '')}`;
      const group = `${label}: ${String(t['legendgroup'] ?? t['name'] ?? '')}`;
      const out: Trace = { ...t, name, legendgroup: group };
      const c = byColour ? colour(j) : undefined;
      if (t['type'] === 'bar') {
        out['marker'] = {
          ...(t['marker'] as object),
          ...(c ? { color: c } : {}),
          ...(!byColour && j > 0 ? { pattern: { shape: ['/', 'x', '.', '\\'][(j - 1) % 4] } } : {}),
        };
      } else {
        out['line'] = {
          ...(t['line'] as object),
          ...(c ? { color: c } : {}),
          dash: DASHES[j % DASHES.length],
        };
        out['marker'] = {
          ...(t['marker'] as object),
          ...(c ? { color: c } : {}),
          symbol: SYMBOLS[j % SYMBOLS.length],
        };
      }
      if (c && t['error_y']) out['error_y'] = { ...(t['error_y'] as object), color: c };
      if (c && t['fillcolor']) out['fillcolor'] = colour(j, 0.2);
      return out;
    }),
  );
  const layout = { ...runs[0]!.spec.layout };
  const ranges = runs.map((r) => (r.spec.layout['yaxis'] as { range?: [number, number] } | undefined)?.range);
  if (ranges.every((r) => Array.isArray(r))) {
    layout['yaxis'] = {
      ...(layout['yaxis'] as object),
      range: [Math.min(...ranges.map((r) => r![0])), Math.max(...ranges.map((r) => r![1]))],
    };
  }
  // names carry the changed settings: the legend goes under the plot, where long entries fit
  layout['legend'] = { orientation: 'h', x: 0, xanchor: 'left', y: -0.3, yanchor: 'top' };
  layout['margin'] = { ...(layout['margin'] as object), b: 100 + 22 * data.length };
  return { data, layout };
}

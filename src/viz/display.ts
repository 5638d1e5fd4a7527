// Showing figures: in a tslab notebook one display output carries a mime bundle with
//   application/vnd.plotly.v1+json  interactive (VS Code, JupyterLab with the plotly renderer)
//   image/png                       rendered once by headless Chromium, shown everywhere else: classic Notebook
//                                   trusted or not (its sanitiser strips inline SVG from text/html but shows PNG),
//                                   JupyterLab, `nbconvert --to html` (6.5 blanks image/svg+xml), GitHub
//   text/plain                      a one-line summary
// Before a kernel's first figure, one application/javascript output (classicPlotlyLoader) makes classic Notebook
// draw the plotly JSON interactively once the notebook is trusted (untrusted, it is ignored and the PNG shows),
// and display metadata giving the PNG's CSS size (it is drawn at scale 2 for sharp text). There is deliberately no
// text/html with a figure: classic Notebook prefers text/html to image/png and would show it sanitised.
// plotly.js itself (≈ 5 MB) is never inlined. Without Chromium the bundle has a text/html table of the traces
// that says why. The CLI uses exportFigure (SVG/PNG files); closeBrowser() closes the browser early (optional).
// Chromium: Debian `chromium` driven by puppeteer-core (which never downloads a browser); one browser for all
// figures, started on first use, killed when the process exits. Env BEACONS_CHROMIUM = path to the binary, or
// 'off' for no static images.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FigureSpec } from './figures';
import { staticPanels } from './panels';

export type MimeBundle = { [mime: string]: unknown };
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

export interface RenderOptions {
  width?: number;
  height?: number;
  /** PNG pixel ratio (default 2). */
  scale?: number;
}

// Minimal shapes of the puppeteer-core objects used (its own .d.ts is large and newer than tslab's TS 5.0).
interface PPage {
  setContent(html: string): Promise<void>;
  addScriptTag(opts: { path: string }): Promise<unknown>;
  evaluate(expression: string): Promise<unknown>;
}
interface PProcess {
  kill(signal?: string): boolean;
  unref(): void;
  stdio: ({ unref?: () => void } | null)[];
}
interface PBrowser {
  newPage(): Promise<PPage>;
  close(): Promise<void>;
  process(): PProcess | null;
}
interface Session {
  browser: PBrowser;
  page: PPage;
  dir: string;
}

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/** The Chromium binary to use, or null (BEACONS_CHROMIUM=off, or none of the usual paths exists). */
export function chromiumPath(): string | null {
  const env = process.env['BEACONS_CHROMIUM'];
  if (env === 'off') return null;
  if (env) return fs.existsSync(env) ? env : null;
  return CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
}

let session: Promise<Session> | null = null;
let queue: Promise<unknown> = Promise.resolve();
let exitHook = false;

const PROFILE_PREFIX = 'beacons-chromium-';

/** Remove profile folders left by processes that were killed (the folder name carries the owner's pid). */
function removeStaleProfiles(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const pid = Number(name.slice(PROFILE_PREFIX.length).split('-')[0]);
    if (!name.startsWith(PROFILE_PREFIX) || !Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') {
        fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
      }
    }
  }
}

/**
 * Headless Chromium flags for a sandbox without network (as root, no GPU, no background connections), with a fresh
 * profile folder.
 */
export function chromiumArgs(profileDir: string): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    `--user-data-dir=${profileDir}`,
  ];
}

async function launch(executablePath: string): Promise<Session> {
  const puppeteer = require('puppeteer-core') as { launch(opts: object): Promise<PBrowser> };
  removeStaleProfiles();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PROFILE_PREFIX}${process.pid}-`));
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    pipe: true,
    // tslab uses SIGINT to interrupt a cell: puppeteer must not turn it into an exit.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    timeout: 60_000,
    protocolTimeout: 120_000,
    // puppeteer adds --headless=new (and --disable-sync, --no-first-run, … among its defaults).
    args: chromiumArgs(dir),
  });
  // The idle browser must not keep Node alive (a kernel that is shut down exits; then the exit hook kills
  // Chromium). Renders hold the event loop themselves while they wait (see withKeepAlive).
  const proc = browser.process();
  proc?.unref();
  for (const io of proc?.stdio ?? []) io?.unref?.();
  const s: Session = { browser, page: await browser.newPage(), dir };
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => killNow());
  }
  current = s;
  await s.page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
  await s.page.addScriptTag({ path: require.resolve('plotly.js-dist-min') });
  return s;
}

let current: Session | null = null;

/** Synchronous cleanup for process exit: kill Chromium, remove its profile folder. */
function killNow(): void {
  const s = current;
  current = null;
  session = null;
  if (!s) return;
  try {
    s.browser.process()?.kill('SIGKILL');
  } catch {
    // already gone
  }
  fs.rmSync(s.dir, { recursive: true, force: true });
}

/** Close the shared browser (if started). Optional: on process exit it is killed anyway. */
export async function closeBrowser(): Promise<void> {
  const pending = session;
  session = null;
  if (!pending) return;
  const s = await pending.catch(() => null);
  if (!s) return;
  current = null;
  await withKeepAlive(() => s.browser.close()).catch(() => s.browser.process()?.kill('SIGKILL'));
  fs.rmSync(s.dir, { recursive: true, force: true });
}

/** Keep the event loop alive while `work` waits on the (unref'd) browser. */
async function withKeepAlive<T>(work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => undefined, 1 << 30);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Run Plotly.toImage in the shared page; returns the data URL. Renders are serialised on one page. */
function toImage(spec: FigureSpec, format: 'svg' | 'png', opts: RenderOptions): Promise<string> {
  return withKeepAlive(() => toImageNow(spec, format, opts));
}

async function toImageNow(spec: FigureSpec, format: 'svg' | 'png', opts: RenderOptions): Promise<string> {
  const exe = chromiumPath();
  if (!exe) throw new Error('display: no Chromium (set BEACONS_CHROMIUM or install Debian chromium)');
  if (!session) {
    session = launch(exe);
    session.catch(() => {
      session = null;
    });
  }
  const s = await session;
  // a static image has no dropdown: a selector's panels are drawn side by side, at the size their grid asks for
  const { width, height } = staticSize(staticPanels(spec), opts);
  const drawn = fitTitle(staticPanels(spec), width);
  const args = JSON.stringify({ data: drawn.data, layout: { ...drawn.layout, width, height } });
  const img = JSON.stringify({
    format,
    width,
    height,
    scale: format === 'png' ? (opts.scale ?? 2) : 1,
  });
  // A string, not a function: tsx/esbuild helpers (e.g. __name) must not leak into the page.
  const run = () => s.page.evaluate(`Plotly.toImage(${args}, ${img})`) as Promise<string>;
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

/**
 * The size of a figure's static image: the options', else the figure's own layout size (small multiples set it
 * from their grid), else 760 × 460.
 */
export function staticSize(spec: FigureSpec, opts: RenderOptions = {}): { width: number; height: number } {
  const own = (k: 'width' | 'height') => {
    const v = spec.layout[k];
    return typeof v === 'number' && v > 0 ? v : undefined;
  };
  return { width: opts.width ?? own('width') ?? 760, height: opts.height ?? own('height') ?? 460 };
}

/**
 * The figure with its title's first line wrapped to fit `width` pixels (a static image cannot be scrolled: a long
 * title was cut at the right), the top margin grown by a line for each added line. Plotly's title font is about
 * 1.4 × the figure's font; a character is taken as 0.55 of that.
 */
export function fitTitle(spec: FigureSpec, width: number): FigureSpec {
  const title = spec.layout['title'] as { text?: unknown } | undefined;
  if (!title || typeof title.text !== 'string') return spec;
  const [main = '', ...rest] = title.text.split('<br>');
  const font = Number((spec.layout['font'] as { size?: number } | undefined)?.size ?? 13) * 1.4;
  const max = Math.max(20, Math.floor((width - 40) / (0.55 * font)));
  const plain = (t: string) => t.replace(/<[^>]*>/g, '');
  if (plain(main).length <= max) return spec;
  const lines: string[] = [];
  let line = '';
  for (const word of main.split(' ')) {
    if (line && plain(`${line} ${word}`).length > max) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  const margin = (spec.layout['margin'] ?? {}) as { t?: number };
  return {
    data: spec.data,
    layout: {
      ...spec.layout,
      title: { ...title, text: [...lines, ...rest].join('<br>') },
      margin: { ...margin, t: (margin.t ?? 80) + Math.round(font * 1.2) * (lines.length - 1) },
    },
  };
}

/** The figure as a standalone SVG document string. */
export async function renderSVG(spec: FigureSpec, opts: RenderOptions = {}): Promise<string> {
  const url = await toImage(spec, 'svg', opts);
  const comma = url.indexOf(',');
  const body = url.slice(comma + 1);
  return url.slice(0, comma).endsWith(';base64')
    ? Buffer.from(body, 'base64').toString('utf8')
    : decodeURIComponent(body);
}

/** The figure as PNG bytes (scale 2 by default). */
export async function renderPNG(spec: FigureSpec, opts: RenderOptions = {}): Promise<Buffer> {
  const url = await toImage(spec, 'png', opts);
  return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
}

/** Write the figure to `file` (.svg or .png) atomically (x.tmp, then rename); creates the folder. */
export async function exportFigure(
  spec: FigureSpec,
  file: string,
  opts: RenderOptions = {},
): Promise<string> {
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') {
    throw new Error(`display: exportFigure: ${file}: extension must be .svg or .png`);
  }
  const bytes = ext === '.svg' ? stableIds(await renderSVG(spec, opts)) : await renderPNG(spec, opts);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
  return file;
}

/**
 * plotly names its defs, clip paths and traces with random 6-hex uids (`defs-3f2a1b`, `clip3f2a1bxyplot`,
 * `trace9c01d2`); a
 * standalone SVG file gets a fixed one so that re-exporting an unchanged figure writes the same bytes.
 */
export function stableIds(svg: string): string {
  const uids = new Set([...svg.matchAll(/(?:defs-|clip|trace)([0-9a-f]{6})/g)].map((m) => m[1]));
  let out = svg;
  [...uids].forEach((uid, i) => {
    out = out.split(uid).join(`f${String(i).padStart(5, '0')}`);
  });
  return out;
}

function escapeHTML(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function titleOf(spec: FigureSpec): string {
  const t = (spec.layout['title'] as { text?: string } | undefined)?.text ?? 'untitled';
  return t.split('<br>')[0]!.replace(/<[^>]*>/g, '');
}

/** A text summary of the traces: name, type, points, x and y ranges (the no-Chromium fallback). */
export function traceSummary(spec: FigureSpec): string[][] {
  const range = (v: unknown) => {
    const nums = Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
    return nums.length ? `${+Math.min(...nums).toPrecision(4)} … ${+Math.max(...nums).toPrecision(4)}` : '–';
  };
  const rows = spec.data
    .filter((t) => t['showlegend'] !== false || t['hoverinfo'] !== 'skip')
    .map((t) => {
      const x = t['x'] as unknown[] | undefined;
      return [
        String(t['name'] ?? ''),
        String(t['type'] ?? ''),
        String(x?.length ?? 0),
        range(x),
        range(t['y']),
      ];
    });
  return [['trace', 'type', 'points', 'x range', 'y range'], ...rows];
}

/** Display metadata: the CSS size of each image in a bundle. */
export type MimeMetadata = { [mime: string]: unknown };

/**
 * The mime bundle for a figure: plotly JSON, the PNG (bytes, or already base64) and a summary line; `png` null
 * means no static image (then a text/html trace table says why: `note`).
 */
export function figureBundle(spec: FigureSpec, png: Buffer | string | null, note = ''): MimeBundle {
  const title = titleOf(spec);
  const bundle: MimeBundle = { [PLOTLY_MIME]: { data: spec.data, layout: spec.layout } };
  if (png !== null) {
    bundle['image/png'] = typeof png === 'string' ? png : png.toString('base64');
  } else {
    const [head, ...rows] = traceSummary(spec);
    const cells = (r: string[], tag: string) =>
      `<tr>${r.map((c) => `<${tag}>${escapeHTML(c)}</${tag}>`).join('')}</tr>`;
    bundle['text/html'] =
      `<div class="beacons-figure"><p><b>${escapeHTML(title)}</b>: static image unavailable (${escapeHTML(note)}). ` +
      `The interactive figure shows in JupyterLab / VS Code.</p>` +
      `<table>${cells(head!, 'th')}${rows.map((r) => cells(r, 'td')).join('')}</table></div>`;
  }
  bundle['text/plain'] =
    `Figure: ${title} (${spec.data.length} traces)${png === null ? ` [no static image: ${note}]` : ''}`;
  return bundle;
}

let classicLoaderShown = false;

/**
 * Interactive figures in classic Notebook once the notebook is trusted. Classic Notebook knows no plotly mime type,
 * so it shows a figure's PNG. This output (shown once per kernel, before the first figure) is JavaScript, which
 * classic Notebook runs only for trusted outputs: it registers a renderer for the plotly mime type that draws with
 * plotly.js from `lib/plotly.min.js` beside the notebook (`npm run build` puts it there), ahead of image/png.
 * Untrusted, it is ignored and the PNGs show; in every other front end (JupyterLab, VS Code, nbconvert, GitHub) it
 * does nothing, and if plotly.js is not there it registers nothing.
 */
export function classicPlotlyLoader(): MimeBundle {
  const js = `(function () {
  var J = window.Jupyter, OA = J && J.OutputArea, MIME = '${PLOTLY_MIME}';
  if (!J || !J.notebook || !OA || !window.requirejs || OA.display_order.indexOf(MIME) >= 0) return;
  var url = J.notebook.base_url + 'files/' + J.notebook.notebook_path.replace(/[^/]*$/, '') + 'lib/plotly.min';
  var probe = new XMLHttpRequest();
  try { probe.open('GET', url + '.js', false); probe.setRequestHeader('Range', 'bytes=0-0'); probe.send(); } catch (e) { return; }
  if (probe.status !== 200 && probe.status !== 206) return;
  window.requirejs.config({ paths: { 'beacons-plotly': url } });
  OA.prototype.register_mime_type(MIME, function (json, md, element) {
    var area = this.create_output_subarea(md, 'output_plotly', MIME);
    element.append(area);
    var div = document.createElement('div');
    div.className = 'beacons-plotly';
    area[0].appendChild(div);
    window.requirejs(['beacons-plotly'], function (mod) {
      var Plotly = mod && mod.newPlot ? mod : window.Plotly; // plotly.js 3+ sets a global, not an AMD module
      Plotly.newPlot(div, json.data, json.layout, { responsive: true });
    });
    return area;
  }, { index: 0, safe: false });
})();`;
  return { 'application/javascript': js, 'text/plain': '' };
}

type Sink = (bundle: MimeBundle, metadata: MimeMetadata) => void;
let sink: Sink | null = null;

/** Redirect displays (tests); null restores the default (tslab when in a kernel, else stdout). */
export function setDisplaySink(fn: Sink | null): void {
  sink = fn;
}

/**
 * Emit one display output with several mime types. tslab's public `display.raw` sends one mime type per
 * output, so this calls the hook it uses (`lastWriteDisplayData` in tslab/dist/jupyter, set while a cell runs)
 * with the whole bundle (and `metadata`, e.g. an image's CSS size). Outside a kernel it prints the text/plain part.
 */
export function displayBundle(bundle: MimeBundle, metadata: MimeMetadata = {}): void {
  if (sink) {
    sink(bundle, metadata);
    return;
  }
  const write = kernelWriter();
  if (write) {
    write({ data: bundle, metadata, transient: {} }, false);
    return;
  }
  console.log(String(bundle['text/plain'] ?? ''));
}

type Writer = (content: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void;

function kernelWriter(): Writer | null {
  try {
    const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: Writer | null };
    return typeof jupyter.lastWriteDisplayData === 'function' ? jupyter.lastWriteDisplayData : null;
  } catch {
    return null;
  }
}

/** Show a figure in the notebook: interactive plotly + a PNG (or the trace table and the reason). */
export async function showFigure(spec: FigureSpec, opts: RenderOptions = {}): Promise<void> {
  if (!classicLoaderShown && kernelWriter() !== null) {
    classicLoaderShown = true;
    displayBundle(classicPlotlyLoader());
  }
  const exe = chromiumPath();
  let png: Buffer | null = null;
  let note = '';
  if (!exe) {
    note =
      process.env['BEACONS_CHROMIUM'] === 'off'
        ? 'BEACONS_CHROMIUM=off'
        : `Chromium not found (${process.env['BEACONS_CHROMIUM'] || CANDIDATES[0]}); install Debian 'chromium' or set BEACONS_CHROMIUM`;
  } else {
    try {
      png = await renderPNG(spec, opts);
    } catch (e) {
      note = `rendering with ${exe} failed: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  // shown at most 900 CSS pixels wide (a notebook's column), the height scaled with it
  const full = staticSize(staticPanels(spec), opts);
  const k = Math.min(1, 900 / full.width);
  const size = { width: Math.round(full.width * k), height: Math.round(full.height * k) };
  displayBundle(figureBundle(spec, png, note), png ? { 'image/png': size } : {});
}

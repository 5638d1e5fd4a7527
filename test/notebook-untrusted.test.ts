// Opens executed notebooks in a classic Jupyter Notebook server, as a user who just cloned the repository does:
// untrusted (a fresh signing secret, so no notebook is trusted), and checks in headless Chromium that every figure
// shows: one visible, non-blank PNG image per figure output; and every reading or verdict (showMarkdown's text/html:
// classic Notebook drops untrusted text/markdown without a word): one visible text per reading output. (Classic Notebook sanitises untrusted text/html, which
// turned inline SVG figures into run-on text; image/png is shown as is.) Then, signed (trusted), that plotly.js
// draws every figure of the first notebook (display.ts, classicPlotlyLoader). The page is kept from starting a kernel.
// Notebooks: env BEACONS_UNTRUSTED_NOTEBOOKS (a folder or one .ipynb), else .cache/notebooks (the copies
// `npm run test:notebooks` executes). Skips, saying why, without Chromium, `jupyter notebook` or executed notebooks.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { copyPlotly } from '../src/report/html';
import { chromiumPath, PLOTLY_MIME } from '../src/viz/display';
import { type FigureImage, figureImagesScript, launchChromium } from './figure-images';

const ROOT = path.join(__dirname, '..');

interface Notebook {
  cells: { cell_type: string; outputs?: { data?: { [mime: string]: unknown } }[] }[];
}

/** Outputs carrying `mime` in a notebook file. */
function outputsWith(file: string, mime: string): number {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
  return nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data && mime in o.data).length;
}

/** Reading outputs (showMarkdown: text/html with a beacons-text block) in a notebook file. */
function readingOutputs(file: string): number {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
  return nb.cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => {
      const html = o.data?.['text/html'];
      return (Array.isArray(html) ? html.join('') : String(html ?? '')).includes('class="beacons-text"');
    }).length;
}

/** Figure outputs (plotly bundles) in a notebook file. */
const figureOutputs = (file: string) => outputsWith(file, PLOTLY_MIME);

function notebooks(): string[] {
  const where = path.resolve(
    process.env['BEACONS_UNTRUSTED_NOTEBOOKS'] ?? path.join(ROOT, '.cache', 'notebooks'),
  );
  if (!fs.existsSync(where)) return [];
  const files = fs.statSync(where).isDirectory()
    ? fs
        .readdirSync(where)
        .filter((f) => f.endsWith('.ipynb'))
        .sort()
        .map((f) => path.join(where, f))
    : [where];
  return files.filter((f) => figureOutputs(f) > 0);
}

function hasNotebookServer(): boolean {
  return spawnSync('jupyter', ['notebook', '--version'], { encoding: 'utf8' }).status === 0;
}

function skipReason(): string | null {
  if (!chromiumPath()) return 'no Chromium (/usr/bin/chromium or BEACONS_CHROMIUM): apt-get install chromium';
  if (!hasNotebookServer()) return "no 'jupyter notebook': run environment/install-jupyter.sh";
  if (notebooks().length === 0)
    return 'no executed notebook with figures: run `npm run test:notebooks` first';
  return null;
}

const reason = skipReason();
if (reason) console.log(`notebook-untrusted: SKIPPED: ${reason}`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForServer(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`jupyter notebook exited (${server.exitCode}):\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`jupyter notebook did not answer at ${url} within 90 s:\n${log()}`);
}

async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** A classic Notebook server on `served` (signatures: `notary`'s db and secret) and a headless Chromium. */
async function startClassic(dir: string, served: string, notary: { db: string; secret: string }) {
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  let log = '';
  const server = spawn(
    'jupyter',
    [
      'notebook',
      '--no-browser',
      '--ip=127.0.0.1',
      `--port=${port}`,
      '--port-retries=0',
      `--NotebookApp.token=${token}`,
      `--notebook-dir=${served}`,
      `--NotebookNotary.db_file=${notary.db}`,
      `--NotebookNotary.secret_file=${notary.secret}`,
      ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
    ],
    {
      env: { ...process.env, JUPYTER_RUNTIME_DIR: path.join(dir, 'runtime') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout?.on('data', (b) => (log += b));
  server.stderr?.on('data', (b) => (log += b));
  try {
    await waitForServer(`http://127.0.0.1:${port}/api/status?token=${token}`, server, () => log);
    const browser = await launchChromium(dir);
    return {
      server,
      browser,
      url: (name: string) => `http://127.0.0.1:${port}/notebooks/${encodeURIComponent(name)}?token=${token}`,
    };
  } catch (e) {
    await stop(server);
    throw e;
  }
}

/** Opens a notebook without starting a kernel (the outputs are the file's) and waits until it is loaded. */
async function openNotebook(browser: import('puppeteer-core').Browser, url: string) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  await page.setRequestInterception(true);
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/api\/sessions/.test(r.url())) void r.abort();
    else void r.continue();
  });
  await page.goto(url, { waitUntil: 'load', timeout: 90_000 });
  await page.waitForFunction('window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded', {
    timeout: 90_000,
  });
  return page;
}

test('classic Notebook, untrusted: every figure output shows as a visible image, every reading as text', {
  skip: reason ?? false,
}, async () => {
  const files = notebooks();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-untrusted-'));
  const served = path.join(dir, 'notebooks');
  fs.mkdirSync(served);
  for (const f of files) fs.copyFileSync(f, path.join(served, path.basename(f)));
  // A fresh secret and signature store: nothing is trusted, as on a fresh clone.
  const classic = await startClassic(dir, served, { db: ':memory:', secret: path.join(dir, 'secret') });
  try {
    for (const file of files) {
      const name = path.basename(file);
      const expected = figureOutputs(file);
      const page = await openNotebook(classic.browser, classic.url(name));
      const trusted = (await page.evaluate('Jupyter.notebook.trusted')) as boolean;
      const images = (await page.evaluate(figureImagesScript())) as FigureImage[];
      // readings and verdicts (showMarkdown): sanitised HTML, each one visible with its text
      const texts = (await page.evaluate(
        `[...document.querySelectorAll('.output_html .beacons-text')].map((e) => ({ visible: e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden', chars: e.innerText.trim().length }))`,
      )) as { visible: boolean; chars: number }[];
      await page.screenshot({ path: path.join(dir, `${name}.png`) });
      const first = await page.$('img[src^="data:image/png"]');
      await first?.screenshot({ path: path.join(dir, `${name}.figure-1.png`) });
      await page.close();
      assert.equal(trusted, false, `${name}: the notebook opened trusted; the check needs it untrusted`);
      assert.equal(
        images.length,
        expected,
        `${name}: ${expected} figure output(s), ${images.length} image(s) shown`,
      );
      images.forEach((img, i) => {
        assert.ok(
          !img.hidden && img.width > 200 && img.height > 100 && img.naturalWidth > 0,
          `${name}: figure ${i + 1} is not visible (${JSON.stringify(img)})`,
        );
        assert.ok(img.ink > 0.01, `${name}: figure ${i + 1} is blank (${JSON.stringify(img)})`);
      });
      const readings = readingOutputs(file);
      assert.equal(outputsWith(file, 'text/markdown'), 0, `${name}: text/markdown outputs vanish untrusted`);
      assert.equal(texts.length, readings, `${name}: ${readings} reading output(s), ${texts.length} shown`);
      texts.forEach((t, i) => {
        assert.ok(
          t.visible && t.chars > 0,
          `${name}: reading ${i + 1} is not visible (${JSON.stringify(t)})`,
        );
      });
      console.log(
        `notebook-untrusted: ${name}: untrusted, ${images.length} figure(s) and ${texts.length} reading(s) shown`,
      );
    }
  } finally {
    await classic.browser.close();
    await stop(classic.server);
    if (process.env['BEACONS_KEEP_RENDER']) console.log(`notebook-untrusted: kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Outputs that register the classic-Notebook plotly renderer (display.ts, classicPlotlyLoader). */
const loaderOutputs = (file: string) => outputsWith(file, 'application/javascript');

// Executed copies left in .cache/notebooks by an earlier `npm run test:notebooks` can predate the loader; the
// notebooks that script has just executed (it names them in BEACONS_UNTRUSTED_NOTEBOOKS) cannot.
const staleCopies =
  reason === null && !process.env['BEACONS_UNTRUSTED_NOTEBOOKS'] && loaderOutputs(notebooks()[0]!) === 0
    ? 'the executed notebooks in .cache/notebooks predate the plotly loader: `npm run test:notebooks` re-executes them'
    : null;

test('classic Notebook, trusted: every figure output is drawn by plotly.js (interactive)', {
  skip: reason ?? staleCopies ?? false,
}, async () => {
  // the first notebook with figures is enough: the mechanism is the same in every notebook
  const file = notebooks()[0]!;
  const name = path.basename(file);
  const expected = figureOutputs(file);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-trusted-'));
  const served = path.join(dir, 'notebooks');
  fs.mkdirSync(served);
  fs.copyFileSync(file, path.join(served, name));
  copyPlotly(path.join(served, 'lib')); // as `npm run build` does beside the notebooks
  assert.equal(loaderOutputs(file), 1, `${name}: one output registers the plotly renderer`);
  const notary = { db: path.join(dir, 'signatures.db'), secret: path.join(dir, 'secret') };
  // trust it as `jupyter trust` would (Debian's packages have no such command): sign with the server's secret
  const sign = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      'import sys, nbformat\nfrom nbformat.sign import NotebookNotary\nn = NotebookNotary(db_file=sys.argv[1], secret_file=sys.argv[2])\nn.sign(nbformat.read(sys.argv[3], as_version=4))',
      notary.db,
      notary.secret,
      path.join(served, name),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(sign.status, 0, `signing failed: ${sign.stderr}`);
  const classic = await startClassic(dir, served, notary);
  try {
    const page = await openNotebook(classic.browser, classic.url(name));
    assert.equal(await page.evaluate('Jupyter.notebook.trusted'), true, `${name}: did not open trusted`);
    await page.waitForFunction(
      `document.querySelectorAll('.beacons-plotly .main-svg').length >= ${expected}`,
      { timeout: 60_000 },
    );
    const drawn = (await page.evaluate(
      "document.querySelectorAll('.beacons-plotly.js-plotly-plot').length",
    )) as number;
    assert.equal(drawn, expected, `${name}: ${expected} figure output(s), ${drawn} drawn by plotly.js`);
    console.log(`notebook-untrusted: ${name}: trusted, ${drawn} interactive figure(s)`);
  } finally {
    await classic.browser.close();
    await stop(classic.server);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

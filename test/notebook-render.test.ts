// Renders an executed notebook as `jupyter nbconvert --to html` makes it, opens the page in headless Chromium
// and checks that every figure draws: each plotly output's static twin is a visible, non-blank PNG image.
// Notebook: env BEACONS_RENDER_NOTEBOOK (a path), else the first executed one of notebooks/01-distance-curves.ipynb
// and .cache/notebooks/01-distance-curves.ipynb (the copy `npm run test:notebooks` executes), else the first
// notebooks/*.ipynb that has outputs. Skips, saying why, without Chromium, Jupyter or an executed notebook.
// CI: `npm run test:notebooks` executes every notebook at smoke scale into .cache/notebooks, then runs this test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { chromiumPath, PLOTLY_MIME } from '../src/viz/display';
import { type FigureImage, figureImagesScript, launchChromium } from './figure-images';

const ROOT = path.join(__dirname, '..');

interface Output {
  output_type: string;
  data?: { [mime: string]: unknown };
}
interface Notebook {
  cells: { cell_type: string; outputs?: Output[] }[];
}

function outputsOf(file: string): Output[] {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
  return nb.cells.flatMap((c) => c.outputs ?? []);
}

function pickNotebook(): string | null {
  const env = process.env['BEACONS_RENDER_NOTEBOOK'];
  if (env) return path.resolve(env);
  const dir = path.join(ROOT, 'notebooks');
  const preferred = [dir, path.join(ROOT, '.cache', 'notebooks')].map((d) =>
    path.join(d, '01-distance-curves.ipynb'),
  );
  const executed01 = preferred.find((f) => fs.existsSync(f) && outputsOf(f).length > 0);
  if (executed01) return executed01;
  const all = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')) : [];
  const executed = all.sort().find((f) => outputsOf(path.join(dir, f)).length > 0);
  return executed ? path.join(dir, executed) : null;
}

function jupyterBinary(): string | null {
  for (const bin of ['jupyter', '/usr/bin/jupyter']) {
    if (spawnSync(bin, ['nbconvert', '--version'], { encoding: 'utf8' }).status === 0) return bin;
  }
  return null;
}

function skipReason(): string | null {
  if (!chromiumPath()) return 'no Chromium (/usr/bin/chromium or BEACONS_CHROMIUM): apt-get install chromium';
  if (!jupyterBinary()) return "no 'jupyter nbconvert': run environment/install-jupyter.sh";
  const nb = pickNotebook();
  if (!nb)
    return 'no executed notebook: run `npm run test:notebooks` (or environment/run-notebooks.py) first';
  if (!fs.existsSync(nb)) return `no notebook at ${nb}`;
  return null;
}

const reason = skipReason();
if (reason) console.log(`notebook-render: SKIPPED: ${reason}`);

test('an executed notebook, exported to HTML, draws every figure', { skip: reason ?? false }, async () => {
  const notebook = pickNotebook()!;
  const plotlyOutputs = outputsOf(notebook).filter((o) => o.data && PLOTLY_MIME in o.data).length;
  assert.ok(plotlyOutputs > 0, `${notebook}: no plotly outputs (was it executed?)`);
  const withoutPNG = outputsOf(notebook).filter(
    (o) => o.data && PLOTLY_MIME in o.data && !('image/png' in o.data),
  );
  assert.equal(
    withoutPNG.length,
    0,
    `${notebook}: ${withoutPNG.length} figure output(s) without image/png (saved by an older display.ts? re-execute it)`,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-render-'));
  const browser = await launchChromium(dir);
  try {
    const conv = spawnSync(jupyterBinary()!, ['nbconvert', '--to', 'html', '--output-dir', dir, notebook], {
      encoding: 'utf8',
    });
    assert.equal(conv.status, 0, `nbconvert failed: ${conv.stderr}`);
    const html = path.join(dir, `${path.basename(notebook, '.ipynb')}.html`);
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 900 });
    // file:// page, no network needed: the figures are inline PNG (nbconvert's own CDN scripts may fail).
    await page.goto(`file://${html}`, { waitUntil: 'load', timeout: 60_000 });
    const figures = (await page.evaluate(figureImagesScript())) as FigureImage[];
    const fallback = (await page.evaluate(
      `[...document.querySelectorAll('.beacons-figure')].filter((f) => /static image unavailable/.test(f.textContent)).length`,
    )) as number;
    await page.screenshot({ path: path.join(dir, 'page.png'), fullPage: true });
    assert.equal(fallback, 0, 'some figures were saved without a static image (no Chromium when executed?)');
    assert.equal(figures.length, plotlyOutputs, 'every plotly output has a PNG image in the HTML');
    figures.forEach((f, i) => {
      assert.ok(
        !f.hidden && f.width > 200 && f.height > 100 && f.naturalWidth > 0,
        `figure ${i}: not visible (${JSON.stringify(f)})`,
      );
      assert.ok(f.ink > 0.01, `figure ${i}: the image is blank (${JSON.stringify(f)})`);
    });
    console.log(`notebook-render: ${path.relative(ROOT, notebook)}: ${figures.length} figure(s) drawn`);
  } finally {
    await browser.close();
    if (process.env['BEACONS_KEEP_RENDER']) console.log(`notebook-render: kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The answer is on the README's first screen: the README rendered as GitHub renders it (GFM by `marked`, a
 * 980-pixel column, GitHub's font size) in headless Chromium at 1400 × 900 shows the answer table's first row and
 * the top of the verdict figure without scrolling.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { marked } from 'marked';
import { chromiumPath } from '../src/viz/display';
import { launchChromium, offlinePage } from './figure-images';

const ROOT = path.resolve(__dirname, '..');

/** GitHub's README column, roughly: 980 px wide with 32 px padding, 16 px system font, tables with cell padding. */
const STYLE = `body { margin: 0; background: #fff; }
article { max-width: 980px; margin: 24px auto; padding: 32px; box-sizing: border-box;
  font: 16px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
h1 { font-size: 2em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin: 0 0 16px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin: 24px 0 16px; }
table { border-collapse: collapse; display: block; overflow: auto; }
td, th { border: 1px solid #d1d9e0; padding: 6px 13px; }
img { max-width: 100%; }
pre { padding: 16px; background: #f6f8fa; overflow: auto; }`;

const exe = chromiumPath();
test('README at 1400 × 900: the answer table and the verdict figure start on the first screen', {
  skip: !exe && 'no Chromium (/usr/bin/chromium or BEACONS_CHROMIUM)',
}, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-readme-'));
  const html = `<!doctype html><html><head><meta charset="utf-8"><style>${STYLE}</style></head><body><article>${await marked.parse(
    fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'),
  )}</article></body></html>`;
  // beside README.md, so that the figure's relative path resolves
  const file = path.join(ROOT, `.readme-render-${process.pid}.html`);
  fs.writeFileSync(file, html);
  const browser = await launchChromium(dir);
  try {
    const { page } = await offlinePage(browser);
    await page.setViewport({ width: 1400, height: 900 });
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    const box = (await page.evaluate(`(() => {
      const row = document.querySelector('table tbody tr');
      const img = document.querySelector('img[src$="verdicts.png"]');
      const r = row && row.getBoundingClientRect();
      const i = img && img.getBoundingClientRect();
      return { row: r && r.bottom, img: i && i.top, imgHeight: i && i.height, cells: row ? row.cells.length : 0 };
    })()`)) as { row: number | null; img: number | null; imgHeight: number | null; cells: number };
    assert.ok(box.row !== null && box.cells > 3, 'the answer table has rows');
    assert.ok(box.row <= 900, `the answer's first row ends at ${box.row} px (the fold is at 900)`);
    assert.ok(box.img !== null && (box.imgHeight ?? 0) > 50, 'the verdict figure is there and drawn');
    if (process.env.BEACONS_SCREENSHOTS) await page.screenshot({ path: process.env.BEACONS_SCREENSHOTS });
    assert.ok(box.img < 900, `the verdict figure starts at ${box.img} px (the fold is at 900)`);
    if (process.env.BEACONS_SCREENSHOTS) await page.screenshot({ path: process.env.BEACONS_SCREENSHOTS });
  } finally {
    await browser.close();
    fs.rmSync(file, { force: true });
  }
});

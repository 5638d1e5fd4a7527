// Every page of the committed HTML reports, drawn in headless Chromium at 1400 × 900 (a classroom projector) and
// at 1100 × 900: no figure may be clipped. A figure is clipped when a piece of it (a title, a tick label, a legend
// entry, an annotation, a subplot) lies outside its own box, where plotly's SVG cuts it off, or when its box
// overlaps the next element on the page; and no page may be wider than the window. Issue 32: fixed 480 px boxes
// lost the bottom rows of small multiples and drew the next figure over them.
// Reports: env BEACONS_REPORT_DIRS (folders, ':'-separated), else results/report and results/full/report where
// they exist. Skips without Chromium.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { chromiumPath } from '../src/viz/display';
import { launchChromium, offlinePage } from './figure-images';

const ROOT = path.join(__dirname, '..');
const DIRS = (process.env['BEACONS_REPORT_DIRS']?.split(':') ?? ['results/report', 'results/full/report'])
  .map((d) => path.resolve(ROOT, d))
  .filter((d) => fs.existsSync(path.join(d, 'index.html')));
const skip = !chromiumPath() ? 'no Chromium' : DIRS.length === 0 ? 'no report folder' : false;

interface Problem {
  figure: string;
  what: string;
}

/** Page-side check (a string: no bundler helpers in the page); resolves to Problem[]. */
const CHECK = `(() => {
  const problems = [];
  const box = (e) => e.getBoundingClientRect();
  const figures = [...document.querySelectorAll('div.figure')];
  const slack = 1.5;
  if (document.documentElement.scrollWidth > window.innerWidth + slack)
    problems.push({ figure: '-', what: 'page wider than the window: ' + document.documentElement.scrollWidth + ' px' });
  figures.forEach((div, i) => {
    const name = div.id + ' (' + ((div.querySelector('.gtitle') || {}).textContent || 'untitled').slice(0, 60) + ')';
    const b = box(div);
    const pieces = [...div.querySelectorAll('.main-svg text, .main-svg .subplot .bg, .legend .bg')]
      .filter((e) => (e.textContent || '').trim() !== '' || e.tagName !== 'text')
      .filter((e) => e.getClientRects().length > 0 && getComputedStyle(e).display !== 'none');
    for (const e of pieces) {
      const r = box(e);
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < b.left - slack || r.right > b.right + slack || r.top < b.top - slack || r.bottom > b.bottom + slack)
        problems.push({ figure: name, what: (e.tagName === 'text' ? 'text "' + e.textContent.slice(0, 40) + '"' : e.getAttribute('class')) +
          ' at ' + [r.left, r.top, r.right, r.bottom].map(Math.round) + ' outside the box ' + [b.left, b.top, b.right, b.bottom].map(Math.round) });
    }
    let next = div.nextElementSibling;
    while (next && next.tagName === 'SCRIPT') next = next.nextElementSibling;
    if (next) {
      const n = box(next);
      if (n.height > 0 && n.top < b.bottom - slack)
        problems.push({ figure: name, what: 'overlaps the next element (' + next.tagName.toLowerCase() + '.' + next.className + ')' });
    }
  });
  return problems;
})()`;

test('report pages: no figure clipped or drawn over the next, at 1400 × 900 and 1100 × 900', {
  skip,
}, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-layout-'));
  const browser = await launchChromium(dir);
  const problems: string[] = [];
  let pages = 0;
  let figures = 0;
  try {
    for (const report of DIRS) {
      for (const file of fs.readdirSync(report).filter((f) => f.endsWith('.html'))) {
        for (const width of [1400, 1100]) {
          const { page, errors } = await offlinePage(browser);
          await page.setViewport({ width, height: 900 });
          await page.goto(`file://${path.join(report, file)}`, { waitUntil: 'load' });
          const expected = (await page.evaluate(`document.querySelectorAll('div.figure').length`)) as number;
          await page.waitForFunction(
            `document.querySelectorAll('div.figure .main-svg').length >= ${expected}`,
            { timeout: 60_000 },
          );
          const found = (await page.evaluate(CHECK)) as Problem[];
          if (process.env['BEACONS_KEEP_RENDER'])
            await page.screenshot({
              path: path.join(dir, `${path.basename(report)}-${file}-${width}.png`),
              fullPage: true,
            });
          await page.close();
          assert.deepEqual(errors, [], `${file}: page errors`);
          for (const p of found)
            problems.push(`${path.relative(ROOT, report)}/${file} at ${width} px: ${p.figure}: ${p.what}`);
          pages++;
          figures += expected;
        }
      }
    }
  } finally {
    await browser.close();
    if (process.env['BEACONS_KEEP_RENDER']) console.log(`report-layout: kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(pages > 0);
  assert.deepEqual(problems, [], `clipped figures:\n${problems.join('\n')}`);
  console.log(`report-layout: ${pages} page views, ${figures} figures, none clipped`);
});

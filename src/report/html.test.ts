import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { launchChromium, offlinePage } from '../../test/figure-images';
import { chromiumPath } from '../viz/display';
import { barCI, lineCI } from '../viz/figures';
import { markdownish, PLOTLY_FILE, type ReportSection, writeHtmlReport } from './html';

const sections: ReportSection[] = [
  {
    title: 'Finding 1: accuracy against distance',
    claim: 'Accuracy is best at a *moderate* target distance.',
    number: 'middle − outer bins: **+4.0 points** [1.0, 7.0]',
    verdict: 'reproduced',
    caveat: 'Three seeds; see `results/distance-curve`.',
    text: 'How to read it:\n\n- one line per method\n- shaded: 95 % interval',
    figures: [
      lineCI(
        [
          {
            name: 'LoRA',
            x: [0.1, 0.2, 0.3],
            mean: [0.2, 0.5, 0.3],
            lo: [0.1, 0.4, 0.2],
            hi: [0.3, 0.6, 0.4],
          },
        ],
        { title: 'Synthetic curve', x: 'distance', y: 'accuracy' },
      ),
    ],
  },
  {
    title: 'Finding 2 <bars>',
    slug: 'bars',
    verdict: 'not reproduced',
    figures: [
      barCI([{ name: 'a', categories: ['x', 'y'], mean: [1, 2] }], { title: 'Bars', x: 'x', y: 'y' }),
    ],
  },
];

test('markdownish: paragraphs, lists, emphasis, code and links; HTML escaped', () => {
  assert.equal(
    markdownish('a **b** *c* `<d>` [e](https://x.org/)\n\n- f\n- g <script>'),
    '<p>a <strong>b</strong> <em>c</em> <code>&lt;d&gt;</code> <a href="https://x.org/">e</a></p>\n' +
      '<ul><li>f</li><li>g &lt;script&gt;</li></ul>',
  );
  assert.equal(markdownish('[x](javascript:alert(1))'), '<p>[x](javascript:alert(1))</p>');
});

test('writeHtmlReport: index + one page per section, plotly.js once beside them, never inlined', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-report-'));
  try {
    const r = writeHtmlReport(dir, sections, { title: 'Semantic Beacons' });
    assert.deepEqual(fs.readdirSync(dir).sort(), [
      'bars.html',
      'finding-1-accuracy-against-distance.html',
      'index.html',
      PLOTLY_FILE,
    ]);
    assert.equal(r.pages.length, 2);
    const plotlySize = fs.statSync(r.plotly).size;
    assert.ok(plotlySize > 1_000_000, 'plotly.min.js copied');
    for (const p of r.pages) {
      const html = fs.readFileSync(p, 'utf8');
      assert.ok(html.length < 50_000, `${p}: ${html.length} bytes (plotly inlined?)`);
      assert.match(html, new RegExp(`<script src="${PLOTLY_FILE.replace('.', '\\.')}"></script>`));
      assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org)/, `${p} refers to the network`);
    }
    const index = fs.readFileSync(r.index, 'utf8');
    assert.match(index, /<a href="bars.html">Finding 2 &lt;bars&gt;<\/a><\/td><td>not reproduced/);
    assert.doesNotMatch(index, /plotly/);
    assert.throws(
      () => writeHtmlReport(dir, [sections[1]!, sections[1]!]),
      /two sections have the page name 'bars.html'/,
    );
    assert.throws(() => writeHtmlReport(dir, [{ title: 'x', slug: '../x' }]), /slug '\.\.\/x'/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const exe = chromiumPath();
test('the report in headless Chromium from file://, no network: figures drawn, hover shows a label', {
  skip: !exe && 'no Chromium (/usr/bin/chromium or BEACONS_CHROMIUM)',
}, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-report-'));
  const browser = await launchChromium(dir);
  try {
    const r = writeHtmlReport(path.join(dir, 'report'), sections);
    const { page, network, errors } = await offlinePage(browser);
    let drawn = 0;
    for (const file of r.pages) {
      await page.goto(`file://${file}`, { waitUntil: 'load', timeout: 60_000 });
      await page.waitForFunction('document.querySelectorAll("div.figure .main-svg").length > 0', {
        timeout: 60_000,
      });
      const marks = (await page.evaluate(`[...document.querySelectorAll('div.figure')].map((f) =>
        [...f.querySelectorAll('.scatterlayer path.js-line, .scatterlayer path.point, .barlayer path')]
          .filter((m) => (m.getAttribute('d') || '').length > 2).length)`)) as number[];
      assert.ok(marks.length >= 1 && marks.every((m) => m > 0), `${file}: figures without marks ${marks}`);
      drawn += marks.length;
    }
    assert.equal(drawn, 2, 'two figures drawn');
    // Hover: move the mouse onto the middle point of the first page's line (a real pointer event).
    await page.goto(`file://${r.pages[0]}`, { waitUntil: 'load', timeout: 60_000 });
    await page.waitForSelector('div.figure .scatterlayer path.point', { timeout: 60_000 });
    assert.equal(await page.$('.hoverlayer .hovertext'), null, 'no hover label before hovering');
    const points = await page.$$('div.figure .scatterlayer .trace:last-child path.point');
    const box = await points[1]!.boundingBox();
    assert.ok(box, 'the middle point has a box');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector('.hoverlayer .hovertext', { timeout: 10_000 });
    const label = (await page.evaluate(
      `document.querySelector('.hoverlayer .hovertext').textContent`,
    )) as string;
    assert.match(label, /0\.5/, `hover label shows the point's value (${label})`);
    await page.screenshot({ path: path.join(dir, 'hover.png') });
    assert.deepEqual(network, [], 'no network requests');
    assert.deepEqual(errors, [], 'no page errors');
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import {
  chromiumPath,
  closeBrowser,
  exportFigure,
  figureBundle,
  fitTitle,
  type MimeBundle,
  type MimeMetadata,
  PLOTLY_MIME,
  renderSVG,
  setDisplaySink,
  showFigure,
  stableIds,
  traceSummary,
} from './display';
import { barCI, lineCI } from './figures';

const spec = lineCI(
  [{ name: 'LoRA', x: [0, 1, 2], mean: [0.2, 0.5, 0.3], lo: [0.1, 0.4, 0.2], hi: [0.3, 0.6, 0.4] }],
  { title: 'Synthetic', x: 'distance', y: 'accuracy', protocol: 'toy' },
);

after(async () => {
  setDisplaySink(null);
  await closeBrowser();
});

test('figureBundle: plotly JSON + PNG + text/plain, no figure in text/html, never plotly.js itself', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
  const b = figureBundle(spec, png);
  assert.deepEqual(Object.keys(b).sort(), [PLOTLY_MIME, 'image/png', 'text/plain'].sort());
  assert.deepEqual(b[PLOTLY_MIME], { data: spec.data, layout: spec.layout });
  assert.equal(b['image/png'], png.toString('base64'));
  assert.deepEqual(figureBundle(spec, png.toString('base64')), b);
  assert.equal(b['text/plain'], 'Figure: Synthetic (3 traces)');
  assert.doesNotMatch(JSON.stringify(b), /<script|Plotly\.newPlot/);
});

test('figureBundle without PNG: a trace table and the reason', () => {
  const b = figureBundle(spec, null, 'Chromium not found');
  assert.match(b['text/html'] as string, /static image unavailable \(Chromium not found\)/);
  assert.match(
    b['text/html'] as string,
    /<td>LoRA<\/td><td>scatter<\/td><td>3<\/td><td>0 … 2<\/td><td>0.2 … 0.5<\/td>/,
  );
  assert.match(b['text/plain'] as string, /no static image: Chromium not found/);
  assert.equal(b['image/png'], undefined);
  assert.deepEqual(traceSummary(spec)[0], ['trace', 'type', 'points', 'x range', 'y range']);
  assert.equal(traceSummary(spec).length, 2); // the two band traces are left out
});

test('showFigure with BEACONS_CHROMIUM=off emits the fallback bundle once', async () => {
  const seen: MimeBundle[] = [];
  setDisplaySink((b) => seen.push(b));
  const saved = process.env['BEACONS_CHROMIUM'];
  process.env['BEACONS_CHROMIUM'] = 'off';
  try {
    assert.equal(chromiumPath(), null);
    await showFigure(spec);
  } finally {
    if (saved === undefined) delete process.env['BEACONS_CHROMIUM'];
    else process.env['BEACONS_CHROMIUM'] = saved;
    setDisplaySink(null);
  }
  assert.equal(seen.length, 1);
  assert.match(seen[0]!['text/plain'] as string, /BEACONS_CHROMIUM=off/);
});

const exe = chromiumPath();
test('Chromium: SVG with plotly marks, SVG/PNG export written atomically', {
  skip: !exe && 'no Chromium',
}, async () => {
  const svg = await renderSVG(spec, { width: 500, height: 300 });
  assert.match(svg, /^<svg[^>]*width="500"[^>]*height="300"/);
  assert.match(svg, /class="scatterlayer/);
  assert.match(svg, /class="js-line"/);
  const bars = await renderSVG(
    barCI([{ name: 'a', categories: ['x', 'y'], mean: [1, 2] }], { title: 'b', x: 'x', y: 'y' }),
  );
  assert.match(bars, /class="point"/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-fig-'));
  try {
    const svgFile = await exportFigure(spec, path.join(dir, 'sub', 'a.svg'));
    const pngFile = await exportFigure(spec, path.join(dir, 'sub', 'a.png'), {
      width: 400,
      height: 300,
      scale: 1,
    });
    assert.match(fs.readFileSync(svgFile, 'utf8'), /^<svg/);
    const png = fs.readFileSync(pngFile);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // 'PNG'
    assert.equal(png.readUInt32BE(16), 400); // IHDR width
    assert.deepEqual(fs.readdirSync(path.join(dir, 'sub')).sort(), ['a.png', 'a.svg']); // no .tmp left
    await assert.rejects(exportFigure(spec, path.join(dir, 'a.pdf')), /must be \.svg or \.png/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('showFigure: one output with a PNG of the figure and its CSS size', {
  skip: !exe && 'no Chromium',
}, async () => {
  const seen: [MimeBundle, MimeMetadata][] = [];
  setDisplaySink((b, m) => seen.push([b, m]));
  try {
    await showFigure(spec, { width: 500, height: 300 });
  } finally {
    setDisplaySink(null);
  }
  assert.equal(seen.length, 1);
  const [bundle, metadata] = seen[0]!;
  const png = Buffer.from(bundle['image/png'] as string, 'base64');
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // 'PNG'
  assert.equal(png.readUInt32BE(16), 1000); // IHDR width: 500 CSS px at scale 2
  assert.equal(png.readUInt32BE(20), 600);
  assert.deepEqual(metadata, { 'image/png': { width: 500, height: 300 } });
  assert.ok(PLOTLY_MIME in bundle && !('text/html' in bundle));
});

test('stableIds: plotly uids become fixed, consistently within a file', () => {
  const a =
    '<defs id="defs-3f2a1b"><clipPath id="clip3f2a1bxyplot"/></defs><g clip-path="url(#clip3f2a1bxyplot)"><g class="trace scatter trace9c01d2"/></g>';
  const b = a.replace(/3f2a1b/g, 'aa00ff').replace('9c01d2', '123abc');
  assert.equal(stableIds(a), stableIds(b));
  assert.ok(!stableIds(a).includes('3f2a1b'));
  assert.ok(
    stableIds(a).includes('url(#clipf00000xyplot)') && stableIds(a).includes('id="clipf00000xyplot"'),
  );
});

test('fitTitle wraps a static title too long for the image and makes room above the plot', () => {
  const spec = {
    data: [],
    layout: {
      title: { text: `${'word '.repeat(40).trim()}<br><sup>protocol</sup>` },
      font: { size: 13 },
      margin: { t: 90 },
    },
  };
  const fitted = fitTitle(spec, 760);
  const text = (fitted.layout['title'] as { text: string }).text;
  const lines = text.split('<br>');
  assert.ok(lines.length >= 3, text);
  assert.equal(lines.at(-1), '<sup>protocol</sup>');
  for (const l of lines.slice(0, -1)) assert.ok(l.length * 0.55 * 13 * 1.4 <= 720, l);
  assert.ok((fitted.layout['margin'] as { t: number }).t > 90);
  assert.equal(fitTitle(spec, 4000), spec, 'a title that fits is left alone');
});

/**
 * `beacons report` / writeFindingsReport on the committed default run (results/): a page per finding with its
 * claim, number, verdict, caveat and every figure with its reading; the committed results/report/ is what the
 * command writes today; in headless Chromium from file:// with the network blocked every figure draws and a hover
 * label appears. Plus the figure fixes: intervals clipped to [0, 1], drift's y axis fitted with its 5 % bar, the
 * log N axis, the paper's +3–5 band.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../src/cli';
import type { FindingReport } from '../src/findings/finding';
import { EXPERIMENTS, reweightingFinding } from '../src/findings/index';
import { findingSection } from '../src/report/findings';
import { PLOTLY_FILE } from '../src/report/html';
import { writeReport } from '../src/report/write';
import { chromiumPath } from '../src/viz/display';
import type { FigureSpec } from '../src/viz/figures';
import { launchChromium, offlinePage } from './figure-images';

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(ROOT, 'results');
/** The report's pages: one per finding, and the verdict-per-model page when the committed run compares models. */
const MODELS_PAGE = 'verdict-per-finding-model.html';
const PAGES = [
  ...EXPERIMENTS.map((e) => `${e.key}.html`),
  ...(fs.existsSync(path.join(RESULTS, 'SUMMARY.md')) &&
  fs.readFileSync(path.join(RESULTS, 'SUMMARY.md'), 'utf8').includes('## Findings 3–5 per accuracy regime')
    ? ['findings-3-5-per-accuracy-regime.html']
    : []),
  ...(fs.existsSync(path.join(RESULTS, 'SUMMARY.md')) &&
  fs.readFileSync(path.join(RESULTS, 'SUMMARY.md'), 'utf8').includes('## Verdict per finding × model')
    ? [MODELS_PAGE]
    : []),
];
const hasResults = fs.existsSync(path.join(RESULTS, 'SUMMARY.md'));
const skip = hasResults ? false : 'no results/SUMMARY.md';
const reports = (): FindingReport[] =>
  EXPERIMENTS.map((f) => f.report({ scale: 'toy' }, path.relative(process.cwd(), RESULTS) || '.')).filter(
    (r): r is FindingReport => r !== undefined,
  );

test('a report section per finding: claim, number, summary, conditions, caveat, figures with their readings', {
  skip,
}, () => {
  const rs = reports();
  assert.equal(rs.length, EXPERIMENTS.length, 'every finding has a cached default run');
  for (const r of rs) {
    const s = findingSection(r);
    for (const k of ['claim', 'number', 'summary', 'caveat', 'text'] as const)
      assert.ok(s[k] && s[k]!.length > 20, `${r.key}: ${k} '${s[k]}'`);
    assert.ok(s.summary!.split(/\s+/).length <= 40, `${r.key}: index summary over 40 words`);
    assert.equal(s.conditions!.length, r.headlines.length, `${r.key}: a condition per headline`);
    assert.ok(s.figures!.length >= r.figures.length && s.figures!.length > 0, `${r.key}: figures`);
    assert.equal(s.figureNotes!.length, s.figures!.length);
    for (const [j, n] of s.figureNotes!.entries())
      assert.ok(n && /\d/.test(n), `${r.key}: figure ${j} has a reading with numbers`);
    assert.doesNotMatch(s.claim!, /^Paper:/);
  }
  // numbers in the readings come from the summary, not from a typed text
  const drift = rs.find((r) => r.key === 'drift')!;
  // biome-ignore lint/suspicious/noExplicitAny: stored JSON
  const lora = (drift.summary.summary as any).methods.find((m: any) => m.method === 'lora');
  assert.ok(findingSection(drift).number!.includes(`lora ${(100 * lora.pushedAway.rate).toFixed(1)} %`));
});

test('results/report/ is what `beacons report` writes from the committed results', { skip }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-report-'));
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    // wasm: the per-regime page reads the model's pool of known facts, seconds on wasm and minutes on the cpu backend
    await main(['report', '--scale', 'toy', '--backend', 'wasm', '--out', out]);
    const files = fs.readdirSync(out).sort();
    assert.deepEqual(files, [...PAGES, 'index.html', PLOTLY_FILE].sort());
    for (const f of files) {
      const committed = path.join(RESULTS, 'report', f);
      assert.ok(fs.existsSync(committed), `results/report/${f} is committed`);
      assert.ok(
        fs.readFileSync(committed).equals(fs.readFileSync(path.join(out, f))),
        `results/report/${f} differs from what 'npm run report' writes now (run it and commit)`,
      );
    }
    await assert.rejects(main(['report', '--results', out, '--backend', 'wasm']), /no cached run in/);
    // and it wrote nothing: an empty report never replaces one already at <out>
    assert.ok(!fs.existsSync(path.join(out, 'report')), 'no report written when nothing is cached');
  } finally {
    process.chdir(cwd);
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('reproduce writes the HTML report too (writeReport: SUMMARY.md and <results>/report/)', {
  skip,
}, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-report-'));
  try {
    fs.cpSync(path.join(RESULTS, 'reweighting'), path.join(dir, 'reweighting'), { recursive: true });
    await writeReport([reweightingFinding], { scale: 'toy' }, dir, { figures: false, scale: 'toy' });
    assert.ok(fs.existsSync(path.join(dir, 'SUMMARY.md')));
    assert.deepEqual(fs.readdirSync(path.join(dir, 'report')).sort(), [
      'index.html',
      PLOTLY_FILE,
      'reweighting.html',
    ]);
    assert.match(
      fs.readFileSync(path.join(dir, 'report', 'reweighting.html'), 'utf8'),
      /paper: \+3–5 points/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const yaxis = (f: FigureSpec) => f.layout['yaxis'] as { range?: number[]; type?: string };
const errorTops = (f: FigureSpec) =>
  f.data.flatMap((t) => {
    const e = t['error_y'] as { array: number[] } | undefined;
    const y = t['y'] as number[];
    return e ? y.map((v, i) => v + (e.array[i] ?? 0)) : [];
  });

test('figures: intervals within [0, 1], drift fitted with its 5 % bar, log N, the paper band', {
  skip,
}, () => {
  const rs = reports();
  const figs = Object.fromEntries(
    rs.flatMap((r) => findingSection(r).figures!.map((f, j) => [`${r.key}-${j}`, f])),
  );
  for (const k of ['distance-0', 'interference-0', 'filtering-0', 'drift-0'])
    for (const top of errorTops(figs[k]!)) assert.ok(top <= 1 + 1e-9, `${k}: interval top ${top} > 1`);
  const drift = figs['drift-0']!;
  const top = yaxis(drift).range![1]!;
  assert.ok(top < 0.5 && top > 0.05, `drift y axis fitted to the data (top ${top})`);
  const shapes = drift.layout['shapes'] as { y0: number }[];
  assert.ok(
    shapes.some((s) => s.y0 === 0.05),
    'the 5 % bar is drawn',
  );
  assert.equal((figs['interference-0']!.layout['xaxis'] as { type: string }).type, 'log');
  const band = (figs['reweighting-0']!.layout['shapes'] as { type: string; y0: number; y1: number }[]).find(
    (s) => s.type === 'rect',
  );
  assert.deepEqual([band?.y0, band?.y1], [3, 5]);
  assert.ok(
    rs.find((r) => r.key === 'interference') && Object.keys(figs).includes('interference-3'),
    '3c figures',
  );
});

const exe = chromiumPath();
test('the committed report in headless Chromium (file://, no network): every figure drawn, hover label', {
  skip: !hasResults ? 'no results' : !exe && 'no Chromium (/usr/bin/chromium or BEACONS_CHROMIUM)',
}, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-report-'));
  const browser = await launchChromium(dir);
  try {
    const { page, network, errors } = await offlinePage(browser);
    const index = path.join(RESULTS, 'report', 'index.html');
    await page.goto(`file://${index}`, { waitUntil: 'load' });
    const links = (await page.evaluate(
      `[...document.querySelectorAll('table.sections td a')].map((a) => a.getAttribute('href'))`,
    )) as string[];
    assert.deepEqual(links, PAGES);
    // the index at a glance: the answer table first, no cell over 60 words, no literal list dashes
    const cells = (await page.evaluate(
      `[...document.querySelectorAll('td')].map((c) => c.innerText)`,
    )) as string[];
    const long = cells.filter((c) => c.split(/\s+/).length > 60);
    assert.deepEqual(long, [], 'index cells over 60 words');
    assert.ok(!cells.some((c) => / - [a-z0-9]/.test(c) && c.includes(': **')), 'no inline markdown lists');
    const answer = (await page.evaluate(
      `document.querySelector('h2') && document.querySelector('h2').innerText`,
    )) as string;
    assert.equal(answer, 'The answer');
    for (const link of links) {
      await page.goto(`file://${path.join(RESULTS, 'report', link)}`, { waitUntil: 'load', timeout: 60_000 });
      const n = (await page.evaluate(`document.querySelectorAll('div.figure').length`)) as number;
      await page.waitForFunction(`document.querySelectorAll('div.figure .main-svg').length >= ${n}`, {
        timeout: 60_000,
      });
      const marks = (await page.evaluate(`[...document.querySelectorAll('div.figure')].map((f) =>
        [...f.querySelectorAll('.scatterlayer path.js-line, .scatterlayer path.point, .barlayer path')]
          .filter((m) => (m.getAttribute('d') || '').length > 2).length)`)) as number[];
      assert.ok(
        n > 0 && marks.length === n && marks.every((m) => m > 0),
        `${link}: figures without marks ${marks}`,
      );
      const text = (await page.evaluate('document.body.innerText')) as string;
      if (link === MODELS_PAGE) assert.ok(text.includes('beacon-large'), `${link}: the models`);
      else if (link === 'findings-3-5-per-accuracy-regime.html')
        assert.ok(text.includes('reproduces in'), `${link}: the regime table`);
      else
        for (const label of ['Claim', 'Our number', 'Verdict', 'Caveat'])
          assert.ok(text.includes(label), `${link}: ${label}`);
    }
    // hover the first point of finding 1's curve: plotly's label appears
    await page.goto(`file://${path.join(RESULTS, 'report', 'distance.html')}`, { waitUntil: 'load' });
    await page.waitForSelector('div.figure .scatterlayer path.point', { timeout: 60_000 });
    assert.equal(await page.$('.hoverlayer .hovertext'), null, 'no hover label before hovering');
    const points = await page.$$('#fig-1 .scatterlayer .trace:first-child path.point');
    await points[2]!.scrollIntoView(); // the page's text can push the figure below the fold
    const box = await points[2]!.boundingBox();
    await page.mouse.move(box!.x + box!.width / 2, box!.y + box!.height / 2);
    await page.waitForSelector('.hoverlayer .hovertext', { timeout: 10_000 });
    const label = (await page.evaluate(
      `document.querySelector('.hoverlayer .hovertext').textContent`,
    )) as string;
    assert.match(label, /0\.\d/, `hover label shows the value (${label})`);
    assert.deepEqual(network, [], 'no network requests');
    assert.deepEqual(errors, [], 'no page errors');
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The findings table against the committed default run (results/): each finding's SUMMARY section, rebuilt from a
 * stored config + summary, is the text in results/SUMMARY.md; its figures are the files in results/figures; its
 * tables have rows and captions.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { EXPERIMENTS, setRateFindings } from './index';

const RESULTS = path.resolve(__dirname, '../../results');
const stored = (name: string) => {
  const dir = path.join(RESULTS, name);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((h) => path.join(dir, h))
    .filter((d) => fs.existsSync(path.join(d, 'summary.json')) && fs.existsSync(path.join(d, 'config.json')))
    .map((d) => ({
      config: JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8')).config,
      summary: JSON.parse(fs.readFileSync(path.join(d, 'summary.json'), 'utf8')).summary,
    }));
};

const hasResults = fs.existsSync(path.join(RESULTS, 'SUMMARY.md'));

test('each finding rebuilds its SUMMARY.md section, figures and tables from a stored run', {
  skip: hasResults ? false : 'no results/SUMMARY.md',
}, () => {
  const markdown = fs.readFileSync(path.join(RESULTS, 'SUMMARY.md'), 'utf8');
  const figureNames: string[] = [];
  const firstFigure = new Map<string, string>();
  for (const f of EXPERIMENTS) {
    const runs = stored(f.experiment.name);
    assert.ok(runs.length > 0, `no stored run of ${f.experiment.name}`);
    // the default run's summaries with today's default config (the stored config.json has sorted keys, which the
    // section would print in that order)
    const cfg = f.config({ scale: 'toy' });
    // biome-ignore lint/suspicious/noExplicitAny: stored JSON, checked against the committed text below
    const toy = runs.filter((r) => r.config.scale === 'toy').map((r) => r.summary as any);
    const sections = toy.map((s) => f.section(cfg as never, s));
    assert.ok(
      sections.some((s) => markdown.includes(s)),
      `${f.key}: no stored run reproduces its section of results/SUMMARY.md`,
    );
    // biome-ignore lint/suspicious/noExplicitAny: as above
    const s = runs[0].summary as any;
    firstFigure.set(f.key, f.figures(s)[0]?.name);
    for (const fig of f.figures(s)) {
      figureNames.push(fig.name);
      assert.ok(fig.spec.data.length > 0, `${fig.name}: no traces`);
    }
    for (const t of f.tables(s))
      assert.ok(t.caption.length > 0 && Array.isArray(t.rows), `${f.key}: a table`);
  }
  assert.equal(new Set(figureNames).size, figureNames.length, 'figure names are unique');
  // beside the findings' figures: the models figure, when the summary compares models (reproduce --models)
  if (markdown.includes('## Verdict per finding × model')) figureNames.push('models');
  // and findings 3–5 per accuracy regime, when the runs record each epoch (findings/across/set-accuracy-regimes.ts): the
  // headline bars, and each set finding's first figure per regime (a selector and small multiples)
  if (markdown.includes('## Findings 3–5 per accuracy regime')) {
    figureNames.push('set-accuracy-regimes');
    for (const { key } of setRateFindings())
      figureNames.push(`set-regimes-${firstFigure.get(key)}`, `set-regimes-${firstFigure.get(key)}-panels`);
  }
  // and the answer figure of the front door (beacons claims, src/report/front.ts), in the default results only
  if (fs.existsSync(path.join(RESULTS, 'figures', 'verdicts.svg'))) figureNames.push('verdicts');
  const files = fs.readdirSync(path.join(RESULTS, 'figures')).filter((x) => x.endsWith('.svg'));
  assert.deepEqual([...figureNames].sort(), files.map((x) => x.replace(/\.svg$/, '')).sort());
});

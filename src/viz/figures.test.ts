import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  axisLabel,
  barCI,
  colour,
  type FigureSpec,
  histogram,
  linearFit,
  lineCI,
  PALETTE,
  pcaScatter,
  scatter,
} from './figures';

const labels = {
  title: 'Accuracy vs distance',
  x: axisLabel('distance', '1 − cos'),
  y: 'accuracy',
  protocol: 'EM',
};

/** A spec must survive JSON (it is sent as a mime bundle): no NaN, no functions. */
function roundTrips(spec: FigureSpec): void {
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
}

test('lineCI: band = lo trace, hi trace filled to it, then the mean line; colours from the palette', () => {
  const spec = lineCI(
    [
      { name: 'LoRA', x: [0, 1, 2], mean: [0.2, 0.5, Number.NaN], lo: [0.1, 0.4, 0.3], hi: [0.3, 0.6, 0.5] },
      { name: 'full', x: [0, 1, 2], mean: [0.3, 0.4, 0.5] },
    ],
    labels,
  );
  assert.equal(spec.data.length, 4); // LoRA: lo, hi, mean; full: mean only (no CI given)
  const [lo, hi, mean, full] = spec.data;
  assert.deepEqual(lo!['y'], [0.1, 0.4, 0.3]);
  assert.equal(hi!['fill'], 'tonexty');
  assert.equal(hi!['fillcolor'], 'rgba(0, 114, 178, 0.2)');
  assert.deepEqual(mean!['y'], [0.2, 0.5, null]); // NaN → gap
  assert.equal((full!['line'] as { color: string }).color, PALETTE[1]);
  assert.equal(lo!['showlegend'], false);
  const layout = spec.layout as { title: { text: string }; xaxis: { title: { text: string } } };
  assert.match(layout.title.text, /Accuracy vs distance<br><sup>EM<\/sup>/);
  assert.equal(layout.xaxis.title.text, 'distance (1 − cos)');
  roundTrips(spec);
});

test('lineCI: error bars are asymmetric offsets from the mean', () => {
  const spec = lineCI([{ name: 'a', x: [1, 2], mean: [0.5, 0.6], lo: [0.4, 0.3], hi: [0.7, 0.65] }], labels, {
    ci: 'bars',
  });
  assert.equal(spec.data.length, 1);
  const e = spec.data[0]!['error_y'] as { array: number[]; arrayminus: number[] };
  assert.deepEqual(
    e.array.map((v) => +v.toFixed(6)),
    [0.2, 0.05],
  );
  assert.deepEqual(
    e.arrayminus.map((v) => +v.toFixed(6)),
    [0.1, 0.3],
  );
});

test('lineCI: a length mismatch names the series and the field', () => {
  assert.throws(
    () => lineCI([{ name: 'LoRA', x: [0, 1], mean: [1] }], labels),
    /series 'LoRA'.*'mean'.*1 values/,
  );
});

test('barCI: one bar trace per group, grouped, with error bars', () => {
  const spec = barCI(
    [
      {
        name: 'LoRA',
        categories: ['near', 'mid', 'far'],
        mean: [0.3, 0.6, 0.2],
        lo: [0.2, 0.5, 0.1],
        hi: [0.4, 0.7, 0.3],
      },
      { name: 'Adapter', categories: ['near', 'mid', 'far'], mean: [0.2, 0.5, 0.1] },
    ],
    labels,
    { yRange: [0, 1] },
  );
  assert.equal(spec.data.length, 2);
  assert.equal(spec.data[0]!['type'], 'bar');
  assert.ok(spec.data[0]!['error_y']);
  assert.equal(spec.data[1]!['error_y'], undefined);
  assert.equal(spec.layout['barmode'], 'group');
  assert.deepEqual((spec.layout['yaxis'] as { range: number[] }).range, [0, 1]);
  roundTrips(spec);
});

test('barCI horizontal: bars along x, categories down the y axis (first on top), height grows with them', () => {
  const groups = (n: number) =>
    ['LoRA', 'Adapter'].map((name) => ({
      name,
      categories: Array.from({ length: n }, (_, i) => `finding ${i} · a long name`),
      mean: Array.from({ length: n }, (_, i) => i),
      lo: Array.from({ length: n }, (_, i) => i - 1),
      hi: Array.from({ length: n }, (_, i) => i + 1),
    }));
  const spec = barCI(groups(3), labels, { horizontal: true, yRange: [-5, 5] });
  const t = spec.data[0]!;
  assert.equal(t['orientation'], 'h');
  assert.deepEqual(t['y'], groups(3)[0]!.categories);
  assert.deepEqual(t['x'], [0, 1, 2]);
  assert.ok(t['error_x']);
  assert.equal(t['error_y'], undefined);
  const axis = (k: string) => spec.layout[k] as { title: { text: string }; [k: string]: unknown };
  // labels.x names the categories, labels.y the values: each on the axis that shows them
  assert.equal(axis('yaxis').title.text, labels.x);
  assert.equal(axis('xaxis').title.text, labels.y);
  assert.equal(axis('yaxis')['autorange'], 'reversed');
  assert.deepEqual(axis('xaxis')['range'], [-5, 5]);
  const tall = barCI(groups(30), labels, { horizontal: true });
  assert.ok((tall.layout['height'] as number) > 3 * (spec.layout['height'] as number));
  assert.ok((tall.layout['height'] as number) >= 30 * 20, 'at least 20 px per category');
  roundTrips(spec);
  // the default stays vertical, with no fixed size
  const vertical = barCI(groups(3), labels);
  assert.equal(vertical.data[0]!['orientation'], undefined);
  assert.equal(vertical.layout['height'], undefined);
});

test('linearFit: exact line, and r', () => {
  const f = linearFit([0, 1, 2, 3], [1, 3, 5, 7]);
  assert.equal(f.slope, 2);
  assert.equal(f.intercept, 1);
  assert.ok(Math.abs(f.r - 1) < 1e-12);
  const g = linearFit([1, 2, 3, Number.NaN], [2, 1, 3, 5]);
  assert.equal(g.n, 3);
  assert.ok(Math.abs(g.r - 0.5) < 1e-12);
});

test('scatter: groups in order of appearance, per-group trends, symbol legend', () => {
  const x = [0, 1, 2, 3, 4, 5];
  const y = [0, 1, 2, 3, 4, 6];
  const spec = scatter(x, y, labels, {
    groups: ['b', 'a', 'b', 'a', 'b', 'a'],
    symbols: ['before', 'after', 'before', 'after', 'before', 'after'],
    trend: 'group',
    text: x.map((i) => `id${i}`),
  });
  const names = spec.data.map((t) => t['name'] as string);
  assert.equal(names[0], 'b');
  assert.match(names[1]!, /^b fit: y = 1\.00x \+ 0\.00 \(r = 1\.00, n = 3\)/);
  assert.equal(names[2], 'a');
  assert.deepEqual(names.slice(4), ['before', 'after']);
  assert.deepEqual(spec.data[0]!['x'], [0, 2, 4]);
  assert.deepEqual((spec.data[0]!['marker'] as { symbol: string[] }).symbol, ['circle', 'circle', 'circle']);
  assert.deepEqual(spec.data[2]!['text'], ['id1', 'id3', 'id5']);
  roundTrips(spec);
});

test('scatter: overall trend and no legend without groups', () => {
  const spec = scatter([1, 2, 3], [3, 2, 1], labels, { trend: 'all' });
  assert.equal(spec.data.length, 2);
  assert.equal(spec.data[0]!['showlegend'], false);
  assert.deepEqual(spec.data[1]!['y'], [3, 1]);
  assert.match(spec.data[1]!['name'] as string, /y = -1\.00x \+ 4\.00 \(r = -1\.00/);
});

test('histogram: shared bins across series', () => {
  const spec = histogram(
    [
      { name: 'near', values: [0, 0.1, 0.2] },
      { name: 'far', values: [0.5, 1, Number.NaN] },
    ],
    labels,
    { bins: 10, normalise: true },
  );
  const bins = spec.data.map((t) => t['xbins'] as { start: number; size: number });
  assert.deepEqual(bins[0], bins[1]);
  assert.equal(bins[0]!.start, 0);
  assert.ok(Math.abs(bins[0]!.size - 0.1) < 1e-12);
  assert.equal(spec.data[0]!['histnorm'], 'probability');
  assert.deepEqual(spec.data[1]!['x'], [0.5, 1, null]);
  assert.equal(spec.layout['barmode'], 'overlay');
});

test('pcaScatter: explained variance in the axis titles, equal scale', () => {
  const spec = pcaScatter(
    [
      [1, 2],
      [3, 4],
    ],
    { title: 'knowledge features', protocol: 'layer 0, mean pooling' },
    { explained: [0.5123, 0.2], groups: ['f1', 'f2'] },
  );
  const layout = spec.layout as { xaxis: { title: { text: string } }; yaxis: { scaleanchor: string } };
  assert.equal(layout.xaxis.title.text, 'PC1 (51.2 % of variance)');
  assert.equal(layout.yaxis.scaleanchor, 'x');
  assert.throws(() => pcaScatter([[1]], { title: 't' }), /point 0 has 1 coordinates/);
});

test('colour: wraps the palette; rgba for alpha < 1', () => {
  assert.equal(colour(PALETTE.length), PALETTE[0]);
  assert.equal(colour(1, 0.5), 'rgba(230, 159, 0, 0.5)');
});

test('titles are escaped for plotly (a literal "<" is not a tag)', () => {
  const spec = lineCI([], { title: 'n < 5 & more', x: 'x', y: 'y' });
  assert.equal((spec.layout['title'] as { text: string }).text, 'n &lt; 5 &amp; more');
});

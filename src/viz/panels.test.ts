import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineCI, withBand, withLine } from './figures';
import { selector, smallMultiples, staticPanels } from './panels';

const panel = (label: string, k: number) => ({
  label,
  spec: lineCI(
    [
      { name: 'a', x: [1, 2], mean: [k, k + 0.1], lo: [k - 0.1, k], hi: [k + 0.1, k + 0.2] },
      { name: 'b', x: [1, 2], mean: [0.5, 0.5] },
    ],
    { title: label, x: 'distance', y: 'accuracy' },
  ),
});

test('selector shows the first panel and each menu entry shows exactly its own traces', () => {
  const panels = [panel('30 %', 0.2), panel('converged', 0.9)];
  const f = selector(panels, 'Accuracy');
  const per = panels[0].spec.data.length;
  assert.equal(f.data.length, 2 * per);
  assert.deepEqual(
    f.data.map((t) => t['visible']),
    [...Array(per).fill(true), ...Array(per).fill(false)],
  );
  const buttons = (
    f.layout['updatemenus'] as { buttons: { label: string; args: [{ visible: boolean[] }] }[] }[]
  )[0].buttons;
  assert.deepEqual(
    buttons.map((b) => b.label),
    ['30 %', 'converged'],
  );
  assert.deepEqual(buttons[1].args[0].visible, [...Array(per).fill(false), ...Array(per).fill(true)]);
  assert.throws(() => selector([], 'x'), /no panels/);
});

test('smallMultiples puts each panel on its own axes and lists each series once in the legend', () => {
  const f = smallMultiples([panel('p1', 0.2), panel('p2', 0.5), panel('p3', 0.7)], 'All', 2);
  assert.deepEqual(f.layout['grid'], { rows: 2, columns: 2, pattern: 'independent', ygap: 0.35, xgap: 0.12 });
  assert.match(JSON.stringify(f.layout['title']), /x: distance/);
  const axes = new Set(f.data.map((t) => `${t['xaxis']}/${t['yaxis']}`));
  assert.deepEqual([...axes], ['x/y', 'x2/y2', 'x3/y3']);
  for (const k of ['xaxis', 'xaxis2', 'xaxis3', 'yaxis', 'yaxis2', 'yaxis3']) assert.ok(f.layout[k], k);
  assert.match(JSON.stringify(f.layout['xaxis2']), /p2/);
  const legend = f.data.filter((t) => t['showlegend'] !== false).map((t) => t['name']);
  assert.deepEqual(legend, ['a', 'b']);
  assert.equal(f.layout['updatemenus'], undefined);
});

test("reference bands and lines are drawn per panel, in that panel's axes (selector and small multiples)", () => {
  const banded = (label: string, k: number) => {
    const p = panel(label, k);
    return { label, spec: withLine(withBand(p.spec, 0.3, 0.5, 'paper'), 0, 'none') };
  };
  const panels = [banded('p1', 0.2), banded('p2', 0.5), banded('p3', 0.7)];
  const f = smallMultiples(panels, 'All', 2);
  const shapes = f.layout['shapes'] as { xref: string; yref: string; y0: number }[];
  assert.equal(shapes.length, 6, 'a band and a line in each of the three panels');
  assert.deepEqual(
    shapes.map((s) => `${s.xref}/${s.yref}`),
    ['x domain/y', 'x domain/y', 'x2 domain/y2', 'x2 domain/y2', 'x3 domain/y3', 'x3 domain/y3'],
  );
  const notes = f.layout['annotations'] as { yref: string }[];
  assert.deepEqual(
    notes.map((a) => a.yref),
    ['y', 'y', 'y2', 'y2', 'y3', 'y3'],
  );
  // the selector switches the shapes with the panel; its static version is the small multiples
  const sel = selector(panels, 'All');
  const buttons = (
    sel.layout['updatemenus'] as { buttons: { args: [unknown, { shapes: unknown[] }] }[] }[]
  )[0].buttons;
  assert.equal(buttons[2].args[1].shapes.length, 2);
  const still = staticPanels(sel, 2);
  assert.equal(still.layout['updatemenus'], undefined);
  assert.deepEqual(still.layout['grid'], f.layout['grid']);
  assert.equal(still.data.length, f.data.length);
  assert.deepEqual(
    (still.layout['shapes'] as { yref: string }[]).map((s) => s.yref),
    shapes.map((s) => s.yref),
  );
  const plain = panel('x', 1).spec;
  assert.equal(staticPanels(plain), plain, 'a figure without a selector is its own static version');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineCI } from './figures';
import { selector, smallMultiples } from './panels';

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

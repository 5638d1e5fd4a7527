/**
 * One figure per condition (a learning regime, a rate), shown two ways:
 * - `selector(panels)`: interactive, one panel at a time, a dropdown picks which (plotly `updatemenus`; the
 *   notebooks and the HTML report);
 * - `smallMultiples(panels)`: every panel side by side in a grid with shared legend (the static SVG/PNG).
 * Each panel is an ordinary FigureSpec (lineCI, barCI…); its title becomes the panel's label.
 */
import type { FigureSpec, Trace } from './figures';

export interface Panel {
  label: string;
  spec: FigureSpec;
}

type Obj = { [key: string]: unknown };

function check(panels: readonly Panel[], what: string): void {
  if (panels.length === 0) throw new Error(`figures: ${what}: no panels`);
}

/** The panels as one interactive figure: the first is shown, a dropdown above the plot switches between them. */
export function selector(panels: readonly Panel[], title: string): FigureSpec {
  check(panels, 'selector');
  const owner: number[] = [];
  const data: Trace[] = panels.flatMap((p, i) =>
    p.spec.data.map((t) => {
      owner.push(i);
      return { ...t, visible: i === 0 };
    }),
  );
  // each panel's axes and its own reference lines and bands (shapes, annotations) go with it
  const axes = (i: number) => ({
    xaxis: panels[i].spec.layout['xaxis'],
    yaxis: panels[i].spec.layout['yaxis'],
    shapes: panels[i].spec.layout['shapes'] ?? [],
    annotations: panels[i].spec.layout['annotations'] ?? [],
  });
  const top = (panels[0].spec.layout['margin'] as Obj | undefined)?.['t'];
  const layout: Obj = {
    ...panels[0].spec.layout,
    title: { text: `${title}: ${panels[0].label}`, x: 0.02, xanchor: 'left' },
    // room above the plot for the title and, under it, the menu (left, clear of plotly's modebar on the right)
    margin: {
      ...((panels[0].spec.layout['margin'] as Obj | undefined) ?? {}),
      t: Math.max(Number(top ?? 0), 110),
    },
    // staticPanels rebuilds the side-by-side version from this for static images
    meta: { selectorTitle: title },
    updatemenus: [
      {
        type: 'dropdown',
        x: 0,
        xanchor: 'left',
        y: 1.02,
        yanchor: 'bottom',
        pad: { t: 0, b: 4 },
        showactive: true,
        buttons: panels.map((p, i) => ({
          label: p.label,
          method: 'update',
          args: [
            { visible: owner.map((o) => o === i) },
            { title: { text: `${title}: ${p.label}`, x: 0.02, xanchor: 'left' }, ...axes(i) },
          ],
        })),
      },
    ],
  };
  return { data, layout };
}

/**
 * The panels in a grid (`columns` wide), each with its own axes titled by its label; a series keeps its legend
 * entry once (legend groups toggle it in every panel).
 */
export function smallMultiples(panels: readonly Panel[], title: string, columns = 3): FigureSpec {
  check(panels, 'smallMultiples');
  const cols = Math.min(columns, panels.length);
  const rows = Math.ceil(panels.length / cols);
  const seen = new Set<string>();
  const xQuantity = ((panels[0].spec.layout['xaxis'] as Obj | undefined)?.['title'] as Obj | undefined)?.[
    'text'
  ];
  const layout: Obj = {
    ...panels[0].spec.layout,
    title: {
      text: `${title}${typeof xQuantity === 'string' && xQuantity ? `<br><sup>x: ${xQuantity}</sup>` : ''}`,
      x: 0.02,
      xanchor: 'left',
    },
    grid: { rows, columns: cols, pattern: 'independent', ygap: 0.35, xgap: 0.12 },
    height: 300 * rows + 100,
    width: 380 * cols + 220,
    updatemenus: undefined,
  };
  const data: Trace[] = [];
  const shapes: Obj[] = [];
  const annotations: Obj[] = [];
  panels.forEach((p, i) => {
    const n = i === 0 ? '' : String(i + 1);
    for (const t of p.spec.data) {
      const key = String(t['legendgroup'] ?? t['name'] ?? '');
      const first = t['showlegend'] !== false && !seen.has(key);
      if (first) seen.add(key);
      data.push({ ...t, xaxis: `x${n}`, yaxis: `y${n}`, showlegend: first ? t['showlegend'] : false });
    }
    const x = (p.spec.layout['xaxis'] ?? {}) as Obj;
    const y = (p.spec.layout['yaxis'] ?? {}) as Obj;
    // the panel's label under its axis; the shared x quantity goes once into the figure's title
    layout[`xaxis${n}`] = { ...x, title: { text: `<b>${p.label}</b>` } };
    layout[`yaxis${n}`] = { ...y, ...(i % cols === 0 ? {} : { title: { text: '' } }) };
    // the panel's reference lines and bands, in its own axes (not the first panel's)
    shapes.push(...inPanel(p.spec.layout['shapes'], n));
    annotations.push(...inPanel(p.spec.layout['annotations'], n));
  });
  layout['shapes'] = shapes;
  layout['annotations'] = annotations;
  delete layout['updatemenus'];
  delete layout['meta'];
  return { data, layout };
}

/**
 * Shapes or annotations of one panel moved into panel `n`'s axes ('' for the first): a y value to `y<n>`, a
 * position along the whole plot ('paper') to that panel's domain.
 */
function inPanel(items: unknown, n: string): Obj[] {
  if (!Array.isArray(items)) return [];
  const ref = (r: unknown, axis: 'x' | 'y') =>
    r === 'paper' ? `${axis}${n} domain` : r === axis || r === undefined ? `${axis}${n}` : r;
  return (items as Obj[]).map((it) => ({ ...it, xref: ref(it['xref'], 'x'), yref: ref(it['yref'], 'y') }));
}

/**
 * The static version of a figure: a selector's panels side by side (a dropdown means nothing in a PNG and shows one
 * panel only); any other figure as it is.
 */
export function staticPanels(spec: FigureSpec, columns = 3): FigureSpec {
  const menus = spec.layout['updatemenus'] as Obj[] | undefined;
  const buttons = (menus?.[0]?.['buttons'] as Obj[] | undefined) ?? [];
  const title = (spec.layout['meta'] as Obj | undefined)?.['selectorTitle'];
  if (buttons.length === 0 || typeof title !== 'string') return spec;
  const panels: Panel[] = buttons.map((b) => {
    const [show, relayout] = b['args'] as [{ visible: boolean[] }, Obj];
    const { title: _t, updatemenus: _u, meta: _m, ...rest } = spec.layout;
    return {
      label: String(b['label']),
      spec: {
        data: spec.data.filter((_, j) => show.visible[j]).map((t) => ({ ...t, visible: true })),
        layout: {
          ...rest,
          xaxis: relayout['xaxis'],
          yaxis: relayout['yaxis'],
          shapes: relayout['shapes'],
          annotations: relayout['annotations'],
        },
      },
    };
  });
  return smallMultiples(panels, title, columns);
}

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
  const axes = (i: number) => ({
    xaxis: panels[i].spec.layout['xaxis'],
    yaxis: panels[i].spec.layout['yaxis'],
  });
  const layout: Obj = {
    ...panels[0].spec.layout,
    title: { text: `${title}: ${panels[0].label}`, x: 0.02, xanchor: 'left' },
    updatemenus: [
      {
        type: 'dropdown',
        x: 1,
        xanchor: 'right',
        y: 1.18,
        yanchor: 'top',
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
  });
  delete layout['updatemenus'];
  return { data, layout };
}

// `npm run build`: puts plotly.js beside the notebooks (notebooks/lib/plotly.min.js, not committed), where the
// notebooks' figures load it in classic Notebook once the notebook is trusted (src/viz/display.ts,
// classicPlotlyLoader). Copies only when the file differs.
const fs = require('node:fs');
const path = require('node:path');

const from = require.resolve('plotly.js-dist-min/plotly.min.js');
const dir = path.join(__dirname, '..', 'notebooks', 'lib');
const to = path.join(dir, 'plotly.min.js');
const same = fs.existsSync(to) && fs.readFileSync(to).equals(fs.readFileSync(from));
if (!same) {
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(from, `${to}.tmp`);
  fs.renameSync(`${to}.tmp`, to);
}

/** Number formatting shared by the findings' SUMMARY sections and figure labels. */

// summaries come back from JSON, where NaN is null
export const ok = (x: number | null): x is number => typeof x === 'number' && Number.isFinite(x);
export const pct = (x: number | null) => (ok(x) ? `${(100 * x).toFixed(1)} %` : 'n/a');
export const pts = (x: number | null) => (ok(x) ? `${(100 * x).toFixed(1)}` : 'n/a');
export const fix = (x: number | null, d = 3) => (ok(x) ? x.toFixed(d) : 'n/a');
export const pval = (p: number | null) => (ok(p) ? (p < 1e-4 ? '< 1e-4' : p.toPrecision(2)) : 'n/a');
export const ci = (lo: number | null, hi: number | null, f = pct) => `[${f(lo)}, ${f(hi)}]`;
/** interval of a proportion or accuracy: t intervals over few seeds can leave [0, 1]; shown clipped */
const clip = (x: number | null) => (ok(x) ? Math.min(1, Math.max(0, x)) : x);
export const pci = (lo: number | null, hi: number | null) => ci(clip(lo), clip(hi));
export const verdict = (yes: boolean) => (yes ? '**reproduces**' : '**does not reproduce**');

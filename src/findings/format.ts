/**
 * Number formatting shared by the findings' SUMMARY sections, tables, figure labels and readings. One unit for
 * accuracies and shares: percent (`pct`, "45.1 %"), and percentage points for their differences (`pts`, `gain`).
 */

// summaries come back from JSON, where NaN is null
export const ok = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);
export const pct = (x: number | null) => (ok(x) ? `${(100 * x).toFixed(1)} %` : 'n/a');
/** x.toFixed(d) without the sign of a value that rounds to zero ('0.0', not '-0.0') */
const fixed = (x: number, d: number) => {
  const s = x.toFixed(d);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
};
export const pts = (x: number | null) => (ok(x) ? fixed(100 * x, 1) : 'n/a');
export const fix = (x: number | null, d = 3) => (ok(x) ? fixed(x, d) : 'n/a');
export const pval = (p: number | null) => (ok(p) ? (p < 1e-4 ? '< 1e-4' : p.toPrecision(2)) : 'n/a');
export const ci = (lo: number | null, hi: number | null, f = pct) => `[${f(lo)}, ${f(hi)}]`;
/** a proportion or accuracy clipped to [0, 1]: t intervals over few seeds can leave it */
export const clip01 = (x: number | null) => (ok(x) ? Math.min(1, Math.max(0, x)) : x);
/** interval of a proportion or accuracy, clipped to [0, 1] */
export const pci = (lo: number | null, hi: number | null) => ci(clip01(lo), clip01(hi));
export const verdict = (yes: boolean) => (yes ? '**reproduces**' : '**does not reproduce**');

/** A fraction as a number of percent (or percentage points), one decimal, for tables: 0.4512 → 45.1; null stays. */
export const asPct = (x: number | null | undefined): number | null =>
  ok(x) ? Math.round(1000 * x) / 10 : null;
/** An accuracy's interval bound in percent, clipped to [0, 100]. */
export const asPctClipped = (x: number | null | undefined): number | null => asPct(clip01(x ?? null));
/** A difference of fractions in signed percentage points: 0.042 → '+4.2 points'. */
export const gain = (x: number | null) =>
  ok(x) ? `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(100 * x).toFixed(1)} points` : 'n/a';
/** A learning rate: 0.00067 → '6.7e-4'. */
export const lr = (x: number | null) => (ok(x) ? x.toExponential(1).replace('.0e', 'e') : 'n/a');
/** Learning rates per method: { lora: 0.00067, full: 3.7e-5 } → 'lora 6.7e-4, full 3.7e-5'. */
export const lrs = (m: Readonly<Record<string, number>>) =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${lr(v)}`)
    .join(', ');

/**
 * Why a curve could not be fitted, in plain words for a reader (not the fitting routine's internal message): a
 * singular information matrix means the outcome never varies on one side of the data, or too few facts.
 */
export function fitFailure(error: string | undefined): string {
  if (error === undefined) return 'no runs';
  if (/singular|separat/i.test(error))
    return 'the data cannot fit a curve: every fact on one side is learned, or none is, or there are too few facts';
  return error.replace(/^\w+: /, '').split(' (')[0]!;
}

/**
 * A finding's headline: one number per claim (per method where the claim is per method), its 95 % interval and a
 * three-way verdict decided by code (metrics/verdict.ts): *reproduces*, *does not reproduce* (the opposite
 * direction with an interval that excludes zero, or an equivalence test at the stated margin), or *inconclusive*
 * (neither; the minimum detectable effect at 80 % power says what the design could have seen). Where a headline
 * picks the best of several conditions (shares, variants), the p-values are Holm-adjusted over the family.
 *
 * Headlines are what the cross-model table compares (findings/across/models.ts): the same rule on every model, so a verdict
 * that moves between models moved with the model, not with the rule.
 */
import { normalQuantile, studentTQuantile, studentTTwoSidedP } from '../metrics/distributions';
import type { Interval } from '../metrics/stats';
import { holm, minimumDetectableEffect, type Verdict, verdict } from '../metrics/verdict';
import { pts } from './format';

export interface Headline {
  /** the finding (and method where the claim is per method): the same label on every model, e.g. '1 distance curve · lora' */
  finding: string;
  /** what the number is, e.g. 'middle − outer distance bins' */
  measure: string;
  /** effect as a fraction (0.042 = 4.2 points), signed so that positive is the paper's direction */
  estimate: number;
  lo: number;
  hi: number;
  verdict: Verdict;
  /** the rule and the numbers that decided it */
  reason: string;
  /** minimum detectable effect at 80 % power (fraction), where the design defines one */
  mde: number | null;
}

/**
 * A mean difference with its t interval (`meanCI`) → a three-way verdict at `margin` (fraction); the equivalence
 * test uses the 90 % t interval (TOST at α 0.05).
 */
export function meanVerdict(
  ci: Interval & { se: number },
  margin: number,
  room?: number,
): ReturnType<typeof verdict> {
  const se = Number.isFinite(ci.se) ? ci.se : 0;
  const half90 = studentTQuantile(0.95, Math.max(1, ci.n - 1)) * se;
  return verdict(
    {
      estimate: ci.estimate,
      lo: ci.lo,
      hi: ci.hi,
      se,
      lo90: ci.estimate - half90,
      hi90: ci.estimate + half90,
    },
    { margin, room },
  );
}

/**
 * The best of a family of mean differences (shares, variants), each a t interval over independent units: the
 * verdict is *reproduces* when the best one's Holm-adjusted p < 0.05 in the paper's direction; *does not reproduce*
 * when every member is ruled out — credibly in the opposite direction (Holm) or equivalent to zero within ±margin
 * (TOST) with room for an effect of the margin's size (`room`: 1 − the control's accuracy for a gain over it; a
 * member at the ceiling is not ruled out); otherwise *inconclusive*, with the best member's MDE.
 */
/**
 * What bestOfFamily applies to a family of n conditions, in words: the one source for every text that says which
 * multiple-comparison correction a best-of verdict carries (verdict reasons, figure readings).
 */
export function familyCorrection(n: number): string {
  return `${n} conditions, Holm-adjusted`;
}

export function bestOfFamily(
  finding: string,
  members: { name: string; ci: Interval & { se: number }; room?: number }[],
  margin: number,
): Headline {
  // a t interval needs at least three units to say anything (two give df 1 and a zero SD by chance)
  const usable = members.filter((m) => Number.isFinite(m.ci.estimate) && m.ci.n > 2);
  if (usable.length === 0)
    return {
      finding,
      measure: 'no condition with three or more units',
      estimate: Number.NaN,
      lo: Number.NaN,
      hi: Number.NaN,
      verdict: 'inconclusive',
      reason: 'not enough data',
      mde: null,
    };
  // with no spread at all there is no t statistic: count it as no evidence (p = 1)
  const ps = usable.map((m) => (m.ci.se > 0 ? studentTTwoSidedP(m.ci.estimate / m.ci.se, m.ci.n - 1) : 1));
  const adj = holm(ps);
  const best = usable.reduce((b, m, i) => (m.ci.estimate > usable[b].ci.estimate ? i : b), 0);
  const m = usable[best];
  const head = { finding, measure: m.name, estimate: m.ci.estimate, lo: m.ci.lo, hi: m.ci.hi };
  const mde = Number.isFinite(m.ci.se) ? minimumDetectableEffect(m.ci.se) : null;
  const family = familyCorrection(usable.length);
  if (m.ci.estimate > 0 && adj[best] < 0.05)
    return {
      ...head,
      verdict: 'reproduces',
      reason: `best ${m.name}: +${pts(m.ci.estimate)} points, p ${adj[best].toPrecision(2)} (${family})`,
      mde,
    };
  // "does not reproduce" needs every condition ruled out: credibly the other way (Holm) or equivalent to zero
  // within ±margin (TOST; all must pass, an intersection-union test needs no correction)
  const against = usable.filter((x, i) => x.ci.estimate < 0 && adj[i] < 0.05).map((x) => x.name);
  // each member's own verdict: its equivalence test and whether it has room for the margin (the ceiling rule)
  const own = new Map(usable.map((x) => [x.name, meanVerdict(x.ci, margin, x.room)]));
  const atCeiling = (x: (typeof usable)[number]) => own.get(x.name)!.ceiling;
  const equivalent = usable.filter((x) => own.get(x.name)!.equivalent && !atCeiling(x)).map((x) => x.name);
  if (usable.every((x) => against.includes(x.name) || equivalent.includes(x.name))) {
    const parts = [
      against.length > 0 ? `${against.join(', ')} credibly in the opposite direction (${family})` : '',
      equivalent.length > 0
        ? `${equivalent.filter((n) => !against.includes(n)).join(', ') || 'all'}: 90 % interval inside ±${pts(margin)} points (equivalence test)`
        : '',
    ].filter(Boolean);
    return {
      ...head,
      verdict: 'does not reproduce',
      reason: `every condition ruled out: ${parts.join('; ')}`,
      mde,
    };
  }
  // the conditions that keep the family from "does not reproduce"; the design's power is theirs (the largest MDE)
  const open = usable.filter((x) => !against.includes(x.name) && !equivalent.includes(x.name));
  // a member at the ceiling cannot show an effect of the margin's size, however small its standard error
  const openMdes = open.map((x) =>
    Number.isFinite(x.ci.se) && !atCeiling(x) ? minimumDetectableEffect(x.ci.se) : Number.NaN,
  );
  const capped = open.filter(atCeiling);
  const ceilingText = capped.length
    ? `; at the ceiling (room for a gain of less than ${pts(margin)} points over the control): ${capped.map((x) => `${x.name} (${pts(x.room!)})`).join(', ')}`
    : '';
  const familyMde = openMdes.some((x) => !Number.isFinite(x)) ? null : Math.max(...openMdes);
  const openText =
    open.length === usable.length ? '' : ` (not ruled out: ${open.map((x) => x.name).join(', ')})`;
  return {
    ...head,
    verdict: 'inconclusive',
    reason: `best ${m.name}: ${pts(m.ci.estimate)} points, Holm-adjusted p ${adj[best].toPrecision(2)}; neither a credible gain nor ruled out ±${pts(margin)}${openText}${ceilingText}; the design detects ${familyMde === null ? 'n/a' : pts(familyMde)} points at 80 % power`,
    mde: familyMde,
  };
}

/**
 * A rate against a bar (e.g. "pushed away in at least 5 % of runs"), with its Wilson interval over independent
 * units: *reproduces* when the lower bound is at or above the bar, *does not reproduce* when the upper bound is
 * below it, *inconclusive* otherwise; the MDE is how far above the bar the true rate must be for the lower bound to
 * clear it with 80 % power (normal approximation, n units).
 */
export function rateAgainstBar(
  finding: string,
  measure: string,
  r: { rate: number; lo: number; hi: number; n: number },
  bar: number,
): Headline {
  const head = { finding, measure, estimate: r.rate, lo: r.lo, hi: r.hi };
  const z = normalQuantile(0.975) + normalQuantile(0.8); // two-sided 95 %, 80 % power (≈ 2.80)
  let lo = bar;
  let hi = 1;
  for (let i = 0; i < 60 && r.n > 0; i++) {
    const p = (lo + hi) / 2;
    if (p - z * Math.sqrt((p * (1 - p)) / r.n) >= bar) hi = p;
    else lo = p;
  }
  const mde = r.n > 0 ? hi - bar : null;
  const ci = `${pts(r.rate)} % [${pts(r.lo)}, ${pts(r.hi)}] of ${r.n}`;
  if (r.lo >= bar)
    return { ...head, verdict: 'reproduces', reason: `${ci}: lower bound ≥ the ${pts(bar)} % bar`, mde };
  if (r.hi < bar)
    return {
      ...head,
      verdict: 'does not reproduce',
      reason: `${ci}: upper bound < the ${pts(bar)} % bar`,
      mde,
    };
  return {
    ...head,
    verdict: 'inconclusive',
    reason: `${ci}: the interval contains the ${pts(bar)} % bar; a rate ${mde === null ? 'n/a' : pts(mde)} points above it would be detected with 80 % power`,
    mde,
  };
}

/** The headlines as SUMMARY.md lines (each finding's section ends with them). */
export function headlineMarkdown(hs: readonly Headline[]): string {
  if (hs.length === 0) return '';
  const iv = (h: Headline) => (Number.isFinite(h.lo) ? ` [${pts(h.lo)}, ${pts(h.hi)}]` : '');
  return [
    'Three-way verdict (reproduces / does not reproduce / inconclusive, decided by code; see "Verdict per finding × model" for the rules):',
    ...hs.map(
      (h) => `- ${h.finding}, ${h.measure}: ${pts(h.estimate)}${iv(h)} — **${h.verdict}**: ${h.reason}.`,
    ),
  ].join('\n');
}

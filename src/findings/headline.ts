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
import {
  FLOAT_NOISE,
  holm,
  type InconclusiveReason,
  power,
  roomOf,
  type Verdict,
  type VerdictResult,
  verdict,
  verdictLabel,
} from '../metrics/verdict';
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
  /** why an inconclusive verdict is inconclusive: floor, ceiling, no variation, underpowered or grid edge (metrics/verdict.ts) */
  because?: InconclusiveReason;
  /** the rule and the numbers that decided it */
  reason: string;
  /** minimum detectable effect at 80 % power (fraction), where the design defines one */
  mde: number | null;
  /** the equivalence margin (the paper's effect size, or ours), fraction; with `mde` it gives the power column */
  margin?: number;
  /** power of the design to detect an effect of the margin's size (two-sided 5 %), from its standard error */
  power?: number;
}

/** A verdict's printed form: 'reproduces', 'inconclusive (floor)', … */
export const headlineVerdict = (h: Pick<Headline, 'verdict' | 'because'>) => verdictLabel(h);

/** Power to detect an effect of `margin` given the MDE at 80 % power (the standard error is MDE / 2.80). */
export function powerAtMargin(mde: number | null, margin: number | undefined): number | undefined {
  if (mde === null || margin === undefined || !Number.isFinite(mde)) return undefined;
  const se = mde / (normalQuantile(0.975) + normalQuantile(0.8));
  return power(margin, se);
}

/**
 * Every family of tests whose p-values are adjusted together, in one table (printed in SUMMARY.md): what the family
 * is, and the correction. A family of one is not corrected, and the verdicts say so.
 */
export const MULTIPLICITY: readonly { finding: string; family: string; correction: string }[] = [
  {
    finding: '0 PEFT below full fine-tuning',
    family: 'one test per PEFT method (each method is its own claim)',
    correction: 'none',
  },
  {
    finding: '1 distance curve, every regime (near end vs middle)',
    family:
      'per method, the regimes whose near end and middle bins leave room (up to 5: 30 / 50 / 70 / 95 % and converged)',
    correction:
      'Holm over the regimes for "reproduces"; "does not reproduce" needs every regime ruled out (intersection–union: no correction)',
  },
  {
    finding: '1 distance curve (calibration point, peak test)',
    family: 'one test per method',
    correction: 'none (a description beside the regime contrast)',
  },
  {
    finding: '2 push-away exists among failed runs',
    family: 'per method, the rates of the grid with failed runs',
    correction: 'Holm over the rates (a family of one: none)',
  },
  {
    finding: '2 drift away beyond the matched null / random ΔW',
    family:
      'per method, the rates of the grid where the control ran on failed runs (random ΔW: exact McNemar on the discordant runs)',
    correction: 'Holm over the rates (a family of one: none)',
  },
  {
    finding: '3 interference, features, by N, designed sets',
    family: 'one test each (separate claims of the paper)',
    correction: 'none',
  },
  {
    finding: '4 filtering (semantic − random; semantic − nearest-first)',
    family: 'the shares replaced (10 % … 100 %)',
    correction: 'Holm over the shares',
  },
  {
    finding: '5 re-weighting',
    family: 'the re-weighting variants (distance, extremes, inverse)',
    correction: 'Holm over the variants',
  },
  {
    finding: 'findings 3–5 per rate or per accuracy regime',
    family: 'none: each column is its own verdict',
    correction: 'none (a finding said to reproduce in one regime of several is not corrected for the choice)',
  },
];

/** The multiplicity table as SUMMARY.md lines. */
export function multiplicityMarkdown(): string {
  return [
    '## Multiplicity: the families of tests',
    'Where a verdict picks the best of several conditions, the p-values are adjusted over the family below (Holm 1979); a family with one member is reported as uncorrected.',
    '',
    '| finding | family | correction |',
    '|---|---|---|',
    ...MULTIPLICITY.map((m) => `| ${m.finding} | ${m.family} | ${m.correction} |`),
  ].join('\n');
}

/** Two-sided exact sign test of n paired differences all on one side of 0: 2 · 0.5ⁿ (at most 1). */
export function signTestP(n: number): number {
  return Math.min(1, 2 * 0.5 ** n);
}

/** n differences that are all the same nonzero number: standard error 0, the estimate beyond float noise. */
export function constantNonzero(ci: Interval & { se: number }): boolean {
  return ci.se === 0 && Math.abs(ci.estimate) >= FLOAT_NOISE && ci.n >= 1;
}

/**
 * A mean difference with its t interval (`meanCI`) → a three-way verdict at `margin` (fraction); the equivalence
 * test uses the 90 % t interval (TOST at α 0.05). `room`/`arms`: the ceiling and floor rule (metrics/verdict.ts).
 *
 * n differences that are all the same nonzero number (standard error 0, e.g. every fact learned exactly one step
 * later by one arm) leave the t test nothing to say, but the exact sign test does: n of n on one side of 0 has
 * two-sided p = 2 · 0.5ⁿ. The direction is credible when p < α (reproduces, or does not reproduce where it is the
 * opposite one); otherwise too few units (underpowered). Its MDE is not defined (NaN, printed "n/a"), and it never
 * gives equivalence. No difference at all (or float noise) stays "no variation".
 */
export function meanVerdict(
  ci: Interval & { se: number },
  margin: number,
  room?: number,
  arms?: readonly number[],
  alpha = 0.05,
): VerdictResult {
  const se = Number.isFinite(ci.se) ? ci.se : 0;
  const half90 = studentTQuantile(0.95, Math.max(1, ci.n - 1)) * se;
  const v = verdict(
    {
      estimate: ci.estimate,
      lo: ci.lo,
      hi: ci.hi,
      se,
      lo90: ci.estimate - half90,
      hi90: ci.estimate + half90,
    },
    { margin, room, arms, alpha },
  );
  if (v.because !== 'no variation' || !constantNonzero(ci)) return v;
  const p = signTestP(ci.n);
  const test = `all ${ci.n} paired differences equal ${pts(ci.estimate)} points (standard error 0), so the exact sign test decides: ${ci.n} of ${ci.n} on one side, p ${p.toPrecision(2)}`;
  const base = { mde: Number.NaN, equivalent: false, ceiling: false, margin };
  if (p >= alpha)
    return {
      ...base,
      verdict: 'inconclusive',
      because: 'underpowered',
      reason: `${test}: too few pairs for a sign test at ${alpha} (underpowered)`,
    };
  return ci.estimate > 0
    ? { ...base, verdict: 'reproduces', reason: `${test}: the paper's direction` }
    : { ...base, verdict: 'does not reproduce', reason: `${test}: the opposite direction` };
}

/** The largest finite MDE (a sign test's is not defined), or null when none is finite. */
function largestMde(mdes: readonly number[]): number | null {
  const finite = mdes.filter((m) => Number.isFinite(m));
  return finite.length > 0 ? Math.max(...finite) : null;
}

/** A headline from a verdict: the verdict, its reason for being inconclusive, MDE, margin and power. */
export function fromVerdict(
  head: Pick<Headline, 'finding' | 'measure' | 'estimate' | 'lo' | 'hi'>,
  v: VerdictResult,
  reason: string,
): Headline {
  return {
    ...head,
    verdict: v.verdict,
    ...(v.because ? { because: v.because } : {}),
    reason,
    mde: Number.isFinite(v.mde) ? v.mde : null,
    margin: v.margin,
    power: powerAtMargin(v.mde, v.margin),
  };
}

/**
 * What bestOfFamily applies to a family of n conditions, in words: the one source for every text that says which
 * multiple-comparison correction a best-of verdict carries (verdict reasons, figure readings).
 */
export function familyCorrection(n: number): string {
  return n === 1 ? '1 condition: a family of one, no correction' : `${n} conditions, Holm-adjusted`;
}

/**
 * The best of a family of mean differences (shares, variants), each a t interval over independent units: the
 * verdict is *reproduces* when the best one's Holm-adjusted p < 0.05 in the paper's direction; *does not reproduce*
 * when every member is ruled out — credibly in the opposite direction (Holm) or equivalent to zero within ±margin
 * (TOST, with room for an effect of the margin's size and MDE ≤ margin: each member's own verdict); otherwise
 * *inconclusive*, with the open members' MDE. A member without variation (se 0: e.g. identical sets) or with both
 * arms saturated at one bound cannot speak and is left out of the family (named in the reason); with none left the
 * verdict is *inconclusive* for that reason.
 */
export function bestOfFamily(
  finding: string,
  members: {
    name: string;
    ci: Interval & { se: number };
    room?: number;
    arms?: readonly number[];
    /** the member's two-sided p-value where its own test is not the t test of `ci` (e.g. two proportions) */
    p?: number;
  }[],
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
      because: 'underpowered',
      reason: 'not enough data',
      mde: null,
      margin,
    };
  // each member's own verdict: its room (floor, ceiling), its variation and its equivalence test with MDE ≤ margin
  const own = new Map(usable.map((x) => [x.name, meanVerdict(x.ci, margin, x.room, x.arms)]));
  const mute = (x: (typeof usable)[number]) =>
    own.get(x.name)!.because === 'no variation' || roomOf(x.arms ?? [], margin).saturated !== undefined;
  const silent = usable.filter(mute);
  const live = usable.filter((x) => !mute(x));
  const silentText = silent.length
    ? `; left out (cannot show an effect): ${silent.map((x) => `${x.name} (${own.get(x.name)!.because})`).join(', ')}`
    : '';
  if (live.length === 0) {
    const reasons = [...new Set(silent.map((x) => own.get(x.name)!.because!))];
    const m = usable[0];
    const mdeAll = largestMde(usable.map((x) => own.get(x.name)!.mde));
    return {
      finding,
      measure: m.name,
      estimate: m.ci.estimate,
      lo: m.ci.lo,
      hi: m.ci.hi,
      verdict: 'inconclusive',
      because: reasons.length === 1 ? reasons[0] : 'no variation',
      reason: `no condition can show an effect${silentText}`,
      mde: mdeAll,
      margin,
      power: powerAtMargin(mdeAll, margin),
    };
  }
  // with no spread there is no t statistic: every unit the same nonzero difference is the exact sign test's (as in
  // meanVerdict); anything else without spread is no evidence (p = 1)
  const ps = live.map((m) =>
    m.p !== undefined
      ? m.p
      : m.ci.se > 0
        ? studentTTwoSidedP(m.ci.estimate / m.ci.se, m.ci.n - 1)
        : constantNonzero(m.ci)
          ? signTestP(m.ci.n)
          : 1,
  );
  const adj = holm(ps);
  // the best member: the largest credible gain (Holm) where there is one, else the largest estimate
  const credible = live.map((x, i) => (x.ci.estimate > 0 && adj[i] < 0.05 ? i : -1)).filter((i) => i >= 0);
  const pool = credible.length > 0 ? credible : live.map((_, i) => i);
  const best = pool.reduce((b, i) => (live[i].ci.estimate > live[b].ci.estimate ? i : b), pool[0]);
  const m = live[best];
  const head = { finding, measure: m.name, estimate: m.ci.estimate, lo: m.ci.lo, hi: m.ci.hi, margin };
  const family = familyCorrection(live.length);
  const pLabel = live.length === 1 ? 'p' : 'Holm-adjusted p';
  if (m.ci.estimate > 0 && adj[best] < 0.05) {
    const mde = own.get(m.name)!.mde;
    const test =
      m.p === undefined && constantNonzero(m.ci) ? `, exact sign test: all ${m.ci.n} the same` : '';
    return {
      ...head,
      verdict: 'reproduces',
      reason: `best ${m.name}: +${pts(m.ci.estimate)} points, ${pLabel} ${adj[best].toPrecision(2)}${test} (${family}); MDE ${pts(mde)} points${silentText}`,
      mde: Number.isFinite(mde) ? mde : null,
      power: powerAtMargin(mde, margin),
    };
  }
  // "does not reproduce" needs every condition ruled out: credibly the other way (Holm) or equivalent to zero
  // within ±margin (TOST with room and power; all must pass, an intersection-union test needs no correction)
  const against = live.filter((x, i) => x.ci.estimate < 0 && adj[i] < 0.05).map((x) => x.name);
  const equivalent = live
    .filter((x) => {
      const v = own.get(x.name)!;
      return v.equivalent && v.verdict === 'does not reproduce';
    })
    .map((x) => x.name);
  const allMde = largestMde(live.map((x) => own.get(x.name)!.mde));
  if (live.every((x) => against.includes(x.name) || equivalent.includes(x.name))) {
    const parts = [
      against.length > 0 ? `${against.join(', ')} credibly in the opposite direction (${family})` : '',
      equivalent.length > 0
        ? `${equivalent.filter((n) => !against.includes(n)).join(', ') || 'all'}: 90 % interval inside ±${pts(margin)} points (equivalence test, MDE ≤ margin)`
        : '',
    ].filter(Boolean);
    return {
      ...head,
      verdict: 'does not reproduce',
      reason: `every condition ruled out: ${parts.join('; ')}; MDE up to ${pts(allMde)} points${silentText}`,
      mde: allMde,
      power: powerAtMargin(allMde, margin),
    };
  }
  // the conditions that keep the family from "does not reproduce"; the design's power is theirs (the largest MDE)
  const open = live.filter((x) => !against.includes(x.name) && !equivalent.includes(x.name));
  const why = (x: (typeof live)[number]) => own.get(x.name)!.because;
  const capped = open.filter((x) => why(x) === 'ceiling' || why(x) === 'floor');
  const ceilingText = capped.length
    ? `; at a bound (room for an effect of less than ${pts(margin)} points): ${capped.map((x) => `${x.name} (${why(x)}${x.room !== undefined ? `, room ${pts(x.room)}` : ''})`).join(', ')}`
    : '';
  const familyMde = largestMde(open.map((x) => own.get(x.name)!.mde));
  const openText =
    open.length === live.length ? '' : ` (not ruled out: ${open.map((x) => x.name).join(', ')})`;
  const reasons = new Set(open.map(why));
  const because: InconclusiveReason =
    capped.length === open.length && reasons.size === 1
      ? (why(open[0]) as InconclusiveReason)
      : 'underpowered';
  return {
    ...head,
    verdict: 'inconclusive',
    because,
    reason: `best ${m.name}: ${pts(m.ci.estimate)} points, ${pLabel} ${adj[best].toPrecision(2)} (${family}); neither a credible gain nor ruled out ±${pts(margin)}${openText}${ceilingText}; ${familyMde !== null ? `the design detects ${pts(familyMde)} points at 80 % power` : 'no MDE to state (exact sign test on too few units)'}${silentText}`,
    mde: familyMde,
    power: powerAtMargin(familyMde, margin),
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

/** The MDE and the power at the margin, as printed beside a verdict: 'MDE 3.9 points; power at ±3.0: 62 %'. */
export function powerText(h: Pick<Headline, 'mde' | 'margin' | 'power' | 'because'>): string {
  // without room or variation the design has no power to speak of, whatever its standard error says
  if (h.because === 'floor' || h.because === 'ceiling' || h.because === 'no variation')
    return `MDE n/a: ${h.because === 'no variation' ? 'no variation' : `no room (${h.because})`}`;
  const mde = h.mde === null || !Number.isFinite(h.mde) ? 'MDE n/a' : `MDE ${pts(h.mde)}`;
  const pw =
    h.power !== undefined && h.margin !== undefined
      ? `; power at ±${pts(h.margin)}: ${Math.round(100 * h.power)} %`
      : '';
  return `${mde}${pw}`;
}

/** The headlines as SUMMARY.md lines (each finding's section ends with them). */
export function headlineMarkdown(hs: readonly Headline[]): string {
  if (hs.length === 0) return '';
  const iv = (h: Headline) => (Number.isFinite(h.lo) ? ` [${pts(h.lo)}, ${pts(h.hi)}]` : '');
  return [
    'Three-way verdict (reproduces / does not reproduce / inconclusive with its reason: floor, ceiling, no variation, underpowered or grid edge; decided by code; the MDE at 80 % power and the power at the equivalence margin in points beside each; see "Verdict per finding × model" for the rules):',
    ...hs.map(
      (h) =>
        `- ${h.finding}, ${h.measure}: ${pts(h.estimate)}${iv(h)} — **${headlineVerdict(h)}** (${powerText(h)}): ${h.reason}.`,
    ),
  ].join('\n');
}

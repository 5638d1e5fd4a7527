/**
 * Three-way verdicts with power (README, "What we found"; DESIGN §9):
 * - **reproduces**: the effect points the paper's way and its (1 − α) interval excludes zero;
 * - **does not reproduce**: the interval excludes zero in the opposite direction, or an equivalence test (TOST at the
 *   paper's effect size: the (1 − 2α) interval lies inside (−margin, +margin)) shows the effect is smaller than the
 *   paper's in both directions;
 * - **inconclusive**: neither; then the minimum detectable effect at 80 % power is reported, so a reader sees
 *   what size of effect the design could have seen. An equivalence result is also inconclusive when the design has
 *   no room for an effect of the margin's size (`room`: e.g. a gain over a control that already learns 99 % of the
 *   facts can be at most 1 point): near a ceiling a small difference is forced, not evidence against the claim.
 *
 * Effects are signed so that positive is the paper's direction (the caller flips the sign where the paper predicts
 * a decrease). Intervals come from the caller (cluster bootstrap over facts, Wilson, t…); where the (1 − 2α)
 * interval is not given it is derived from `se` by the normal approximation.
 *
 * Room and power (DESIGN §9): a verdict is only as good as the design's ability to show an effect of the margin's
 * size in both directions.
 * - **no variation**: a degenerate estimate (standard error 0 or not finite, a zero-width interval, or an estimate
 *   and standard error both below float noise — e.g. b = −9.9e−32 with se 0 from sets that all learn 100 %) is
 *   *inconclusive (no variation)*, never "credibly opposite";
 * - **floor / ceiling** (`arms`: the levels, in [0, 1], of the bounded outcome in the two arms compared): both arms
 *   within the margin of the same bound leave no room in either direction — *inconclusive (floor)* or *(ceiling)*,
 *   whatever the interval; an equivalence result ("does not reproduce") further needs every arm at least the
 *   margin away from 0 and from 1 (an effect of ±margin must be possible), as does `room` (the largest effect the
 *   design can show in the paper's direction);
 * - **power**: the minimum detectable effect at 80 % power is stated for every verdict; an equivalence result counts
 *   only where MDE ≤ margin, otherwise the verdict is *inconclusive (underpowered)*, as is any interval that neither
 *   excludes zero nor lies inside ±margin.
 *
 * `holm` adjusts p-values for a family of tests (Holm 1979, step-down; the family-wise error stays ≤ α): used where
 * a verdict picks the best of several shares, regimes or variants. The families are written down in one table
 * (findings/headline.ts, `MULTIPLICITY`); a family of one is reported as uncorrected, not as "Holm-adjusted".
 */
import { normalCdf, normalQuantile } from './distributions';

export type Verdict = 'reproduces' | 'does not reproduce' | 'inconclusive';

/** Why a verdict is inconclusive: no room below or above, a degenerate outcome, or too wide an interval. */
/**
 * Why a verdict is inconclusive: the data sit at a floor or a ceiling, do not vary, cannot detect the margin, or (the
 * premise) an arm's best learning rate is the top of its grid, so a higher rate could move the verdict.
 */
export type InconclusiveReason = 'floor' | 'ceiling' | 'no variation' | 'underpowered' | 'grid edge';

/** Below this an estimate or a standard error is float noise, not a number the data measured. */
export const FLOAT_NOISE = 1e-9;

/** 'reproduces', 'does not reproduce', or 'inconclusive (floor)' etc.: the verdict as printed. */
export function verdictLabel(v: { verdict: Verdict; because?: InconclusiveReason }): string {
  return v.verdict === 'inconclusive' && v.because ? `inconclusive (${v.because})` : v.verdict;
}

/**
 * True when an estimate carries no information: its standard error is 0 or not finite, its interval has zero width,
 * or estimate and standard error are both float noise.
 */
export function degenerate(e: { estimate: number; lo: number; hi: number; se: number }): boolean {
  if (!Number.isFinite(e.se) || !(e.se > 0)) return true;
  if (!(e.hi - e.lo > FLOAT_NOISE)) return true;
  return Math.abs(e.estimate) < FLOAT_NOISE && e.se < FLOAT_NOISE;
}

/**
 * The room of a bounded outcome (levels in [0, 1]) for an effect of `margin` in both directions: 'floor' or
 * 'ceiling' where every arm lies within the margin of that bound (`saturated`: no verdict at all), and `equivalence`
 * false where any arm lies within the margin of a bound (an equivalence result there is forced, not evidence).
 */
export function roomOf(
  arms: readonly number[],
  margin: number,
): { saturated?: 'floor' | 'ceiling'; near?: 'floor' | 'ceiling'; equivalence: boolean } {
  const finite = arms.filter((a) => Number.isFinite(a));
  if (finite.length === 0) return { equivalence: true };
  if (finite.every((a) => a < margin)) return { saturated: 'floor', near: 'floor', equivalence: false };
  if (finite.every((a) => a > 1 - margin))
    return { saturated: 'ceiling', near: 'ceiling', equivalence: false };
  const floor = finite.some((a) => a < margin);
  const ceiling = finite.some((a) => a > 1 - margin);
  return floor || ceiling
    ? { near: ceiling ? 'ceiling' : 'floor', equivalence: false }
    : { equivalence: true };
}

export interface EffectEstimate {
  /** point estimate, signed so that positive is the paper's direction */
  estimate: number;
  /** (1 − α) interval */
  lo: number;
  hi: number;
  /** standard error of the estimate (for the MDE and, when `lo90`/`hi90` are absent, the TOST interval) */
  se: number;
  /** (1 − 2α) interval for the equivalence test; default estimate ± z_{1−α}·se */
  lo90?: number;
  hi90?: number;
}

export interface VerdictOptions {
  /** the paper's effect size (positive, same units as the estimate): the equivalence margin */
  margin: number;
  /** two-sided level of the interval (default 0.05) */
  alpha?: number;
  /** power for the minimum detectable effect (default 0.8) */
  power?: number;
  /**
   * the largest effect the design can show in the paper's direction (same units; e.g. 1 − the control arm's accuracy
   * for a gain over it); an equivalence verdict needs room ≥ margin. Default: unlimited.
   */
  room?: number;
  /**
   * the levels, in [0, 1], of a bounded outcome (accuracy) in the arms compared (control, treatment): the floor and
   * ceiling rule. Leave out for an unbounded outcome (a slope, a log-probability), where room is the outcome's
   * variance (the no-variation rule).
   */
  arms?: readonly number[];
  /**
   * the mean level, in [0, 1], of a bounded outcome whose effect is a slope (accuracy per SD of a predictor): an
   * equivalence result needs it at least the margin away from 0 and 1 (a slope of the margin's size must be
   * possible); unlike `arms` it never blocks a credible effect
   */
  level?: number;
}

export interface VerdictResult {
  verdict: Verdict;
  /** one sentence with the numbers that decided it */
  reason: string;
  /** minimum detectable effect at `power` (two-sided α), same units as the estimate */
  mde: number;
  /** true when the (1 − 2α) interval lies inside (−margin, margin) */
  equivalent: boolean;
  /** true when `room` < margin or an arm is within the margin of 100 %: an equivalence result then proves nothing */
  ceiling: boolean;
  margin: number;
  /** why the verdict is inconclusive (set only when it is) */
  because?: InconclusiveReason;
}

/**
 * Minimum detectable effect of a two-sided z-test at level α with the given power, for an estimate with standard
 * error `se`: (z_{1−α/2} + z_{power})·se (e.g. 2.80·se at α 0.05 and 80 % power).
 */
export function minimumDetectableEffect(se: number, alpha = 0.05, power = 0.8): number {
  if (!(se >= 0) || !Number.isFinite(se))
    throw new RangeError(`minimumDetectableEffect: se must be ≥ 0, got ${se}`);
  checkProbability(alpha, 'alpha');
  checkProbability(power, 'power');
  return (normalQuantile(1 - alpha / 2) + normalQuantile(power)) * se;
}

/** Power of a two-sided z-test at level α to detect a true effect `effect` given standard error `se`. */
export function power(effect: number, se: number, alpha = 0.05): number {
  checkProbability(alpha, 'alpha');
  if (se === 0) return effect === 0 ? alpha : 1;
  const z = normalQuantile(1 - alpha / 2);
  const d = Math.abs(effect) / se;
  return normalCdf(d - z) + normalCdf(-d - z);
}

/** Two one-sided tests: is the effect inside (−margin, margin)? Returns the larger of the two one-sided p-values. */
export function tostP(estimate: number, se: number, margin: number): number {
  if (!(margin > 0)) throw new RangeError(`tostP: margin must be > 0, got ${margin}`);
  if (se === 0) return Math.abs(estimate) < margin ? 0 : 1;
  const pLower = 1 - normalCdf((estimate + margin) / se); // H0: effect ≤ −margin
  const pUpper = normalCdf((estimate - margin) / se); // H0: effect ≥ margin
  return Math.max(pLower, pUpper);
}

export function verdict(e: EffectEstimate, opts: VerdictOptions): VerdictResult {
  const { margin, alpha = 0.05, power: pw = 0.8, room, arms, level } = opts;
  if (!(margin > 0))
    throw new RangeError(`verdict: margin (the paper's effect size) must be > 0, got ${margin}`);
  for (const [k, v] of Object.entries({ estimate: e.estimate, lo: e.lo, hi: e.hi })) {
    if (!Number.isFinite(v)) throw new RangeError(`verdict: ${k} must be finite, got ${v}`);
  }
  if (Number.isNaN(e.se) || e.se < 0) throw new RangeError(`verdict: se must be ≥ 0, got ${e.se}`);
  if (e.lo > e.hi) throw new RangeError(`verdict: interval [${e.lo}, ${e.hi}] has lo > hi`);
  const se = Number.isFinite(e.se) ? e.se : 0;
  const z = normalQuantile(1 - alpha);
  const lo90 = e.lo90 ?? e.estimate - z * se;
  const hi90 = e.hi90 ?? e.estimate + z * se;
  const mde = minimumDetectableEffect(se, alpha, pw);
  const ci = `${fmt(e.estimate)} [${fmt(e.lo)}, ${fmt(e.hi)}]`;
  const levelRoom =
    level === undefined || !Number.isFinite(level)
      ? undefined
      : level < margin
        ? ('floor' as const)
        : level > 1 - margin
          ? ('ceiling' as const)
          : undefined;
  const space: ReturnType<typeof roomOf> = arms
    ? roomOf(arms, margin)
    : levelRoom
      ? { near: levelRoom, equivalence: false }
      : { equivalence: true };
  const ceiling = (room !== undefined && room < margin) || ('near' in space && space.near === 'ceiling');
  const noRoom = (room !== undefined && room < margin) || !space.equivalence;
  const equivalent = lo90 > -margin && hi90 < margin;
  const base = { mde, equivalent, ceiling, margin };
  const levels = arms
    ? ` (arms ${arms.map((a) => pct(a, 1)).join(' vs ')})`
    : level !== undefined
      ? ` (mean level ${pct(level, 1)})`
      : '';
  const mdeText = `; MDE ${fmt(mde)} at ${pct(pw)} power`;
  // both arms saturated at one bound: nothing can show, in either direction
  if ('saturated' in space && space.saturated)
    return {
      ...base,
      verdict: 'inconclusive',
      because: space.saturated,
      reason: `${ci}: every arm within ${fmt(margin)} of ${space.saturated === 'floor' ? '0 %' : '100 %'}${levels}, so no effect of ±${fmt(margin)} could show (${space.saturated})`,
    };
  if (degenerate({ ...e, se }))
    return {
      ...base,
      verdict: 'inconclusive',
      because: 'no variation',
      reason: `${ci} with standard error ${fmt(se)}: the outcome does not vary, so the estimate carries no evidence either way (no variation)`,
    };
  if (e.lo > 0) {
    const size =
      e.estimate < margin
        ? `, smaller than the equivalence margin ${fmt(margin)} (the paper's effect size, or ours where the paper gives none)`
        : '';
    return {
      ...base,
      verdict: 'reproduces',
      reason: `${ci}: the interval excludes zero in the paper's direction${size}${mdeText}`,
    };
  }
  if (e.hi < 0) {
    return {
      ...base,
      verdict: 'does not reproduce',
      reason: `${ci}: the interval excludes zero in the opposite direction${mdeText}`,
    };
  }
  if (equivalent && noRoom) {
    const why = ceiling ? 'ceiling' : 'floor';
    const what =
      room !== undefined && room < margin
        ? `the design leaves room for an effect of at most ${fmt(room)} in the paper's direction`
        : `an arm lies within ${fmt(margin)} of ${why === 'ceiling' ? '100 %' : '0 %'}${levels}`;
    return {
      ...base,
      verdict: 'inconclusive',
      because: why,
      reason: `${ci}: the ${pct(1 - 2 * alpha)} interval [${fmt(lo90)}, ${fmt(hi90)}] lies inside ±${fmt(margin)}, but ${what} (${why}), so it could not have seen one of ±${fmt(margin)}`,
    };
  }
  if (equivalent && mde > margin)
    return {
      ...base,
      verdict: 'inconclusive',
      because: 'underpowered',
      reason: `${ci}: the ${pct(1 - 2 * alpha)} interval [${fmt(lo90)}, ${fmt(hi90)}] lies inside ±${fmt(margin)}, but the design detects only ${fmt(mde)} at ${pct(pw)} power, more than the margin (underpowered)`,
    };
  if (equivalent) {
    return {
      ...base,
      verdict: 'does not reproduce',
      reason: `${ci}: the ${pct(1 - 2 * alpha)} interval [${fmt(lo90)}, ${fmt(hi90)}] lies inside ±${fmt(margin)} (equivalence test)${mdeText}`,
    };
  }
  return {
    ...base,
    verdict: 'inconclusive',
    because: 'underpowered',
    reason: `${ci}: neither excludes zero nor rules out ±${fmt(margin)}; the design detects ${fmt(mde)} at ${pct(pw)} power (underpowered)`,
  };
}

/** Holm's step-down adjustment; returns adjusted p-values in the input order (each ≤ 1, monotone in rank). */
export function holm(pValues: readonly number[]): number[] {
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`holm: p[${i}] must be in [0, 1], got ${p}`);
  });
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}

/** Two-sided normal p-value of estimate/se. */
export function zTestP(estimate: number, se: number): number {
  if (se === 0) return estimate === 0 ? 1 : 0;
  return 2 * (1 - normalCdf(Math.abs(estimate / se)));
}

function checkProbability(p: number, name: string): void {
  if (!(p > 0 && p < 1)) throw new RangeError(`${name} must be in (0, 1), got ${p}`);
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 || x === 0 ? x.toFixed(0) : x.toPrecision(3);
}

function pct(x: number, digits = 0): string {
  return `${(x * 100).toFixed(digits)} %`;
}

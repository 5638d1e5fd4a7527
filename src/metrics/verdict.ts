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
 * `holm` adjusts p-values for a family of tests (Holm 1979, step-down; the family-wise error stays ≤ α): used where
 * a verdict picks the best of several shares, regimes or variants.
 */
import { normalCdf, normalQuantile } from './distributions';

export type Verdict = 'reproduces' | 'does not reproduce' | 'inconclusive';

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
}

export interface VerdictResult {
  verdict: Verdict;
  /** one sentence with the numbers that decided it */
  reason: string;
  /** minimum detectable effect at `power` (two-sided α), same units as the estimate */
  mde: number;
  /** true when the (1 − 2α) interval lies inside (−margin, margin) */
  equivalent: boolean;
  /** true when `room` < margin: an equivalence result then proves nothing (the verdict stays inconclusive) */
  ceiling: boolean;
  margin: number;
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
  const { margin, alpha = 0.05, power: pw = 0.8, room } = opts;
  if (!(margin > 0))
    throw new RangeError(`verdict: margin (the paper's effect size) must be > 0, got ${margin}`);
  for (const [k, v] of Object.entries({ estimate: e.estimate, lo: e.lo, hi: e.hi, se: e.se })) {
    if (!Number.isFinite(v)) throw new RangeError(`verdict: ${k} must be finite, got ${v}`);
  }
  if (e.lo > e.hi) throw new RangeError(`verdict: interval [${e.lo}, ${e.hi}] has lo > hi`);
  const z = normalQuantile(1 - alpha);
  const lo90 = e.lo90 ?? e.estimate - z * e.se;
  const hi90 = e.hi90 ?? e.estimate + z * e.se;
  const equivalent = lo90 > -margin && hi90 < margin;
  const mde = minimumDetectableEffect(e.se, alpha, pw);
  const ci = `${fmt(e.estimate)} [${fmt(e.lo)}, ${fmt(e.hi)}]`;
  const ceiling = room !== undefined && room < margin;
  const base = { mde, equivalent, ceiling, margin };
  if (e.lo > 0) {
    const size =
      e.estimate < margin
        ? `, smaller than the equivalence margin ${fmt(margin)} (the paper's effect size, or ours where the paper gives none)`
        : '';
    return {
      ...base,
      verdict: 'reproduces',
      reason: `${ci}: the interval excludes zero in the paper's direction${size}`,
    };
  }
  if (e.hi < 0) {
    return {
      ...base,
      verdict: 'does not reproduce',
      reason: `${ci}: the interval excludes zero in the opposite direction`,
    };
  }
  if (equivalent && ceiling) {
    return {
      ...base,
      verdict: 'inconclusive',
      reason: `${ci}: the ${pct(1 - 2 * alpha)} interval [${fmt(lo90)}, ${fmt(hi90)}] lies inside ±${fmt(margin)}, but the design leaves room for an effect of at most ${fmt(room!)} in the paper's direction (ceiling), so it could not have seen one of ±${fmt(margin)}`,
    };
  }
  if (equivalent) {
    return {
      ...base,
      verdict: 'does not reproduce',
      reason: `${ci}: the ${pct(1 - 2 * alpha)} interval [${fmt(lo90)}, ${fmt(hi90)}] lies inside ±${fmt(margin)} (equivalence test)`,
    };
  }
  return {
    ...base,
    verdict: 'inconclusive',
    reason: `${ci}: neither excludes zero nor rules out ±${fmt(margin)}; the design detects ${fmt(mde)} at ${pct(pw)} power`,
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

function pct(x: number): string {
  return `${Math.round(x * 100)} %`;
}

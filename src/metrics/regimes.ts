/**
 * Learning regimes from runs to convergence (DESIGN §8: never report a finding at one calibration point only).
 *
 * A run that trains with a constant learning rate and stops at the first check where its answers are all predicted
 * is, up to any step budget s, the same run as one given only s steps. So one run per (fact, rate, seed) with the
 * step of its first successful check (`learnedAt`, null when never within the steps it had) gives accuracy at every
 * shorter budget: learned within s ⇔ learnedAt ≤ s.
 *
 * - `accuracyAt(runs, s)`: fact-level accuracy — each fact's runs are averaged first, then the facts — so a fact
 *   trained under three seeds counts once.
 * - `accuracyCurve(runs, budgets)`: that accuracy at each budget with a cluster-bootstrap interval over facts.
 * - `chooseRegimes(curves, targets)`: for each target accuracy (e.g. 0.3, 0.5, 0.7, 0.95) the (rate, budget) whose
 *   accuracy is closest to it, plus 'converged' (the smallest budget at which the best rate is within `tolerance` of
 *   its final accuracy). Call it on held-out calibration facts, then measure the findings on fresh facts at the
 *   chosen points.
 */
import { mulberry32 } from '../util/random';

export interface BudgetRun {
  /** the unit of analysis (fact id, or set id) */
  unit: string | number;
  /** first step at which the run's check succeeded; null when it never did */
  learnedAt: number | null;
  /** steps the run was allowed (budgets beyond it are unknown for this run) */
  maxSteps: number;
}

export interface CurvePoint {
  budget: number;
  estimate: number;
  lo: number;
  hi: number;
  /** facts that contribute at this budget */
  n: number;
}

export type RegimeName = number | 'converged';

export interface Regime {
  name: RegimeName;
  /** e.g. the learning rate */
  rate: number;
  budget: number;
  /** accuracy at (rate, budget) on the facts the choice was made on */
  accuracy: number;
}

function byUnit(runs: readonly BudgetRun[]): BudgetRun[][] {
  const m = new Map<string | number, BudgetRun[]>();
  for (const r of runs) {
    const g = m.get(r.unit);
    if (g) g.push(r);
    else m.set(r.unit, [r]);
  }
  return [...m.values()];
}

function checkBudget(runs: readonly BudgetRun[], budget: number): void {
  if (!(budget > 0)) throw new RangeError(`budget must be > 0, got ${budget}`);
  const short = runs.find((r) => r.maxSteps < budget && r.learnedAt === null);
  if (short)
    throw new RangeError(
      `budget ${budget} exceeds the ${short.maxSteps} steps that unit ${short.unit} was trained for without learning`,
    );
}

function unitRate(group: readonly BudgetRun[], budget: number): number {
  let k = 0;
  for (const r of group) if (r.learnedAt !== null && r.learnedAt <= budget) k++;
  return k / group.length;
}

/** Fact-level accuracy at a step budget. */
export function accuracyAt(runs: readonly BudgetRun[], budget: number): number {
  checkBudget(runs, budget);
  const groups = byUnit(runs);
  if (groups.length === 0) return Number.NaN;
  return groups.reduce((a, g) => a + unitRate(g, budget), 0) / groups.length;
}

/** Accuracy at each budget with a percentile cluster-bootstrap interval (facts resampled whole). */
export function accuracyCurve(
  runs: readonly BudgetRun[],
  budgets: readonly number[],
  opts: { iterations?: number; level?: number; seed?: number } = {},
): CurvePoint[] {
  const { iterations = 1000, level = 0.95, seed = 0 } = opts;
  for (const b of budgets) checkBudget(runs, b);
  const groups = byUnit(runs);
  const G = groups.length;
  // per unit, per budget: the unit's rate
  const rates = groups.map((g) => budgets.map((b) => unitRate(g, b)));
  const boot = budgets.map(() => new Float64Array(iterations));
  const rnd = mulberry32(seed);
  for (let it = 0; it < iterations; it++) {
    const sums = new Float64Array(budgets.length);
    for (let i = 0; i < G; i++) {
      const u = rates[Math.floor(rnd() * G)];
      for (let j = 0; j < budgets.length; j++) sums[j] += u[j];
    }
    for (let j = 0; j < budgets.length; j++) boot[j][it] = sums[j] / G;
  }
  const a = (1 - level) / 2;
  return budgets.map((budget, j) => {
    const sorted = Array.from(boot[j]).sort((x, y) => x - y);
    const q = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(p * (sorted.length - 1))))];
    const estimate = G === 0 ? Number.NaN : rates.reduce((s, r) => s + r[j], 0) / G;
    return { budget, estimate, lo: q(a), hi: q(1 - a), n: G };
  });
}

/**
 * Picks, per target accuracy, the (rate, budget) closest to it (ties: the smaller budget, then the smaller rate),
 * and 'converged': the best final rate's smallest budget within `tolerance` of its final accuracy.
 */
export function chooseRegimes(
  curves: ReadonlyMap<number, readonly { budget: number; estimate: number }[]>,
  targets: readonly RegimeName[],
  tolerance = 0.01,
): Regime[] {
  if (curves.size === 0) throw new RangeError('chooseRegimes: no curves');
  const points = [...curves.entries()].flatMap(([rate, c]) => c.map((p) => ({ rate, ...p })));
  return targets.map((name) => {
    if (name === 'converged') {
      let best: { rate: number; final: number } | undefined;
      for (const [rate, c] of curves) {
        const final = c[c.length - 1].estimate;
        if (!best || final > best.final || (final === best.final && rate < best.rate)) best = { rate, final };
      }
      const c = curves.get(best!.rate)!;
      const p = c.find((q) => q.estimate >= best!.final - tolerance)!;
      return { name, rate: best!.rate, budget: p.budget, accuracy: p.estimate };
    }
    if (!(name > 0 && name < 1))
      throw new RangeError(`chooseRegimes: target accuracy must be in (0, 1), got ${name}`);
    const p = [...points].sort(
      (x, y) =>
        Math.abs(x.estimate - name) - Math.abs(y.estimate - name) || x.budget - y.budget || x.rate - y.rate,
    )[0];
    return { name, rate: p.rate, budget: p.budget, accuracy: p.estimate };
  });
}

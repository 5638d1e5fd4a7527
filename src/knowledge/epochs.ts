/**
 * Shorter budgets of a fact-set run (Experiment.atEpoch): which of a set's facts were learned after `epoch` of the
 * run's `epochs` epochs, from the outcomes recorded after each epoch (learnFactSets' learnedByEpoch).
 */

/** What was recorded after `epoch` of `epochs` (1-based); a clear error when the result predates the per-epoch record. */
export function recordedAt<T>(
  byEpoch: readonly T[] | undefined,
  epoch: number,
  epochs: number,
  what: string,
): T {
  if (!Number.isInteger(epoch) || epoch < 1 || epoch > epochs)
    throw new RangeError(`${what}: epoch must be an integer in 1..${epochs}, got ${epoch}`);
  if (byEpoch === undefined || byEpoch.length < epoch)
    throw new Error(
      `${what}: no outcome recorded after epoch ${epoch} (${byEpoch?.length ?? 0} recorded; results computed before the per-epoch record need a rerun)`,
    );
  return byEpoch[epoch - 1];
}

/** The outcomes (one flag per fact) after `epoch` of `epochs`: recordedAt, copied. */
export function learnedAt(
  byEpoch: readonly (readonly boolean[])[] | undefined,
  epoch: number,
  epochs: number,
  what: string,
): boolean[] {
  return [...recordedAt(byEpoch, epoch, epochs, what)];
}

/** The share of true flags (NaN for none). */
export function shareTrue(flags: readonly boolean[]): number {
  return flags.length === 0 ? Number.NaN : flags.filter(Boolean).length / flags.length;
}

/**
 * The batches a run's cases are computed in, and which of them a shard computes.
 *
 * A batch's cases train side by side (stacked adapters, one padded tensor), and on wasm a case's continuous numbers
 * can move in their last digits with its neighbours (README, Reliability): training amplifies such digits, so a
 * marginal fact's outcome can flip. The layout is therefore a function of the case list, the phases and the batch
 * size only, never of the worker count, the shard split or the resume point:
 * - the cases are dealt into `LAYOUT_STREAMS` interleaved streams by their index (case i to stream i % 2);
 * - each stream's cases of one phase, in case order, are cut into consecutive batches of `batchSize`;
 * - batch j (streams in order, phases in order) belongs to shard j % n of `--shard i/n`;
 * - a resumed run recomputes a batch whole (and stores only its missing cases).
 * Two streams, because the committed caches were computed by two workers under the earlier rule (a shard took the
 * cases i with i % n == shard index, cut into batches): this layout gives those batches exactly, so the caches
 * remain this code's results. Any fixed layout would do as well.
 */

export const LAYOUT_STREAMS = 2;

/** A batch: indices into the case list, in case order; `phase` of all its cases. */
export type LayoutBatch = { phase: number; cases: number[] };

/** Every batch of a run, in layout order (see above). `phaseOf(i)`: the phase of case i (0 without phases). */
export function batchLayout(
  caseCount: number,
  batchSize: number,
  phaseOf: (i: number) => number,
): LayoutBatch[] {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`batchSize must be >= 1, got ${batchSize}`);
  const byPhase = new Map<number, number[][]>();
  for (let i = 0; i < caseCount; i++) {
    const phase = phaseOf(i);
    if (!byPhase.has(phase))
      byPhase.set(
        phase,
        Array.from({ length: LAYOUT_STREAMS }, () => []),
      );
    byPhase.get(phase)![i % LAYOUT_STREAMS].push(i);
  }
  const out: LayoutBatch[] = [];
  for (const phase of [...byPhase.keys()].sort((a, b) => a - b)) {
    for (const stream of byPhase.get(phase)!) {
      for (let b = 0; b < stream.length; b += batchSize)
        out.push({ phase, cases: stream.slice(b, b + batchSize) });
    }
  }
  return out;
}

/** The shard of `count` that computes batch j of the layout. */
export const shardOfBatch = (j: number, count: number): number => j % count;

/** The batches of shard `index` of `count` (every one without a shard). */
export function shardBatches(
  batches: LayoutBatch[],
  shard: { index: number; count: number } | undefined,
): LayoutBatch[] {
  return shard ? batches.filter((_, j) => shardOfBatch(j, shard.count) === shard.index) : batches;
}

/**
 * Finding 3, knowledge features measured per fact (#15 item 3d). The v1 measure, the L2 shift of the last-layer
 * state from the base model, says how far a fact's representation moved, not whether it moved toward the fact's new
 * answer. Here each fact of a feature set is measured by
 * - the teacher-forced log-probability of its target (summed over the target's tokens), and
 * - the shift of the last-layer state at the last prompt token from the base model, projected on the unit vector
 *   e_target − e_original (input embeddings of the two answers' first tokens; on a tied model also the direction in
 *   which the target's logit rises against the original's),
 * after learning it alone and after learning its set together, at the same budget (each fact seen `epochs` times,
 * no early stopping). Together − alone is paired by fact, with a cluster bootstrap over sets.
 */
import type { Fact } from '../../knowledge/facts';
import type { Session } from '../../knowledge/session';
import { promptFeatureRows, teacherForced } from '../../metrics/evaluate';
import { clusterBootstrapCI, type Interval, mean, variance } from '../../metrics/stats';

export interface FactMeasures {
  /** per fact: teacher-forced log p(target | prompt), nats */
  logProb: number[];
  /** per fact: (h − h_base)·(e_target − e_original)/‖e_target − e_original‖ at the last prompt token */
  projection: number[];
}

/** The fact-specific measures of `facts` in the model as it is now (`groups`: one adapter row per fact, stacked). */
export async function factMeasures(
  s: Session,
  facts: Fact[],
  base: Float32Array[],
  groups?: number[],
): Promise<FactMeasures> {
  const scores = await teacherForced(
    s.model,
    facts.map((f) => ({ prompt: f.promptIds, answer: f.targetIds })),
    s.tok.padId,
    groups,
  );
  const rows = await promptFeatureRows(
    s.model,
    facts.map((f) => f.promptIds),
    s.tok.padId,
    groups,
  );
  const d = s.model.config.hidden_size;
  const projection = facts.map((f, i) => {
    const t = f.targetIds[0];
    const o = f.originalIds[0];
    let dot = 0;
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const u = s.embeddings[t * d + j] - s.embeddings[o * d + j];
      dot += (rows[i][j] - base[i][j]) * u;
      norm += u * u;
    }
    return norm > 0 ? dot / Math.sqrt(norm) : 0;
  });
  return { logProb: scores.map((x) => x.logProb), projection };
}

/** together − alone over the facts of all sets: mean, cluster-bootstrap interval over sets, se over set means. */
export interface PairedMeasure {
  alone: number;
  together: number;
  diff: Interval & { se: number };
}

export interface FactSpecificSummary {
  facts: number;
  sets: number;
  /** mean log p(target) in the base model, nats */
  baseLogProb: number;
  logProb: PairedMeasure;
  /** p(target) = exp(log p): the same comparison as a fraction */
  probability: PairedMeasure;
  projection: PairedMeasure;
}

function paired(sets: { alone: number[]; together: number[] }[]): PairedMeasure {
  const diffs = sets.flatMap((s) => s.together.map((t, j) => t - s.alone[j]));
  const clusters = sets.flatMap((s, k) => s.together.map(() => k));
  const ci = clusterBootstrapCI(diffs, clusters, mean, { seed: 5 });
  const setMeans = sets.map((s) => mean(s.together.map((t, j) => t - s.alone[j])));
  return {
    alone: mean(sets.flatMap((s) => s.alone)),
    together: mean(sets.flatMap((s) => s.together)),
    diff: { ...ci, se: sets.length > 1 ? Math.sqrt(variance(setMeans) / sets.length) : Number.NaN },
  };
}

export function summarizeFactSpecific(
  sets: (FactMeasures & { alone: FactMeasures; together: FactMeasures })[],
): FactSpecificSummary | undefined {
  const usable = sets.filter((s) => s.alone.logProb.length > 0);
  if (usable.length === 0) return undefined;
  return {
    facts: usable.reduce((a, s) => a + s.alone.logProb.length, 0),
    sets: usable.length,
    baseLogProb: mean(usable.flatMap((s) => s.logProb)),
    logProb: paired(usable.map((s) => ({ alone: s.alone.logProb, together: s.together.logProb }))),
    probability: paired(
      usable.map((s) => ({
        alone: s.alone.logProb.map(Math.exp),
        together: s.together.logProb.map(Math.exp),
      })),
    ),
    projection: paired(usable.map((s) => ({ alone: s.alone.projection, together: s.together.projection }))),
  };
}

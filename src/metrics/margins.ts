/**
 * The base model's logit margin at the first answer token: logit(original) − logit(target) and the target's rank
 * there, batched. Read by the space probes (probes/space-probes.ts) and the regime runs (knowledge/regime-runs.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { LlamaModel } from '../model/llama';
import { tidyRead } from '../util/tensors';

export interface MarginRow {
  /** logit(original first token) − logit(target first token) */
  margin: number;
  /** 1 + number of vocabulary tokens with a higher logit than the target's first token */
  targetRank: number;
}

/**
 * Base logit margin and target rank at the first answer token of each (prompt ids, original id, target id),
 * batched (≤ 64 rows, right-padded: causal attention hides the padding from the read position). `sameLength`:
 * batch only prompts of one length, so no row is padded and each row's numbers are those of the row alone (on wasm a
 * padded batch moves them in the 7th digit: README, Reliability); the rows come back in the order given.
 */
export async function firstTokenMargins(
  model: LlamaModel,
  rows: readonly { promptIds: number[]; originalId: number; targetId: number }[],
  padId = 0,
  batchSize = 64,
  sameLength = false,
): Promise<MarginRow[]> {
  if (sameLength) {
    const out: MarginRow[] = new Array(rows.length);
    const lengths = [...new Set(rows.map((r) => r.promptIds.length))].sort((a, b) => a - b);
    for (const n of lengths) {
      const at = rows.map((r, i) => (r.promptIds.length === n ? i : -1)).filter((i) => i >= 0);
      const got = await firstTokenMargins(
        model,
        at.map((i) => rows[i]),
        padId,
        batchSize,
      );
      at.forEach((i, j) => {
        out[i] = got[j];
      });
    }
    return out;
  }
  const out: MarginRow[] = [];
  const V = model.config.vocab_size;
  for (let s = 0; s < rows.length; s += batchSize) {
    const chunk = rows.slice(s, s + batchSize);
    const T = Math.max(...chunk.map((r) => r.promptIds.length));
    const flat = new Int32Array(chunk.length * T).fill(padId);
    chunk.forEach((r, b) => {
      flat.set(r.promptIds, b * T);
    });
    const logits = await tidyRead(() => {
      const ids = tf.tensor2d(flat, [chunk.length, T], 'int32');
      const pos = tf.tensor1d(
        chunk.map((r, b) => b * T + r.promptIds.length - 1),
        'int32',
      );
      return model.forward(ids, { logitPositions: pos, lengths: chunk.map((r) => r.promptIds.length) })
        .logits; // [B, V]
    });
    chunk.forEach((r, b) => {
      const row = logits.subarray(b * V, (b + 1) * V);
      const t = row[r.targetId];
      let above = 0;
      for (let v = 0; v < V; v++) if (row[v] > t) above++;
      out.push({ margin: row[r.originalId] - t, targetRank: above + 1 });
    });
  }
  return out;
}

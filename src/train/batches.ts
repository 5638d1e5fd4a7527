/**
 * Training examples and how a step's batch is laid out.
 *
 * An Example is one token sequence `ids` = prompt tokens + answer tokens; the loss covers the answer tokens
 * `ids[answerStart …]`, each predicted from the position before it. Rows are right-padded (causal attention makes the
 * padding invisible to real tokens). Rows of one adapter group are contiguous and every active group gets the same
 * number of rows, as the stacked adapters need.
 */
import * as tf from '@tensorflow/tfjs';

export interface Example {
  /** prompt + answer token ids */
  ids: number[];
  /** index in `ids` of the first answer token (≥ 1) */
  answerStart: number;
  /** adapter group (default 0) */
  group?: number;
  /** per-example loss weight (default 1) */
  weight?: number;
  /** per-answer-token weights, length ids.length − answerStart (default all 1) */
  tokenWeights?: number[];
}

/** Tensors of one step; dispose with `disposeBatch`. */
export interface Batch {
  ids: tf.Tensor2D; // [B, T] int32
  positions: tf.Tensor1D; // [M] flat index b·T + t of the position predicting each answer token
  targets: tf.Tensor1D; // [M] int32
  weights: tf.Tensor2D; // [K, M] loss weight of each answer token in each group
  members: tf.Tensor2D; // [K, M] 1 where the token belongs to the group
  rowGroups: number[]; // [B] adapter of each row
  lengths: number[]; // [B] real tokens of each row (right padding): the forward packs them
  tokens: number; // real (non-pad) tokens in the batch
}

export function validateExample(e: Example, index: number, groups: number, maxLen: number): void {
  const where = `training example ${index}`;
  if (!Array.isArray(e.ids) || e.ids.length < 2) throw new Error(`${where}: ids must hold at least 2 tokens`);
  if (e.ids.length > maxLen)
    throw new Error(`${where}: ${e.ids.length} tokens exceed the model's ${maxLen} positions`);
  if (!Number.isInteger(e.answerStart) || e.answerStart < 1 || e.answerStart >= e.ids.length) {
    throw new Error(`${where}: answerStart ${e.answerStart} must lie in 1..${e.ids.length - 1}`);
  }
  const g = e.group ?? 0;
  if (!Number.isInteger(g) || g < 0 || g >= groups)
    throw new Error(`${where}: group ${g} is not in 0..${groups - 1}`);
  if (e.weight !== undefined && !(Number.isFinite(e.weight) && e.weight >= 0)) {
    throw new Error(`${where}: weight must be a finite number ≥ 0, got ${e.weight}`);
  }
  if (e.tokenWeights !== undefined && e.tokenWeights.length !== e.ids.length - e.answerStart) {
    throw new Error(
      `${where}: tokenWeights has ${e.tokenWeights.length} entries for ${e.ids.length - e.answerStart} answer tokens`,
    );
  }
}

/**
 * Builds the batch tensors. `rows` are examples in row order (grouped by adapter), `groups` = K.
 */
export function makeBatch(rows: Example[], groups: number, padId: number): Batch {
  const B = rows.length;
  const T = Math.max(...rows.map((e) => e.ids.length));
  const ids = new Int32Array(B * T).fill(padId);
  const positions: number[] = [];
  const targets: number[] = [];
  const tokenGroup: number[] = [];
  const tokenWeight: number[] = [];
  const perGroup = new Map<number, number>();
  for (const e of rows) perGroup.set(e.group ?? 0, (perGroup.get(e.group ?? 0) ?? 0) + 1);
  let tokens = 0;
  rows.forEach((e, b) => {
    ids.set(e.ids, b * T);
    tokens += e.ids.length;
    const g = e.group ?? 0;
    const nAns = e.ids.length - e.answerStart;
    for (let j = 0; j < nAns; j++) {
      const t = e.answerStart + j;
      positions.push(b * T + t - 1);
      targets.push(e.ids[t]);
      tokenGroup.push(g);
      tokenWeight.push(((e.weight ?? 1) * (e.tokenWeights?.[j] ?? 1)) / (nAns * perGroup.get(g)!));
    }
  });
  const M = positions.length;
  const w = new Float32Array(groups * M);
  const mem = new Float32Array(groups * M);
  for (let m = 0; m < M; m++) {
    w[tokenGroup[m] * M + m] = tokenWeight[m];
    mem[tokenGroup[m] * M + m] = 1;
  }
  return {
    ids: tf.tensor2d(ids, [B, T], 'int32'),
    positions: tf.tensor1d(positions, 'int32'),
    targets: tf.tensor1d(targets, 'int32'),
    weights: tf.tensor2d(w, [groups, M]),
    members: tf.tensor2d(mem, [groups, M]),
    rowGroups: rows.map((e) => e.group ?? 0),
    lengths: rows.map((e) => e.ids.length),
    tokens,
  };
}

export function disposeBatch(b: Batch): void {
  tf.dispose([b.ids, b.positions, b.targets, b.weights, b.members]);
}

/**
 * Evaluation of (possibly stacked) adapters on token ids: teacher-forced answer scores and greedy answers.
 * `rowGroups` gives the adapter of each item (stacked adapters need each adapter's rows contiguous and equally many).
 *
 * Protocols:
 * - 'greedy-exact-match': the greedy continuation of the prompt starts with exactly the answer's tokens. It equals
 *   "every answer token is the argmax under teacher forcing" (the `correct` flag below), which is how it is computed.
 * - log P(answer | prompt): the sum of the answer tokens' log-probabilities (ROME-style efficacy compares these).
 * Host reads are async (`tidyRead`): `dataSync` throws on the WebGPU backend in Node.
 */
import * as tf from '@tensorflow/tfjs';
import type { LlamaModel } from '../model/llama';
import { tidyRead, tidyReadAll } from '../util/tensors';
import { generateIds } from './generate';

export interface ScoredItem {
  prompt: number[];
  answer: number[];
}

export interface Score {
  logProb: number;
  correct: boolean;
}

/** Per answer token of each item: its log-probability and whether it is the argmax (teacher forcing). */
export interface TokenScores {
  /** log-prob of each answer token */
  logProbs: number[][];
  /** argmax at the preceding position equals the token */
  correct: boolean[][];
}

/**
 * The one teacher-forced scorer (experiments, the pool of known facts and the model-card probes): all items in one
 * right-padded forward of prompt ++ answer, logits only at the positions before answer tokens.
 */
export async function scoreTokens(
  model: LlamaModel,
  items: readonly ScoredItem[],
  padId: number,
  rowGroups?: number[],
): Promise<TokenScores> {
  const B = items.length;
  const T = Math.max(...items.map((it) => it.prompt.length + it.answer.length));
  const ids = new Int32Array(B * T).fill(padId);
  const positions: number[] = [];
  const targets: number[] = [];
  items.forEach((it, b) => {
    ids.set([...it.prompt, ...it.answer], b * T);
    it.answer.forEach((a, j) => {
      positions.push(b * T + it.prompt.length + j - 1);
      targets.push(a);
    });
  });
  const [lp, ok] = await tidyReadAll(() => {
    const logits = model.forward(tf.tensor2d(ids, [B, T], 'int32'), {
      logitPositions: tf.tensor1d(positions, 'int32'),
      rowGroups,
      lengths: items.map((it) => it.prompt.length + it.answer.length),
    }).logits as tf.Tensor2D; // [M, V], M = answer tokens of all items
    const t = tf.tensor1d(targets, 'int32');
    const logp = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(t, logits.shape[1]).asType('float32')), -1);
    const correct = tf.equal(tf.argMax(logits, -1), t);
    return [logp, correct]; // [M], [M]
  });
  const logProbs: number[][] = [];
  const correct: boolean[][] = [];
  let at = 0;
  for (const it of items) {
    logProbs.push(Array.from(lp.subarray(at, at + it.answer.length)));
    correct.push(Array.from(ok.subarray(at, at + it.answer.length), (x) => x === 1));
    at += it.answer.length;
  }
  return { logProbs, correct };
}

/** Per item: log P(answer | prompt) and whether every answer token is the argmax (greedy exact match). */
export async function teacherForced(
  model: LlamaModel,
  items: ScoredItem[],
  padId: number,
  rowGroups?: number[],
): Promise<Score[]> {
  const s = await scoreTokens(model, items, padId, rowGroups);
  return items.map((_, b) => ({
    logProb: s.logProbs[b].reduce((a, x) => a + x, 0),
    correct: s.correct[b].every(Boolean),
  }));
}

/**
 * Greedy continuation of each prompt (one left-padded batch, so stacked adapters see their rows together), up to
 * `maxNew` tokens, stopping a row at any of `stop` (not returned). See metrics/generate.ts.
 */
export async function greedy(
  model: LlamaModel,
  prompts: number[][],
  maxNew: number,
  padId: number,
  stop: number[] = [],
  rowGroups?: number[],
): Promise<number[][]> {
  return generateIds(model, prompts, {
    maxNewTokens: maxNew,
    padId,
    stopIds: stop,
    rowGroups,
    batchSize: prompts.length,
  });
}

/**
 * Knowledge features: the last layer's hidden state (after the final norm) at the last prompt token, per prompt
 * (right-padded batch; causal attention makes the padding invisible). → one Float32Array [d] per prompt.
 */
export async function promptFeatureRows(
  model: LlamaModel,
  prompts: number[][],
  padId: number,
  rowGroups?: number[],
): Promise<Float32Array[]> {
  const B = prompts.length;
  const T = Math.max(...prompts.map((p) => p.length));
  const d = model.config.hidden_size;
  const ids = new Int32Array(B * T).fill(padId);
  prompts.forEach((p, b) => {
    ids.set(p, b * T);
  });
  const data = await tidyRead(() => {
    const out = model.forward(tf.tensor2d(ids, [B, T], 'int32'), { outputHidden: true, rowGroups });
    const last = out.hidden![out.hidden!.length - 1].reshape([B * T, d]);
    return tf.gather(
      last,
      prompts.map((p, b) => b * T + p.length - 1),
    ); // [B, d]
  });
  return prompts.map((_, b) => data.slice(b * d, (b + 1) * d) as Float32Array);
}

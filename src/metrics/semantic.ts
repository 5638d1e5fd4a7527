/**
 * Semantic distance between answers, as NAMED protocols (the paper says "cosine similarity of
 * representations from the embedding layer"; tokens, pooling and 1 − cos are our reading, so each is a choice).
 *
 * A protocol {representation, tokens, pooling, metric} is named `protocolName(p)`, e.g. 'emb/answer/mean/1-cos'
 * (the default, DEFAULT_DISTANCE), 'h-1/answer/mean/l2', 'h2/last-prompt/last/1-cos'. `parseProtocol` inverts it.
 *
 * Token ids (text.ts): an answer with a prompt is the answer part of encodeContinuation(prompt, answer) (the ids
 * training sees); without a prompt, encode(answer.trim()).
 * - representation 'embedding' (name 'emb'): rows of the INPUT embedding matrix `model.embed_tokens.weight` for the
 *   answer ids; no forward pass, so the prompt only affects tokenisation. tokens must be 'answer'.
 * - representation 'output-embedding' (name 'out'): the answer ids' rows of the OUTPUT embedding matrix, the LM head
 *   (`lm_head.weight`, stored [d, V]: its columns); the same as 'embedding' when the model ties them. tokens must be
 *   'answer'. With untied embeddings the two differ: the head row of a word sets its logit (h·w), so output-space
 *   closeness of two answers ties directly to how close their logits start.
 * - representation {layer: i}: hidden state i in the HF convention (0 = input embeddings, i = output of decoder
 *   layer i, L = num_hidden_layers = after the final RMSNorm; negative i counts from the end, −1 = L). One forward
 *   (no grad, batched ≤ 64, right-padded, which causal attention makes invisible) of
 *     [bos] ++ promptIds ++ answerIds   when a prompt is given ("in context"), or
 *     [bos] ++ answerIds                otherwise (BOS per text.ts).
 *   tokens 'answer': the positions of the answer ids, pooled by `pooling`.
 *   tokens 'last-prompt': the final position of [bos] ++ prompt ++ answer, i.e. the representation of the whole
 *   prompted statement (the only position that has read prompt and answer); requires prompts; pooling must be
 *   'last'. (With causal attention it equals 'answer'+'last' in context; it is kept as its own name because it is
 *   the usual "sentence embedding" of a decoder LM.)
 * - pooling over the selected token vectors: 'mean' (float64 sum / count), 'first', 'last'.
 * - metric: 'cosine' → 1 − u·v/(‖u‖‖v‖) in [0, 2] (NaN if a vector is zero); 'euclidean' → ‖u − v‖₂.
 *
 * Target semantic distance of a record = distance(vector(original), vector(target)) under one protocol, both read
 * with the record's prompt when it has one. `promptFeatures` gives the "knowledge feature" of a fact for PCA: the
 * hidden state at the last prompt token (where the model predicts the answer).
 * Functions that read the device are async (`data()`; `dataSync` throws on the WebGPU backend in Node).
 */
import * as tf from '@tensorflow/tfjs';
import type { LlamaModel } from '../model/llama';
import { tidyRead } from '../util/tensors';
import { bosPrefix, checkLength, chunks, continuation, type MetricTokenizer, type TextOptions } from './text';
import {
  cosineSimilarity,
  distance,
  dot,
  euclidean,
  type Metric,
  meanPool,
  norm,
  type Pooling,
  pairDistances,
  poolRows,
} from './vectors';

export type Representation = 'embedding' | 'output-embedding' | { layer: number };
export type { Metric, Pooling };
export { cosineSimilarity, distance, dot, euclidean, meanPool, norm, pairDistances, poolRows };

export interface DistanceProtocol {
  representation: Representation;
  tokens: 'answer' | 'last-prompt';
  pooling: Pooling;
  metric: Metric;
}

/** The paper's choice as we read it: 1 − cosine of the mean input embedding of the answer tokens. */
export const DEFAULT_DISTANCE: DistanceProtocol = {
  representation: 'embedding',
  tokens: 'answer',
  pooling: 'mean',
  metric: 'cosine',
};

const METRIC_NAMES: Record<Metric, string> = { cosine: '1-cos', euclidean: 'l2' };

/**
 * The three semantic spaces of a model, one protocol each (all mean-pooled over the answer tokens, 1 − cos):
 * - 'input-embedding' (the default, our reading of the paper's "embedding layer"): DEFAULT_DISTANCE;
 * - 'output-embedding': the LM-head rows (equal to the input embeddings in a tied model);
 * - 'hidden-state': hidden state 2 (the output of decoder layer 2, the middle of the shipped 4-layer models) at the
 *   answer tokens read in the record's prompt.
 */
export type SemanticSpace = 'input-embedding' | 'output-embedding' | 'hidden-state';

export const SEMANTIC_SPACES: Readonly<Record<SemanticSpace, DistanceProtocol>> = {
  'input-embedding': DEFAULT_DISTANCE,
  'output-embedding': { ...DEFAULT_DISTANCE, representation: 'output-embedding' },
  'hidden-state': { ...DEFAULT_DISTANCE, representation: { layer: 2 } },
};

/**
 * The protocol an experiment measures target distance with: a semantic space ('input-embedding' — the default —,
 * 'output-embedding', 'hidden-state') or any protocol name ('out/answer/mean/1-cos', 'h-1/answer/mean/l2', …).
 * Record `protocolName(result)` with the run.
 */
export function distanceProtocol(spaceOrName: string = 'input-embedding'): DistanceProtocol {
  const space = SEMANTIC_SPACES[spaceOrName as SemanticSpace];
  if (space !== undefined) return space;
  try {
    return parseProtocol(spaceOrName);
  } catch (e) {
    throw new Error(
      `Unknown distance space or protocol '${spaceOrName}': expected one of ${Object.keys(SEMANTIC_SPACES).join(', ')} ` +
        `or a protocol name (${(e as Error).message})`,
    );
  }
}

/** Named alternatives for robustness studies. */
export const DISTANCE_PROTOCOLS: Record<string, DistanceProtocol> = Object.fromEntries(
  (
    [
      DEFAULT_DISTANCE,
      { ...DEFAULT_DISTANCE, metric: 'euclidean' },
      { ...DEFAULT_DISTANCE, pooling: 'first' },
      { ...DEFAULT_DISTANCE, representation: 'output-embedding' },
      { ...DEFAULT_DISTANCE, representation: { layer: 2 } },
      { ...DEFAULT_DISTANCE, representation: { layer: -1 } },
      { representation: { layer: -1 }, tokens: 'last-prompt', pooling: 'last', metric: 'cosine' },
    ] as DistanceProtocol[]
  ).map((p) => [protocolName(p), p]),
);

/** Short stable name, e.g. 'emb/answer/mean/1-cos', 'h-1/last-prompt/last/l2'. */
export function protocolName(p: DistanceProtocol): string {
  const rep =
    p.representation === 'embedding'
      ? 'emb'
      : p.representation === 'output-embedding'
        ? 'out'
        : `h${p.representation.layer}`;
  return `${rep}/${p.tokens}/${p.pooling}/${METRIC_NAMES[p.metric]}`;
}

/** Inverse of protocolName. */
export function parseProtocol(name: string): DistanceProtocol {
  const m = /^(emb|out|h(-?\d+))\/(answer|last-prompt)\/(mean|first|last)\/(1-cos|l2)$/.exec(name.trim());
  if (!m) {
    throw new Error(
      `Unknown distance protocol '${name}': expected <emb|out|hN>/<answer|last-prompt>/<mean|first|last>/<1-cos|l2>`,
    );
  }
  const p: DistanceProtocol = {
    representation:
      m[1] === 'emb' ? 'embedding' : m[1] === 'out' ? 'output-embedding' : { layer: Number(m[2]) },
    tokens: m[3] as DistanceProtocol['tokens'],
    pooling: m[4] as Pooling,
    metric: m[5] === 'l2' ? 'euclidean' : 'cosine',
  };
  validateProtocol(p);
  return p;
}

export function validateProtocol(p: DistanceProtocol): void {
  const name = protocolName(p);
  if (
    (p.representation === 'embedding' || p.representation === 'output-embedding') &&
    p.tokens !== 'answer'
  ) {
    throw new Error(`Distance protocol ${name}: an embedding representation reads answer tokens only`);
  }
  if (p.tokens === 'last-prompt' && p.pooling !== 'last') {
    throw new Error(`Distance protocol ${name}: 'last-prompt' is one position; use pooling 'last'`);
  }
  if (!['cosine', 'euclidean'].includes(p.metric))
    throw new Error(`Distance protocol: unknown metric '${p.metric}'`);
}

// ---- model-backed vectors ----

function resolveLayer(model: LlamaModel, layer: number): number {
  const L = model.config.num_hidden_layers;
  const i = layer < 0 ? L + 1 + layer : layer;
  if (!(Number.isInteger(i) && i >= 0 && i <= L)) {
    throw new Error(`Distance protocol: layer ${layer} is outside 0..${L} (or −${L + 1}..−1)`);
  }
  return i;
}

/**
 * Hidden state `layer` at chosen positions of many sequences: for each sequence, rows `[from, to)` are pooled.
 * Sequences are right-padded in chunks of ≤ batchSize. Returns one vector per sequence.
 */
export async function pooledHidden(
  model: LlamaModel,
  seqs: readonly number[][],
  spans: readonly [number, number][],
  layer: number,
  pooling: Pooling,
  opts: TextOptions & { padId?: number } = {},
): Promise<Float32Array[]> {
  const li = resolveLayer(model, layer);
  const d = model.config.hidden_size;
  const out: Float32Array[] = [];
  for (const [s, e] of chunks(seqs.length, opts.batchSize)) {
    const rows = seqs.slice(s, e);
    const T = Math.max(...rows.map((r) => r.length));
    checkLength(T, model.config.max_position_embeddings, `sequence ${s}..${e - 1}`);
    const flat = new Int32Array(rows.length * T).fill(opts.padId ?? 0);
    const pick: number[] = [];
    rows.forEach((r, b) => {
      flat.set(r, b * T);
      const [from, to] = spans[s + b];
      for (let t = from; t < to; t++) pick.push(b * T + t);
    });
    const data = await tidyRead(() => {
      const ids = tf.tensor2d(flat, [rows.length, T], 'int32');
      const res = model.forward(ids, { outputHidden: true, logitPositions: tf.tensor1d([0], 'int32') });
      const h = res.hidden![li].reshape([rows.length * T, d]);
      return tf.gather(h, tf.tensor1d(pick, 'int32')); // [rows picked, d]
    });
    let at = 0;
    rows.forEach((_, b) => {
      const [from, to] = spans[s + b];
      out.push(poolRows(data, d, at, at + to - from, pooling));
      at += to - from;
    });
  }
  return out;
}

/** One vector per text under `protocol` (see the file comment). `prompts[i]` (optional) gives text i's context. */
export async function answerVectors(
  model: LlamaModel,
  tok: MetricTokenizer,
  texts: readonly string[],
  protocol: DistanceProtocol = DEFAULT_DISTANCE,
  prompts?: readonly (string | undefined)[],
  opts: TextOptions = {},
): Promise<Float32Array[]> {
  validateProtocol(protocol);
  if (prompts !== undefined && prompts.length !== texts.length) {
    throw new RangeError(`answerVectors: ${texts.length} texts but ${prompts.length} prompts`);
  }
  const parts = texts.map((text, i) => {
    const prompt = prompts?.[i];
    const c =
      prompt === undefined
        ? { promptIds: [], answerIds: tok.encode(text.trim()) }
        : continuation(tok, prompt, text);
    if (c.answerIds.length === 0) throw new Error(`answerVectors: text ${i} ('${text}') has no tokens`);
    if (protocol.tokens === 'last-prompt' && prompt === undefined) {
      throw new Error(`answerVectors: protocol ${protocolName(protocol)} needs a prompt for text ${i}`);
    }
    return c;
  });
  if (protocol.representation === 'embedding' || protocol.representation === 'output-embedding') {
    const d = model.config.hidden_size;
    const all = parts.flatMap((p) => p.answerIds);
    const output = protocol.representation === 'output-embedding' && !model.config.tie_word_embeddings;
    const data = await tidyRead(
      () =>
        output
          ? tf.gather(model.param('lm_head.weight'), tf.tensor1d(all, 'int32'), 1).transpose() // [d, n] → [n, d]
          : tf.gather(model.param('model.embed_tokens.weight'), tf.tensor1d(all, 'int32')), // [n, d]
    );
    let at = 0;
    return parts.map((p) => {
      const v = poolRows(data, d, at, at + p.answerIds.length, protocol.pooling);
      at += p.answerIds.length;
      return v;
    });
  }
  const bos = bosPrefix(tok, opts);
  const seqs = parts.map((p) => [...bos, ...p.promptIds, ...p.answerIds]);
  const spans = parts.map((p, i): [number, number] =>
    protocol.tokens === 'last-prompt'
      ? [seqs[i].length - 1, seqs[i].length]
      : [seqs[i].length - p.answerIds.length, seqs[i].length],
  );
  return pooledHidden(model, seqs, spans, protocol.representation.layer, protocol.pooling, {
    ...opts,
    padId: tok.padId,
  });
}

export interface DistanceRecord {
  prompt?: string;
  /** the knowledge the model holds now */
  original: string;
  /** the knowledge to learn */
  target: string;
}

/** Target semantic distance of each record: distance(original, target) under `protocol` (batched). */
export async function targetDistances(
  model: LlamaModel,
  tok: MetricTokenizer,
  records: readonly DistanceRecord[],
  protocol: DistanceProtocol = DEFAULT_DISTANCE,
  opts: TextOptions = {},
): Promise<number[]> {
  const prompts = records.map((r) => r.prompt);
  const texts = [...records.map((r) => r.original), ...records.map((r) => r.target)];
  const vecs = await answerVectors(model, tok, texts, protocol, [...prompts, ...prompts], opts);
  const n = records.length;
  return records.map((_, i) => distance(vecs[i], vecs[n + i], protocol.metric));
}

/** Target semantic distance of one record. */
export async function targetDistance(
  model: LlamaModel,
  tok: MetricTokenizer,
  record: DistanceRecord,
  protocol: DistanceProtocol = DEFAULT_DISTANCE,
  opts: TextOptions = {},
): Promise<number> {
  return (await targetDistances(model, tok, [record], protocol, opts))[0];
}

/**
 * Knowledge features for PCA: hidden state `layer` (HF convention, −1 = after the final norm) at the last token of
 * [bos] ++ encode(prompt.trimEnd()), the position that predicts the answer. One Float32Array per prompt.
 */
export async function promptFeatures(
  model: LlamaModel,
  tok: MetricTokenizer,
  prompts: readonly string[],
  layer = -1,
  opts: TextOptions = {},
): Promise<Float32Array[]> {
  const bos = bosPrefix(tok, opts);
  const seqs = prompts.map((p, i) => {
    const ids = [...bos, ...tok.encode(p.trimEnd())];
    if (ids.length === 0) throw new Error(`promptFeatures: prompt ${i} has no tokens`);
    return ids;
  });
  const spans = seqs.map((s): [number, number] => [s.length - 1, s.length]);
  return pooledHidden(model, seqs, spans, layer, 'last', { ...opts, padId: tok.padId });
}

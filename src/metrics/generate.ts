/**
 * Greedy generation, batched with LEFT padding and an attention mask (the model's positions follow the mask, so a
 * padded row computes exactly what it computes alone, to float rounding).
 *
 * Protocol 'greedy': each step runs the full forward (no KV cache; fine for short answers) on the rows in
 * chunks of ≤ batchSize, takes argmax of the last position's logits (ties → lowest id, tfjs argMax), appends it.
 * A row stops after its own `maxNewTokens` or, with `stopAtEos` (default true), after emitting eosId (the EOS is
 * not returned). Prompt ids are [bos] ++ encode(prompt.trimEnd()) (text.ts); returned texts are decode(new ids).
 * Async: each step reads the argmax with `data()` (`dataSync` throws on the WebGPU backend in Node).
 */
import * as tf from '@tensorflow/tfjs';
import type { LlamaModel } from '../model/llama';
import { tidyRead } from '../util/tensors';
import { bosPrefix, checkLength, chunks, type MetricTokenizer, type TextOptions } from './text';

export interface GenerateIdsOptions {
  /** new tokens per row: one number for all rows, or one per row */
  maxNewTokens: number | readonly number[];
  /** stop a row at eosId (default true when eosId is given) */
  stopAtEos?: boolean;
  eosId?: number;
  /** further token ids that end a row (not returned), e.g. a full stop */
  stopIds?: readonly number[];
  /** id used for left padding (masked out) */
  padId: number;
  batchSize?: number;
  /** adapter of each prompt when the model carries stacked adapters (one batch: batchSize is ignored) */
  rowGroups?: readonly number[];
}

/** Greedy continuation ids of each prompt (prompt ids include any BOS already). */
export async function generateIds(
  model: LlamaModel,
  prompts: readonly (readonly number[])[],
  opts: GenerateIdsOptions,
): Promise<number[][]> {
  const budget = (i: number) =>
    typeof opts.maxNewTokens === 'number' ? opts.maxNewTokens : opts.maxNewTokens[i];
  if (typeof opts.maxNewTokens !== 'number' && opts.maxNewTokens.length !== prompts.length) {
    throw new RangeError(`generate: ${prompts.length} prompts but ${opts.maxNewTokens.length} maxNewTokens`);
  }
  const stopAtEos = (opts.stopAtEos ?? true) && opts.eosId !== undefined;
  const maxPos = model.config.max_position_embeddings;
  prompts.forEach((p, i) => {
    const n = budget(i);
    if (!(Number.isInteger(n) && n >= 0))
      throw new RangeError(`generate: maxNewTokens of prompt ${i} is ${n}`);
    if (p.length === 0) throw new Error(`generate: prompt ${i} has no tokens`);
    checkLength(p.length + Math.max(0, n - 1), maxPos, `generate: prompt ${i} plus ${n} new tokens`);
  });
  const stops = new Set([...(stopAtEos ? [opts.eosId!] : []), ...(opts.stopIds ?? [])]);
  if (opts.rowGroups !== undefined && opts.rowGroups.length !== prompts.length) {
    throw new RangeError(`generate: ${prompts.length} prompts but ${opts.rowGroups.length} rowGroups`);
  }
  const batches =
    opts.rowGroups !== undefined ? [[0, prompts.length]] : chunks(prompts.length, opts.batchSize);
  const out: number[][] = prompts.map(() => []);
  for (const [s, e] of batches) {
    const rows = prompts.slice(s, e).map((p) => [...p]);
    const done = rows.map((_, b) => budget(s + b) === 0);
    while (!done.every(Boolean)) {
      const T = Math.max(...rows.map((r) => r.length));
      const ids = rows.map((r) => [...new Array<number>(T - r.length).fill(opts.padId), ...r]);
      const mask = rows.map((r) => [
        ...new Array<number>(T - r.length).fill(0),
        ...new Array<number>(r.length).fill(1),
      ]);
      const groups = opts.rowGroups?.slice(s, e);
      const tokens = await tidyRead(() =>
        tf.argMax(model.lastLogits(ids, mask, groups as number[] | undefined), -1),
      ); // [B]
      rows.forEach((r, b) => {
        if (done[b]) return;
        const t = tokens[b];
        if (stops.has(t)) {
          done[b] = true;
          return;
        }
        out[s + b].push(t);
        r.push(t);
        if (out[s + b].length >= budget(s + b)) done[b] = true;
      });
    }
  }
  return out;
}

export interface GenerateOptions extends TextOptions {
  maxNewTokens: number | readonly number[];
  /** default true */
  stopAtEos?: boolean;
}

export interface Generation {
  protocol: 'greedy';
  /** new token ids per prompt (EOS excluded) */
  ids: number[][];
  texts: string[];
}

/** Greedy generation from text prompts. */
export async function generate(
  model: LlamaModel,
  tok: MetricTokenizer,
  prompts: readonly string[],
  opts: GenerateOptions,
): Promise<Generation> {
  const bos = bosPrefix(tok, opts);
  const promptIds = prompts.map((p) => [...bos, ...tok.encode(p.trimEnd())]);
  const ids = await generateIds(model, promptIds, {
    maxNewTokens: opts.maxNewTokens,
    stopAtEos: opts.stopAtEos,
    eosId: tok.eosId,
    padId: tok.padId,
    batchSize: opts.batchSize,
  });
  return { protocol: 'greedy', ids, texts: ids.map((x) => tok.decode(x)) };
}

/**
 * How the metrics turn text into token ids — one convention shared by semantic.ts and accuracy.ts:
 * - A prompt/answer pair is tokenised as the tokenizer's `encodeContinuation(prompt, answer)` when it has one,
 *   else as `continuationIds` below (the same rule as src/model/tokenizer.ts): promptIds ++ answerIds ==
 *   encode(prompt.trimEnd() + ' ' + answer.trimStart()), i.e. exactly what teacher-forced training sees.
 * - An answer without a prompt is encode(answer.trim()).
 * - A model input is [bosId] ++ ids when `addBos` (default: true when the tokenizer defines bosId, as LLaMA
 *   expects; pass `addBos: false` for models trained without BOS).
 * - Work is split in chunks of at most `batchSize` sequences (default 64).
 */

/** The part of src/model/tokenizer.ts's Tokenizer that the metrics use. */
export interface MetricTokenizer {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  readonly padId: number;
  readonly bosId?: number;
  readonly eosId?: number;
  encodeContinuation?(prompt: string, answer: string): { promptIds: number[]; answerIds: number[] };
}

export interface TextOptions {
  /** prepend the tokenizer's bosId (default: when it has one) */
  addBos?: boolean;
  /** sequences per forward pass (default 64) */
  batchSize?: number;
}

export const DEFAULT_BATCH = 64;

/** promptIds ++ answerIds == encode(prompt.trimEnd() + ' ' + answer.trimStart()). */
export function continuation(
  tok: MetricTokenizer,
  prompt: string,
  answer: string,
): { promptIds: number[]; answerIds: number[] } {
  if (tok.encodeContinuation) {
    const c = tok.encodeContinuation(prompt, answer);
    return { promptIds: c.promptIds, answerIds: c.answerIds };
  }
  const p = prompt.trimEnd();
  const a = answer.trimStart();
  const alone = tok.encode(p);
  if (a === '') return { promptIds: alone, answerIds: [] };
  const full = tok.encode(`${p} ${a}`);
  let k = 0;
  while (k < alone.length && k < full.length && alone[k] === full[k]) k++;
  return { promptIds: full.slice(0, k), answerIds: full.slice(k) };
}

/** The BOS prefix ([] or [bosId]) under `opts.addBos`. */
export function bosPrefix(tok: MetricTokenizer, opts: TextOptions = {}): number[] {
  const add = opts.addBos ?? tok.bosId !== undefined;
  if (!add) return [];
  if (tok.bosId === undefined) throw new Error('addBos is true but the tokenizer has no bosId');
  return [tok.bosId];
}

/**
 * The one encoder of a prompt/answer pair for scoring and training (experiments, the pool, the probes):
 * prompt = [bos] ++ promptIds (under `opts.addBos`), answer = answerIds, by `continuation`.
 */
export function encodeScored(
  tok: MetricTokenizer,
  prompt: string,
  answer: string,
  opts: TextOptions = {},
): { prompt: number[]; answer: number[] } {
  const bos = bosPrefix(tok, opts);
  const c = continuation(tok, prompt, answer);
  return { prompt: [...bos, ...c.promptIds], answer: c.answerIds };
}

/** Splits 0..n−1 into consecutive index ranges of at most `size`. */
export function chunks(n: number, size = DEFAULT_BATCH): [number, number][] {
  if (!(Number.isInteger(size) && size >= 1))
    throw new RangeError(`batchSize must be a positive integer, got ${size}`);
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(n, s + size)]);
  return out;
}

/** Throws when a sequence of `len` tokens does not fit the model. */
export function checkLength(len: number, max: number, what: string): void {
  if (len > max) throw new Error(`${what}: ${len} tokens exceed the model's ${max} positions`);
}

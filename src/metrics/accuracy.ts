/**
 * Knowledge-learning accuracy under NAMED protocols (the paper does not say whether accuracy is exact match or
 * token accuracy, README: what we do not know of the paper's method). Token ids follow text.ts: promptIds ++ answerIds = encode(prompt + ' ' + answer)
 * via encodeContinuation, inputs start with [bos] (when the tokenizer has one, unless addBos: false).
 * Everything runs without gradients, in chunks of ≤ batchSize (64) sequences, inside tf.tidy; results are read with
 * async `data()` (`dataSync` throws on the WebGPU backend in Node), so every scorer returns a Promise.
 *
 * - 'greedy-exact-match': greedy-decode exactly n = |answerIds| tokens after [bos] ++ promptIds (left-padded
 *   batch, generate.ts, EOS not special) and compare the ids with answerIds; correct iff all n are equal.
 * - 'teacher-forced-token-acc': one forward on [bos] ++ promptIds ++ answerIds (right-padded); answer token j is
 *   correct iff argmax of the logits at the position before it equals it. Per record: fraction of its answer
 *   tokens; `accuracy` = mean over records (macro), `tokenAccuracy` = over all answer tokens (micro),
 *   `allCorrect[i]` = every token right (equals greedy exact match, since greedy feeds back the same tokens).
 * - 'sum-logprob': log P(answer | prompt) = Σ_j log softmax(logits_{t_j − 1})[answer_j] (natural log); also the
 *   per-token mean.
 * - ROME-style CounterFact scores per record (Meng et al. 2022), comparing P(a) by `compare`: 'mean' (default,
 *   as ROME's code: mean per-token log-prob, i.e. geometric-mean probability, which does not favour short
 *   answers) or 'sum' (the string's joint probability). Protocol names 'rome/mean-logprob', 'rome/sum-logprob'.
 *     efficacy               [P(target | prompt) > P(original | prompt)] (0/1)
 *     paraphrase             mean over paraphrases of the same comparison (NaN when a record has none)
 *     neighbourhoodScore     mean over neighbourhood prompts of [P(neighbour's answer) > P(target)] (NaN if none)
 *     neighbourhoodAccuracy  mean over neighbourhood prompts of greedy exact match of the neighbour's answer
 *                            (locality; NaN if none)
 *   plus margins (target − original log-prob on the prompt). `means` averages records, skipping NaN.
 */
import type { LlamaModel } from '../model/llama';
import { type ScoredItem, scoreTokens, type TokenScores } from './evaluate';
import { generateIds } from './generate';
import { checkLength, chunks, encodeScored, type MetricTokenizer, type TextOptions } from './text';

export interface PromptAnswer {
  prompt: string;
  answer: string;
}

function encodeAll(
  model: LlamaModel,
  tok: MetricTokenizer,
  items: readonly PromptAnswer[],
  opts: TextOptions,
): ScoredItem[] {
  return items.map((it, i) => {
    const e = encodeScored(tok, it.prompt, it.answer, opts);
    if (e.answer.length === 0) throw new Error(`record ${i}: field 'answer' ('${it.answer}') has no tokens`);
    if (e.prompt.length === 0)
      throw new Error(`record ${i}: field 'prompt' has no tokens and there is no BOS`);
    checkLength(e.prompt.length + e.answer.length, model.config.max_position_embeddings, `record ${i}`);
    return e;
  });
}

export type { TokenScores };

/** Teacher-forced per-token log-probs and argmax hits for each prompt/answer pair (evaluate.ts scoreTokens). */
export async function scoreAnswers(
  model: LlamaModel,
  tok: MetricTokenizer,
  items: readonly PromptAnswer[],
  opts: TextOptions = {},
): Promise<TokenScores> {
  const enc = encodeAll(model, tok, items, opts);
  const logProbs: number[][] = [];
  const correct: boolean[][] = [];
  for (const [s, e] of chunks(enc.length, opts.batchSize)) {
    const part = await scoreTokens(model, enc.slice(s, e), tok.padId);
    logProbs.push(...part.logProbs);
    correct.push(...part.correct);
  }
  return { logProbs, correct };
}

export interface LogProbResult {
  protocol: 'sum-logprob';
  /** Σ over answer tokens of log P (natural log) */
  logProbs: number[];
  /** logProbs / numTokens */
  meanLogProbs: number[];
  numTokens: number[];
}

/** log P(answer | prompt) for each pair, batched. */
export async function answerLogProbs(
  model: LlamaModel,
  tok: MetricTokenizer,
  items: readonly PromptAnswer[],
  opts: TextOptions = {},
): Promise<LogProbResult> {
  const { logProbs } = await scoreAnswers(model, tok, items, opts);
  const sums = logProbs.map((l) => l.reduce((a, b) => a + b, 0));
  return {
    protocol: 'sum-logprob',
    logProbs: sums,
    meanLogProbs: sums.map((x, i) => x / logProbs[i].length),
    numTokens: logProbs.map((l) => l.length),
  };
}

export interface TokenAccuracy {
  protocol: 'teacher-forced-token-acc';
  /** per record: fraction of its answer tokens predicted */
  perRecord: number[];
  allCorrect: boolean[];
  /** mean of perRecord (macro) */
  accuracy: number;
  /** over all answer tokens (micro) */
  tokenAccuracy: number;
}

export async function teacherForcedAccuracy(
  model: LlamaModel,
  tok: MetricTokenizer,
  items: readonly PromptAnswer[],
  opts: TextOptions = {},
): Promise<TokenAccuracy> {
  const { correct } = await scoreAnswers(model, tok, items, opts);
  const perRecord = correct.map((c) => c.filter(Boolean).length / c.length);
  const hits = correct.reduce((a, c) => a + c.filter(Boolean).length, 0);
  const total = correct.reduce((a, c) => a + c.length, 0);
  return {
    protocol: 'teacher-forced-token-acc',
    perRecord,
    allCorrect: correct.map((c) => c.every(Boolean)),
    accuracy: mean(perRecord),
    tokenAccuracy: total === 0 ? Number.NaN : hits / total,
  };
}

export interface ExactMatch {
  protocol: 'greedy-exact-match';
  correct: boolean[];
  accuracy: number;
  /** the greedy ids (as many as the answer has tokens) and their text */
  predictedIds: number[][];
  predictions: string[];
}

export async function exactMatch(
  model: LlamaModel,
  tok: MetricTokenizer,
  items: readonly PromptAnswer[],
  opts: TextOptions = {},
): Promise<ExactMatch> {
  const enc = encodeAll(model, tok, items, opts);
  const predictedIds = await generateIds(
    model,
    enc.map((e) => e.prompt),
    {
      maxNewTokens: enc.map((e) => e.answer.length),
      stopAtEos: false,
      padId: tok.padId,
      batchSize: opts.batchSize,
    },
  );
  const correct = enc.map((e, i) => e.answer.every((t, j) => predictedIds[i][j] === t));
  return {
    protocol: 'greedy-exact-match',
    correct,
    accuracy: mean(correct.map(Number)),
    predictedIds,
    predictions: predictedIds.map((ids) => tok.decode(ids)),
  };
}

export interface RomeRecord {
  prompt: string;
  original: string;
  target: string;
  paraphrases?: readonly string[];
  neighbourhood?: readonly PromptAnswer[];
}

export interface RomeCaseScores {
  efficacy: number;
  /** log P(target) − log P(original) on the prompt, under `compare` */
  efficacyMargin: number;
  paraphrase: number;
  neighbourhoodScore: number;
  neighbourhoodAccuracy: number;
}

export interface RomeScores {
  protocol: 'rome/mean-logprob' | 'rome/sum-logprob';
  perRecord: RomeCaseScores[];
  /** means over records (NaN entries skipped) */
  means: RomeCaseScores;
}

/** ROME/CounterFact scores for each record (see the file comment). */
export async function romeScores(
  model: LlamaModel,
  tok: MetricTokenizer,
  records: readonly RomeRecord[],
  opts: TextOptions & { compare?: 'mean' | 'sum' } = {},
): Promise<RomeScores> {
  const compare = opts.compare ?? 'mean';
  // one flat list of (prompt, answer) pairs: per record [target, original] on the prompt and each paraphrase,
  // and [neighbour answer, target] on each neighbourhood prompt
  const pairs: PromptAnswer[] = [];
  const neighbours: PromptAnswer[] = [];
  records.forEach((r) => {
    for (const p of [r.prompt, ...(r.paraphrases ?? [])]) {
      pairs.push({ prompt: p, answer: r.target }, { prompt: p, answer: r.original });
    }
    for (const n of r.neighbourhood ?? []) {
      pairs.push({ prompt: n.prompt, answer: n.answer }, { prompt: n.prompt, answer: r.target });
      neighbours.push(n);
    }
  });
  const lp = await answerLogProbs(model, tok, pairs, opts);
  const score = compare === 'mean' ? lp.meanLogProbs : lp.logProbs;
  const em = neighbours.length > 0 ? (await exactMatch(model, tok, neighbours, opts)).correct : [];
  let at = 0;
  let nAt = 0;
  const perRecord = records.map((r): RomeCaseScores => {
    const wins: number[] = [];
    for (let i = 0; i <= (r.paraphrases?.length ?? 0); i++, at += 2)
      wins.push(score[at] > score[at + 1] ? 1 : 0);
    const margin = score[at - 2 * wins.length] - score[at - 2 * wins.length + 1];
    const ns: number[] = [];
    const na: number[] = [];
    for (let i = 0; i < (r.neighbourhood?.length ?? 0); i++, at += 2, nAt++) {
      ns.push(score[at] > score[at + 1] ? 1 : 0);
      na.push(em[nAt] ? 1 : 0);
    }
    return {
      efficacy: wins[0],
      efficacyMargin: margin,
      paraphrase: mean(wins.slice(1)),
      neighbourhoodScore: mean(ns),
      neighbourhoodAccuracy: mean(na),
    };
  });
  const avg = (k: keyof RomeCaseScores) => mean(perRecord.map((c) => c[k]).filter((x) => !Number.isNaN(x)));
  return {
    protocol: compare === 'mean' ? 'rome/mean-logprob' : 'rome/sum-logprob',
    perRecord,
    means: {
      efficacy: avg('efficacy'),
      efficacyMargin: avg('efficacyMargin'),
      paraphrase: avg('paraphrase'),
      neighbourhoodScore: avg('neighbourhoodScore'),
      neighbourhoodAccuracy: avg('neighbourhoodAccuracy'),
    },
  };
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * Tokenizers behind one interface:
 * - `WordTokenizer`: word-level, for our small models; saved as a Hugging Face `tokenizer.json` with a
 *   `WordLevel` model that Python `tokenizers` reads (normalizer Lowercase when lowercasing, pre-tokenizer
 *   Sequence[WhitespaceSplit, Punctuation(Isolated)], special tokens as added_tokens).
 * - `HFTokenizer`: any `tokenizer.json` (LLaMA sentencepiece-BPE, byte-level BPE, …) through the pure-JS
 *   `@huggingface/tokenizers`.
 * `encode` never adds special tokens: callers prepend `bosId` themselves where the model expects it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer as HFCore } from '@huggingface/tokenizers';
import { writeFileAtomic } from './safetensors';

export interface Continuation {
  promptIds: number[];
  answerIds: number[];
  /** true when promptIds === encode(prompt), i.e. the answer did not change the prompt's tokens */
  aligned: boolean;
}

export interface Tokenizer {
  readonly kind: 'word' | 'hf';
  encode(text: string): number[];
  /** special tokens (pad, bos, eos, …) are skipped */
  decode(ids: readonly number[]): string;
  readonly vocabSize: number;
  readonly padId: number;
  readonly unkId: number;
  readonly bosId?: number;
  readonly eosId?: number;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  /** tokens of `prompt` and of `answer` as they appear in encode(prompt + ' ' + answer); see continuationIds */
  encodeContinuation(prompt: string, answer: string): Continuation;
  /** the tokenizer.json content */
  toJSON(): Record<string, unknown>;
}

/**
 * Split encode(full) with full = prompt.trimEnd() + ' ' + answer.trimStart() into prompt and answer parts, so
 * promptIds ++ answerIds always equals encode(full) exactly (what the model sees in teacher forcing).
 * When encode(prompt) is a prefix of encode(full) (always for WordTokenizer and for LLaMA sentencepiece
 * tokenizers, whose pieces start at spaces) that prefix is promptIds. Otherwise the boundary is the longest
 * common prefix of encode(prompt) and encode(full), and `aligned` is false (a token merged across the seam).
 */
export function continuationIds(
  tok: Pick<Tokenizer, 'encode'>,
  prompt: string,
  answer: string,
): Continuation {
  const p = prompt.trimEnd();
  const a = answer.trimStart();
  const promptAlone = tok.encode(p);
  if (a === '') return { promptIds: promptAlone, answerIds: [], aligned: true };
  const full = tok.encode(`${p} ${a}`);
  let k = 0;
  while (k < promptAlone.length && k < full.length && promptAlone[k] === full[k]) k++;
  return { promptIds: full.slice(0, k), answerIds: full.slice(k), aligned: k === promptAlone.length };
}

export class TokenizerError extends Error {
  constructor(file: string, field: string, detail: string) {
    super(`${file}: ${field}: ${detail}`);
    this.name = 'TokenizerError';
  }
}

export const SPECIAL_TOKENS = ['<pad>', '<unk>', '<bos>', '<eos>'] as const;
/**
 * Pre-tokenizer, the same as HF Sequence[WhitespaceSplit, Punctuation(Isolated)]: runs of characters that are
 * neither Unicode White_Space nor punctuation form a word; every punctuation character is its own token.
 * Punctuation = ASCII punctuation (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~) plus Unicode category P.
 * "It's Paris." → ["it", "'", "s", "paris", "."] (with lowercase).
 */
export const WORD_REGEX = /[^\p{White_Space}!-/:-@[-`{-~\p{P}]+|[!-/:-@[-`{-~\p{P}]/gu;
const PRE_TOKENIZER = {
  type: 'Sequence',
  pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Punctuation', behavior: 'Isolated' }],
};

/** Flags of every special token in tokenizer.json (matched on raw text, before normalisation). */
const ADDED_TOKEN = { single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
/** tokenizer_config.json written next to a WordTokenizer's tokenizer.json. */
const WORD_TOKENIZER_CONFIG = {
  tokenizer_class: 'PreTrainedTokenizerFast',
  ...Object.fromEntries(['pad', 'unk', 'bos', 'eos'].map((k) => [`${k}_token`, `<${k}>`])),
};

export interface WordTrainOptions {
  /** keep words seen at least this often (default 1) */
  minCount?: number;
  /** total vocabulary size including the 4 special tokens (default unlimited) */
  maxVocab?: number;
  /** lowercase before splitting (default true) */
  lowercase?: boolean;
}

export class WordTokenizer implements Tokenizer {
  readonly kind = 'word';
  readonly padId: number;
  readonly unkId: number;
  readonly bosId: number;
  readonly eosId: number;
  private readonly ids: Map<string, number>;
  private readonly specialRe: RegExp;

  /** `vocab[i]` is the token of id i; it must contain the 4 special tokens. */
  constructor(
    readonly vocab: readonly string[],
    readonly lowercase: boolean,
  ) {
    this.ids = new Map(vocab.map((t, i) => [t, i]));
    if (this.ids.size !== vocab.length) throw new Error('WordTokenizer: vocabulary has duplicate tokens');
    const id = (t: string) => {
      const i = this.ids.get(t);
      if (i === undefined) throw new Error(`WordTokenizer: vocabulary lacks the special token ${t}`);
      return i;
    };
    [this.padId, this.unkId, this.bosId, this.eosId] = SPECIAL_TOKENS.map(id);
    this.specialRe = new RegExp(`(${SPECIAL_TOKENS.join('|')})`);
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  /** Words of `text` after normalisation and pre-tokenisation (no special-token handling). */
  words(text: string): string[] {
    return (this.lowercase ? text.toLowerCase() : text).match(WORD_REGEX) ?? [];
  }

  /** Deterministic: tokens sorted by count (descending), then by code units; ids 0–3 are the special tokens. */
  static train(texts: Iterable<string>, opts: WordTrainOptions = {}): WordTokenizer {
    const { minCount = 1, maxVocab = Number.POSITIVE_INFINITY, lowercase = true } = opts;
    const probe = new WordTokenizer([...SPECIAL_TOKENS], lowercase);
    const counts = new Map<string, number>();
    for (const text of texts) {
      for (const w of probe.words(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    const specials = new Set<string>(SPECIAL_TOKENS);
    const words = [...counts]
      .filter(([w, c]) => c >= minCount && !specials.has(w))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, Math.max(0, maxVocab - SPECIAL_TOKENS.length))
      .map(([w]) => w);
    return new WordTokenizer([...SPECIAL_TOKENS, ...words], lowercase);
  }

  encode(text: string): number[] {
    const out: number[] = [];
    // special tokens are matched in the raw text first (like HF added_tokens); odd parts are specials
    text.split(this.specialRe).forEach((part, i) => {
      if (i % 2 === 1) out.push(this.ids.get(part)!);
      else for (const w of this.words(part)) out.push(this.ids.get(w) ?? this.unkId);
    });
    return out;
  }

  /** Tokens joined by single spaces (as HF WordLevel without a decoder), special tokens skipped. */
  decode(ids: readonly number[]): string {
    const skip = new Set([this.padId, this.bosId, this.eosId]);
    return ids
      .filter((i) => !skip.has(i))
      .map((i) => {
        const t = this.vocab[i];
        if (t === undefined)
          throw new RangeError(`WordTokenizer.decode: id ${i} outside vocabulary of ${this.vocabSize}`);
        return t;
      })
      .join(' ');
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }
  idToToken(id: number): string | undefined {
    return this.vocab[id];
  }
  /** Exact for word-level tokens: whitespace is always a token boundary, so aligned is always true. */
  encodeContinuation(prompt: string, answer: string): Continuation {
    return continuationIds(this, prompt, answer);
  }

  toJSON(): Record<string, unknown> {
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: SPECIAL_TOKENS.map((t) => ({ id: this.ids.get(t), content: t, ...ADDED_TOKEN })),
      normalizer: this.lowercase ? { type: 'Lowercase' } : null,
      pre_tokenizer: PRE_TOKENIZER,
      post_processor: null,
      decoder: null,
      model: { type: 'WordLevel', vocab: Object.fromEntries(this.ids), unk_token: '<unk>' },
    };
  }

  /** Build from a tokenizer.json object; `file` names it in errors. */
  static fromJSON(json: Record<string, unknown>, file = 'tokenizer.json'): WordTokenizer {
    const model = json.model as Record<string, unknown> | undefined;
    if (model?.type !== 'WordLevel') throw new TokenizerError(file, 'model.type', 'must be "WordLevel"');
    if (JSON.stringify(json.pre_tokenizer) !== JSON.stringify(PRE_TOKENIZER)) {
      throw new TokenizerError(file, 'pre_tokenizer', `must be ${JSON.stringify(PRE_TOKENIZER)}`);
    }
    const norm = json.normalizer as { type?: string } | null | undefined;
    if (norm && norm.type !== 'Lowercase')
      throw new TokenizerError(file, 'normalizer', 'must be Lowercase or null');
    const vocab = model.vocab as Record<string, unknown> | undefined;
    if (!vocab || typeof vocab !== 'object') throw new TokenizerError(file, 'model.vocab', 'missing');
    const byId: string[] = [];
    for (const [t, i] of Object.entries(vocab)) {
      if (!Number.isSafeInteger(i) || (i as number) < 0 || byId[i as number] !== undefined) {
        throw new TokenizerError(file, `model.vocab["${t}"]`, `bad or duplicate id ${JSON.stringify(i)}`);
      }
      byId[i as number] = t;
    }
    for (let i = 0; i < byId.length; i++) {
      if (byId[i] === undefined)
        throw new TokenizerError(file, 'model.vocab', `ids are not contiguous: ${i} is missing`);
    }
    try {
      return new WordTokenizer(byId, !!norm);
    } catch (e) {
      throw new TokenizerError(file, 'model.vocab', (e as Error).message);
    }
  }

  /** Write tokenizer.json atomically. */
  save(file: string): void {
    writeFileAtomic(file, `${JSON.stringify(this.toJSON(), null, 1)}\n`);
  }
}

function tokenContent(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') {
    return (v as { content: string }).content;
  }
  return undefined;
}

/** A Hugging Face tokenizer.json (+ optional tokenizer_config.json) through @huggingface/tokenizers. */
export class HFTokenizer implements Tokenizer {
  readonly kind = 'hf';
  readonly vocabSize: number;
  readonly padId: number;
  readonly unkId: number;
  readonly bosId?: number;
  readonly eosId?: number;
  private readonly core: HFCore;

  constructor(
    readonly json: Record<string, unknown>,
    readonly config: Record<string, unknown> = {},
  ) {
    this.core = new HFCore(json, config);
    let max = -1;
    for (const id of this.core.get_vocab(true).values()) max = Math.max(max, id);
    this.vocabSize = max + 1;
    const id = (v: unknown) => {
      const t = tokenContent(v);
      return t === undefined ? undefined : this.core.token_to_id(t);
    };
    const model = (json.model ?? {}) as Record<string, unknown>;
    this.bosId =
      id(config.bos_token) ?? (config.bos_token === undefined ? this.core.token_to_id('<s>') : undefined);
    this.eosId =
      id(config.eos_token) ?? (config.eos_token === undefined ? this.core.token_to_id('</s>') : undefined);
    const unk = id(config.unk_token) ?? id(model.unk_token);
    this.padId = id(config.pad_token) ?? unk ?? this.eosId ?? 0;
    this.unkId = unk ?? this.padId;
  }

  encode(text: string): number[] {
    return this.core.encode(text, { add_special_tokens: false }).ids;
  }
  decode(ids: readonly number[]): string {
    return this.core.decode([...ids], { skip_special_tokens: true });
  }
  tokenToId(token: string): number | undefined {
    return this.core.token_to_id(token);
  }
  idToToken(id: number): string | undefined {
    return this.core.id_to_token(id);
  }
  encodeContinuation(prompt: string, answer: string): Continuation {
    return continuationIds(this, prompt, answer);
  }
  toJSON(): Record<string, unknown> {
    return this.json;
  }
}

function readJson(file: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TokenizerError(file, '(file)', `cannot read JSON (${(e as Error).message})`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new TokenizerError(file, '(root)', 'not a JSON object');
  return v as Record<string, unknown>;
}

/**
 * Load `dir/tokenizer.json`: a WordLevel model with our pre-tokenizer → WordTokenizer, anything else →
 * HFTokenizer (with `dir/tokenizer_config.json` when present).
 */
export function loadTokenizer(dir: string): Tokenizer {
  const file = path.join(dir, 'tokenizer.json');
  const json = readJson(file);
  const model = json.model as { type?: string } | undefined;
  if (model?.type === 'WordLevel' && JSON.stringify(json.pre_tokenizer) === JSON.stringify(PRE_TOKENIZER)) {
    return WordTokenizer.fromJSON(json, file);
  }
  const cfgFile = path.join(dir, 'tokenizer_config.json');
  const config = fs.existsSync(cfgFile) ? readJson(cfgFile) : {};
  try {
    return new HFTokenizer(json, config);
  } catch (e) {
    throw new TokenizerError(file, '(tokenizer)', (e as Error).message);
  }
}

/**
 * Write `dir/tokenizer.json` and `dir/tokenizer_config.json`, atomically: an HFTokenizer's own config (if it
 * had one); for a WordTokenizer the special tokens, so Python `AutoTokenizer.from_pretrained(dir)` knows them.
 */
export function saveTokenizer(dir: string, tok: Tokenizer): void {
  writeFileAtomic(path.join(dir, 'tokenizer.json'), `${JSON.stringify(tok.toJSON(), null, 1)}\n`);
  const config = tok instanceof HFTokenizer ? tok.config : WORD_TOKENIZER_CONFIG;
  if (Object.keys(config).length > 0) {
    writeFileAtomic(path.join(dir, 'tokenizer_config.json'), `${JSON.stringify(config, null, 1)}\n`);
  }
}

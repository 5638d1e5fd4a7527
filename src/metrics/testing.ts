/**
 * Test support for src/metrics: a toy whitespace tokenizer over a fixed vocabulary of 24 tokens (ids 0–3
 * special), matching tinyConfig()'s vocab_size.
 */
import type { MetricTokenizer } from './text';

export const TOY_WORDS = [
  '<pad>',
  '<unk>',
  '<bos>',
  '<eos>',
  'the',
  'capital',
  'of',
  'france',
  'is',
  'paris',
  'rome',
  'new',
  'york',
  'city',
  'speaks',
  'french',
  'english',
  'italy',
  'germany',
  'berlin',
  'a',
  'b',
  'c',
  'd',
];

export function toyTokenizer(words: readonly string[] = TOY_WORDS, withBos = true): MetricTokenizer {
  const ids = new Map(words.map((w, i) => [w, i]));
  return {
    padId: 0,
    bosId: withBos ? 2 : undefined,
    eosId: 3,
    encode: (text) =>
      text
        .toLowerCase()
        .split(/\s+/)
        .filter(Boolean)
        .map((w) => ids.get(w) ?? 1),
    // keeps special tokens, so encode(decode(ids)) = ids
    decode: (seq) => seq.map((i) => words[i]).join(' '),
  };
}

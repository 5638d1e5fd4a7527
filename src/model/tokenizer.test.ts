import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  continuationIds,
  HFTokenizer,
  loadTokenizer,
  SPECIAL_TOKENS,
  saveTokenizer,
  TokenizerError,
  WordTokenizer,
} from './tokenizer';

const FIX = path.join(__dirname, '../../test/fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tok-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('WordTokenizer', () => {
  const texts = ['The capital of France is Paris.', 'Paris is in France!', 'the the Berlin'];

  test('train is deterministic: count descending, then lexicographic; specials first', () => {
    const tok = WordTokenizer.train(texts);
    assert.deepEqual(tok.vocab.slice(0, 4), [...SPECIAL_TOKENS]);
    // counts: the 3, france 2, is 2, paris 2, then 1s in code-unit order ('!' < '.' < letters)
    assert.deepEqual(tok.vocab.slice(4), [
      'the',
      'france',
      'is',
      'paris',
      '!',
      '.',
      'berlin',
      'capital',
      'in',
      'of',
    ]);
    assert.deepEqual(WordTokenizer.train([...texts].reverse()).vocab, tok.vocab);
    assert.deepEqual([tok.padId, tok.unkId, tok.bosId, tok.eosId], [0, 1, 2, 3]);
  });

  test('minCount, maxVocab (counts the specials) and lowercase options', () => {
    assert.deepEqual(WordTokenizer.train(texts, { minCount: 2 }).vocab.slice(4), [
      'the',
      'france',
      'is',
      'paris',
    ]);
    assert.equal(WordTokenizer.train(texts, { maxVocab: 6 }).vocabSize, 6);
    const cased = WordTokenizer.train(texts, { lowercase: false });
    assert.ok(cased.tokenToId('The') !== undefined && cased.tokenToId('the') !== undefined);
  });

  test('splits words and isolates each punctuation character (documented regex)', () => {
    const tok = WordTokenizer.train([]);
    assert.deepEqual(tok.words("It's Paris.\t(Yes)—«oui» 3.5% café_x"), [
      'it',
      "'",
      's',
      'paris',
      '.',
      '(',
      'yes',
      ')',
      '—',
      '«',
      'oui',
      '»',
      '3',
      '.',
      '5',
      '%',
      'café',
      '_',
      'x',
    ]);
  });

  test('encode / decode, unknown words, special tokens in text', () => {
    const tok = WordTokenizer.train(texts);
    const ids = tok.encode('<bos>The capital of Spain is Madrid.<eos>');
    assert.deepEqual(ids, [2, 4, 11, 13, 1, 6, 1, 9, 3]);
    assert.equal(tok.decode(ids), 'the capital of <unk> is <unk> .');
    assert.throws(() => tok.decode([999]), RangeError);
  });

  test('encodeContinuation equals encode(prompt + " " + answer) split at the prompt', () => {
    const tok = WordTokenizer.train(texts);
    const c = tok.encodeContinuation('The capital of France is ', ' Paris');
    assert.deepEqual([...c.promptIds, ...c.answerIds], tok.encode('The capital of France is Paris'));
    assert.deepEqual(c.answerIds, [tok.tokenToId('paris')]);
    assert.equal(c.aligned, true);
    assert.deepEqual(tok.encodeContinuation('a b', '').answerIds, []);
  });

  test('save → loadTokenizer round trip as a HF WordLevel tokenizer.json', () => {
    const tok = WordTokenizer.train(texts);
    saveTokenizer(tmp, tok);
    const json = JSON.parse(fs.readFileSync(path.join(tmp, 'tokenizer.json'), 'utf8'));
    assert.equal(json.model.type, 'WordLevel');
    assert.equal(json.model.unk_token, '<unk>');
    assert.deepEqual(json.normalizer, { type: 'Lowercase' });
    assert.deepEqual(
      json.added_tokens.map((t: { content: string; id: number }) => [t.content, t.id]),
      [
        ['<pad>', 0],
        ['<unk>', 1],
        ['<bos>', 2],
        ['<eos>', 3],
      ],
    );
    const back = loadTokenizer(tmp);
    assert.ok(back instanceof WordTokenizer);
    assert.deepEqual(back.vocab, tok.vocab);
    assert.deepEqual(back.encode('Paris is the capital.'), tok.encode('Paris is the capital.'));
  });

  test('loads the PyTorch fixture tokenizer and reproduces its input ids', () => {
    const tok = loadTokenizer(path.join(FIX, 'tiny-llama'));
    const { inputs } = JSON.parse(fs.readFileSync(path.join(FIX, 'tiny-llama/expected_logits.json'), 'utf8'));
    assert.equal(tok.vocabSize, 64);
    assert.deepEqual([tok.bosId!, ...tok.encode('The capital of France is Paris.')], inputs[0]);
    assert.deepEqual([tok.bosId!, ...tok.encode('Who was born in Tokyo')], inputs[1]);
  });

  test('bad tokenizer.json names the file and the field', () => {
    const json = WordTokenizer.train(texts).toJSON() as { model: { vocab: Record<string, number> } };
    json.model.vocab.paris = 4;
    assert.throws(
      () => WordTokenizer.fromJSON(json, 'x/tokenizer.json'),
      /x\/tokenizer\.json: model\.vocab\["\S+"\]: bad or duplicate id 4/,
    );
    const dir = path.join(tmp, 'badjson');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{oops');
    assert.throws(
      () => loadTokenizer(dir),
      (e: Error) => e instanceof TokenizerError && e.message.includes(dir),
    );
  });
});

/** A miniature LLaMA-style (sentencepiece BPE) tokenizer.json: Prepend/Replace '▁' normalizer, BPE merges. */
function llamaStyleJson(words: string[]): Record<string, unknown> {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  const add = (t: string) => {
    if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  };
  const merges: string[] = [];
  for (const w of words.map((x) => `▁${x}`)) {
    for (const ch of w) add(ch);
    let cur = w[0];
    for (const ch of w.slice(1)) {
      if (!merges.includes(`${cur} ${ch}`)) merges.push(`${cur} ${ch}`);
      cur += ch;
      add(cur);
    }
  }
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: null,
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      fuse_unk: true,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

describe('HFTokenizer', () => {
  const dir = path.join(tmp, 'llama-tok');
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(dir, 'tokenizer.json'),
    JSON.stringify(llamaStyleJson(['The', 'capital', 'of', 'France', 'is', 'Paris'])),
  );
  fs.writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({ bos_token: '<s>', eos_token: { content: '</s>' }, unk_token: '<unk>' }),
  );

  test('loadTokenizer picks HFTokenizer for BPE; special ids from tokenizer_config.json', () => {
    const tok = loadTokenizer(dir);
    assert.ok(tok instanceof HFTokenizer);
    assert.deepEqual([tok.bosId, tok.eosId, tok.unkId, tok.padId], [1, 2, 0, 0]);
    const ids = tok.encode('The capital of France is Paris');
    assert.deepEqual(
      ids.map((i) => tok.idToToken(i)),
      ['▁The', '▁capital', '▁of', '▁France', '▁is', '▁Paris'],
    );
    assert.equal(tok.decode([1, ...ids, 2]), 'The capital of France is Paris');
    assert.equal(tok.tokenToId('▁Paris'), ids[5]);
  });

  test('encodeContinuation: sentencepiece prompt tokens stay unchanged; answer gets its "▁" piece', () => {
    const tok = loadTokenizer(dir);
    const c = tok.encodeContinuation('The capital of France is', 'Paris');
    assert.equal(c.aligned, true);
    assert.deepEqual(c.promptIds, tok.encode('The capital of France is'));
    assert.deepEqual(c.answerIds, [tok.tokenToId('▁Paris')]);
    assert.deepEqual([...c.promptIds, ...c.answerIds], tok.encode('The capital of France is Paris'));
  });

  test('saveTokenizer writes tokenizer.json and tokenizer_config.json back', () => {
    const out = path.join(tmp, 'llama-tok-copy');
    fs.mkdirSync(out);
    saveTokenizer(out, loadTokenizer(dir));
    const again = loadTokenizer(out);
    assert.deepEqual(again.encode('Paris is'), loadTokenizer(dir).encode('Paris is'));
    assert.equal(again.eosId, 2);
  });
});

test('continuationIds falls back to the longest common prefix when tokens merge across the seam', () => {
  // a toy tokenizer where "is P" merges into one token: prompt tokens change once the answer follows
  const fake = {
    encode: (s: string) => (s.endsWith('is Paris') ? [1, 2, 99, 3] : s === 'It is' ? [1, 2, 5] : [7]),
  };
  const c = continuationIds(fake, 'It is', 'Paris');
  assert.deepEqual(c, { promptIds: [1, 2], answerIds: [99, 3], aligned: false });
});

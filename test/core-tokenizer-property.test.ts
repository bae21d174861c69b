import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Tokenizer, type TruncationStrategy } from 'tokenizers';
import { PairTokenizer, type Direction } from '../src/models/tokenizer.js';
import { MODELS, rng } from './helpers/fixtures.js';

/*
 * Property: for every fixture tokenizer, our pair path (each text tokenized once, early stop + longest_first
 * + template applied by us) gives exactly the ids and type ids of the official tokenizers 0.23 binding's
 * own truncating encode(q, d), for random pairs of every length regime, several max lengths (odd ones
 * too) and both truncation directions.
 */

const TOKENIZERS = readdirSync(MODELS).filter((n) => existsSync(`${MODELS}${n}/tokenizer.json`));

/** Words that tokenize into 1 to ~10 tokens, scripts, punctuation, whitespace and special-token strings. */
const WORDS = [
  'a', 'the', 'of', 'is', 'France', 'Paris', 'capital', 'keys', 'API', 'x', 'I',
  'Elasticsearch', 'antidisestablishmentarianism', 'Jibbitz', 'crocs', 'reranking', 'tokenization', 'hyperparameter',
  '2,102,650', '3.14159', '1999', 'e-mail', "don't", 'U.S.A.', 'C++', '#hashtag', '@user', 'https://example.com/a?b=c',
  '...', '!!', '?!', '—', '–', '(', ')', '[', ']', '"quoted"', '«guillemets»', ';', ':',
  'Ünïcödé', 'résumé', 'naïve', 'Ωμέγα', 'Привет', 'ﬁ', 'e\u0301', 'Ⅻ', '½', '𝔘𝔫𝔦', '🎉', '👩‍💻', '🇫🇷',
  '机器学习', '正则化', '北京', '的', '中文分词测试', 'ひらがな', 'カタカナ', '한국어', 'مرحبا', 'שלום', 'हिन्दी', 'ไทย',
  '[SEP]', '[CLS]', '[UNK]', '[MASK]', '[PAD]', '<s>', '</s>', '<unk>', '<pad>', '<mask>', 'a[SEP]b', '[unk]', 'x</s>y',
  '\u00a0', '\u3000', '\u200b', '\t', '\n\n', '   ',
];
const JOINERS = [' ', ' ', ' ', '', '\n', '  ', ' \t '];

function words(rand: () => number, n: number): string {
  const join = JOINERS[Math.floor(rand() * JOINERS.length)];
  return Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(join);
}

/** A text of about `tokens` tokens (word counts; most words are 1-3 tokens). */
function sized(rand: () => number, tokens: number): string {
  return words(rand, Math.max(0, Math.round(tokens * (0.4 + rand() * 0.5))));
}

const MAX_LENGTHS = [9, 16, 17, 32, 33, 64, 65];

/** Short/short, one long, both longer than max_length (and much longer), empty sides. */
function randomPair(rand: () => number, max: number): [string, string] {
  const r = rand();
  const short = () => sized(rand, rand() * max * 0.4);
  const long = () => sized(rand, max * (1 + rand() * 3));
  if (r < 0.15) return [short(), short()];
  if (r < 0.3) return [short(), long()];
  if (r < 0.4) return [long(), short()];
  if (r < 0.9) return [long(), long()];
  return rand() < 0.5 ? ['', long()] : [long(), ''];
}

async function load(name: string): Promise<PairTokenizer> {
  const json = (f: string) => JSON.parse(readFileSync(`${MODELS}${name}/${f}`, 'utf8'));
  return PairTokenizer.load(`${MODELS}${name}/tokenizer.json`, json('tokenizer_config.json'), json('config.json'));
}

/** The independent reference: the binding itself, with its own truncation on, encoding the pair of strings. */
function reference(name: string): (q: string, d: string, max: number, direction: Direction) => Promise<{ ids: number[]; typeIds: number[]; firstLength: number }> {
  const tok = Tokenizer.fromFile(`${MODELS}${name}/tokenizer.json`);
  tok.disablePadding();
  return async (q, d, max, direction) => {
    tok.setTruncation(max, { strategy: 'LongestFirst' as TruncationStrategy, direction });
    const e = await tok.encode(q, d);
    return { ids: e.getIds(), typeIds: e.getTypeIds(), firstLength: e.getSequenceIds().filter((s) => s === 0).length };
  };
}

/** longest_first on the texts' full lengths (the rule of tokenizers < 0.22): how many tokens the first text keeps. */
function oldFirst(n1: number, n2: number, budget: number): number {
  if (n1 + n2 <= budget) return n1;
  const shorter = Math.min(n1, n2);
  if (shorter <= budget - shorter) return n1 <= n2 ? n1 : budget - n2;
  const half = Math.floor(budget / 2);
  return n1 > n2 ? half + (budget % 2) : half;
}

describe('pair tokenization equals the tokenizers 0.23 binding\'s own truncating encode on random pairs', () => {
  assert.ok(TOKENIZERS.length >= 4, `fixture tokenizers: ${TOKENIZERS.join(', ')}`);
  for (const name of TOKENIZERS) {
    test(name, async () => {
      const tok = await load(name);
      const ref = reference(name);
      const rand = rng(1000 + name.length * 31 + name.charCodeAt(0));
      let bothLong = 0;
      let oldRuleWrong = 0;
      let left = 0;
      const PAIRS = 700;
      for (let i = 0; i < PAIRS; i++) {
        const max = MAX_LENGTHS[i % MAX_LENGTHS.length];
        const direction: Direction = rand() < 0.3 ? 'left' : 'right';
        const [q, d] = randomPair(rand, max);
        const [qi, di] = await tok.encodeTexts([q, d]);
        const ours = tok.pair(qi, di, max, direction);
        const want = await ref(q, d, max, direction);
        const what = `${name} #${i} max=${max} ${direction} q=${JSON.stringify(q)} d=${JSON.stringify(d)}`;
        assert.deepEqual(ours.ids, want.ids, `ids: ${what}`);
        assert.deepEqual(ours.typeIds, want.typeIds, `type ids: ${what}`);
        if (qi.length > max && di.length > max) bothLong++;
        if (oldFirst(qi.length, di.length, max - tok.specials) !== want.firstLength) oldRuleWrong++;
        if (direction === 'left' && want.ids.length === max) left++;
      }
      // The generator must reach the cases this test is about, or it proves nothing.
      assert.ok(bothLong >= PAIRS / 3, `pairs with both texts longer than max_length: ${bothLong}`);
      assert.ok(oldRuleWrong >= 5, `pairs where longest_first on the full lengths disagrees with the binding: ${oldRuleWrong}`);
      assert.ok(left >= PAIRS / 10, `truncated pairs cut from the left: ${left}`);
    });
  }
});

describe('special-token strings in the text around the cut (every max length, both directions)', () => {
  const CASES: [string, string][] = [
    ['a b c [SEP] d e f [SEP] [SEP] g h i j k l m n o p', 'one two [CLS] three four [MASK] five six seven eight nine ten eleven twelve'],
    ['a b c </s> d e f <s> </s> g h i j k l m n o p', 'one two <s> three four <mask> five six seven eight <unk> nine ten eleven twelve'],
    ['Elasticsearch [UNK] Elasticsearch 🎉 antidisestablishmentarianism [UNK] x y z w v u', '机器学习 [SEP] 正则化 <pad> 𝔘𝔫𝔦 🎉 ƀƀƀƀƀ q r s t u v w'],
  ];
  for (const name of TOKENIZERS) {
    test(name, async () => {
      const tok = await load(name);
      const ref = reference(name);
      for (const [q, d] of CASES) {
        const [qi, di] = await tok.encodeTexts([q, d]);
        for (let max = tok.specials + 2; max <= Math.max(qi.length, di.length) + 2; max++) {
          for (const direction of ['right', 'left'] as const) {
            const want = await ref(q, d, max, direction);
            const ours = tok.pair(qi, di, max, direction);
            assert.deepEqual(ours.ids, want.ids, `${name} max=${max} ${direction} q=${JSON.stringify(q)} d=${JSON.stringify(d)}`);
            assert.deepEqual(ours.typeIds, want.typeIds);
          }
        }
      }
    });
  }
});

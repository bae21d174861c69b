import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PairTokenizer } from '../src/models/tokenizer.js';
import { describeFolder } from '../src/models/resolve.js';
import { loadWords, makeWorkload, parseWorkloads, seeded, WORKLOADS } from '../src/bench/workloads.js';
import { modelDir } from './helpers/fixtures.js';

const words = loadWords();
const wordCount = (s: string) => s.split(' ').length;

describe('bench workloads', () => {
  test('the word list is the whole lower-case words of bert-base-uncased, most frequent first', () => {
    assert.ok(words.length > 20000, `only ${words.length} words`);
    assert.deepEqual(words.slice(0, 4), ['the', 'of', 'and', 'in']);
    assert.ok(words.every((w) => /^[a-z]{2,}$/.test(w)));
  });

  test('the same name and seed give the same texts; another seed gives others', () => {
    for (const name of WORKLOADS) {
      assert.deepEqual(makeWorkload(name, words, 7), makeWorkload(name, words, 7));
      assert.notDeepEqual(makeWorkload(name, words, 7).docs, makeWorkload(name, words, 8).docs);
    }
    const [a, b] = [seeded(3), seeded(3)];
    assert.deepEqual([a(), a(), a()], [b(), b(), b()]);
  });

  test('sizes follow the issue: 1/10/100/1000 titles of 8–30 words, 100 passages of 100–300 words', () => {
    const ranges: Record<string, [number, number, number]> = {
      'titles-1': [1, 8, 30],
      'titles-10': [10, 8, 30],
      'titles-100': [100, 8, 30],
      'titles-1000': [1000, 8, 30],
      'passages-100': [100, 100, 300],
    };
    for (const [name, [count, lo, hi]] of Object.entries(ranges)) {
      const w = makeWorkload(name as never, words);
      assert.equal(w.docs.length, count, name);
      assert.equal(w.longDocuments, 'truncate');
      const lens = w.docs.map(wordCount);
      assert.ok(Math.min(...lens) >= lo && Math.max(...lens) <= hi, `${name}: ${Math.min(...lens)}..${Math.max(...lens)} words`);
      if (count >= 100) assert.ok(Math.max(...lens) - Math.min(...lens) > (hi - lo) / 2, `${name}: lengths should vary`);
      assert.ok(wordCount(w.query) >= 3 && wordCount(w.query) <= 9);
    }
  });

  test('long-20 has 20 documents over 512 tokens, scored with longDocuments: chunk', async () => {
    const w = makeWorkload('long-20', words);
    assert.equal(w.docs.length, 20);
    assert.equal(w.longDocuments, 'chunk');
    const files = await describeFolder(modelDir('bert-ce-tiny'), 'fp32');
    const tok = await PairTokenizer.load(files.tokenizerPath, files.tokenizerConfig, files.config);
    const lens = (await tok.encodeTexts(w.docs)).map((t) => t.length);
    assert.ok(Math.min(...lens) > 512, `shortest has ${Math.min(...lens)} tokens`);
  });

  test('100 titles tokenize to 10–60 tokens per pair like real product titles', async () => {
    const w = makeWorkload('titles-100', words);
    const files = await describeFolder(modelDir('bert-ce-tiny'), 'fp32');
    const tok = await PairTokenizer.load(files.tokenizerPath, files.tokenizerConfig, files.config);
    const [q] = await tok.encodeTexts([w.query]);
    const lens = (await tok.encodeTexts(w.docs)).map((d) => tok.pair(q, d, 512).ids.length);
    assert.ok(Math.min(...lens) >= 10 && Math.max(...lens) <= 60, `${Math.min(...lens)}..${Math.max(...lens)}`);
    const total = lens.reduce((a, b) => a + b, 0);
    assert.ok(total > 2000 && total < 4000, `total ${total}`);
  });

  test('workload lists expand "all" and reject unknown names with RERANK_BAD_OPTION', () => {
    assert.deepEqual(parseWorkloads('all'), [...WORKLOADS]);
    assert.deepEqual(parseWorkloads('titles-10, long-20,titles-10'), ['titles-10', 'long-20']);
    assert.throws(() => parseWorkloads('titles-7'), { code: 'RERANK_BAD_OPTION' });
    assert.throws(() => loadWords('/nonexistent/vocab.txt'), { code: 'RERANK_FILE' });
  });
});

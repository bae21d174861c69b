import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { PairTokenizer } from '../src/models/tokenizer.js';
import { truncateLongestFirst } from '../src/models/truncate.js';
import { chunkWindows } from '../src/backends/onnx/chunks.js';
import { planBatches, buildTensors, type PairItem } from '../src/backends/onnx/batching.js';
import { MODELS, rng } from './helpers/fixtures.js';

const WORDS = ['the', 'capital', 'of', 'France', 'is', 'Paris', '机器学习', '正则化', 'Ünïcödé', 'emoji', '🎉', 'API', 'keys', 'Elasticsearch', 'résumé', 'naïve', '2,102,650', 'Jibbitz', 'crocs', '—', 'tabs\tand\nnewlines'];

function text(rand: () => number, maxWords: number): string {
  const n = Math.floor(rand() * maxWords);
  return Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(rand() < 0.8 ? ' ' : '');
}

async function load(name: string): Promise<PairTokenizer> {
  const dir = `${MODELS}${name}`;
  const json = (f: string) => JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
  return PairTokenizer.load(`${dir}/tokenizer.json`, json('tokenizer_config.json'), json('config.json'));
}

// tokenizers 0.23 stops tokenizing each text at max_length tokens (whole words) before longest_first runs,
// so when both texts are long the split follows those cut lengths: compared with the binding on every pair.
describe('pair encoding equals the Rust tokenizer\'s own pair encoding', () => {
  for (const name of ['bert-ce-tiny', 'bert-zh-ce-tiny', 'xlmr-ce-tiny']) {
    test(name, async () => {
      const tok = await load(name);
      const rand = rng(name.length);
      for (let i = 0; i < 300; i++) {
        const q = text(rand, 40);
        const d = text(rand, 120);
        const maxLength = 8 + Math.floor(rand() * 80);
        const [qi, di] = await tok.encodeTexts([q, d]);
        const ref = await tok.encodePairReference(q, d, maxLength);
        assert.deepEqual(tok.pair(qi, di, maxLength), ref, `q=${JSON.stringify(q)} d=${JSON.stringify(d)} max=${maxLength}`);
      }
    });
  }
});

test('the binding keeps the word that crosses max_length whole, and longest_first compares those lengths', async () => {
  const tok = await load('bert-ce-tiny');
  // 18 tokens (elastic ##sea ##rch x 6) against 23 one-token words, max_length 16 (budget 13): the binding
  // stops the query at 18 (the word over 16 is kept whole) and the document at 16, so the query is the
  // longer one and gets the odd token: 7 + 6. longest_first on the full lengths (18 < 23) would give 6 + 7.
  const q = Array(6).fill('Elasticsearch').join(' ');
  const d = 'the capital of France is Paris and the capital of Italy is Rome and the capital of Spain is Madrid and so on';
  const [qi, di] = await tok.encodeTexts([q, d]);
  assert.deepEqual([qi.length, di.length], [18, 23]);
  assert.deepEqual([tok.kept(qi, 16), tok.kept(di, 16), tok.kept(qi, 16, 'left')], [18, 16, 18]);
  const ref = await tok.encodePairReference(q, d, 16);
  assert.deepEqual(ref.typeIds, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(tok.pair(qi, di, 16), ref);
  // An added token written in the text ("[SEP]") does not stop the tokenizer: the next word comes too.
  const [x] = await tok.encodeTexts(['a [SEP] b c d']);
  assert.deepEqual([tok.kept(x, 2), tok.kept(x, 3), tok.kept(x, 1, 'left'), tok.kept(x, 4, 'left')], [3, 3, 1, 5]);
  // An unknown word's [UNK] is an ordinary word and does stop it.
  const [u] = await tok.encodeTexts(['a ƀƀƀ b c']);
  assert.deepEqual(u.slice(0, 2), [1037, 100]);
  assert.equal(tok.kept(u, 2), 2);
});

test('longest_first keeps the shorter sequence whole when it can, else halves', () => {
  assert.deepEqual(truncateLongestFirst(3, 10, 20), [3, 10]);
  assert.deepEqual(truncateLongestFirst(3, 30, 20), [3, 17]);
  assert.deepEqual(truncateLongestFirst(30, 3, 20), [17, 3]);
  assert.deepEqual(truncateLongestFirst(30, 30, 21), [10, 11]);
  assert.deepEqual(truncateLongestFirst(40, 12, 21), [11, 10]);
  assert.deepEqual(truncateLongestFirst(69, 171, 27), [13, 14]);
  assert.deepEqual(truncateLongestFirst(171, 69, 27), [14, 13]);
});

describe('chunking long documents', () => {
  test('windows fit beside the query, overlap, and cover the whole document', () => {
    const q = [1, 2, 3];
    const d = Array.from({ length: 100 }, (_, i) => 100 + i);
    const [qk, windows] = chunkWindows(q, d, 23);
    assert.deepEqual(qk, q);
    for (const w of windows) assert.ok(qk.length + w.length <= 23);
    assert.equal(windows[0][0], 100);
    assert.equal(windows.at(-1)!.at(-1), 199);
    assert.ok(windows[1][0] < windows[0].at(-1)!, 'consecutive windows overlap');
    const covered = new Set(windows.flat());
    assert.equal(covered.size, 100);
  });
  test('a document that fits is one window; a long query keeps half the budget', () => {
    assert.deepEqual(chunkWindows([1], [2, 3], 10), [[1], [[2, 3]]]);
    const [qk, windows] = chunkWindows(Array(50).fill(1), Array(50).fill(2), 20);
    assert.equal(qk.length, 10);
    for (const w of windows) assert.equal(w.length <= 10, true);
  });
});

describe('chunking follows the binding\'s cut lengths and the truncation direction', () => {
  test('the query keeps what longest_first leaves it on the cut lengths (the odd token to the longer)', () => {
    const q = Array.from({ length: 50 }, (_, i) => i);
    const d = Array.from({ length: 60 }, (_, i) => 100 + i);
    assert.equal(chunkWindows(q, d, 21)[0].length, 10);
    const [qk, windows] = chunkWindows(q, d, 21, { kept: [52, 51] });
    assert.deepEqual(qk, q.slice(0, 11));
    assert.deepEqual(windows[0], d.slice(0, 10));
  });
  test('direction left: the query keeps its end, windows tile the document from its end', () => {
    const q = Array.from({ length: 30 }, (_, i) => i);
    const d = Array.from({ length: 100 }, (_, i) => 100 + i);
    const [qk, windows] = chunkWindows(q, d, 20, { direction: 'left' });
    assert.deepEqual(qk, q.slice(20));
    assert.deepEqual(windows[0], d.slice(90));
    assert.ok(windows[1][0] < 190 && windows[1].at(-1)! >= 190, 'the second window overlaps the first');
    for (const w of windows) assert.ok(w.length <= 10 && w.length > 0);
    assert.equal(windows.at(-1)![0], 100);
    assert.equal(new Set(windows.flat()).size, 100);
  });
});

describe('length-bucketed batching', () => {
  const items = (lens: number[]): PairItem[] => lens.map((n, key) => ({ key, ids: Array(n).fill(5), typeIds: Array(n).fill(0) }));
  test('batches are sorted by length and never exceed the token budget', () => {
    const its = items([50, 3, 400, 7, 7, 120, 9, 300, 2, 60]);
    const batches = planBatches(its, { tokenBudget: 512, maxBatch: 4 });
    assert.equal(batches.flat().length, its.length);
    for (const b of batches) {
      const longest = Math.max(...b.map((i) => i.ids.length));
      assert.ok(b.length * longest <= 512 || b.length === 1);
      assert.ok(b.length <= 4);
    }
    const lens = batches.flat().map((i) => i.ids.length);
    assert.deepEqual(lens, [...lens].sort((a, b) => a - b));
  });
  test('tensors are right-padded with the pad id and a zero mask', () => {
    const t = buildTensors([{ key: 0, ids: [7, 8], typeIds: [0, 1] }, { key: 1, ids: [9], typeIds: [0] }], 1);
    assert.deepEqual([...t.inputIds], [7n, 8n, 9n, 1n]);
    assert.deepEqual([...t.attentionMask], [1n, 1n, 1n, 0n]);
    assert.deepEqual([...t.tokenTypeIds], [0n, 1n, 0n, 0n]);
  });
});

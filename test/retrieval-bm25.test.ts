import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { whitespaceAnalyzer } from '../src/retrieval/analyzers/index.js';
import { Bm25Index, buildBm25Data } from '../src/retrieval/bm25.js';
import { buildRetriever } from '../src/retrieval/index.js';
import { byte4ToInt, intToByte4 } from '../src/retrieval/smallfloat.js';

const idf = (n: number, df: number): number => Math.log(1 + (n - df + 0.5) / (df + 0.5));
const term = (tf: number, dl: number, avgdl: number, k1 = 0.9, b = 0.4): number => tf / (tf + k1 * (1 - b + (b * dl) / avgdl));

function index(texts: string[], params?: { k1: number; b: number }): Bm25Index {
  return new Bm25Index(buildBm25Data(texts, whitespaceAnalyzer), whitespaceAnalyzer, params);
}

describe('retrieval BM25: Lucene SmallFloat length norms', () => {
  it('encodes lengths below 24 exactly and larger ones with 4 significant bits', () => {
    for (let i = 0; i < 24; i++) assert.equal(byte4ToInt(intToByte4(i)), i);
    assert.equal(intToByte4(100), 57); // 100 - 24 = 76 = 0b1001100 → mantissa 001, shift 3
    assert.equal(byte4ToInt(57), 96);
    assert.equal(byte4ToInt(intToByte4(2 ** 31 - 1)) <= 2 ** 31 - 1, true);
    let prev = -1;
    for (let i = 0; i < 5000; i += 7) {
      const d = byte4ToInt(intToByte4(i));
      assert.ok(d <= i && d >= prev, `decode(${i}) = ${d}`); // lossy, never above the length, monotone
      prev = d;
    }
  });
});

describe('retrieval BM25: scores on hand-computable cases', () => {
  const docs = ['a b', 'a a c', 'c d e f'];

  it('matches idf·tf/(tf + k1(1 - b + b·dl/avgdl)) with k1 = 0.9, b = 0.4', () => {
    const hits = index(docs).search('a', 10);
    const avgdl = 9 / 3;
    assert.deepEqual(hits.map((h) => h.index), [1, 0]);
    assert.ok(Math.abs(hits[0]!.score - idf(3, 2) * term(2, 3, avgdl)) < 1e-6);
    assert.ok(Math.abs(hits[1]!.score - idf(3, 2) * term(1, 2, avgdl)) < 1e-6);
  });

  it('sums query terms, counts a repeated query term twice, ignores unknown terms', () => {
    const ix = index(docs);
    const avgdl = 3;
    const [top] = ix.search('c f zzz', 1);
    assert.equal(top!.index, 2);
    assert.ok(Math.abs(top!.score - (idf(3, 2) * term(1, 4, avgdl) + idf(3, 1) * term(1, 4, avgdl))) < 1e-5);
    const once = ix.search('d', 1)[0]!.score;
    assert.ok(Math.abs(ix.search('d d', 1)[0]!.score - 2 * once) < 1e-5);
    assert.deepEqual(ix.search('zzz', 5), []);
  });

  it('uses the decoded one-byte length, not the exact one (Anserini parity)', () => {
    const long = Array.from({ length: 100 }, (_, i) => (i === 0 ? 'x' : `w${i}`)).join(' ');
    const ix = index([long, 'y z']);
    const avgdl = 102 / 2;
    const s = ix.search('x', 1)[0]!.score;
    assert.ok(Math.abs(s - idf(2, 1) * term(1, 96, avgdl)) < 1e-6, `${s}`);
    assert.ok(Math.abs(s - idf(2, 1) * term(1, 100, avgdl)) > 1e-4);
  });

  it('honours k1 and b, and rejects invalid ones', () => {
    const s = index(docs, { k1: 1.2, b: 0.75 }).search('a', 1)[0]!.score;
    assert.ok(Math.abs(s - idf(3, 2) * term(2, 3, 3, 1.2, 0.75)) < 1e-6);
    assert.throws(() => index(docs, { k1: -1, b: 0.4 }), { code: 'RERANK_BAD_OPTION' });
    assert.throws(() => index(docs, { k1: 1, b: 2 }), { code: 'RERANK_BAD_OPTION' });
  });

  it('breaks ties by document order and returns at most k hits', () => {
    const ix = index(['q r', 'q s', 'q t', 'u']);
    assert.deepEqual(ix.search('q', 2).map((h) => h.index), [0, 1]);
  });
});

describe('retrieval BM25: buildRetriever', () => {
  it('builds an English BM25 retriever returning ids, scores and texts', async () => {
    const r = await buildRetriever('bm25', [
      { id: 'd1', text: 'Cats are chasing mice in the garden' },
      { id: 'd2', text: 'A dog sleeps' },
      { id: 'd3', text: "The cat's toy" },
    ]);
    const hits = await r.search('cat chased', 10);
    assert.deepEqual(hits.map((h) => h.id), ['d1', 'd3']);
    assert.equal(hits[0]!.text, 'Cats are chasing mice in the garden');
    await assert.rejects(r.search('  ', 3), { code: 'RERANK_EMPTY_QUERY' });
    await assert.rejects(r.search('cat', 0), { code: 'RERANK_BAD_OPTION' });
  });

  it('rejects bad corpora and kinds', async () => {
    await assert.rejects(buildRetriever('bm25', []), { code: 'RERANK_NO_DOCUMENTS' });
    await assert.rejects(buildRetriever('bm25', [{ id: 'a', text: 'x' }, { id: 'a', text: 'y' }]), { code: 'RERANK_BAD_DOCUMENT' });
    await assert.rejects(buildRetriever('vector', [{ id: 'a', text: 'x' }]), { code: 'RERANK_BAD_OPTION' });
    await assert.rejects(buildRetriever('nope' as 'bm25', [{ id: 'a', text: 'x' }]), { code: 'RERANK_BAD_OPTION' });
  });
});

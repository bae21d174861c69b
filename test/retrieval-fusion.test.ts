import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BiEncoder } from '../src/backends/onnx/bi-encoder.js';
import { buildRetriever, HybridRetriever, jaccard, mmr, mmrByEmbedding, normalize, rrf, VectorIndex, weightedFusion } from '../src/retrieval/index.js';
import type { SearchHit } from '../src/types.js';

const hits = (...pairs: [string, number][]): SearchHit[] => pairs.map(([id, score]) => ({ id, score }));
const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

describe('retrieval fusion: RRF and weighted', () => {
  const bm25 = hits(['a', 12], ['b', 10], ['c', 4]);
  const dense = hits(['b', 0.9], ['d', 0.8], ['a', 0.1]);

  it('RRF: Σ 1/(60 + rank), documents from either list', () => {
    const f = rrf([bm25, dense]);
    assert.deepEqual(f.map((h) => h.id), ['b', 'a', 'd', 'c']);
    assert.ok(close(f[0]!.score, 1 / 62 + 1 / 61));
    assert.ok(close(f[1]!.score, 1 / 61 + 1 / 63));
    assert.ok(close(f[3]!.score, 1 / 63));
    assert.ok(close(rrf([bm25], { k: 0 })[0]!.score, 1));
    assert.ok(close(rrf([bm25, dense], { weights: [2, 0] })[0]!.score, 2 / 61));
  });

  it('weighted min-max: missing documents take the list minimum (0)', () => {
    const f = weightedFusion([bm25, dense], { weights: [0.5, 0.5] });
    const by = Object.fromEntries(f.map((h) => [h.id, h.score]));
    assert.ok(close(by.a!, 0.5 * 1 + 0.5 * 0));
    assert.ok(close(by.b!, 0.5 * (6 / 8) + 0.5 * 1));
    assert.ok(close(by.c!, 0));
    assert.ok(close(by.d!, 0.5 * 0 + 0.5 * (0.7 / 0.8)));
    assert.deepEqual(f.map((h) => h.id), ['b', 'a', 'd', 'c']);
  });

  it('weighted z-score uses population standard deviation', () => {
    const z = normalize([1, 2, 3], 'zscore');
    assert.ok(close(z[0]!, -Math.sqrt(1.5)) && close(z[1]!, 0) && close(z[2]!, Math.sqrt(1.5)));
    const f = weightedFusion([hits(['x', 1], ['y', 2], ['z', 3])], { normalization: 'zscore' });
    assert.deepEqual(f.map((h) => h.id), ['z', 'y', 'x']);
    assert.deepEqual(normalize([5, 5], 'minmax'), [1, 1]);
    assert.throws(() => weightedFusion([bm25], { weights: [1, 2] }), { code: 'RERANK_BAD_OPTION' });
    assert.throws(() => weightedFusion([bm25], { normalization: 'l2' as 'zscore' }), { code: 'RERANK_BAD_OPTION' });
  });
});

describe('retrieval MMR', () => {
  it('λ = 1 keeps relevance order; λ = 0.5 skips a near-duplicate', () => {
    const rel = [0.9, 0.85, 0.5];
    const emb = [Float32Array.from([1, 0]), Float32Array.from([0.99, 0.14]), Float32Array.from([0, 1])];
    assert.deepEqual(mmrByEmbedding(rel, emb, { lambda: 1 }), [0, 1, 2]);
    assert.deepEqual(mmrByEmbedding(rel, emb, { lambda: 0.5 }), [0, 2, 1]);
    assert.deepEqual(mmrByEmbedding(rel, emb, { lambda: 0.5, k: 2 }), [0, 2]);
    assert.throws(() => mmr(rel, () => 0, { lambda: 2 }), { code: 'RERANK_BAD_OPTION' });
  });

  it('works with any similarity, e.g. Jaccard over term sets', () => {
    const sets = [new Set(['a', 'b']), new Set(['a', 'b']), new Set(['c'])];
    assert.ok(close(jaccard(new Set(['a', 'b']), new Set(['b', 'c'])), 1 / 3));
    assert.deepEqual(mmr([1, 1, 0.2], (i, j) => jaccard(sets[i]!, sets[j]!), { lambda: 0.3 }), [0, 2, 1]);
  });
});

describe('retrieval vector index and hybrid retriever (bert-embed-tiny)', () => {
  const MODEL = join(import.meta.dirname, 'fixtures', 'models', 'bert-embed-tiny');
  const docs = [
    { id: 'es', text: 'Elasticsearch security configuration guide' },
    { id: 'crocs', text: "Crocs Kids' Baya Clog" },
    { id: 'ml', text: '机器学习中的正则化技术' },
    { id: 'api', text: 'How to configure API keys in Elasticsearch?' },
  ];
  let enc: BiEncoder;
  before(async () => (enc = await BiEncoder.load(MODEL)));
  after(async () => enc.close());

  it('exact search and usearch ANN return the same neighbours with cosine scores', async () => {
    const vecs = await enc.embedDocuments(docs.map((d) => d.text));
    const exact = await VectorIndex.build(vecs, { mode: 'exact' });
    const ann = await VectorIndex.build(vecs, { mode: 'ann' });
    assert.equal(exact.ann, undefined);
    assert.ok(ann.ann);
    const [q] = await enc.embedQueries(['configure Elasticsearch']);
    const a = exact.search(q!, 4);
    const b = ann.search(q!, 4);
    assert.deepEqual(b.map((h) => h.index), a.map((h) => h.index));
    a.forEach((h, i) => {
      assert.ok(Math.abs(h.score - b[i]!.score) < 1e-4);
      let dot = 0;
      for (let j = 0; j < 16; j++) dot += q![j]! * vecs[h.index]![j]!;
      assert.ok(Math.abs(h.score - dot) < 1e-5);
    });
  });

  it('buildRetriever("vector") and ("hybrid") return ids from the corpus, hybrid fused by RRF', async () => {
    const vector = await buildRetriever('vector', docs, { embedder: enc });
    const vhits = await vector.search('Elasticsearch configuration', 4);
    assert.equal(vhits.length, 4);
    const hybrid = await buildRetriever('hybrid', docs, { embedder: enc, language: 'en' });
    assert.ok(hybrid instanceof HybridRetriever);
    const hh = await hybrid.search('Elasticsearch configuration', 3);
    const bm = await (await buildRetriever('bm25', docs, { language: 'en' })).search('Elasticsearch configuration', 100);
    const expected = rrf([bm, await vector.search('Elasticsearch configuration', 100)]).slice(0, 3);
    assert.deepEqual(hh.map((h) => h.id), expected.map((h) => h.id));
    assert.ok(hh.every((h, i) => Math.abs(h.score - expected[i]!.score) < 1e-12));
  });
});

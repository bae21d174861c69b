/**
 * Explanations: occlusion on the real fixture cross-encoders, checked against scores of occluded texts
 * built here by hand and scored by the model directly; the call cap; the list-reranker path; exact
 * BM25 contributions; offsets that highlight the right substrings, Chinese included.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CrossEncoder } from '../src/backends/onnx/cross-encoder.js';
import { explainBm25, explainPair, explainRerank, withExplanations } from '../src/explain/index.js';
import { buildRetriever, type Bm25Retriever } from '../src/retrieval/index.js';
import type { DocInput, PairOptions, PairScorer, Reranker, RerankOptions, RerankResult, ScoredPair } from '../src/types.js';
import { createReranker } from '../src/registry.js';
import { modelDir } from './helpers/fixtures.js';

const near = (a: number, b: number, why: string) => assert.ok(Math.abs(a - b) < 2e-5, `${why}: ${a} vs ${b}`);

/** The real model, counting every pair that reaches it. */
class Counting implements PairScorer {
  readonly name = 'counting';
  readonly identity = 'counting';
  readonly capabilities = ['score-pairs'] as const;
  pairs = 0;
  constructor(private readonly ce: CrossEncoder) {}
  async score(pairs: [string, string][], o?: PairOptions): Promise<ScoredPair[]> {
    this.pairs += pairs.length;
    return this.ce.score(pairs, o);
  }
  rerank(q: string, d: DocInput[], o?: RerankOptions): Promise<RerankResult[]> {
    return this.ce.rerank(q, d, o);
  }
  async close(): Promise<void> {}
}

describe('explain: occlusion', () => {
  let ce: CrossEncoder;
  let zh: CrossEncoder;
  before(async () => {
    ce = await CrossEncoder.load(modelDir('bert-ce-tiny'));
    zh = await CrossEncoder.load(modelDir('bert-zh-ce-tiny'));
  });
  after(async () => {
    await ce?.close();
    await zh?.close();
  });

  const query = 'configure elasticsearch api keys';
  const docs = ['create and manage api keys in elasticsearch', 'bucket key configuration for storage', 'crocs shoe charms'];
  const score = async (m: CrossEncoder, q: string, d: string) => (await m.score([[q, d]]))[0]!.score;

  it('weighs every word of query and document by the score drop the model gives without it', async () => {
    const results = await explainRerank(ce, query, docs, { explain: true });
    assert.equal(results.length, 3);
    for (const r of results) {
      const doc = docs[r.index]!;
      const e = r.explanation!;
      assert.equal(e.method, 'occlusion');
      assert.equal(e.words, 1);
      const ws = doc.split(' ');
      assert.deepEqual(e.document.map((a) => a.text), ws, 'one span per word, in text order');
      const base = await score(ce, query, doc);
      near(e.score, base, 'explains the result score');
      for (const [j, a] of e.document.entries()) {
        assert.equal(doc.slice(a.start, a.end), ws[j]);
        near(a.weight, base - (await score(ce, query, ws.filter((_, k) => k !== j).join(' '))), `doc word "${ws[j]}"`);
      }
      const qs = query.split(' ');
      assert.deepEqual(e.query.map((a) => a.text), qs);
      for (const [j, a] of e.query.entries()) {
        near(a.weight, base - (await score(ce, qs.filter((_, k) => k !== j).join(' '), doc)), `query word "${qs[j]}"`);
      }
      assert.equal(e.calls, ws.length + qs.length);
    }
  });

  it('segments Chinese into words and highlights them at the right offsets', async () => {
    const q = '机器学习中的正则化技术';
    const d = '正则化是防止过拟合的重要技术';
    const [r] = await explainRerank(zh, q, [d], { explain: true });
    const e = r!.explanation!;
    const texts = e.document.map((a) => a.text);
    assert.ok(texts.length >= 5 && texts.length < [...d].length, `dictionary words, not characters: ${texts.join('|')}`);
    assert.ok(texts.includes('技术') && texts.includes('重要'), texts.join('|'));
    assert.equal(texts.join(''), d, 'spans cover the text in order');
    const base = await score(zh, q, d);
    for (const a of e.document) {
      assert.equal(d.slice(a.start, a.end), a.text);
      near(a.weight, base - (await score(zh, q, d.slice(0, a.start) + d.slice(a.end))), `word ${a.text}`);
    }
    assert.ok(e.query.some((a) => a.text === '机器'), e.query.map((a) => a.text).join('|'));
  });

  it('never scores more extra pairs than the cap, and widens spans to fit it', async () => {
    const counting = new Counting(ce);
    const long = Array.from({ length: 60 }, (_, i) => `word${i % 7} elasticsearch`).join(' ');
    const before = (await counting.rerank(query, [long, docs[0]!])).length;
    assert.equal(before, 2);
    const results = await explainRerank(counting, query, [long, docs[0]!], { explain: { maxCalls: 20 } });
    const extra = counting.pairs;
    assert.ok(extra <= 20, `scored ${extra} extra pairs`);
    assert.equal(extra, results.reduce((n, r) => n + r.explanation!.calls, 0), 'calls count what reached the model');
    const wide = results.find((r) => r.index === 0)!.explanation!;
    assert.ok(wide.words > 1, `spans of ${wide.words} words`);
    for (const a of wide.document) assert.equal(long.slice(a.start, a.end), a.text);
    assert.equal(wide.document.at(-1)!.end, long.length, 'the last span reaches the end');
    await assert.rejects(explainRerank(ce, query, docs, { explain: { maxCalls: 0 } }), { code: 'RERANK_BAD_OPTION' });
  });

  it('explains rerankers without score(pairs) through rerank() calls', async () => {
    const listOnly: Reranker = { name: 'list-only', rerank: (q, d, o) => ce.rerank(q, d, o), close: async () => {} };
    const [r] = await explainRerank(listOnly, query, [docs[0]!], { explain: true });
    const ws = docs[0]!.split(' ');
    const base = await score(ce, query, docs[0]!);
    for (const [j, a] of r!.explanation!.document.entries()) near(a.weight, base - (await score(ce, query, ws.filter((_, k) => k !== j).join(' '))), ws[j]!);
    assert.equal(r!.explanation!.calls, ws.length + 1 + query.split(' ').length, 'the document itself is scored once in its own list');
  });

  it('withExplanations keeps the reranker and honours explain; explainPair names what separates two documents', async () => {
    const wrapped = withExplanations(ce);
    assert.ok(wrapped instanceof CrossEncoder);
    assert.equal((await wrapped.rerank(query, docs))[0]!.explanation, undefined);
    assert.ok((await wrapped.rerank(query, docs, { explain: true, topK: 1 }))[0]!.explanation);
    const why = await explainPair(ce, query, docs[0]!, docs[2]!);
    near(why.delta, (await score(ce, query, docs[0]!)) - (await score(ce, query, docs[2]!)), 'delta');
    assert.ok(why.reasons.length > 0 && why.reasons.length <= 5);
    for (let i = 1; i < why.reasons.length; i++) assert.ok(Math.abs(why.reasons[i - 1]!.delta) >= Math.abs(why.reasons[i]!.delta));
    const top = why.reasons[0]!;
    const source = top.side === 'a' ? docs[0]! : top.side === 'b' ? docs[2]! : query;
    assert.equal(source.slice(top.start, top.end), top.text);
  });

  it('a reranker from createReranker honours explain; one built directly refuses it instead of ignoring it', async () => {
    const built = await createReranker({ kind: 'cross-encoder', model: modelDir('bert-ce-tiny') });
    try {
      const [first] = await built.rerank(query, docs, { explain: true, topK: 1 });
      assert.equal(first!.explanation?.method, 'occlusion');
      near(first!.explanation!.score, first!.score, 'explained score');
    } finally {
      await built.close();
    }
    await assert.rejects(ce.rerank(query, docs, { explain: true }), { code: 'RERANK_BAD_OPTION', message: /createReranker|withExplanations/ });
  });
});

describe('explain: BM25', () => {
  const check = (r: Bm25Retriever, q: string, hits: { id: string; score: number }[]) => {
    assert.ok(hits.length > 1);
    for (const h of hits) {
      const e = explainBm25(r, q, h.id);
      assert.equal(e.method, 'bm25');
      let sum = 0;
      for (const t of e.terms!) sum += t.weight;
      assert.equal(Math.fround(sum), h.score, `terms of ${h.id} sum to its search score`);
      const text = r.corpus.texts[r.corpus.ids.indexOf(h.id)]!;
      near(e.document.reduce((n, a) => n + a.weight, 0), h.score, 'document spans share the whole score');
      near(e.query.reduce((n, a) => n + a.weight, 0), h.score, 'query spans share the whole score');
      for (const a of e.document) {
        assert.equal(text.slice(a.start, a.end), a.text);
        const terms = new Set(r.index.analyze(a.text));
        assert.ok(e.terms!.some((t) => terms.has(t.term)), `"${a.text}" yields a matched term`);
      }
      for (let i = 1; i < e.document.length; i++) assert.ok(e.document[i - 1]!.start <= e.document[i]!.start, 'in text order');
    }
  };

  it('gives English terms contributions that sum to the score, on the words they come from', async () => {
    const docs = ['Running shoes for running fast', 'The runner ran in old shoes', 'Shoe charms and clogs', 'A cat sat'].map((text, i) => ({ id: `d${i}`, text }));
    const r = (await buildRetriever('bm25', docs, { language: 'en' })) as Bm25Retriever;
    const q = 'running shoes';
    const hits = await r.search(q, 10);
    check(r, q, hits);
    const first = explainBm25(r, q, 'd0');
    assert.deepEqual(first.document.map((a) => a.text), ['Running', 'shoes', 'running'], 'each occurrence of a matched term');
    assert.equal(first.terms!.find((t) => t.term === 'run')!.tf, 2);
  });

  it('places Chinese bigrams and unigrams at their characters', async () => {
    const docs = ['正则化是防止过拟合的重要技术', '机器学习中的正则化技术', '今天天气很好'].map((text, i) => ({ id: `z${i}`, text }));
    for (const language of ['zh', 'zh-words']) {
      const r = (await buildRetriever('bm25', docs, { language })) as Bm25Retriever;
      const q = '正则化技术';
      check(r, q, await r.search(q, 10));
      const e = explainBm25(r, q, 'z0');
      assert.ok(e.document.some((a) => a.text === '技术' || a.text === '技'), e.document.map((a) => a.text).join('|'));
    }
    await assert.rejects(async () => explainBm25((await buildRetriever('bm25', docs)) as Bm25Retriever, 'x', 'nope'), { code: 'RERANK_BAD_DOCUMENT' });
  });
});

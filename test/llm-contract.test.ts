import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createReranker, type RerankerConfig } from '../src/registry.js';
import type { Reranker } from '../src/types.js';
import { ranked, startFakeApi, type FakeApi } from './fixtures/llm/fake-apis.js';
import { makeCorpus, startFakeLlm, type FakeLlm } from './fixtures/llm/fake-llm.js';

/** One contract for every reranker of this area, like the core's conformance suite. */
let llm: FakeLlm;
let api: FakeApi;
before(async () => {
  [llm, api] = await Promise.all([startFakeLlm(), startFakeApi()]);
  api.handler = (path, b) => {
    const list = ranked(b.query, b.texts ?? b.documents, b.top_n ?? b.top_k);
    if (path === '/rerank' && b.texts) return { body: list.map((r) => ({ index: r.index, score: 4 * r.s - 2 })) };
    const results = list.map((r) => ({ index: r.index, relevance_score: r.s }));
    return { body: b.top_k !== undefined || b.truncation !== undefined ? { data: results } : { results } };
  };
});
after(() => Promise.all([llm.close(), api.close()]));

const kinds: [string, () => RerankerConfig][] = [
  ['listwise', () => ({ kind: 'listwise', llmBaseUrl: llm.url, llmModel: 'm', window: 4, stride: 2 })],
  ['pairwise', () => ({ kind: 'pairwise', llmBaseUrl: llm.url, llmModel: 'm' })],
  ['pointwise', () => ({ kind: 'pointwise', llmBaseUrl: llm.url, llmModel: 'm' })],
  ...['cohere', 'jina', 'voyage', 'tei', 'infinity', 'rerankit'].map((k): [string, () => RerankerConfig] => [k, () => ({ kind: k, apiBaseUrl: api.origin })]),
];

for (const [kind, config] of kinds) {
  describe(`contract: ${kind}`, () => {
    let r: Reranker;
    let docs: string[];
    before(async () => {
      r = await createReranker(config());
      docs = makeCorpus(llm, 9, 3).docs.map((d, i) => (i % 2 ? `${d} query words` : d));
    });
    after(() => r.close());

    it('returns every document once, best first, scores in [0, 1], finite logits', async () => {
      const out = await r.rerank('query words', docs);
      assert.deepEqual(out.map((x) => x.index).sort((a, b) => a - b), docs.map((_, i) => i));
      for (let i = 1; i < out.length; i++) assert.ok(out[i - 1].score >= out[i].score);
      for (const x of out) {
        assert.ok(x.score >= 0 && x.score <= 1, String(x.score));
        assert.ok(x.logits.length > 0 && x.logits.every(Number.isFinite));
        assert.equal(x.document, undefined);
      }
      assert.equal(typeof r.name, 'string');
    });
    it('topK, threshold and returnDocuments agree with the full ranking', async () => {
      const full = await r.rerank('query words', docs);
      const top = await r.rerank('query words', docs, { topK: 3, returnDocuments: true });
      assert.deepEqual(top.map((x) => x.index), full.slice(0, 3).map((x) => x.index));
      top.forEach((x) => assert.equal(x.document, docs[x.index]));
      const cut = full[4].score;
      const kept = await r.rerank('query words', docs, { threshold: cut });
      assert.deepEqual(kept.map((x) => x.index), full.filter((x) => x.score >= cut).map((x) => x.index));
    });
    it('rejects bad input with the core codes', async () => {
      await assert.rejects(r.rerank('', docs), { code: 'RERANK_EMPTY_QUERY' });
      await assert.rejects(r.rerank('q', []), { code: 'RERANK_NO_DOCUMENTS' });
      await assert.rejects(r.rerank('q', [null as never]), { code: 'RERANK_BAD_DOCUMENT' });
      await assert.rejects(r.rerank('q', ['a'], { threshold: Number.NaN }), { code: 'RERANK_BAD_OPTION' });
    });
  });
}

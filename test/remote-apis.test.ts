import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { createReranker } from '../src/registry.js';
import { endpointUrl } from '../src/backends/remote/reranker.js';
import type { RemoteReranker } from '../src/backends/remote/reranker.js';
import { isRerankError } from '../src/errors.js';
import { ranked, startFakeApi, type FakeApi } from './fixtures/llm/fake-apis.js';

let api: FakeApi;
before(async () => (api = await startFakeApi()));
after(() => api.close());
beforeEach(() => (api.requests.length = 0));
afterEach(() => {
  delete process.env.COHERE_API_KEY;
  delete process.env.VOYAGE_API_KEY;
});

const query = 'capital of france';
const docs = ['Paris is the capital of France.', 'Berlin is in Germany.', 'The capital of Italy is Rome.', 'France has wine.', 'Bananas.'];
const expected = ranked(query, docs);
const make = (kind: string, o: Record<string, unknown> = {}) => createReranker({ kind, apiBaseUrl: api.origin, ...o }) as Promise<RemoteReranker>;

/** Same ranking and scores as the service answered; a [0, 1] relevance_score is the score, so there is no raw value. */
function assertMapped(out: Awaited<ReturnType<RemoteReranker['rerank']>>, n = docs.length): void {
  assert.deepEqual(out.map((r) => r.index), expected.slice(0, n).map((e) => e.index));
  out.forEach((r, i) => {
    assert.ok(Math.abs(r.score - expected[i].s) < 1e-12);
    assert.equal(r.raw, undefined, 'no raw value invented from the score');
    assert.equal(r.logits, undefined, 'no logits: no model output was seen');
  });
}

describe('hosted rerank APIs, each in its documented shape', () => {
  it('Cohere v2: POST /v2/rerank {model, query, documents, top_n} → results[].relevance_score; key from COHERE_API_KEY', async () => {
    process.env.COHERE_API_KEY = 'co-key';
    api.handler = (_, b) => ({ body: { id: 'x', results: ranked(b.query, b.documents, b.top_n).map((r) => ({ index: r.index, relevance_score: r.s })), meta: { api_version: { version: '2' } } } });
    const out = await (await make('cohere')).rerank(query, docs, { topK: 2 });
    assertMapped(out, 2);
    assert.deepEqual(api.requests[0], { path: '/v2/rerank', body: { model: 'rerank-v3.5', query, documents: docs, top_n: 2 }, auth: 'Bearer co-key' });
  });
  it('Cohere v1: POST /v1/rerank with return_documents, objects sent as their text', async () => {
    api.handler = (_, b) => ({ body: { id: 'x', results: ranked(b.query, b.documents).map((r) => ({ index: r.index, relevance_score: r.s })), meta: {} } });
    const out = await (await make('cohere', { apiVersion: 'v1', apiKey: 'k', model: 'rerank-english-v3.0' })).rerank(query, docs.map((text) => ({ text, id: 1 })), { returnDocuments: true });
    assertMapped(out);
    assert.deepEqual(out[0].document, { text: docs[expected[0].index], id: 1 });
    assert.equal(api.requests[0].path, '/v1/rerank');
    assert.deepEqual(api.requests[0].body, { model: 'rerank-english-v3.0', query, documents: docs, return_documents: false });
  });
  it('Jina: /v1/rerank with a base URL that already ends in /v1', async () => {
    api.handler = (_, b) => ({ body: { model: b.model, usage: { total_tokens: 10 }, results: ranked(b.query, b.documents, b.top_n).map((r) => ({ index: r.index, relevance_score: r.s, document: { text: b.documents[r.index] } })) } });
    const out = await (await make('jina', { apiBaseUrl: `${api.origin}/v1/` })).rerank(query, docs, { threshold: 0.5 });
    assert.deepEqual(out.map((r) => r.index), expected.filter((e) => e.s >= 0.5).map((e) => e.index));
    assert.deepEqual(api.requests[0], { path: '/v1/rerank', body: { model: 'jina-reranker-v2-base-multilingual', query, documents: docs, return_documents: false }, auth: undefined });
  });
  it('Voyage: top_k and data[] instead of top_n and results[]', async () => {
    process.env.VOYAGE_API_KEY = 'vo-key';
    api.handler = (_, b) => ({ body: { object: 'list', data: ranked(b.query, b.documents, b.top_k).map((r) => ({ index: r.index, relevance_score: r.s })), model: b.model, usage: { total_tokens: 3 } } });
    const out = await (await make('voyage', { model: 'rerank-2' })).rerank(query, docs, { topK: 3 });
    assertMapped(out, 3);
    assert.deepEqual(api.requests[0].body, { model: 'rerank-2', query, documents: docs, top_k: 3, return_documents: false, truncation: true });
    assert.equal(api.requests[0].auth, 'Bearer vo-key');
  });
  it('TEI: /rerank {query, texts, raw_scores} → bare array of {index, score}; sigmoid applied; batches of 32', async () => {
    const many = Array.from({ length: 70 }, (_, i) => `${i % 3 ? 'capital' : 'france capital of'} doc ${i}`);
    api.handler = (_, b) => ({ body: ranked(query, b.texts).map((r) => ({ index: r.index, score: Math.log(r.s / (1 - r.s)) })) });
    const out = await (await make('tei')).rerank(query, many);
    assert.deepEqual(api.requests.map((r) => r.body.texts.length), [32, 32, 6]);
    assert.deepEqual(api.requests[0].body, { query, texts: many.slice(0, 32), raw_scores: true, return_text: false, truncate: true });
    const want = ranked(query, many);
    assert.deepEqual(out.map((r) => r.index), want.map((w) => w.index));
    out.forEach((r, i) => {
      assert.ok(Math.abs(r.score - want[i].s) < 1e-9);
      assert.equal(r.raw, Math.log(want[i].s / (1 - want[i].s)), 'raw is the raw score TEI answered, as it answered it');
      assert.equal(r.logits, undefined);
    });
  });
  it('Infinity: /rerank with documents → {object: "rerank", results}', async () => {
    api.handler = (_, b) => ({ body: { object: 'rerank', id: '1', created: 1, model: b.model, results: ranked(b.query, b.documents, b.top_n).map((r) => ({ relevance_score: r.s, index: r.index })), usage: { prompt_tokens: 1, total_tokens: 1 } } });
    assertMapped(await (await make('infinity', { model: 'BAAI/bge-reranker-base' })).rerank(query, docs));
    assert.equal(api.requests[0].path, '/rerank');
    assert.equal(api.requests[0].body.model, 'BAAI/bge-reranker-base');
  });
  it("rerankit's own server: Cohere-v1 dialect on /v1/rerank", async () => {
    api.handler = (_, b) => ({ body: { id: 'x', results: ranked(b.query, b.documents).map((r) => ({ index: r.index, relevance_score: r.s })), meta: {} } });
    const r = await make('rerankit', { model: 'minilm' });
    assertMapped(await r.rerank(query, docs));
    assert.equal(r.name, 'rerankit:minilm');
    assert.equal(r.stats.requests, 1);
  });
});

describe('hosted API failures say which service failed and why', () => {
  const is = (code: string, re: RegExp) => (e: unknown) => isRerankError(e) && e.code === code && re.test(e.message);
  it('a refused key', async () => {
    api.handler = () => ({ status: 401, body: { message: 'invalid api token' } });
    await assert.rejects((await make('cohere', { apiKey: 'bad' })).rerank(query, docs), is('RERANK_UPSTREAM', /^cohere rerank refused the request: HTTP 401 .*invalid api token/));
    assert.equal(api.requests.length, 1);
  });
  it('429 then success, honouring Retry-After', async () => {
    let n = 0;
    api.handler = (_, b) => (n++ === 0 ? { status: 429, body: { detail: 'slow down' }, headers: { 'retry-after': '0' } } : { body: ranked(query, b.texts).map((r) => ({ index: r.index, score: 0 })) });
    await (await make('tei')).rerank(query, docs);
    assert.equal(api.requests.length, 2);
  });
  it('persistent 5xx after retries', async () => {
    api.handler = () => ({ status: 502, body: { error: 'Model is overloaded', error_type: 'overloaded' } });
    const started = performance.now();
    await assert.rejects((await make('tei', { retries: 1, backoffMs: 1 })).rerank(query, docs), is('RERANK_UPSTREAM', /tei rerank failed after 2 attempt\(s\): HTTP 502 .*Model is overloaded/));
    // The default first backoff is 500 ms ± 25 %: a 1 ms backoffMs must have reached the HTTP client.
    assert.ok(performance.now() - started < 350, `took ${performance.now() - started} ms`);
  });
  it('answers in the wrong shape', async () => {
    api.handler = () => ({ body: { data: [] } });
    await assert.rejects((await make('jina')).rerank(query, docs), is('RERANK_UPSTREAM', /^jina answered without results/));
    api.handler = () => ({ body: { results: [{ index: 0, relevance_score: 0.5 }] } });
    await assert.rejects((await make('jina')).rerank(query, docs), is('RERANK_UPSTREAM', /jina answered 1 results for 5 expected/));
    api.handler = () => ({ body: { results: docs.map((_, i) => ({ index: i + 3, relevance_score: 0.5 })) } });
    await assert.rejects((await make('jina')).rerank(query, docs), is('RERANK_UPSTREAM', /invalid or repeated index/));
  });
  it('configuration mistakes are caught before any request', async () => {
    await assert.rejects(createReranker({ kind: 'cohere' }), is('RERANK_UNAUTHORIZED', /--api-key or set COHERE_API_KEY/));
    await assert.rejects(createReranker({ kind: 'tei' }), is('RERANK_BAD_OPTION', /tei needs a base URL/));
    await assert.rejects(make('cohere', { apiVersion: 'v3' }), is('RERANK_BAD_OPTION', /^cohere: option "apiVersion" must be "v1" or "v2", got "v3"$/));
    const r = await make('tei');
    await assert.rejects(r.rerank('', docs), { code: 'RERANK_EMPTY_QUERY' });
    await assert.rejects(r.rerank(query, []), { code: 'RERANK_NO_DOCUMENTS' });
    await assert.rejects(r.rerank(query, [{ txt: 'x' } as never]), { code: 'RERANK_BAD_DOCUMENT' });
    assert.equal(api.requests.length, 0);
  });
});

describe('hosted-API options are checked before anything is built', () => {
  const is = (re: RegExp) => (e: unknown) => isRerankError(e) && e.code === 'RERANK_BAD_OPTION' && re.test(e.message);
  it('a wrong value names the kind, the option and what it expects', async () => {
    await assert.rejects(make('jina', { concurrency: 0 }), is(/^jina: option "concurrency" must be an integer >= 1, got 0$/));
    await assert.rejects(make('tei', { timeoutMs: 'soon' }), is(/^tei: option "timeoutMs" must be an integer >= 1, got "soon"$/));
    await assert.rejects(make('infinity', { retries: -1 }), is(/^infinity: option "retries" must be an integer >= 0, got -1$/));
    await assert.rejects(make('voyage', { apiBaseUrl: 'api.voyageai.com' }), is(/^voyage: option "apiBaseUrl" must be an http\(s\) URL, got "api.voyageai.com"$/));
    assert.equal(api.requests.length, 0);
  });
  it('an unknown option is rejected, with the likely one named', async () => {
    await assert.rejects(make('cohere', { apiKey: 'k', maxDocumentsPerReqest: 5 }), is(/^cohere: unknown option "maxDocumentsPerReqest" \(did you mean "maxDocumentsPerRequest"\?\)$/));
    await assert.rejects(make('tei', { dtype: 'fp16' }), is(/^tei: unknown option "dtype" \(known: .*apiBaseUrl/));
    await assert.rejects(make('voyage', { apiKey: 'k', apiVersion: 'v1' }), is(/^voyage: unknown option "apiVersion"/), 'apiVersion is cohere\'s alone');
  });
  it('numeric strings (flags, environment) are numbers', async () => {
    api.handler = (_, b) => ({ body: { results: ranked(b.query, b.documents).map((r) => ({ index: r.index, relevance_score: r.s })) } });
    const r = await make('jina', { maxDocumentsPerRequest: '2', concurrency: '1' });
    await r.rerank(query, docs);
    assert.deepEqual(api.requests.map((q) => q.body.documents.length), [2, 2, 1]);
  });
});

describe('endpointUrl', () => {
  it('appends the path once', () => {
    assert.equal(endpointUrl('https://api.jina.ai', '/v1/rerank'), 'https://api.jina.ai/v1/rerank');
    assert.equal(endpointUrl('https://api.jina.ai/v1/', '/v1/rerank'), 'https://api.jina.ai/v1/rerank');
    assert.equal(endpointUrl('http://h:8080/v1/rerank', '/v1/rerank'), 'http://h:8080/v1/rerank');
    assert.equal(endpointUrl('http://h:8080/tei', '/rerank'), 'http://h:8080/tei/rerank');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CohereClient, CohereClientV2 } from 'cohere-ai';
import { CrossEncoder } from '../src/backends/onnx/cross-encoder.js';
import type { RunningServer } from '../src/server/start.js';
import { BERT, BERT2, XLMR, call, serve } from './server-helpers.js';

const query = 'How to configure API keys in Elasticsearch?';
const documents = [
  'Elasticsearch security configuration guide: create and manage API keys.',
  'S3 bucket API key configuration',
  'Crocs Kids\' Baya Clog',
  'API keys are created with the create API key API in Elasticsearch.',
  '正则化是防止过拟合的重要技术',
];
const close = (a: number, b: number) => Math.abs(a - b) < 1e-6;

describe('rerank server dialects over HTTP (fixture models)', () => {
  let server: RunningServer;
  let bert: CrossEncoder;
  let xlmr: CrossEncoder;
  let bert2: CrossEncoder;
  /** What the library says, by document index: the reference every dialect must match. */
  const direct = new Map<string, Map<number, { score: number; logits?: number[] }>>();

  before(async () => {
    server = await serve({ models: [BERT, `xlmr=${XLMR}`, `two=${BERT2}`] });
    [bert, xlmr, bert2] = await Promise.all([CrossEncoder.load(BERT), CrossEncoder.load(XLMR), CrossEncoder.load(BERT2)]);
    for (const [name, ce] of [['bert-ce-tiny', bert], ['xlmr', xlmr], ['two', bert2]] as const) {
      direct.set(name, new Map((await ce.rerank(query, documents)).map((r) => [r.index, r])));
    }
  });
  after(async () => {
    await server?.close();
    await Promise.all([bert, xlmr, bert2].map((m) => m?.close()));
  });

  const expectRanked = (name: string, got: { index: number; score: number }[], n = documents.length) => {
    const ref = direct.get(name)!;
    assert.equal(got.length, n);
    for (const r of got) assert.ok(close(r.score, ref.get(r.index)!.score), `doc ${r.index}: ${r.score} vs ${ref.get(r.index)!.score}`);
    const best = [...ref.entries()].sort((a, b) => b[1].score - a[1].score || a[0] - b[0]).slice(0, n).map(([i]) => i);
    assert.deepEqual(got.map((r) => r.index), best);
  };

  it('Cohere v1 / Jina: one answer with Cohere fields, Jina model and usage; documents on request', async () => {
    const docs = [...documents.slice(0, 4), { text: documents[4], id: 'zh' }];
    const r = await call(server.url, '/v1/rerank', { query, documents: docs, top_n: 3, return_documents: true });
    assert.equal(r.status, 200);
    expectRanked('bert-ce-tiny', r.body.results.map((x: any) => ({ index: x.index, score: x.relevance_score })), 3);
    for (const x of r.body.results) assert.deepEqual(x.document, typeof docs[x.index] === 'string' ? { text: docs[x.index] } : docs[x.index]);
    assert.equal(r.body.model, 'bert-ce-tiny');
    assert.ok(r.body.usage.total_tokens > 20);
    assert.equal(r.body.meta.api_version.version, '1');
    assert.equal(typeof r.body.id, 'string');
    const plain = await call(server.url, '/v1/rerank', { model: 'xlmr', query, documents });
    expectRanked('xlmr', plain.body.results.map((x: any) => ({ index: x.index, score: x.relevance_score })));
    assert.equal(plain.body.results[0].document, undefined);
  });

  it('Cohere v1 rank_fields rank on the named fields', async () => {
    const docs = [{ title: 'Crocs', body: 'clogs' }, { title: 'Elasticsearch', body: 'API keys' }];
    const r = await call(server.url, '/v1/rerank', { query, documents: docs, rank_fields: ['title', 'body'] });
    const ref = await bert.rerank(query, ['title: Crocs\nbody: clogs', 'title: Elasticsearch\nbody: API keys']);
    assert.deepEqual(r.body.results.map((x: any) => x.index), ref.map((x) => x.index));
    r.body.results.forEach((x: any, i: number) => assert.ok(close(x.relevance_score, ref[i]!.score)));
  });

  it('the cohere-ai SDK v1 client round-trips', async () => {
    const client = new CohereClient({ token: 'unused', environment: server.url });
    const res = await client.rerank({ model: 'xlmr', query, documents: documents.map((text) => ({ text })), topN: 2, returnDocuments: true });
    expectRanked('xlmr', res.results.map((x) => ({ index: x.index, score: x.relevanceScore })), 2);
    assert.equal(res.results[0]!.document?.text, documents[res.results[0]!.index]);
  });

  it('the cohere-ai SDK v2 client round-trips', async () => {
    const client = new CohereClientV2({ token: 'unused', environment: server.url });
    const res = await client.rerank({ model: 'bert-ce-tiny', query, documents, topN: 10 });
    expectRanked('bert-ce-tiny', res.results.map((x) => ({ index: x.index, score: x.relevanceScore })));
    assert.equal(res.meta?.apiVersion?.version, '2');
  });

  it('TEI: bare array sorted by score; raw_scores gives logits; return_text adds texts', async () => {
    const r = await call(server.url, '/rerank', { query, texts: documents, return_text: true });
    assert.ok(Array.isArray(r.body));
    expectRanked('bert-ce-tiny', r.body);
    for (const x of r.body) assert.equal(x.text, documents[x.index]);
    const raw = await call(server.url, '/rerank', { query, texts: documents, raw_scores: true });
    for (const x of raw.body) assert.ok(close(x.score, direct.get('bert-ce-tiny')!.get(x.index)!.logits![0]!));
  });

  it('Infinity: object "rerank" with usage; raw_scores on a 2-label model gives log-odds', async () => {
    const r = await call(server.url, '/rerank', { model: 'two', query, documents, top_n: 2, return_documents: true });
    assert.equal(r.status, 200);
    assert.equal(r.body.object, 'rerank');
    assert.equal(r.body.model, 'two');
    assert.ok(r.body.id.startsWith('infinity-') && Number.isInteger(r.body.created));
    expectRanked('two', r.body.results.map((x: any) => ({ index: x.index, score: x.relevance_score })), 2);
    for (const x of r.body.results) assert.equal(x.document, documents[x.index]);
    assert.equal(r.body.usage.total_tokens, r.body.usage.prompt_tokens);
    const raw = await call(server.url, '/rerank', { model: 'two', query, documents, raw_scores: true });
    for (const x of raw.body.results) {
      const [l0, l1] = direct.get('two')!.get(x.index)!.logits!;
      assert.ok(close(x.relevance_score, l1! - l0!));
      assert.ok(close(1 / (1 + Math.exp(-x.relevance_score)), direct.get('two')!.get(x.index)!.score));
    }
  });

  it('Metarank: raw logits in input order, per-pair queries, model by path', async () => {
    const input = [{ query, text: documents[0]! }, { query: 'crocs', text: documents[2]! }, { query, text: documents[1]! }];
    const r = await call(server.url, '/inference/cross/xlmr', { input });
    assert.equal(r.status, 200);
    assert.equal(typeof r.body.took, 'number');
    const ref = await xlmr.score(input.map((p) => [p.query, p.text]));
    assert.equal(r.body.scores.length, 3);
    r.body.scores.forEach((s: number, i: number) => assert.ok(close(s, ref[i]!.logits![0]!)));
  });

  it('requests arriving together share batches and get their own results back', async () => {
    const queries = ['crocs', query, 'regularization', 'API keys', 'clogs for kids', 'S3 bucket'];
    const answers = await Promise.all(queries.map((q) => call(server.url, '/v2/rerank', { query: q, documents: [...documents, q] })));
    for (const [i, q] of queries.entries()) {
      const ref = await bert.rerank(q, [...documents, q]);
      assert.deepEqual(answers[i]!.body.results.map((x: any) => x.index), ref.map((x) => x.index));
      answers[i]!.body.results.forEach((x: any, j: number) => assert.ok(close(x.relevance_score, ref[j]!.score)));
    }
  });

  it('timing and token headers; repeated pairs come from the cache', async () => {
    const body = { query: 'cache me', documents: ['one', 'two'] };
    const first = await call(server.url, '/v2/rerank', body);
    const second = await call(server.url, '/v2/rerank', body);
    assert.match(first.headers.get('server-timing')!, /^queue;dur=[\d.]+, tokenize;dur=[\d.]+, inference;dur=[\d.]+, total;dur=[\d.]+$/);
    assert.equal(first.headers.get('x-rerankit-cache-hits'), '0');
    assert.equal(second.headers.get('x-rerankit-cache-hits'), '2');
    assert.equal(second.headers.get('x-rerankit-tokens'), first.headers.get('x-rerankit-tokens'));
    assert.deepEqual(second.body.results, first.body.results);
  });

  it('GET /health, /ready, /v1/models, /openapi.json and /metrics', async () => {
    assert.deepEqual((await call(server.url, '/health')).body, { status: 'ok' });
    const ready = await call(server.url, '/ready');
    assert.deepEqual([ready.status, ready.body.models], [200, ['bert-ce-tiny', 'xlmr', 'two']]);
    const models = await call(server.url, '/v1/models');
    assert.equal(models.body.object, 'list');
    assert.deepEqual(models.body.data.map((m: any) => m.id), ['bert-ce-tiny', 'xlmr', 'two']);
    const api = await call(server.url, '/openapi.json');
    for (const p of ['/v1/rerank', '/v2/rerank', '/rerank', '/health', '/ready', '/metrics', '/v1/models', '/openapi.json']) assert.ok(api.body.paths[p], p);
    assert.ok(Object.keys(api.body.paths).some((p) => p.startsWith('/inference/cross/')));
    assert.deepEqual(api.body.paths['/v1/rerank'].post.requestBody.content['application/json'].schema.required, ['query', 'documents']);
    const metrics = await call(server.url, '/metrics');
    assert.match(metrics.headers.get('content-type')!, /text\/plain/);
    for (const name of ['rerankit_http_requests_total{route="/v1/rerank",method="POST",status="200"}', 'rerankit_http_request_duration_seconds_bucket',
      'rerankit_queue_depth{model="xlmr"}', 'rerankit_batch_size_count{model="bert-ce-tiny"}', 'rerankit_batch_tokens_sum', 'rerankit_cache_hits_total{model="bert-ce-tiny"}',
      'rerankit_model_load_seconds{model="two"}']) {
      assert.ok(metrics.text.includes(name), name);
    }
  });
});

/**
 * The server against the clients people point at it unchanged (the real packages), the null-valued
 * options they send, every dialect's body against the upstream schema, and one path for every kind
 * of served reranker.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { CohereClient, CohereClientV2 } from 'cohere-ai';
import { CohereRerank } from '@langchain/cohere';
import { Document } from '@langchain/core/documents';
import { z } from 'zod';
import { CrossEncoder } from '../src/backends/onnx/cross-encoder.js';
import { createReranker } from '../src/registry.js';
import type { RunningServer } from '../src/server/start.js';
import { makeCorpus, startFakeLlm, type FakeLlm } from './fixtures/llm/fake-llm.js';
import { BERT, call, serve } from './server-helpers.js';

const query = 'how do I configure API keys?';
const documents = [
  'API keys are created with the create API key API.',
  'S3 bucket policy configuration',
  'Crocs Kids\' Baya Clog',
  '正则化是防止过拟合的重要技术',
  'Configure keys in the security settings page.',
];
const close = (a: number, b: number) => Math.abs(a - b) < 1e-6;

// The upstream response schemas, transcribed from TEI's docs/openapi.json (Rank, ErrorResponse,
// ErrorType), Infinity's pydantic models (ReRankResult, _ReRankObject, _Usage; OpenAIException.json;
// FastAPI's HTTPException body) and Cohere's v1/v2 rerank responses.
const upstream = {
  teiRanks: z.array(z.object({ index: z.number().int().min(0), score: z.number(), text: z.string().optional() }).strict()),
  teiError: z.object({ error: z.string(), error_type: z.enum(['Unhealthy', 'Backend', 'Overloaded', 'Validation', 'Tokenizer', 'Empty']) }),
  infinity: z.object({
    object: z.literal('rerank'),
    results: z.array(z.object({ relevance_score: z.number(), index: z.number().int(), document: z.string().nullable().optional() }).strict()),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }).strict(),
    id: z.string(),
    created: z.number().int(),
  }).strict(),
  infinityError: z.object({ error: z.object({ message: z.string(), type: z.string().nullable(), param: z.string().nullable(), code: z.number().int() }) }),
  fastApiDetail: z.object({ detail: z.string() }),
  cohereV2: z.object({
    id: z.string(),
    results: z.array(z.object({ index: z.number().int(), relevance_score: z.number() }).strict()),
    meta: z.object({ api_version: z.object({ version: z.string() }) }).passthrough(),
  }).strict(),
};

/** Forwards every request to `target` and keeps each JSON body as the client sent it. */
async function recordingProxy(target: string, bodies: unknown[]): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    bodies.push(raw.length ? JSON.parse(raw.toString('utf8')) : undefined);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>;
    const answer = await fetch(target + req.url, { method: req.method, headers, body: raw.length ? raw : undefined });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** The cohere-ai release LangChain itself depends on (it nests its own copy). */
type LangchainClient = NonNullable<ConstructorParameters<typeof CohereRerank>[0]>['client'];
function langchainsCohere(): new (o: { token: string; environment: string }) => LangchainClient {
  const req = createRequire(fileURLToPath(import.meta.resolve('@langchain/cohere')));
  return (req('cohere-ai') as { CohereClient: new (o: { token: string; environment: string }) => LangchainClient }).CohereClient;
}

describe('server: the real client packages and what they send', () => {
  let server: RunningServer;
  let bert: CrossEncoder;
  let ref: Map<number, { score: number; raw?: number }>;
  /** The server behind a recorder, for the SDKs: what they put on the wire is the point. */
  let proxy: { url: string; close(): Promise<void> };
  /** Every request body the server received, as the client sent it. */
  const bodies: unknown[] = [];

  before(async () => {
    server = await serve({ models: [BERT] });
    proxy = await recordingProxy(server.url, bodies);
    bert = await CrossEncoder.load(BERT);
    ref = new Map((await bert.rerank(query, documents)).map((r) => [r.index, r]));
  });
  after(async () => {
    await proxy?.close();
    await server?.close();
    await bert?.close();
  });

  const expectBest = (got: { index: number; score: number }[], n: number) => {
    const best = [...ref.entries()].sort((a, b) => b[1].score - a[1].score || a[0] - b[0]).slice(0, n);
    assert.deepEqual(got.map((r) => r.index), best.map(([i]) => i));
    got.forEach((r) => assert.ok(close(r.score, ref.get(r.index)!.score)));
  };

  it('LangChain CohereRerank with default options (it sends max_chunks_per_doc: null)', async () => {
    const Client = langchainsCohere();
    const rerank = new CohereRerank({ client: new Client({ token: 'unused', environment: proxy.url }), model: 'bert-ce-tiny' });
    bodies.length = 0;
    const out = await rerank.rerank(documents, query);
    assert.equal((bodies[0] as Record<string, unknown>).max_chunks_per_doc, null, 'the case this test is about');
    expectBest(out.map((r) => ({ index: r.index, score: r.relevanceScore })), 3);
    const docs = await rerank.compressDocuments(documents.map((pageContent) => new Document({ pageContent })), query);
    assert.equal(docs.length, 3);
    assert.ok(close(docs[0]!.metadata.relevanceScore, ref.get(documents.indexOf(docs[0]!.pageContent))!.score));
  });

  it('the cohere-ai SDK (v1 and v2) passing undefined options', async () => {
    bodies.length = 0;
    const v2 = await new CohereClientV2({ token: 'unused', environment: proxy.url }).rerank({ model: 'bert-ce-tiny', query, documents, topN: undefined, maxTokensPerDoc: undefined });
    expectBest(v2.results.map((r) => ({ index: r.index, score: r.relevanceScore })), documents.length);
    const v1 = await new CohereClient({ token: 'unused', environment: proxy.url }).rerank({ query, documents, topN: undefined, returnDocuments: undefined, maxChunksPerDoc: undefined, model: undefined });
    expectBest(v1.results.map((r) => ({ index: r.index, score: r.relevanceScore })), documents.length);
    assert.equal(bodies.length, 2);
    assert.ok(bodies.every((b) => (b as Record<string, unknown>).top_n === null), 'the SDK sends top_n: null for an undefined topN');
  });

  it('null means absent in every dialect', async () => {
    const v1 = await call(server.url, '/v1/rerank', { model: null, query, documents, top_n: null, return_documents: null, rank_fields: null, max_chunks_per_doc: null });
    assert.equal(v1.status, 200, v1.text);
    expectBest(v1.body.results.map((r: any) => ({ index: r.index, score: r.relevance_score })), documents.length);
    const v2 = await call(server.url, '/v2/rerank', { model: null, query, documents, top_n: null, max_tokens_per_doc: null });
    assert.equal(v2.status, 200, v2.text);
    const tei = await call(server.url, '/rerank', { query, texts: documents, truncate: null, truncation_direction: null, raw_scores: null, return_text: null });
    assert.equal(tei.status, 200, tei.text);
    expectBest(tei.body, documents.length);
    const inf = await call(server.url, '/rerank', { query, documents, model: null, top_n: null, raw_scores: null, return_documents: null });
    assert.equal(inf.status, 200, inf.text);
    const required = await call(server.url, '/v2/rerank', { query: null, documents });
    assert.deepEqual([required.status, required.body.code], [422, 'RERANK_BAD_INPUT'], 'a null required field is still missing');
  });

  it('an Infinity client sending the schema default model name gets the default model', async () => {
    // The body an OpenAPI-generated Infinity client sends with its defaults.
    const r = await call(server.url, '/rerank', { query, documents, return_documents: false, raw_scores: false, model: 'default/not-specified', top_n: null });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.model, 'bert-ce-tiny');
    upstream.infinity.parse(r.body);
  });

  it('every dialect\'s bodies match the upstream schemas', async () => {
    upstream.teiRanks.parse((await call(server.url, '/rerank', { query, texts: documents, return_text: true })).body);
    upstream.teiRanks.parse((await call(server.url, '/rerank', { query, texts: documents, raw_scores: true, model: 'anything' })).body);
    upstream.infinity.parse((await call(server.url, '/rerank', { query, documents, top_n: 2, return_documents: true, raw_scores: true })).body);
    upstream.cohereV2.parse((await call(server.url, '/v2/rerank', { query, documents, top_n: 2 })).body);
    const empty = await call(server.url, '/rerank', { query, texts: [] });
    assert.equal(empty.status, 400);
    assert.equal(upstream.teiError.parse(empty.body).error_type, 'Empty');
    const bad = await call(server.url, '/rerank', { query: '', texts: ['a'] });
    assert.equal(bad.status, 422);
    assert.equal(upstream.teiError.parse(bad.body).error_type, 'Validation');
    const unknown = await call(server.url, '/rerank', { query, documents, model: 'nope' });
    assert.equal(unknown.status, 400);
    upstream.infinityError.parse(unknown.body);
  });

  it('usage on /v1/rerank carries OpenAI-style prompt and completion tokens', async () => {
    const r = await call(server.url, '/v1/rerank', { query, documents });
    const counts = await bert.countTokens(query, documents);
    const total = counts.reduce((a, b) => a + b, 0);
    assert.deepEqual(r.body.usage, { total_tokens: total, prompt_tokens: total, completion_tokens: 0 });
  });
});

describe('server: truncation options are honoured, not just accepted', () => {
  let server: RunningServer;
  let bert: CrossEncoder;
  const long = `${'the security settings page lets you configure keys and rotate them. '.repeat(12)}`;
  before(async () => {
    server = await serve({ models: [BERT], maxLength: 32 });
    bert = await CrossEncoder.load(BERT, { maxLength: 32 });
  });
  after(async () => {
    await server?.close();
    await bert?.close();
  });

  it('TEI truncate=false refuses an over-long pair with 422 Validation; absent or true cuts it', async () => {
    const refused = await call(server.url, '/rerank', { query, texts: ['short', long], truncate: false });
    assert.equal(refused.status, 422, refused.text);
    assert.equal(upstream.teiError.parse(refused.body).error_type, 'Validation');
    assert.match(refused.body.error, /\b1\b.*32/);
    for (const truncate of [undefined, true]) {
      const r = await call(server.url, '/rerank', { query, texts: ['short', long], truncate });
      assert.equal(r.status, 200);
    }
    const fits = await call(server.url, '/rerank', { query, texts: ['short'], truncate: false });
    assert.equal(fits.status, 200);
  });

  it('TEI truncation_direction Left scores the end of the text', async () => {
    const text = `Crocs clogs and sandals for kids. ${long} API keys are created with the create API key API.`;
    const [right] = await bert.rerank(query, [text]);
    const [left] = await bert.rerank(query, [text], { truncationDirection: 'left' });
    assert.notEqual(right!.score, left!.score, 'the two ends differ');
    for (const [dir, want] of [['Left', left], ['right', right]] as const) {
      const r = await call(server.url, '/rerank', { query, texts: [text], truncation_direction: dir });
      assert.ok(close(r.body[0].score, want!.score), dir);
    }
  });

  it('Cohere v2 max_tokens_per_doc and v1 max_chunks_per_doc change what is scored', async () => {
    const doc = `Crocs clogs. ${long} API keys are created with the create API key API.`;
    for (const n of [4, 9]) {
      const [want] = await bert.rerank(query, [doc], { maxTokensPerDoc: n });
      const r = await call(server.url, '/v2/rerank', { query, documents: [doc], max_tokens_per_doc: n });
      assert.ok(close(r.body.results[0].relevance_score, want!.score), `max_tokens_per_doc ${n}`);
    }
    const [one, many] = await Promise.all([1, 10].map(async (n) => (await bert.rerank(query, [doc], { maxChunksPerDoc: n }))[0]!));
    for (const [n, want] of [[1, one], [10, many]] as const) {
      const r = await call(server.url, '/v1/rerank', { query, documents: [doc], max_chunks_per_doc: n });
      assert.ok(close(r.body.results[0].relevance_score, want!.score), `max_chunks_per_doc ${n}`);
    }
    assert.ok(many!.score >= one!.score);
  });
});

describe('server: every kind of served reranker answers every dialect with its raw scores and order', () => {
  let server: RunningServer;
  let llm: FakeLlm;
  let docs: string[];
  let truth: number[];
  before(async () => {
    llm = await startFakeLlm();
    ({ docs, truth } = makeCorpus(llm, 5, 7));
    server = await serve({ models: [BERT] });
    server.pool.add('listwise', 'listwise', await createReranker({ kind: 'listwise', llmBaseUrl: llm.url, llmModel: 'm' }));
    server.pool.add('pointwise', 'pointwise', await createReranker({ kind: 'pointwise', llmBaseUrl: llm.url, llmModel: 'm' }));
  });
  after(async () => {
    await server?.close();
    await llm?.close();
  });

  for (const model of ['listwise', 'pointwise']) {
    it(`${model}: the best document gets the highest value on every route`, async () => {
      const q = 'topic';
      const v2 = await call(server.url, '/v2/rerank', { model, query: q, documents: docs });
      assert.deepEqual(v2.body.results.map((r: any) => r.index), truth, 'the LLM\'s order');
      const inf = await call(server.url, '/rerank', { model, query: q, documents: docs, raw_scores: true });
      assert.deepEqual(inf.body.results.map((r: any) => r.index), truth);
      const raw = new Map<number, number>(inf.body.results.map((r: any) => [r.index, r.relevance_score]));
      for (let i = 1; i < truth.length; i++) assert.ok(raw.get(truth[i - 1]!)! >= raw.get(truth[i]!)!, 'raw scores fall with rank');
      const metarank = await call(server.url, `/inference/cross/${model}`, { input: docs.map((text) => ({ query: q, text })) });
      assert.equal(metarank.status, 200, metarank.text);
      const scores: number[] = metarank.body.scores;
      const order = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, i]) => i);
      assert.deepEqual(order, truth, 'Metarank: higher is better, as for a cross-encoder');
    });
  }
});

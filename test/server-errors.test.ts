import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CohereClient, CohereError } from 'cohere-ai';
import { CrossEncoder } from '../src/backends/onnx/cross-encoder.js';
import type { RunningServer } from '../src/server/start.js';
import { BERT, GatedCrossEncoder, call, serve } from './server-helpers.js';

const ok = { query: 'what is a cat', documents: ['a cat is an animal', 'dogs bark'] };

describe('server: bad input, limits, auth and overload answer 4xx in each dialect', () => {
  let server: RunningServer;
  let ce: CrossEncoder;
  let gated: GatedCrossEncoder;

  before(async () => {
    server = await serve({ models: [BERT], maxDocuments: 3, maxQueryChars: 50, maxDocumentChars: 100, maxBodyBytes: 4096, maxQueue: 1, retryAfter: 2 });
    ce = await CrossEncoder.load(BERT);
    gated = new GatedCrossEncoder(ce);
    server.pool.add('gated', 'cross-encoder', gated);
  });
  after(async () => {
    gated?.release();
    await server?.close();
    await ce?.close();
  });

  const cases: [string, string, unknown, number, string][] = [
    ['malformed JSON (Cohere)', '/v1/rerank', '{"query": ', 400, 'RERANK_BAD_INPUT'],
    ['empty body (v2)', '/v2/rerank', '', 400, 'RERANK_BAD_INPUT'],
    ['query of the wrong type', '/v1/rerank', { query: 5, documents: ['a'] }, 422, 'RERANK_BAD_INPUT'],
    ['top_n as a string is not coerced', '/v1/rerank', { ...ok, top_n: '3' }, 400, 'RERANK_BAD_OPTION'],
    ['documents of the wrong type', '/v2/rerank', { query: 'q', documents: [1, 2] }, 422, 'RERANK_BAD_INPUT'],
    ['object document without text', '/v1/rerank', { query: 'q', documents: [{ title: 'x' }] }, 422, 'RERANK_BAD_DOCUMENT'],
    ['empty query', '/v2/rerank', { query: '  ', documents: ['a'] }, 422, 'RERANK_EMPTY_QUERY'],
    ['empty documents', '/v1/rerank', { query: 'q', documents: [] }, 422, 'RERANK_NO_DOCUMENTS'],
    ['unknown model', '/v2/rerank', { ...ok, model: 'rerank-v3.5' }, 404, 'RERANK_MODEL_NOT_FOUND'],
    ['top_n 0 (as the library\'s topK: 0)', '/v1/rerank', { ...ok, top_n: 0 }, 400, 'RERANK_BAD_OPTION'],
    ['top_n fractional', '/v2/rerank', { ...ok, top_n: 1.5 }, 400, 'RERANK_BAD_OPTION'],
    ['max_tokens_per_doc 0', '/v2/rerank', { ...ok, max_tokens_per_doc: 0 }, 400, 'RERANK_BAD_OPTION'],
    ['max_chunks_per_doc negative', '/v1/rerank', { ...ok, max_chunks_per_doc: -1 }, 400, 'RERANK_BAD_OPTION'],
    ['documents null', '/v1/rerank', { query: 'q', documents: null }, 422, 'RERANK_BAD_INPUT'],
    ['too many documents', '/v2/rerank', { query: 'q', documents: ['a', 'b', 'c', 'd'] }, 413, 'RERANK_LIMIT'],
    ['query too long', '/v1/rerank', { query: 'q'.repeat(51), documents: ['a'] }, 413, 'RERANK_LIMIT'],
    ['document too long', '/v2/rerank', { query: 'q', documents: ['a', 'd'.repeat(101)] }, 413, 'RERANK_LIMIT'],
    ['body too large', '/v1/rerank', { query: 'q', documents: ['x'.repeat(5000)] }, 413, 'RERANK_LIMIT'],
  ];
  for (const [what, path, body, status, code] of cases) {
    it(`${what} → ${status} ${code} in Cohere/Jina shape`, async () => {
      const r = await call(server.url, path, body);
      assert.equal(r.status, status, r.text);
      assert.equal(r.body.code, code);
      assert.equal(typeof r.body.message, 'string');
      assert.equal(r.body.detail, r.body.message);
    });
  }

  it('limit messages name the limit', async () => {
    const docs = await call(server.url, '/v2/rerank', { query: 'q', documents: ['a', 'b', 'c', 'd'] });
    assert.match(docs.body.message, /maxDocuments is 3/);
    const body = await call(server.url, '/v2/rerank', { query: 'q', documents: ['x'.repeat(5000)] });
    assert.match(body.body.message, /maxBodyBytes \(4096 bytes\)/);
  });

  it('non-UTF-8 bodies are 400 in every dialect', async () => {
    const bytes = Buffer.concat([Buffer.from('{"query": "'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('", "texts": ["a"]}')]);
    const tei = await call(server.url, '/rerank', new Uint8Array(bytes));
    assert.equal(tei.status, 400);
    assert.deepEqual([tei.body.error_type, tei.body.code], ['Validation', 'RERANK_BAD_INPUT']);
    assert.match(tei.body.error, /UTF-8/);
    const cohere = await call(server.url, '/v1/rerank', new Uint8Array(bytes));
    assert.equal(cohere.status, 400);
    assert.match(cohere.body.message, /UTF-8/);
  });

  it('TEI and Infinity errors on the shared /rerank path take each one\'s shape', async () => {
    const tei = await call(server.url, '/rerank', { query: '', texts: ['a'] });
    assert.equal(tei.status, 422);
    assert.deepEqual(Object.keys(tei.body).sort(), ['code', 'error', 'error_type']);
    assert.equal(tei.body.error_type, 'Validation');
    const inf = await call(server.url, '/rerank', { query: 'q', documents: ['a'], model: 'nope' });
    assert.equal(inf.status, 400, 'Infinity answers an unknown model 400');
    assert.equal(inf.body.error.type, 'invalid_request_error');
    assert.equal(inf.body.error.code, 400);
    assert.match(inf.body.error.message, /model "nope" is not served here/);
    const both = await call(server.url, '/rerank', { query: 'q', documents: ['a'], texts: ['b'] });
    assert.equal(both.status, 422);
    assert.match(both.body.detail[0].msg, /either "texts" \(TEI\) or "documents" \(Infinity\)/, 'FastAPI\'s 422 shape');
    const noTexts = await call(server.url, '/rerank', { query: 'q', texts: [] });
    assert.deepEqual([noTexts.status, noTexts.body.error_type], [400, 'Empty'], 'TEI: empty texts is 400 Empty');
    assert.match(noTexts.body.error, /^texts must be a non-empty list/, 'named as the TEI client sent it');
    const neither = await call(server.url, '/rerank', { query: 'q' });
    assert.equal(neither.status, 422);
    assert.equal(neither.body.error_type, 'Validation');
    const topN = await call(server.url, '/rerank', { query: 'q', documents: ['a'], top_n: 0 });
    assert.equal(topN.status, 400);
    assert.match(topN.body.error.message, /^top_n must be a positive integer/);
  });

  it('Metarank errors and unknown routes are JSON 4xx', async () => {
    const empty = await call(server.url, '/inference/cross/bert-ce-tiny', { input: [] });
    assert.deepEqual([empty.status, empty.body.code], [422, 'RERANK_NO_DOCUMENTS']);
    assert.match(empty.body.error, /^input must be a non-empty list/);
    const unknown = await call(server.url, '/inference/cross/nope', { input: [{ query: 'q', text: 't' }] });
    assert.deepEqual([unknown.status, unknown.body.code], [404, 'RERANK_MODEL_NOT_FOUND']);
    const route = await call(server.url, '/v3/rerank', ok);
    assert.deepEqual([route.status, route.body.code], [404, 'RERANK_NOT_FOUND']);
  });

  it('a full queue answers 429 with Retry-After in the client\'s shape, then serves again', async () => {
    gated.hold();
    const held = call(server.url, '/v2/rerank', { ...ok, model: 'gated' });
    const deadline = Date.now() + 10_000; // bounded: a request that never queues fails the test, not CI's clock
    while (server.pool.get('gated').queueDepth < 1) {
      assert.ok(Date.now() < deadline, 'the held request never reached the queue');
      await new Promise((r) => setTimeout(r, 5));
    }
    const cohere = await call(server.url, '/v2/rerank', { ...ok, query: 'another', model: 'gated' });
    assert.deepEqual([cohere.status, cohere.headers.get('retry-after'), cohere.body.code], [429, '2', 'RERANK_OVERLOADED']);
    assert.match(cohere.body.message, /maxQueue 1/);
    const infinity = await call(server.url, '/rerank', { model: 'gated', query: 'x', documents: ['y'] });
    assert.deepEqual([infinity.status, infinity.headers.get('retry-after'), infinity.body.error.type], [429, '2', 'rate_limit_error']);
    const client = new CohereClient({ token: 'x', environment: server.url, maxRetries: 0 } as ConstructorParameters<typeof CohereClient>[0]);
    await assert.rejects(client.rerank({ model: 'gated', query: 'third', documents: ['z'] }), (e: unknown) => e instanceof CohereError && e.statusCode === 429);
    gated.release();
    assert.equal((await held).status, 200);
    assert.equal((await call(server.url, '/v2/rerank', { ...ok, query: 'after', model: 'gated' })).status, 200);
  });

  it('keeps serving after all of the above', async () => {
    const r = await call(server.url, '/v1/rerank', ok);
    assert.equal(r.status, 200);
    assert.equal(r.body.results.length, 2);
  });
});

describe('server: API keys', () => {
  let server: RunningServer;
  before(async () => {
    server = await serve({ models: [BERT], apiKeys: ['key-one', 'a-much-longer-second-key'] });
  });
  after(async () => server?.close());

  it('401 without or with a wrong key, in the dialect\'s shape; any configured key works', async () => {
    const none = await call(server.url, '/v1/rerank', ok);
    assert.deepEqual([none.status, none.body.code, none.headers.get('www-authenticate')], [401, 'RERANK_UNAUTHORIZED', 'Bearer']);
    const wrong = await call(server.url, '/rerank', { query: 'q', texts: ['a'] }, { authorization: 'Bearer key-two' });
    assert.deepEqual([wrong.status, wrong.body.detail, wrong.body.code], [401, 'invalid API key', 'RERANK_UNAUTHORIZED'], 'FastAPI\'s 401 shape, as Infinity sends it');
    const second = await call(server.url, '/v2/rerank', ok, { authorization: 'Bearer a-much-longer-second-key' });
    assert.equal(second.status, 200);
    assert.equal((await call(server.url, '/metrics')).status, 401);
  });

  it('/health and /ready stay open', async () => {
    assert.equal((await call(server.url, '/health')).status, 200);
    assert.equal((await call(server.url, '/ready')).status, 200);
  });

  it('the cohere-ai SDK sends its token as the Bearer key', async () => {
    const res = await new CohereClient({ token: 'key-one', environment: server.url }).rerank({ query: ok.query, documents: ok.documents });
    assert.equal(res.results.length, 2);
    const bad = new CohereClient({ token: 'nope', environment: server.url });
    await assert.rejects(bad.rerank({ query: ok.query, documents: ok.documents }), (e: unknown) => e instanceof CohereError && e.statusCode === 401);
  });
});

describe('server: before the models are loaded', () => {
  it('/health is 200, /ready and rerank requests are 503 with Retry-After', async () => {
    const { resolveSettings } = await import('../src/server/config.js');
    const { buildServer } = await import('../src/server/app.js');
    const { app } = await buildServer(await resolveSettings({ port: 0, logLevel: 'silent', models: [BERT] }, {}));
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      assert.equal((await call(url, '/health')).status, 200);
      const ready = await call(url, '/ready');
      assert.deepEqual([ready.status, ready.body.status], [503, 'loading']);
      const r = await call(url, '/rerank', { query: 'q', texts: ['a'] });
      assert.deepEqual([r.status, r.headers.get('retry-after'), r.body.error_type], [503, '1', 'Unhealthy']);
    } finally {
      await app.close();
    }
  });
});

/**
 * The server on a bad day, over real HTTP on 127.0.0.1: clients that hang up, deadlines, slow and
 * stalled uploads, too many connections, hostile bodies, compressed bodies, models still loading.
 * Every wait here is bounded to seconds.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CrossEncoder } from '../src/backends/onnx/cross-encoder.js';
import { registerReranker } from '../src/registry.js';
import type { RunningServer } from '../src/server/start.js';
import { BERT, GatedCrossEncoder, call, serve } from './server-helpers.js';

const ok = { query: 'what is a cat', documents: ['a cat is an animal', 'dogs bark'] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    assert.ok(Date.now() < deadline, `timed out waiting: ${what}`);
    await sleep(5);
  }
}

/** A raw TCP client: what it was sent back, and whether the server closed it. */
function rawClient(url: string): { socket: Socket; received: () => string; closed: Promise<void> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let data = '';
  socket.on('data', (d) => (data += d.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  return { socket, received: () => data, closed };
}

describe('server: clients that go away, deadlines, loading models', () => {
  let server: RunningServer;
  let ce: CrossEncoder;
  let gated: GatedCrossEncoder;
  before(async () => {
    server = await serve({ models: [BERT], maxBatchPairs: 1 });
    ce = await CrossEncoder.load(BERT);
    gated = new GatedCrossEncoder(ce);
    server.pool.add('gated', 'cross-encoder', gated);
  });
  after(async () => {
    gated?.release();
    await server?.close();
    await ce?.close();
  });

  it('a client that hangs up has its pending pairs dropped: they never reach the model and the queue frees', async () => {
    gated.hold();
    gated.seen.length = 0;
    const first = call(server.url, '/v2/rerank', { ...ok, model: 'gated' });
    await until('first request queued', () => server.pool.get('gated').queueDepth === 1);
    const docs = Array.from({ length: 20 }, (_, i) => `abandoned document ${i}`);
    const client = rawClient(server.url);
    const body = JSON.stringify({ model: 'gated', query: 'abandoned', documents: docs });
    client.socket.write(`POST /v2/rerank HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await until('second request queued', () => server.pool.get('gated').queueDepth === 2);
    client.socket.destroy();
    await until('the abandoned request left the queue', () => server.pool.get('gated').queueDepth === 1);
    gated.release();
    assert.equal((await first).status, 200);
    assert.ok(!gated.seen.some(([q]) => q === 'abandoned'), 'no abandoned pair was scored');
    const metrics = await call(server.url, '/metrics');
    assert.match(metrics.text, /rerankit_shed_total\{code="RERANK_CANCELLED"\} 1/);
  });

  it('X-Request-Timeout: work that waited past the deadline is dropped with 504 in the dialect\'s shape; a bad value is 400', async () => {
    gated.hold();
    const first = call(server.url, '/v2/rerank', { query: 'deadline test', documents: ['not cached yet'], model: 'gated' });
    await until('first request queued', () => server.pool.get('gated').queueDepth === 1);
    const late = call(server.url, '/rerank', { model: 'gated', query: 'late', documents: ['x'] }, { 'x-request-timeout': '0.1' });
    await sleep(150);
    gated.release();
    const r = await late;
    assert.equal(r.status, 504, r.text);
    assert.equal(r.body.code, 'RERANK_DEADLINE');
    assert.equal(typeof r.body.error.message, 'string', 'Infinity\'s OpenAI-style shape');
    assert.equal((await first).status, 200);
    const bad = await call(server.url, '/v2/rerank', ok, { 'x-request-timeout': 'soon' });
    assert.deepEqual([bad.status, bad.body.code], [400, 'RERANK_BAD_OPTION']);
    const fine = await call(server.url, '/v2/rerank', ok, { timeout: '30' });
    assert.equal(fine.status, 200);
  });

  it('hostile bodies: deep nesting is a 400 (never a stack overflow), gzip is decoded, unknown encodings are 415', async () => {
    // Written as text: the client's own JSON.stringify could not build it either.
    const deep = `${'{"x":'.repeat(5000)}"leaf"${'}'.repeat(5000)}`;
    for (const body of [`{"query": "q", "documents": [${deep}], "rank_fields": ["x"]}`, `{"query": "q", "documents": [{"text": "t", "deep": ${deep}}], "return_documents": true}`]) {
      const r = await call(server.url, '/v1/rerank', body);
      assert.deepEqual([r.status, r.body.code], [400, 'RERANK_BAD_INPUT'], r.text);
      assert.match(r.body.message, /nested deeper than 32 levels/);
    }
    const zipped = await fetch(`${server.url}/v2/rerank`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify(ok)) });
    assert.equal(zipped.status, 200);
    const plain = await call(server.url, '/v2/rerank', ok);
    assert.deepEqual(((await zipped.json()) as any).results, plain.body.results);
    const zstd = await fetch(`${server.url}/rerank`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'zstd' }, body: 'xx' });
    assert.equal(zstd.status, 415);
    const body = (await zstd.json()) as any;
    assert.deepEqual([body.code, typeof body.error, typeof body.detail], ['RERANK_MEDIA_TYPE', 'string', 'string'], 'before the body is read, /rerank answers a shape TEI and Infinity both read');
  });

  it('GET on a POST route is 405 with Allow', async () => {
    for (const path of ['/v1/rerank', '/rerank', '/inference/cross/bert-ce-tiny']) {
      const r = await call(server.url, path);
      assert.deepEqual([r.status, r.headers.get('allow'), r.body.code], [405, 'POST', 'RERANK_METHOD'], path);
    }
    assert.equal((await call(server.url, '/nope')).status, 404);
  });

  it('the score cache is bounded in bytes whatever the documents\' length, and /metrics shows its size', async () => {
    const long = 'word '.repeat(15_000);
    const r = await call(server.url, '/v2/rerank', { query: 'q', documents: [long, `${long} again`] });
    assert.equal(r.status, 200);
    const metrics = await call(server.url, '/metrics');
    const bytes = Number(/rerankit_cache_bytes\{model="bert-ce-tiny"\} (\d+)/.exec(metrics.text)?.[1]);
    const entries = Number(/rerankit_cache_entries\{model="bert-ce-tiny"\} (\d+)/.exec(metrics.text)?.[1]);
    assert.ok(entries >= 2, metrics.text.slice(0, 200));
    assert.ok(bytes / entries < 400, `${bytes} bytes for ${entries} entries: keys must not hold the documents`);
  });
});

describe('server: overload with admission control', () => {
  it('under a burst, requests the queue cannot serve within max-queue-ms get 429 at once; the rest are answered; nothing is 5xx', async () => {
    const server = await serve({ models: [BERT], maxQueueMs: 5, maxBatchPairs: 4, cacheSize: 0 });
    try {
      const docs = (i: number) => Array.from({ length: 12 }, (_, j) => `burst ${i} document ${j} about cats and other animals`);
      await call(server.url, '/v2/rerank', { query: 'warm up', documents: docs(-1) }); // the batcher measures its speed
      const t0 = performance.now();
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call(server.url, '/v2/rerank', { query: `burst ${i}`, documents: docs(i) })));
      const statuses = answers.map((a) => a.status);
      assert.ok(statuses.every((s) => s === 200 || s === 429), statuses.join(','));
      assert.ok(statuses.includes(429) && statuses.includes(200), statuses.join(','));
      for (const a of answers.filter((x) => x.status === 429)) {
        assert.equal(a.body.code, 'RERANK_OVERLOADED');
        assert.match(a.body.message, /maxQueueMs 5/);
        assert.equal(a.headers.get('retry-after'), '1');
      }
      assert.ok(performance.now() - t0 < 10_000);
      assert.equal((await call(server.url, '/v2/rerank', ok)).status, 200, 'serves again after the burst');
    } finally {
      await server.close();
    }
  });
});

describe('server: slow and plentiful clients', () => {
  let server: RunningServer;
  before(async () => {
    server = await serve({ models: [BERT], requestTimeoutMs: 1000, headersTimeoutMs: 1000, maxConnections: 4, maxBufferedBytes: 3000 });
  });
  after(async () => server?.close());

  it('a body that stalls is cut off after requestTimeoutMs (408), not held for minutes', async () => {
    const client = rawClient(server.url);
    client.socket.write('POST /v2/rerank HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"query": "q",');
    const t0 = Date.now();
    await Promise.race([client.closed, sleep(5000)]);
    assert.ok(Date.now() - t0 < 4000, `closed after ${Date.now() - t0} ms`);
    assert.match(client.received(), /^HTTP\/1\.1 408/);
  });

  it('request bodies held at once are bounded: past maxBufferedBytes a new body is refused with Retry-After', async () => {
    const stalled = rawClient(server.url);
    const head = (n: number) => `POST /v2/rerank HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${n}\r\n\r\n`;
    stalled.socket.write(head(2900) + `{"query": "q", "documents": ["${'a'.repeat(2500)}`);
    await sleep(100);
    const second = await call(server.url, '/v2/rerank', { query: 'q', documents: ['b'.repeat(1000)] });
    assert.deepEqual([second.status, second.body.code, second.headers.get('retry-after')], [429, 'RERANK_OVERLOADED', '1'], second.text);
    assert.match(second.body.message, /maxBufferedBytes 3000/);
    stalled.socket.destroy();
    await sleep(100);
    assert.equal((await call(server.url, '/v2/rerank', { query: 'q', documents: ['b'.repeat(1000)] })).status, 200, 'the budget comes back when the stalled client goes');
  });

  it('connections past maxConnections are refused at once', async () => {
    const idle = Array.from({ length: 4 }, () => rawClient(server.url));
    await sleep(100);
    const extra = rawClient(server.url);
    await Promise.race([extra.closed, sleep(2000)]);
    assert.equal(extra.socket.destroyed || extra.socket.readyState === 'closed', true, 'the fifth connection is closed by the server');
    for (const c of idle) c.socket.destroy();
    await sleep(100);
    assert.equal((await call(server.url, '/health')).status, 200);
  });
});

describe('server: readiness while models load', () => {
  it('/ready is 503 until every model is loaded; a request for a loading model is 503 + Retry-After, never 404', async () => {
    let open = () => {};
    const gate = new Promise<void>((r) => (open = r));
    registerReranker('slow-load-test', async () => async () => {
      await gate;
      return CrossEncoder.load(BERT);
    });
    const { resolveSettings } = await import('../src/server/config.js');
    const { startServer } = await import('../src/server/start.js');
    const settings = await resolveSettings({ host: '127.0.0.1', port: 0, logLevel: 'silent', models: [BERT, { name: 'slow', kind: 'slow-load-test' }] }, {});
    let url = '';
    const starting = startServer(settings, (u) => (url = u));
    await until('listening', () => url !== '');
    let first = await call(url, '/v2/rerank', ok);
    for (let i = 0; i < 200 && first.status !== 200; i++) (await sleep(20), (first = await call(url, '/v2/rerank', ok)));
    assert.equal(first.status, 200, 'the loaded model serves');
    const ready = await call(url, '/ready');
    assert.deepEqual([ready.status, ready.body.status], [503, 'loading']);
    const slow = await call(url, '/v2/rerank', { ...ok, model: 'slow' });
    assert.deepEqual([slow.status, slow.body.code, slow.headers.get('retry-after')], [503, 'RERANK_LOADING', '1'], slow.text);
    open();
    const server = await starting;
    try {
      assert.equal((await call(url, '/ready')).status, 200);
      assert.equal((await call(url, '/v2/rerank', { ...ok, model: 'slow' })).status, 200);
    } finally {
      await server.close();
    }
  });
});

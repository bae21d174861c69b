import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { LlmClient, type RequestRecord } from '../src/backends/llm/client.js';
import { PointwiseReranker } from '../src/backends/llm/pointwise.js';
import { parseRetryAfter, retryDelay } from '../src/util/http.js';
import { isRerankError, type ErrorCode } from '../src/errors.js';
import { makeCorpus, startFakeLlm, type FakeLlm } from './fixtures/llm/fake-llm.js';

let llm: FakeLlm;
before(async () => (llm = await startFakeLlm()));
after(() => llm.close());
beforeEach(() => llm.reset());

const ask = (c: LlmClient, text = '[1] doc-1 about x') => c.ask([{ role: 'user', content: text }]);
const code = (c: ErrorCode, re: RegExp) => (e: unknown) => isRerankError(e) && e.code === c && re.test(e.message);

describe('LLM client over HTTP', () => {
  it('retries a 429 after the Retry-After delay', async () => {
    llm.fault = 'rate-limit-once';
    const c = new LlmClient({ baseUrl: llm.url, model: 'm', backoffMs: 1 });
    const a = await ask(c);
    assert.equal(a.text, '[1]');
    assert.equal(llm.requests.length, 2);
    assert.ok(llm.requests[1].at - llm.requests[0].at >= 900, 'waited for Retry-After: 1');
    assert.equal(c.stats.retries, 1);
    assert.equal(c.lastRequest?.attempts, 2);
  });
  it('retries a 500 with backoff', async () => {
    llm.fault = 'error-500-once';
    const c = new LlmClient({ baseUrl: llm.url, model: 'm', backoffMs: 5 });
    assert.equal((await ask(c)).text, '[1]');
    assert.equal(llm.requests.length, 2);
  });
  it('gives up after the retries with a message naming the service and the cause', async () => {
    llm.fault = 'always-500';
    const c = new LlmClient({ baseUrl: llm.url, model: 'm', retries: 2, backoffMs: 1 });
    await assert.rejects(ask(c), code('RERANK_UPSTREAM', /LLM m failed after 3 attempt\(s\): HTTP 503 .*model is loading/));
    assert.equal(llm.requests.length, 3);
  });
  it('does not retry a 400', async () => {
    llm.fault = 'bad-request';
    const c = new LlmClient({ baseUrl: llm.url, model: 'nope', backoffMs: 1 });
    await assert.rejects(ask(c), code('RERANK_UPSTREAM', /HTTP 400 .*model 'nope' does not exist/));
    assert.equal(llm.requests.length, 1);
  });
  it('times out a server that never answers', async () => {
    llm.fault = 'hang';
    const c = new LlmClient({ baseUrl: llm.url, model: 'm', timeoutMs: 150, retries: 1, backoffMs: 1 });
    await assert.rejects(ask(c), code('RERANK_TIMEOUT', /no answer .* within 150 ms/));
    assert.equal(llm.requests.length, 2);
  });
  it('reports garbage answers', async () => {
    llm.fault = 'not-json';
    await assert.rejects(ask(new LlmClient({ baseUrl: llm.url, model: 'm' })), code('RERANK_UPSTREAM', /invalid JSON.*proxy error/));
    llm.fault = 'no-choices';
    await assert.rejects(ask(new LlmClient({ baseUrl: llm.url, model: 'm' })), code('RERANK_UPSTREAM', /without choices/));
  });
  it('reports an unreachable endpoint', async () => {
    const c = new LlmClient({ baseUrl: 'http://127.0.0.1:1/v1', model: 'm', retries: 0 });
    await assert.rejects(ask(c), code('RERANK_UPSTREAM', /cannot reach http:\/\/127\.0\.0\.1:1\/v1\/chat\/completions/));
  });
  it('caches answers and records usage and latency per request', async () => {
    const seen: RequestRecord[] = [];
    const c = new LlmClient({ baseUrl: llm.url, model: 'm', apiKey: 'sk-test', onRequest: (r) => seen.push(r) });
    await ask(c);
    await ask(c);
    assert.equal(llm.requests.length, 1);
    assert.equal(llm.requests[0].auth, 'Bearer sk-test');
    assert.equal(c.stats.requests, 1);
    assert.equal(c.stats.cacheHits, 1);
    assert.equal(seen.length, 2);
    assert.deepEqual([seen[0].cached, seen[1].cached], [false, true]);
    assert.equal(seen[0].promptTokens, 4); // the fake counts words
    assert.equal(seen[0].completionTokens, 1);
    assert.ok(seen[0].latencyMs > 0);
    assert.equal(c.stats.promptTokens, 4);
  });
  it('limits concurrent requests', async () => {
    llm.delayMs = 30;
    const c = new LlmClient({ baseUrl: llm.url, model: 'm', concurrency: 2, cache: false });
    await Promise.all(Array.from({ length: 8 }, (_, i) => ask(c, `[1] doc-${i}`)));
    assert.equal(llm.requests.length, 8);
    assert.equal(llm.maxInFlight, 2);
  });
  it('speaks the completions endpoint with legacy log-probabilities', async () => {
    const { docs, truth } = makeCorpus(llm, 6, 3);
    const r = new PointwiseReranker(new LlmClient({ baseUrl: llm.url.replace('/v1', ''), model: 'm', endpoint: 'completions' }), { mode: 'logprobs' });
    const out = await r.rerank('q', docs);
    assert.deepEqual(out.map((x) => x.index), truth);
    assert.ok(llm.requests.every((q) => typeof q.body.prompt === 'string' && q.body.logprobs === 20));
  });
});

describe('retry delays', () => {
  it('Retry-After in seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter(null), undefined);
    const d = parseRetryAfter(new Date(Date.now() + 5000).toUTCString())!;
    assert.ok(d > 3000 && d <= 5000);
  });
  it('exponential backoff with jitter, capped', () => {
    for (let a = 1; a <= 4; a++) {
      const d = retryDelay(a, null, { backoffMs: 100 });
      assert.ok(d >= 75 * 2 ** (a - 1) && d <= 125 * 2 ** (a - 1), `attempt ${a}: ${d}`);
    }
    assert.equal(retryDelay(1, '100', { maxDelayMs: 3000 }), 3000);
  });
});

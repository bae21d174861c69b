/**
 * Rate limits and usage per API key across two servers sharing a real redis-server: one token bucket
 * per key whichever replica answers, 429 + Retry-After in each dialect's error shape, usage readable
 * from either replica, and a local bucket (fail open) while Redis is down.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { keyId } from '../src/server/rate-limit.js';
import type { RunningServer } from '../src/server/start.js';
import { startRedis, type RedisProcess } from './helpers/redis.js';
import { BERT, call, serve } from './server-helpers.js';

let redis: RedisProcess;
let a: RunningServer;
let b: RunningServer;

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const v1 = (url: string, key: string) => call(url, '/v1/rerank', { query: 'cats', documents: ['a cat', 'a dog'] }, auth(key));

before(async () => {
  redis = await startRedis();
  // One request a minute after a burst of 3: nothing refills while the test runs.
  const settings = { models: [`m=${BERT}`], cache: redis.url, apiKeys: ['key-one', 'key-two', 'key-three'], rateLimit: 1, rateLimitBurst: 3, cacheTimeoutMs: 2000 };
  a = await serve(settings);
  b = await serve(settings);
});

after(async () => {
  await a?.close();
  await b?.close();
  await redis?.stop();
});

describe('rate limits per API key, shared through Redis', () => {
  it('one bucket per key across replicas; the next request is 429 with Retry-After in each dialect', async () => {
    for (const url of [a.url, b.url, a.url]) assert.equal((await v1(url, 'key-one')).status, 200);
    const cohere = await v1(b.url, 'key-one');
    assert.equal(cohere.status, 429);
    const wait = Number(cohere.headers.get('retry-after'));
    assert.ok(wait >= 50 && wait <= 60, `retry-after ${wait}`); // a token a minute, just taken
    assert.equal(cohere.body.code, 'RERANK_RATE_LIMITED');
    assert.equal(typeof cohere.body.message, 'string');
    const tei = await call(a.url, '/rerank', { query: 'cats', texts: ['a cat'] }, auth('key-one'));
    assert.equal(tei.status, 429);
    assert.deepEqual([tei.body.error_type, tei.body.code], ['Overloaded', 'RERANK_RATE_LIMITED']);
    const infinity = await call(a.url, '/rerank', { query: 'cats', documents: ['a cat'] }, auth('key-one'));
    assert.equal(infinity.status, 429);
    assert.deepEqual([infinity.body.error.type, infinity.body.error.code, infinity.body.code], ['rate_limit_error', 429, 'RERANK_RATE_LIMITED']);
    const metarank = await call(b.url, '/inference/cross/m', { input: [{ query: 'cats', text: 'a cat' }] }, auth('key-one'));
    assert.equal(metarank.status, 429);
    assert.equal(metarank.body.code, 'RERANK_RATE_LIMITED');
    assert.ok(Number(metarank.headers.get('retry-after')) >= 50);
    // Another key has its own bucket; meta routes are never limited.
    assert.equal((await v1(b.url, 'key-two')).status, 200);
    assert.equal((await call(a.url, '/health')).status, 200);
  });

  it('usage per key id is the sum over both replicas, readable from either', async () => {
    await new Promise((r) => setTimeout(r, 100)); // usage writes are queued after each answer, not awaited
    const usage = await call(a.url, '/usage', undefined, auth('key-two'));
    assert.equal(usage.status, 200);
    assert.equal(usage.body.shared, true);
    assert.deepEqual(usage.body.keys[keyId('key-one')], { requests: 3, limited: 4, documents: 6, tokens: Number(usage.body.keys[keyId('key-one')].tokens) });
    assert.ok(usage.body.keys[keyId('key-one')].tokens > 0);
    assert.equal(usage.body.keys[keyId('key-two')].requests, 1);
    assert.equal(keyId('key-one').length, 12);
    assert.ok(!JSON.stringify(usage.body).includes('key-one')); // ids, never the keys
    assert.equal((await call(b.url, '/usage')).status, 401);
  });

  it('Redis down: requests go on under a local bucket per replica (fail open), counted', async () => {
    await redis.stop();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await v1(a.url, 'key-three')).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]); // a's own bucket of 3
    assert.equal((await v1(b.url, 'key-three')).status, 200); // b's own bucket: limits are per replica until Redis is back
    const metrics = (await call(a.url, '/metrics', undefined, auth('key-one'))).text;
    assert.match(metrics, /rerankit_redis_fallbacks_total\{op="rate_limit",reason="down"\} [1-9]/);
    const usage = await call(a.url, '/usage', undefined, auth('key-two'));
    assert.equal(usage.body.shared, false);
    assert.deepEqual(usage.body.keys[keyId('key-three')], { requests: 3, limited: 1 });
  });
});

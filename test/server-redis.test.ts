/**
 * The score cache shared by replicas through a real redis-server: a request repeated on another
 * server is all hits with the same scores, the key follows the model files (not their path), and a
 * killed, frozen or restarted Redis never fails a request.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveSettings } from '../src/server/config.js';
import { modelFingerprint, sharedIdentity } from '../src/server/redis-cache.js';
import type { RunningServer } from '../src/server/start.js';
import { startRedis, type RedisProcess } from './helpers/redis.js';
import { BERT, call, serve } from './server-helpers.js';

let dir: string;
let redis: RedisProcess;
let a: RunningServer;
let b: RunningServer;
let copyA: string;
let copyB: string;

/** A value of one Prometheus series, summed over the series whose labels contain `labels`. */
async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = (await call(url, '/metrics')).text;
  return text.split('\n').filter((l) => l.startsWith(name) && (l[name.length] === ' ' || l[name.length] === '{') && l.includes(labels))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const docs = (tag: string) => [`${tag} the cat sat on the mat`, `${tag} dogs bark at night`, `${tag} a recipe for bread`, `${tag} cats purr`];
const rerank = (url: string, query: string, documents: string[]) => call(url, '/v1/rerank', { query, documents, return_documents: false });
const scores = (body: any) => body.results.map((r: any) => [r.index, r.relevance_score]);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rerankit-redis-cache-'));
  copyA = join(dir, 'a', 'model');
  copyB = join(dir, 'elsewhere', 'same-model');
  await cp(BERT, copyA, { recursive: true });
  await cp(BERT, copyB, { recursive: true });
  redis = await startRedis();
  // Local caches off, so every hit below comes from Redis.
  a = await serve({ models: [`m=${copyA}`], cache: redis.url, cacheSize: 0, cacheTimeoutMs: 500 });
  b = await serve({ models: [`m=${copyB}`], cache: redis.url, cacheSize: 0, cacheTimeoutMs: 500 });
});

after(async () => {
  await a?.close();
  await b?.close();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('shared score cache in Redis', () => {
  it('a request repeated on another replica (same files, another path) is all hits with equal scores', async () => {
    const first = await rerank(a.url, 'where do cats sleep', docs('one'));
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-rerankit-cache-hits'), '0');
    const again = await rerank(b.url, 'where do cats sleep', docs('one'));
    assert.equal(again.status, 200);
    assert.equal(again.headers.get('x-rerankit-cache-hits'), '4');
    assert.deepEqual(scores(again.body), scores(first.body));
    assert.equal(await metric(b.url, 'rerankit_shared_cache_hits_total'), 4);
    // A different truncation option is a different score, so a different key.
    const truncated = await call(b.url, '/v2/rerank', { model: 'm', query: 'where do cats sleep', documents: docs('one'), max_tokens_per_doc: 4 });
    assert.equal(truncated.status, 200);
    assert.equal(truncated.headers.get('x-rerankit-cache-hits'), '0');
  });

  it('the key follows the model files: an edited copy misses; the path and the mtime do not matter', async () => {
    const fa = await modelFingerprint({ name: 'x', model: copyA });
    assert.match(fa!, /^[0-9a-f]{64}$/);
    assert.equal(await modelFingerprint({ name: 'y', model: copyB }), fa);
    const edited = join(dir, 'edited');
    await cp(BERT, edited, { recursive: true });
    const cfgPath = join(edited, 'tokenizer_config.json');
    const cfg = JSON.parse(await readFile(cfgPath, 'utf8'));
    await writeFile(cfgPath, JSON.stringify({ ...cfg, comment: 'retrained' }));
    assert.notEqual(await modelFingerprint({ name: 'x', model: edited }), fa);
    // The name (path) part of a cross-encoder's identity is replaced by the fingerprint; the rest stays.
    assert.equal(sharedIdentity('/models/x', '/models/x|512|fp32|truncate', 'f00d'), 'f00d|512|fp32|truncate');
    const c = await serve({ models: [`m=${edited}`], cache: redis.url, cacheSize: 0, cacheTimeoutMs: 500 });
    try {
      const r = await rerank(c.url, 'where do cats sleep', docs('one'));
      assert.equal(r.headers.get('x-rerankit-cache-hits'), '0');
      assert.equal(await metric(c.url, 'rerankit_redis_fallbacks_total'), 0); // Redis was asked, and had nothing
    } finally {
      await c.close();
    }
    // Another max length on the same files: another key too.
    const d = await serve({ models: [{ name: 'm', model: copyA, maxLength: 16 }], cache: redis.url, cacheSize: 0, cacheTimeoutMs: 500 });
    try {
      assert.equal((await rerank(d.url, 'where do cats sleep', docs('one'))).headers.get('x-rerankit-cache-hits'), '0');
      assert.equal(await metric(d.url, 'rerankit_redis_fallbacks_total'), 0);
    } finally {
      await d.close();
    }
  });

  it('Redis frozen (SIGSTOP): requests are served within the timeout, counted as timeouts, logged once', async () => {
    const before = await metric(a.url, 'rerankit_redis_outages_total');
    redis.proc.kill('SIGSTOP');
    try {
      for (let i = 0; i < 3; i++) {
        const r = await rerank(a.url, `frozen ${i}`, docs('two'));
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('x-rerankit-cache-hits'), '0');
      }
      assert.ok(await metric(a.url, 'rerankit_redis_fallbacks_total', 'reason="timeout"') >= 1);
      assert.equal(await metric(a.url, 'rerankit_redis_outages_total'), before + 1);
    } finally {
      redis.proc.kill('SIGCONT');
    }
    // Back by itself: a new request on a is stored, and b finds it.
    await until('a to use Redis again', async () => {
      const q = `thawed ${Date.now()}`;
      await rerank(a.url, q, docs('three'));
      await new Promise((r) => setTimeout(r, 50));
      return (await rerank(b.url, q, docs('three'))).headers.get('x-rerankit-cache-hits') === '4';
    });
  });

  it('Redis killed: requests still succeed without waiting, one outage; restarted on the same port: hits again', async () => {
    const port = redis.port;
    const outages = await metric(a.url, 'rerankit_redis_outages_total');
    await redis.stop();
    await until('a to see Redis gone', async () => (await metric(a.url, 'rerankit_redis_up')) === 0);
    for (let i = 0; i < 5; i++) {
      const r = await rerank(a.url, `redis gone ${i}`, docs('four'));
      assert.equal(r.status, 200);
      assert.equal(r.body.results.length, 4);
    }
    // Skipped at once (reason "down"), not waited for: the offline queue is off.
    assert.ok(await metric(a.url, 'rerankit_redis_fallbacks_total', 'op="cache_get",reason="down"') >= 5);
    assert.equal(await metric(a.url, 'rerankit_redis_outages_total'), outages + 1);

    redis = await startRedis({ port });
    await until('both to reconnect', async () => (await metric(a.url, 'rerankit_redis_up')) === 1 && (await metric(b.url, 'rerankit_redis_up')) === 1);
    const first = await rerank(a.url, 'after the restart', docs('five'));
    await new Promise((r) => setTimeout(r, 50)); // the write-back is queued, not awaited by the request
    const again = await rerank(b.url, 'after the restart', docs('five'));
    assert.equal(again.headers.get('x-rerankit-cache-hits'), '4');
    assert.deepEqual(scores(again.body), scores(first.body));
  });

  it('cache, rate-limit and drain settings come from YAML, RERANKIT_* and flags like every other key', async () => {
    const yaml = join(dir, 'rerankit.yaml');
    await writeFile(yaml, 'cache: redis://cache:6379/2\ncache-ttl: 600\nrateLimit: 60\ndrain_ms: 5000\n');
    const s = await resolveSettings({ config: yaml, rateLimitBurst: 5 }, { RERANKIT_CACHE_TIMEOUT_MS: '20', RERANKIT_CACHE_TTL: '900' });
    assert.deepEqual([s.cache, s.cacheTtl, s.cacheTimeoutMs, s.rateLimit, s.rateLimitBurst, s.drainMs], ['redis://cache:6379/2', 900, 20, 60, 5, 5000]);
    const env = await resolveSettings({}, { RERANKIT_CACHE: 'redis://other:6379/0' });
    assert.deepEqual([env.cache, env.cacheTtl, env.cacheTimeoutMs, env.rateLimit, env.drainMs], ['redis://other:6379/0', 86_400, 50, 0, 0]);
    await assert.rejects(resolveSettings({}, { RERANKIT_CACHE_TIMEOUT_MS: '0' }), /environment: cacheTimeoutMs/);
  });

  it('a bad cache URL is refused before the server starts', async () => {
    await assert.rejects(serve({ models: [BERT], cache: 'memcached://127.0.0.1:1' }), (e: any) => e.code === 'RERANK_BAD_OPTION' && /redis:\/\//.test(e.message));
  });
});

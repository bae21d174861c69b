import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { RerankError } from '../errors.js';
import type { ServerMetrics } from './metrics.js';
import type { RedisLink } from './redis-link.js';

/**
 * A token bucket per key, in one atomic step: refill by the time since the last take (Redis's own
 * clock, so replicas with skewed clocks agree), take one token if there is one, else say how long
 * until there is. The bucket expires once it would be full again, so idle keys cost nothing.
 * Returns {allowed (0/1), milliseconds to wait}.
 */
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed, wait = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1000)
return {allowed, wait}
`;

type WithTake = Redis & { rerankitTake(key: string, rate: number, burst: number): Promise<[number, number]> };

export interface RateLimitSettings {
  /** Requests per minute per key. */
  rateLimit: number;
  /** Bucket size; 0 = a tenth of a minute's requests, at least 1. */
  rateLimitBurst: number;
}

/** The id a key is known by in Redis, metrics and /usage: never the key itself. */
export const keyId = (key: string): string => createHash('sha256').update(key).digest('hex').slice(0, 12);

/** The same bucket in this process: the fallback while Redis is down (each replica then limits on its own). */
class LocalBuckets {
  private readonly buckets = new Map<string, { tokens: number; ts: number }>();
  constructor(private readonly rate: number, private readonly burst: number) {}

  take(key: string): [number, number] {
    const now = Date.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, ts: now };
    b.tokens = Math.min(this.burst, b.tokens + Math.max(0, now - b.ts) * this.rate);
    b.ts = now;
    this.buckets.set(key, b);
    if (this.buckets.size > 100_000) this.buckets.delete(this.buckets.keys().next().value!); // bounded: oldest first
    if (b.tokens >= 1) return (b.tokens -= 1), [1, 0];
    return [0, Math.ceil((1 - b.tokens) / this.rate)];
  }
}

/**
 * Rate limits and usage counters per API key, shared by every replica through Redis. Usage is a
 * Redis hash per key id (requests, limited, documents, tokens) that /usage reads; every replica
 * also counts its own share in /metrics.
 */
export class RateLimiter {
  /** Tokens per millisecond. */
  readonly rate: number;
  readonly burst: number;
  private readonly local: LocalBuckets;

  constructor(s: RateLimitSettings, private readonly metrics: ServerMetrics, private readonly link?: RedisLink) {
    this.rate = s.rateLimit / 60_000;
    this.burst = s.rateLimitBurst || Math.max(1, Math.ceil(s.rateLimit / 10));
    this.local = new LocalBuckets(this.rate, this.burst);
    link?.client.defineCommand('rerankitTake', { numberOfKeys: 1, lua: TAKE });
  }

  get enabled(): boolean {
    return this.rate > 0;
  }

  /** Takes a token for `id`: seconds to wait when there is none, 0 when the request may go. */
  async take(id: string): Promise<number> {
    const shared = await this.link?.run('rate_limit', (c) => (c as WithTake).rerankitTake(`rerankit:bucket:${id}`, this.rate, this.burst));
    const [allowed, waitMs] = shared ?? this.local.take(id);
    return allowed ? 0 : Math.max(1, Math.ceil(waitMs / 1000));
  }

  /** Adds one answered request to the key's usage (fire and forget). */
  count(id: string, outcome: 'ok' | 'limited' | 'error', documents: number, tokens: number): void {
    this.metrics.keyRequests.inc({ key: id, outcome });
    this.link?.send('usage', (c) => c.multi()
      .sadd('rerankit:usage:keys', id)
      .hincrby(`rerankit:usage:${id}`, outcome === 'limited' ? 'limited' : 'requests', 1)
      .hincrby(`rerankit:usage:${id}`, 'documents', documents)
      .hincrby(`rerankit:usage:${id}`, 'tokens', tokens)
      .exec());
  }

  /** Every key's usage across replicas, or undefined without Redis. */
  async usage(): Promise<Record<string, Record<string, number>> | undefined> {
    return this.link?.run('usage', async (c) => {
      const ids = (await c.smembers('rerankit:usage:keys')).sort();
      const p = c.pipeline();
      for (const id of ids) p.hgetall(`rerankit:usage:${id}`);
      const rows = (await p.exec()) ?? [];
      return Object.fromEntries(ids.map((id, i) => [id, Object.fromEntries(Object.entries((rows[i]?.[1] ?? {}) as Record<string, string>).map(([k, v]) => [k, Number(v)]))]));
    });
  }
}

/** Who a request is charged to: its API key's id, or its client address when the server has no keys. */
export function callerOf(req: FastifyRequest): string {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return m ? keyId(m[1]!.trim()) : `ip:${req.ip}`;
}

/** A preHandler for rerank routes: 429 RERANK_RATE_LIMITED with Retry-After when the caller's bucket is empty. */
export function rateLimitHook(limiter: RateLimiter): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req, reply) => {
    const wait = await limiter.take(callerOf(req));
    if (wait === 0) return;
    reply.header('retry-after', String(wait)).header('x-rerankit-rate-limited', '1');
    throw new RerankError('RERANK_RATE_LIMITED', `rate limit exceeded (${limiter.burst} at once, then ${Math.round(limiter.rate * 60_000)} per minute); retry in ${wait} s`);
  };
}

import type { Redis } from 'ioredis';
import { z } from 'zod';
import { RerankError } from '../errors.js';
import { LEARN_STORE_SCHEMA, type LearnStore, type StoreOp } from './store.js';

/**
 * Metarank's `state: {type: redis, host, port, db}` (its `auth: {user, password}` too; Metarank's
 * `format`, `cache` and `pipeline` tune its own client and are accepted and ignored: values here are
 * always JSON).
 */
export const redisStateSchema = z.object({
  type: z.literal('redis'),
  host: z.string().min(1).default('localhost'),
  port: z.number().int().min(1).max(65535).default(6379),
  db: z.number().int().min(0).default(0),
  auth: z.object({ user: z.string().optional(), password: z.string().optional() }).strict().optional(),
  tls: z.boolean().optional(),
  /** Prefix of every key, so several learners (or tests) can share one Redis database. */
  prefix: z.string().default('rerankit:learn:'),
  format: z.enum(['binary', 'json']).optional(),
  cache: z.record(z.unknown()).optional(),
  pipeline: z.record(z.unknown()).optional(),
}).strict();
export type RedisState = z.input<typeof redisStateSchema>;
export type RedisStateConfig = z.output<typeof redisStateSchema>;

/**
 * All ops of one write in one script, so they apply all or none (a script runs alone in Redis and is
 * written to the AOF as one MULTI/EXEC) and several replicas writing at once never interleave: an
 * event whose id is already in the id set is skipped, others are appended to the log in order.
 * KEYS[1] is the prefix; ARGV holds four strings per op (kind, then id + event JSON, or namespace,
 * key and value JSON), passed as they are: binary-safe, no JSON decoding inside Redis.
 */
const WRITE = `
local p = KEYS[1]
for i = 1, #ARGV, 4 do
  local kind, a, b, c = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  if kind == 'e' then
    if redis.call('SADD', p .. 'event-ids', a) == 1 then redis.call('RPUSH', p .. 'events', b) end
  elseif kind == 's' then
    redis.call('HSET', p .. 'kv:' .. a, b, c)
    if redis.call('ZSCORE', p .. 'order:' .. a, b) == false then
      redis.call('ZADD', p .. 'order:' .. a, redis.call('INCR', p .. 'seq'), b)
    end
  else
    redis.call('HDEL', p .. 'kv:' .. a, b)
    redis.call('ZREM', p .. 'order:' .. a, b)
  end
end
return #ARGV / 4
`;

type WithWrite = Redis & { rerankitLearnWrite(prefix: string, ...args: string[]): Promise<number> };

/** Events are read back in pages, so a month of events is never one reply. */
const PAGE = 1000;

/**
 * The learner's state in Redis, shared by every replica: the event log is a list (arrival order)
 * plus a set of ids (deduplication), each namespace of the key-value map a hash of JSON values with
 * a sorted set keeping the keys' first-insertion order (entries() lists them as a Map would), and
 * the schema version a key of its own. One database (not Redis Cluster: the write script touches
 * keys it names itself).
 */
export class RedisLearnStore implements LearnStore {
  readonly schemaVersion = LEARN_STORE_SCHEMA;

  private closed = false;

  private constructor(private readonly client: WithWrite, private readonly prefix: string) {}

  static async open(state: RedisState): Promise<RedisLearnStore> {
    const parsed = redisStateSchema.safeParse(state);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new RerankError('RERANK_CONFIG', `state.${issue.path.join('.')}: ${issue.message}`);
    }
    const s = parsed.data;
    const { Redis } = await import('ioredis');
    const client = new Redis({
      host: s.host, port: s.port, db: s.db, username: s.auth?.user, password: s.auth?.password,
      ...(s.tls ? { tls: {} } : {}), lazyConnect: true, maxRetriesPerRequest: 3,
    }) as WithWrite;
    client.on('error', () => {}); // reported by the command that fails; ioredis reconnects by itself
    try {
      await client.connect();
    } catch (e) {
      client.disconnect();
      throw new RerankError('RERANK_STORE', `state: cannot connect to redis at ${s.host}:${s.port}: ${(e as Error).message}`);
    }
    client.defineCommand('rerankitLearnWrite', { numberOfKeys: 1, lua: WRITE });
    const store = new RedisLearnStore(client, s.prefix);
    await store.checkSchema();
    return store;
  }

  /** Stamps an empty store with this version; refuses one written by another. */
  private async checkSchema(): Promise<void> {
    const key = `${this.prefix}schema`;
    await this.client.set(key, String(LEARN_STORE_SCHEMA), 'NX');
    const found = Number(await this.client.get(key));
    if (found !== LEARN_STORE_SCHEMA) {
      await this.close();
      throw new RerankError('RERANK_STORE', `state: the redis store under "${this.prefix}" has schema version ${found}; this rerankit reads version ${LEARN_STORE_SCHEMA}`);
    }
  }

  async hasEvents(ids: string[]): Promise<boolean[]> {
    if (ids.length === 0) return [];
    const found = await this.live().smismember(`${this.prefix}event-ids`, ...ids);
    return found.map((n) => n === 1);
  }

  async write(ops: StoreOp[]): Promise<void> {
    const client = this.live();
    if (ops.length === 0) return;
    const args = ops.flatMap((o) => {
      if (o.op === 'event') return ['e', o.id, JSON.stringify(o.event) ?? 'null', ''];
      if (o.op === 'set') return ['s', o.ns, o.key, JSON.stringify(o.value) ?? 'null'];
      return ['d', o.ns, o.key, ''];
    });
    await client.rerankitLearnWrite(this.prefix, ...args);
  }

  async *events(from = 0): AsyncIterable<unknown> {
    for (let start = from; ; start += PAGE) {
      const page = await this.live().lrange(`${this.prefix}events`, start, start + PAGE - 1);
      for (const e of page) yield JSON.parse(e);
      if (page.length < PAGE) return;
    }
  }

  async get(ns: string, key: string): Promise<unknown> {
    const v = await this.live().hget(`${this.prefix}kv:${ns}`, key);
    return v === null ? undefined : JSON.parse(v);
  }

  set(ns: string, key: string, value: unknown): Promise<void> {
    return this.write([{ op: 'set', ns, key, value }]);
  }

  delete(ns: string, key: string): Promise<void> {
    return this.write([{ op: 'delete', ns, key }]);
  }

  async entries(ns: string): Promise<[string, unknown][]> {
    const keys = await this.live().zrange(`${this.prefix}order:${ns}`, 0, -1);
    if (keys.length === 0) return [];
    const values = await this.client.hmget(`${this.prefix}kv:${ns}`, ...keys);
    return keys.flatMap((k, i) => (values[i] === null ? [] : [[k, JSON.parse(values[i]!)] as [string, unknown]]));
  }

  /** The client, unless the store is closed (RERANK_CLOSED, as the file store says). */
  private live(): WithWrite {
    if (this.closed) throw new RerankError('RERANK_CLOSED', 'the learning store is closed');
    return this.client;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

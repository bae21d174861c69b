import type { Redis } from 'ioredis';
import { RerankError, messageOf } from '../errors.js';

/**
 * What a batch job keeps in Redis, besides its chunks on the BullMQ queue:
 *   rerankit:batch:<id>:meta     hash  the job's description (BatchMeta, as JSON in field `json`)
 *   rerankit:batch:<id>:results  hash  chunk index → that chunk's output lines (JSON array)
 * Results are keyed by chunk index, so a chunk scored twice (a stalled worker's job retried while the
 * first one was still running) overwrites itself: the output holds every input line exactly once.
 */
export interface BatchMeta {
  id: string;
  queue: string;
  model: string;
  input: string;
  out: string;
  lines: number;
  pairs: number;
  chunk: number;
  chunks: number;
  createdAt: number;
}

/** One output line: `{"qid", "results": [{"docid", "score"}]}` best first. */
export interface OutputLine {
  qid: string;
  results: { docid: string; score: number }[];
}

/** What one chunk's BullMQ job carries. */
export interface ChunkData {
  batch: string;
  index: number;
  model: string;
  lists: { qid: string; query: string; candidates: { docid: string; text: string }[] }[];
}

/** Batch keys expire a week after the last write, so forgotten jobs do not fill Redis. */
export const TTL_SECONDS = 7 * 24 * 3600;

export const metaKey = (id: string) => `rerankit:batch:${id}:meta`;
export const resultsKey = (id: string) => `rerankit:batch:${id}:results`;
/** BullMQ job ids may not contain ':'. */
export const chunkJobId = (id: string, index: number) => `${id}-${index}`;

/**
 * The queue of a model: workers started with `--model X` take the chunks submitted with `--model X`,
 * named by the model's last path segment so a hub id and its downloaded folder meet. `--queue` overrides.
 */
export function queueName(model: string | undefined, kind = 'cross-encoder'): string {
  const last = (model ?? kind).replace(/[/\\]+$/, '').split(/[/\\]/).pop() || kind;
  return `rerankit-${last.replace(/[^A-Za-z0-9._-]/g, '-')}`;
}

/** The URL from --redis or RERANKIT_REDIS_URL, checked for its scheme. */
export function redisUrl(flag: string | undefined): string {
  const url = flag ?? process.env.RERANKIT_REDIS_URL;
  if (!url) throw new RerankError('RERANK_USAGE', 'give --redis redis://host:port[/db] or set RERANKIT_REDIS_URL');
  if (!/^rediss?:\/\//.test(url)) throw new RerankError('RERANK_USAGE', `--redis must be a redis:// or rediss:// URL, got "${url}"`);
  return url;
}

/** The URL without its password, for messages. */
export const shownUrl = (url: string) => url.replace(/\/\/([^@/]*)@/, '//***@');

/**
 * A connection that is known to work: one attempt with a short timeout first, so an unreachable
 * Redis is RERANK_UNAVAILABLE at once instead of ioredis retrying forever. The returned client
 * reconnects by itself afterwards; `forBullmq` makes it wait out outages (BullMQ's workers need that).
 */
export async function connectRedis(url: string, o: { forBullmq?: boolean; timeoutMs?: number } = {}): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: o.timeoutMs ?? 3000, enableOfflineQueue: false });
  let lastError: unknown;
  probe.on('error', (e) => { lastError = e; });
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    probe.disconnect();
    throw new RerankError('RERANK_UNAVAILABLE', `cannot reach Redis at ${shownUrl(url)}: ${describe(lastError ?? e)}`);
  }
  probe.disconnect();
  const client = new Redis(url, o.forBullmq ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 2 });
  client.on('error', () => {}); // reported by the commands that fail; ioredis reconnects by itself
  return client;
}

function describe(e: unknown): string {
  const code = (e as { code?: string })?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (is redis-server running?)';
  if (code === 'ENOTFOUND') return 'unknown host';
  return messageOf(e) || String(code ?? e);
}

export async function readMeta(redis: Redis, id: string): Promise<BatchMeta> {
  const json = await redis.hget(metaKey(id), 'json');
  if (!json) throw new RerankError('RERANK_NOT_FOUND', `no batch job "${id}" in Redis (jobs expire ${TTL_SECONDS / 86400} days after their last change)`);
  return JSON.parse(json) as BatchMeta;
}

export async function writeMeta(redis: Redis, meta: BatchMeta): Promise<void> {
  await redis.multi().hset(metaKey(meta.id), 'json', JSON.stringify(meta)).expire(metaKey(meta.id), TTL_SECONDS).exec();
}

/** Lines in chunk `i` of a job (the last chunk may be short). */
export const chunkSize = (m: BatchMeta, i: number) => Math.min(m.chunk, m.lines - i * m.chunk);

/** The chunk indexes whose results are in. */
export async function doneChunks(redis: Redis, id: string): Promise<Set<number>> {
  return new Set((await redis.hkeys(resultsKey(id))).map(Number));
}

import type { Redis } from 'ioredis';
import { RerankError } from '../errors.js';
import type { ServerMetrics } from './metrics.js';

/** Where a server's log lines go (fastify's pino logger, or nothing). */
export interface LinkLog {
  warn(msg: string): void;
  info(msg: string): void;
}

export interface LinkOptions {
  /** How long a request waits for Redis before it is served without it. */
  timeoutMs: number;
  /** After a timeout on a live connection (a slow Redis), requests skip Redis this long before one tries again. */
  retryMs?: number;
  log: LinkLog;
  metrics: ServerMetrics;
}

/** Failures that mean "go on without Redis": down (not connected), timeout (slow), error (anything else). */
type Reason = 'down' | 'timeout' | 'error';

class Timeout extends Error {}

/**
 * The one Redis connection of a server, shared by the score cache and the rate limiter, that never
 * makes a request fail: every command runs under `timeoutMs`, and while Redis is down or slow callers
 * get `undefined` at once and go on without it. Commands are not queued while disconnected
 * (enableOfflineQueue off), so a dead Redis costs a request nothing; ioredis reconnects by itself
 * forever. An outage is logged once when it starts and once when it ends, however many requests it
 * touched; the metrics count every request served without Redis.
 */
export class RedisLink {
  private up = true;
  private skipUntil = 0;
  private closed = false;

  /** The URL as logged: a password in it is never printed. */
  readonly url: string;

  private constructor(readonly client: Redis, url: string, private readonly o: LinkOptions) {
    this.url = url.replace(/\/\/[^@/]*@/, '//***@');
    o.metrics.redisUp.set(0);
    client.on('ready', () => this.recovered());
    client.on('error', (e: Error) => this.lost('down', e.message));
    client.on('close', () => this.lost('down', 'connection closed'));
  }

  /** Connects, waiting at most about a second: a Redis that is down at start is an outage, not a failed start. */
  static async connect(url: string, o: LinkOptions): Promise<RedisLink> {
    if (!/^rediss?:\/\//.test(url)) throw new RerankError('RERANK_BAD_OPTION', `expected a redis:// or rediss:// URL, got "${url}"`);
    const { Redis } = await import('ioredis');
    const client = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1000,
      // Reconnect forever, quickly at first: a restarted Redis is used again within a second.
      retryStrategy: (times) => Math.min(50 * times, 1000),
    });
    const link = new RedisLink(client, url, o);
    await Promise.race([client.connect().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    if (client.status !== 'ready') link.lost('down', `cannot connect to ${url}`);
    return link;
  }

  /** Whether a command is worth trying now (connected, and not backing off from a slow answer). */
  get usable(): boolean {
    return !this.closed && this.client.status === 'ready' && performance.now() >= this.skipUntil;
  }

  /**
   * Runs `fn` within the timeout; `undefined` when Redis is down, slow or fails, counted under `op`.
   * The caller always carries on.
   */
  async run<T>(op: string, fn: (c: Redis) => Promise<T>): Promise<T | undefined> {
    if (!this.usable) return this.without(op, 'down');
    let timer: NodeJS.Timeout | undefined;
    try {
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Timeout()), this.o.timeoutMs)));
      const out = await Promise.race([fn(this.client), late]);
      this.recovered();
      return out;
    } catch (e) {
      const reason: Reason = e instanceof Timeout ? 'timeout' : this.client.status === 'ready' ? 'error' : 'down';
      if (reason === 'timeout') this.skipUntil = performance.now() + (this.o.retryMs ?? 1000);
      this.lost(reason, e instanceof Timeout ? `no answer within ${this.o.timeoutMs} ms` : (e as Error).message);
      return this.without(op, reason);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends commands without waiting for their answers (cache write-backs); failures are counted, never thrown. */
  send(op: string, fn: (c: Redis) => Promise<unknown>): void {
    if (!this.usable) return void this.without(op, 'down');
    fn(this.client).catch((e: Error) => {
      this.lost(this.client.status === 'ready' ? 'error' : 'down', e.message);
      this.without(op, 'error');
    });
  }

  private without(op: string, reason: Reason): undefined {
    this.o.metrics.redisFallbacks.inc({ op, reason });
    return undefined;
  }

  private lost(reason: Reason, why: string): void {
    if (!this.up || this.closed) return;
    this.up = false;
    this.o.metrics.redisUp.set(0);
    this.o.metrics.redisOutages.inc();
    this.o.log.warn(`redis ${this.url} unavailable (${reason}: ${why}); serving without shared state until it is back`);
  }

  private recovered(): void {
    if (this.closed || this.client.status !== 'ready') return;
    this.o.metrics.redisUp.set(1);
    if (this.up) return;
    this.up = true;
    this.skipUntil = 0;
    this.o.log.info(`redis ${this.url} is back; shared state in use again`);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.disconnect();
  }
}

import type { HttpLimits } from './http-limits.js';
import type { LearnSettings } from './learn-config.js';
/** Everything `rerankit serve` can be told, with the defaults in one object. */

/** One served model: `name` is what a request's `model` field (and Metarank's path) uses. */
export interface ModelSpec {
  name: string;
  /** Registry kind; 'cross-encoder' when absent. */
  kind?: string;
  /** Hub id, folder or remote model name, as the kind understands it (some kinds need none). */
  model?: string;
  /** Other names a request may use for this model (e.g. `rerank-v3.5` for unchanged Cohere clients). */
  aliases?: string[];
  /** Model-wide options (dtype, threads, maxLength...) applied where this kind takes them and the spec leaves them unset. */
  defaults?: Record<string, unknown>;
  /** Extra options handed to the registry factory (dtype, maxLength, threads, apiKey...). */
  [option: string]: unknown;
}

export interface ServeLimits {
  /** Request body size in bytes. */
  maxBodyBytes: number;
  /** Documents (or Metarank pairs) in one request. */
  maxDocuments: number;
  /** Characters in a query. */
  maxQueryChars: number;
  /** Characters in one document. */
  maxDocumentChars: number;
}

export interface BatchSettings {
  /** Padded tokens (pairs × longest pair) one merged `score()` call may hold. */
  maxBatchTokens: number;
  /** Pairs one merged call may hold. */
  maxBatchPairs: number;
  /** How long the first waiting request may wait for company before its batch starts. */
  maxWaitMs: number;
  /** Requests waiting or running per model before new ones get 429. */
  maxQueue: number;
  /** A request whose expected queue wait (measured model speed × work ahead) passes this gets 429 at once; 0 = off. */
  maxQueueMs?: number;
}

export interface ServeSettings extends ServeLimits, BatchSettings, HttpLimits {
  host: string;
  port: number;
  models: ModelSpec[];
  apiKeys: string[];
  /** Entries in the score cache; 0 disables it. */
  cacheSize: number;
  /** Bytes the score cache may hold per model (keys are hashes, so this bounds it whatever the documents' length). */
  cacheBytes: number;
  /** Seconds a 429 answer tells clients to wait. */
  retryAfter: number;
  /** pino level, or 'silent'. */
  logLevel: string;
  /** `redis://host:port/db`: a second score-cache tier shared by replicas, also holding rate-limit buckets and usage counters. */
  cache?: string;
  /** Seconds a score lives in the shared cache. */
  cacheTtl: number;
  /** How long a request waits for Redis before going on without it. */
  cacheTimeoutMs: number;
  /** Rerank requests per minute per API key (per client address without keys), across replicas with a Redis cache; 0 = no limit. */
  rateLimit: number;
  /** Requests a key may send at once before the per-minute rate applies; 0 = a tenth of rateLimit (at least 1). */
  rateLimitBurst: number;
  /** On SIGTERM, how long /ready answers 503 while requests are still served, before the server closes. */
  drainMs: number;
  /** The playground at /ui (docs/server.md "See it"); on unless false (`--no-ui`). */
  ui?: boolean;
  /** A saved index folder (`rerankit index`) to search at POST /v1/search: first stage, then rerank. */
  index?: string;
  /** Metarank's learning sections of the config file (docs/learning.md); absent: no /rank, /train models. */
  learn?: LearnSettings;
}

export const DEFAULT_MODEL = 'cross-encoder/ms-marco-MiniLM-L-6-v2';

export const DEFAULTS: Omit<ServeSettings, 'models'> = {
  host: '127.0.0.1',
  port: 8080,
  apiKeys: [],
  maxBodyBytes: 10 * 1024 * 1024,
  maxDocuments: 1000,
  maxQueryChars: 10_000,
  maxDocumentChars: 100_000,
  maxBatchTokens: 16_384,
  maxBatchPairs: 256,
  maxWaitMs: 5,
  maxQueue: 256,
  maxQueueMs: 0,
  cacheSize: 10_000,
  cacheBytes: 32 * 1024 * 1024,
  maxConnections: 1024,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxBufferedBytes: 64 * 1024 * 1024,
  retryAfter: 1,
  logLevel: 'info',
  cacheTtl: 86_400,
  cacheTimeoutMs: 50,
  rateLimit: 0,
  rateLimitBurst: 0,
  drainMs: 0,
};

/** The numeric settings, which flags, YAML keys and RERANKIT_* variables may all set. */
export const NUMERIC_KEYS = [
  'port', 'maxBodyBytes', 'maxDocuments', 'maxQueryChars', 'maxDocumentChars',
  'maxBatchTokens', 'maxBatchPairs', 'maxWaitMs', 'maxQueue', 'maxQueueMs', 'cacheSize', 'cacheBytes', 'retryAfter',
  'maxConnections', 'requestTimeoutMs', 'headersTimeoutMs', 'keepAliveTimeoutMs', 'maxBufferedBytes',
  'cacheTtl', 'cacheTimeoutMs', 'rateLimit', 'rateLimitBurst', 'drainMs',
] as const satisfies readonly (keyof ServeSettings)[];

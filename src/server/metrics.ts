import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per server, so several servers (tests, embedders) never share counters. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'rerankit_http_requests_total', help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'], registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'rerankit_http_request_duration_seconds', help: 'HTTP request latency by route, method and status',
    labelNames: ['route', 'method', 'status'], registers: [this.registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  readonly queueDepth = new Gauge({
    name: 'rerankit_queue_depth', help: 'Requests waiting or running in the batcher', labelNames: ['model'], registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'rerankit_batch_size', help: 'Pairs per merged model call', labelNames: ['model'], registers: [this.registry],
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
  });
  readonly batchTokens = new Histogram({
    name: 'rerankit_batch_tokens', help: 'Padded tokens per merged model call', labelNames: ['model'], registers: [this.registry],
    buckets: [64, 256, 1024, 2048, 4096, 8192, 16384, 32768, 65536],
  });
  readonly batchRequests = new Histogram({
    name: 'rerankit_batch_requests', help: 'Requests sharing one merged model call', labelNames: ['model'], registers: [this.registry],
    buckets: [1, 2, 4, 8, 16, 32, 64],
  });
  readonly cacheHits = new Counter({
    name: 'rerankit_cache_hits_total', help: 'Pairs answered from the score cache', labelNames: ['model'], registers: [this.registry],
  });
  readonly cacheMisses = new Counter({
    name: 'rerankit_cache_misses_total', help: 'Pairs the model had to score', labelNames: ['model'], registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: 'rerankit_tokens_total', help: 'Tokens in scored pairs', labelNames: ['model'], registers: [this.registry],
  });
  readonly cacheBytes = new Gauge({
    name: 'rerankit_cache_bytes', help: 'Bytes held by the score cache', labelNames: ['model'], registers: [this.registry],
  });
  readonly cacheEntries = new Gauge({
    name: 'rerankit_cache_entries', help: 'Entries in the score cache', labelNames: ['model'], registers: [this.registry],
  });
  readonly bufferedBytes = new Gauge({
    name: 'rerankit_request_body_bytes_in_flight', help: 'Request-body bytes held across connections (bounded by maxBufferedBytes)', registers: [this.registry],
  });
  readonly shed = new Counter({
    name: 'rerankit_shed_total', help: 'Requests refused or dropped before their model work finished, by error code',
    labelNames: ['code'], registers: [this.registry],
  });
  readonly loadSeconds = new Gauge({
    name: 'rerankit_model_load_seconds', help: 'Time taken to load each model', labelNames: ['model'], registers: [this.registry],
  });
  readonly redisUp = new Gauge({
    name: 'rerankit_redis_up', help: 'Whether the shared-state Redis (--cache redis://) is connected and answering', registers: [this.registry],
  });
  readonly redisOutages = new Counter({
    name: 'rerankit_redis_outages_total', help: 'Times the shared-state Redis went down or slow (each logged once)', registers: [this.registry],
  });
  readonly redisFallbacks = new Counter({
    name: 'rerankit_redis_fallbacks_total', help: 'Operations done without Redis (down, timeout, error): local cache only, local rate-limit bucket',
    labelNames: ['op', 'reason'], registers: [this.registry],
  });
  readonly sharedCacheHits = new Counter({
    name: 'rerankit_shared_cache_hits_total', help: 'Pairs answered from the shared (Redis) score cache after a local miss', labelNames: ['model'], registers: [this.registry],
  });
  readonly keyRequests = new Counter({
    name: 'rerankit_api_key_requests_total', help: 'Rerank requests by API key id (first 12 hex digits of its SHA-256) and outcome, on this replica',
    labelNames: ['key', 'outcome'], registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'rerankit_' });
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    const labels = { route, method, status: String(status) };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }
}

import { RerankError } from '../errors.js';
import { createReranker } from '../registry.js';
import { isPairScorer, type Reranker } from '../types.js';
import type { ServerMetrics } from './metrics.js';
import { modelFingerprint, SharedScoreCache, sharedIdentity } from './redis-cache.js';
import type { RedisLink } from './redis-link.js';
import { ServedModel } from './served-model.js';
import type { BatchSettings, ModelSpec } from './settings.js';

type PoolSettings = BatchSettings & { cacheSize: number; cacheBytes?: number };

/** The models one server answers for, by name and alias; the first is the default. */
export class ModelPool {
  private readonly byName = new Map<string, ServedModel>();
  private readonly models: ServedModel[] = [];
  /** Names (and aliases) of configured models not loaded yet: requests for them are 503, not 404. */
  private readonly loading = new Set<string>();
  private loadCalled = false;
  /** Set on SIGTERM: /ready answers 503 so the load balancer stops sending, while requests are still served. */
  draining = false;
  /** The Redis tier of every pair scorer's score cache, when `--cache redis://...` is set. */
  shared?: { link: RedisLink; ttlSeconds: number };

  constructor(private readonly settings: PoolSettings, private readonly metrics: ServerMetrics) {}

  /** Loads every spec through the registry (in order, so load times are not skewed by each other). */
  async load(specs: ModelSpec[]): Promise<void> {
    this.loadCalled = true;
    for (const spec of specs) for (const key of [spec.name, ...(spec.aliases ?? [])]) this.loading.add(key);
    for (const spec of specs) {
      const start = performance.now();
      const { name, aliases, defaults, kind = 'cross-encoder', ...config } = spec;
      const reranker = await createReranker({ ...config, kind }, { defaults });
      this.metrics.loadSeconds.set({ model: name }, (performance.now() - start) / 1000);
      for (const key of [name, ...(aliases ?? [])]) this.loading.delete(key);
      const fingerprint = this.shared && isPairScorer(reranker) ? await modelFingerprint(spec) : undefined;
      this.add(name, kind, reranker, aliases, fingerprint);
    }
  }

  /** Every configured model is loaded (what /ready reports to a load balancer). */
  get ready(): boolean {
    // A server of learned models only (a Metarank config) loads no reranker and is ready at once.
    return (this.models.length > 0 || this.loadCalled) && this.loading.size === 0 && !this.draining;
  }

  /** Serves an already built Reranker (library use and tests). */
  add(name: string, kind: string, reranker: Reranker, aliases: string[] = [], fingerprint?: string): ServedModel {
    const shared = this.shared && isPairScorer(reranker)
      ? new SharedScoreCache(this.shared.link, sharedIdentity(reranker.name, reranker.identity, fingerprint), this.shared)
      : undefined;
    const model = new ServedModel(name, kind, reranker, this.settings, this.metrics, aliases, shared);
    for (const key of [name, ...aliases]) {
      if (this.byName.has(key)) throw new RerankError('RERANK_BAD_OPTION', `two served models are named "${key}"`);
      this.byName.set(key, model);
    }
    this.models.push(model);
    return model;
  }

  get size(): number {
    return this.models.length;
  }

  list(): readonly ServedModel[] {
    return this.models;
  }

  /** The model a request names, or the default one when it names none. */
  get(name?: string): ServedModel {
    const model = name === undefined || name === '' ? this.models[0] : this.byName.get(name);
    if (model) return model;
    if (name && this.loading.has(name)) throw new RerankError('RERANK_LOADING', `model "${name}" is still loading; retry shortly`);
    if (this.models.length === 0 && this.loadCalled && this.loading.size === 0) {
      throw new RerankError('RERANK_MODEL_NOT_FOUND', 'this server serves no rerank models (its config has learned models only: POST /rank/<model>)');
    }
    if (this.models.length === 0) throw new RerankError('RERANK_LOADING', 'no model is loaded yet; retry shortly');
    throw new RerankError('RERANK_MODEL_NOT_FOUND', `model "${name}" is not served here (served: ${[...this.byName.keys()].join(', ')})`);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.models.map((m) => m.close()));
  }
}

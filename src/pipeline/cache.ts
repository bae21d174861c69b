import { LRUCache } from 'lru-cache';
import type { DocInput, Reranker, RerankOptions, RerankResult, ScoredPair } from '../types.js';
import { checkRerankInput, finishResults } from '../rerank-input.js';

export interface CacheOptions {
  /** Most (query, document) scores kept (default 10000), least recently used evicted first. */
  max?: number;
}

/**
 * Remembers each (reranker name, query, document text) score, and sends only unseen documents to the
 * reranker. Valid for pointwise rerankers (cross-encoders, bi-encoders, pointwise LLM, remote APIs)
 * whose score for a pair does not depend on the other documents — not for listwise rerankers.
 */
export class CachedReranker implements Reranker {
  readonly name: string;
  readonly stats = { hits: 0, misses: 0 };
  private readonly cache: LRUCache<string, ScoredPair>;

  constructor(private readonly inner: Reranker, opts: CacheOptions = {}) {
    this.cache = new LRUCache({ max: opts.max ?? 10000 });
    this.name = inner.name; // transparent: the cache changes speed, not results
  }

  private key(query: string, text: string): string {
    return JSON.stringify([this.inner.name, query, text]);
  }

  async rerank(query: string, documents: DocInput[], options: RerankOptions = {}): Promise<RerankResult[]> {
    const texts = checkRerankInput(query, documents, options);
    const found = texts.map((t) => this.cache.get(this.key(query, t)));
    const missing = [...new Set(texts.filter((_, i) => !found[i]))];
    this.stats.hits += texts.length - found.filter((f) => !f).length;
    this.stats.misses += missing.length;
    const fresh = new Map<string, ScoredPair>(); // held locally: a small cache may evict them at once
    if (missing.length) {
      for (const r of await this.inner.rerank(query, missing)) {
        const pair = { score: r.score, logits: r.logits };
        fresh.set(missing[r.index], pair);
        this.cache.set(this.key(query, missing[r.index]), pair);
      }
    }
    const results = texts.map((t, index) => {
      const s = found[index] ?? fresh.get(t);
      return { index, score: s?.score ?? 0, logits: s?.logits ?? [] };
    });
    return finishResults(results, documents, options);
  }

  get size(): number {
    return this.cache.size;
  }

  close(): Promise<void> {
    this.cache.clear();
    return this.inner.close();
  }
}

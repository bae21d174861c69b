import { LRUCache } from 'lru-cache';
import { RerankError } from '../errors.js';
import type { ScoredPair } from '../types.js';

/**
 * (query, document) scores keyed by what they depend on: a scorer identity (model files, max length,
 * dtype... — `PairScorer.identity`, or a reranker's name), the query and the document text. At most
 * `max` entries, least recently used evicted first; `max` 0 makes a disabled cache that keeps nothing.
 * One module for the server and CachedReranker; `V` lets a user keep more per pair (token counts).
 */
export class ScoreCache<V extends ScoredPair = ScoredPair> {
  private readonly lru?: LRUCache<string, V>;

  constructor(readonly max: number) {
    if (!(Number.isInteger(max) && max >= 0)) throw new RerankError('RERANK_BAD_OPTION', `cache size must be an integer >= 0, got ${max}`);
    if (max > 0) this.lru = new LRUCache({ max });
  }

  /**
   * The key of one pair. Identity and query are length-prefixed, so no two different
   * (identity, query, document) tuples share a key whatever characters they hold.
   */
  static key(identity: string, query: string, document: string): string {
    return `${identity.length}:${identity}${query.length}:${query}${document}`;
  }

  get enabled(): boolean {
    return this.lru !== undefined;
  }

  get size(): number {
    return this.lru?.size ?? 0;
  }

  /** The cached value, which also becomes the most recently used. */
  get(key: string): V | undefined {
    return this.lru?.get(key);
  }

  set(key: string, value: V): void {
    this.lru?.set(key, value);
  }

  clear(): void {
    this.lru?.clear();
  }
}

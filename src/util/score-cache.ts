import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { RerankError } from '../errors.js';
import type { ScoredPair } from '../types.js';

/**
 * (query, document) scores keyed by what they depend on: a scorer identity (model files, max length,
 * dtype... — `PairScorer.identity`, or a reranker's name), the query and the document text. At most
 * `max` entries and `maxBytes` bytes, least recently used evicted first; `max` 0 makes a disabled
 * cache that keeps nothing. Keys are SHA-256 digests, so an entry costs the same (~200 bytes) whatever
 * the document's length — a key holding the text cost 2 bytes per character, ~1.9 GiB at 10,000
 * entries of 100,000-character documents. One module for the server and CachedReranker; `V` lets a
 * user keep more per pair (token counts).
 */
export class ScoreCache<V extends ScoredPair = ScoredPair> {
  private readonly lru?: LRUCache<string, V>;

  constructor(readonly max: number, readonly maxBytes = 64 * 1024 * 1024) {
    if (!(Number.isInteger(max) && max >= 0)) throw new RerankError('RERANK_BAD_OPTION', `cache size must be an integer >= 0, got ${max}`);
    if (!(Number.isInteger(maxBytes) && maxBytes > 0)) throw new RerankError('RERANK_BAD_OPTION', `cache bytes must be a positive integer, got ${maxBytes}`);
    if (max > 0) this.lru = new LRUCache({ max, maxSize: maxBytes, sizeCalculation: (v, k) => entryBytes(k, v) });
  }

  /**
   * The key of one pair: a digest of identity, query and document, each length-prefixed, so no two
   * different (identity, query, document) tuples share a key whatever characters they hold.
   */
  static key(identity: string, query: string, document: string): string {
    return createHash('sha256').update(`${identity.length}:${identity}${query.length}:${query}${document}`).digest('base64');
  }

  /** Bytes held now (keys, values and the LRU's bookkeeping, estimated). */
  get bytes(): number {
    return this.lru?.calculatedSize ?? 0;
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

/** Estimated bytes of one entry: the key's UTF-16 characters, the value's numbers, ~100 bytes of LRU and object overhead. */
function entryBytes(key: string, value: ScoredPair): number {
  const numbers = 2 + (value.logits?.length ?? 0) + ((value as { members?: number[] }).members?.length ?? 0);
  return 2 * key.length + 8 * numbers + 100;
}

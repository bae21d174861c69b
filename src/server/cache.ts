import { LRUCache } from 'lru-cache';
import type { ScoredPair } from '../types.js';

/** A cached score with the pair's token count, so a hit needs neither tokenizer nor model. */
export interface CachedScore extends ScoredPair {
  tokens: number;
}

/**
 * Scores keyed by model identity (name, max length, dtype) + query + document. Each part but the last
 * is length-prefixed, so no two different tuples share a key whatever characters they hold.
 */
export class ScoreCache {
  private readonly lru?: LRUCache<string, CachedScore>;

  constructor(size: number) {
    if (size > 0) this.lru = new LRUCache({ max: size });
  }

  get enabled(): boolean {
    return this.lru !== undefined;
  }

  static key(model: string, query: string, doc: string): string {
    return `${model.length}:${model}${query.length}:${query}${doc}`;
  }

  get(key: string): CachedScore | undefined {
    return this.lru?.get(key);
  }

  set(key: string, value: CachedScore): void {
    this.lru?.set(key, value);
  }
}

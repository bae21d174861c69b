import { RerankError } from '../errors.js';
import { isPairScorer, isTokenCounter, type Capability, type DocInput, type PairOptions, type Reranker, type RerankOptions, type RerankResult, type ScoredPair } from '../types.js';
import { checkRerankInput, finishResults, pairOptions } from '../rerank-input.js';
import { ScoreCache } from '../util/score-cache.js';

export interface CacheOptions {
  /** Most (query, document) scores kept (default 10000), least recently used evicted first. */
  max?: number;
}

/** What is remembered per pair: every result field that does not depend on the list. */
type PairFields = Pick<RerankResult, 'score' | 'raw' | 'logits' | 'members'>;

/**
 * Remembers each (reranker identity, truncation options, query, document text) result, and sends only
 * unseen documents to the reranker. Valid for pointwise rerankers (cross-encoders, bi-encoders,
 * pointwise LLM, remote APIs) whose score for a pair does not depend on the other documents — not for
 * listwise rerankers (a cached `rank` would mean nothing, so none is kept).
 * Transparent: same name, same result fields, and the inner reranker's capabilities — `score(pairs)`
 * (through the same cache) and `countTokens` exist when the inner reranker has them.
 */
export class CachedReranker implements Reranker {
  readonly name: string;
  readonly capabilities?: readonly Capability[];
  readonly stats = { hits: 0, misses: 0 };
  private readonly cache: ScoreCache<PairFields>;

  constructor(private readonly inner: Reranker, opts: CacheOptions = {}) {
    this.cache = new ScoreCache(opts.max ?? 10000);
    this.name = inner.name; // transparent: the cache changes speed, not results
    const caps: Capability[] = [];
    if (isPairScorer(inner)) caps.push('score-pairs');
    if (isTokenCounter(inner)) caps.push('count-tokens');
    if (caps.length) this.capabilities = caps;
  }

  /** The inner reranker's identity (a PairScorer's) or name: the cache changes speed, not scores. */
  get identity(): string {
    return isPairScorer(this.inner) ? this.inner.identity : this.inner.name;
  }

  private key(query: string, text: string, options: PairOptions): string {
    return ScoreCache.key(JSON.stringify([this.identity, options]), query, text);
  }

  async rerank(query: string, documents: DocInput[], options: RerankOptions = {}): Promise<RerankResult[]> {
    const texts = checkRerankInput(query, documents, options);
    const po = pairOptions(options);
    const found = texts.map((t) => this.cache.get(this.key(query, t, po)));
    const missing = [...new Set(texts.filter((_, i) => !found[i]))];
    this.stats.hits += texts.length - found.filter((f) => !f).length;
    this.stats.misses += missing.length;
    const fresh = new Map<string, PairFields>(); // held locally: a small cache may evict them at once
    if (missing.length) {
      for (const r of await this.inner.rerank(query, missing, po)) {
        const pair = pairFields(r);
        fresh.set(missing[r.index], pair);
        this.cache.set(this.key(query, missing[r.index], po), pair);
      }
    }
    const results = texts.map((t, index) => ({ index, ...(found[index] ?? fresh.get(t) ?? { score: 0 }) }));
    return finishResults(results, documents, options);
  }

  /** The inner PairScorer's `score(pairs)`, through the cache (only when the inner reranker has it). */
  async score(pairs: [string, string][], options: PairOptions = {}): Promise<ScoredPair[]> {
    const inner = this.inner;
    if (!isPairScorer(inner)) throw new RerankError('RERANK_BAD_OPTION', `${this.name} cannot score pairs (its reranker has no 'score-pairs' capability)`);
    if (!Array.isArray(pairs) || pairs.some((p) => !Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'string')) {
      return inner.score(pairs, options); // the inner reranker reports what is wrong, in its words
    }
    const po = pairOptions(options);
    const keys = pairs.map(([q, d]) => this.key(q, d, po));
    const found = keys.map((k) => this.cache.get(k));
    const missing = [...new Set(keys.filter((_, i) => !found[i]))];
    this.stats.hits += pairs.length - found.filter((f) => !f).length;
    this.stats.misses += missing.length;
    const fresh = new Map<string, PairFields>();
    if (missing.length) {
      const first = new Map(keys.map((k, i) => [k, i]));
      const scored = await inner.score(missing.map((k) => pairs[first.get(k)!]!), po);
      scored.forEach((s, j) => {
        const pair = pairFields(s);
        fresh.set(missing[j]!, pair);
        this.cache.set(missing[j]!, pair);
      });
    }
    return keys.map((k, i) => found[i] ?? fresh.get(k)!);
  }

  /** The inner reranker's `countTokens` (only when it has it); token counts are not cached. */
  countTokens(query: string, documents: string[], options?: PairOptions): Promise<number[]> {
    const inner = this.inner;
    if (!isTokenCounter(inner)) return Promise.reject(new RerankError('RERANK_BAD_OPTION', `${this.name} cannot count tokens (its reranker has no 'count-tokens' capability)`));
    return inner.countTokens(query, documents, options);
  }

  get size(): number {
    return this.cache.size;
  }

  close(): Promise<void> {
    this.cache.clear();
    return this.inner.close();
  }
}

/** The list-independent fields of a result, without undefined keys (so cached results equal fresh ones). */
function pairFields(r: PairFields): PairFields {
  const out: PairFields = { score: r.score };
  if (r.raw !== undefined) out.raw = r.raw;
  if (r.logits !== undefined) out.logits = r.logits;
  if (r.members !== undefined) out.members = r.members;
  return out;
}

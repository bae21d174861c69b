import { RerankError } from '../errors.js';
import type { Reranker, ScoredPair } from '../types.js';
import { MicroBatcher } from './batcher.js';
import { ScoreCache, type CachedScore } from './cache.js';
import type { ServerMetrics } from './metrics.js';
import type { BatchSettings } from './settings.js';

export interface Timings { queueMs: number; tokenizeMs: number; inferenceMs: number; totalMs: number }

export interface ScoreOutcome {
  /** One per input pair, in input order. */
  scores: ScoredPair[];
  /** Tokens in all pairs (0 when the backend cannot count them). */
  tokens: number;
  cacheHits: number;
  timings: Timings;
}

/** A cross-encoder: scores arbitrary pairs and counts their tokens, so its pairs can be merged. */
interface Batchable extends Reranker {
  score(pairs: [string, string][]): Promise<ScoredPair[]>;
  countTokens(query: string, documents: string[]): Promise<number[]>;
  readonly maxLength?: number;
  readonly dtype?: string;
}

function isBatchable(r: Reranker): r is Batchable {
  const x = r as Partial<Batchable>;
  return typeof x.score === 'function' && typeof x.countTokens === 'function';
}

/** Indices of `pairs` grouped by query, so per-query backend calls see each query once. */
function byQuery(pairs: [string, string][], indices: number[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const i of indices) {
    const q = pairs[i]![0];
    const group = groups.get(q);
    if (group) group.push(i);
    else groups.set(q, [i]);
  }
  return groups;
}

/**
 * A loaded model as the server uses it. Cross-encoders go through the score cache and the shared
 * micro-batcher; any other Reranker (LLM, hosted API) is called directly, once per distinct query,
 * under the same queue limit.
 */
export class ServedModel {
  private readonly batcher?: MicroBatcher;
  private readonly cache: ScoreCache;
  private readonly identity: string;
  private direct = 0;

  constructor(
    readonly name: string,
    readonly kind: string,
    readonly reranker: Reranker,
    private readonly settings: BatchSettings & { cacheSize: number },
    private readonly metrics: ServerMetrics,
    readonly aliases: string[] = [],
  ) {
    const r = reranker as Partial<Batchable>;
    this.identity = `${name}|${r.maxLength ?? ''}|${r.dtype ?? ''}`;
    this.cache = new ScoreCache(isBatchable(reranker) ? settings.cacheSize : 0);
    if (isBatchable(reranker)) {
      this.batcher = new MicroBatcher(reranker, settings, (b) => {
        metrics.batchSize.observe({ model: name }, b.pairs);
        metrics.batchTokens.observe({ model: name }, b.paddedTokens);
        metrics.batchRequests.observe({ model: name }, b.requests);
      });
    }
  }

  get queueDepth(): number {
    return this.batcher?.depth ?? this.direct;
  }

  async scorePairs(pairs: [string, string][]): Promise<ScoreOutcome> {
    const start = performance.now();
    const out = isBatchable(this.reranker) ? await this.batched(this.reranker, pairs) : await this.directly(pairs);
    out.timings.totalMs = performance.now() - start;
    this.metrics.tokens.inc({ model: this.name }, out.tokens);
    return out;
  }

  private async batched(model: Batchable, pairs: [string, string][]): Promise<ScoreOutcome> {
    const keys = pairs.map(([q, d]) => ScoreCache.key(this.identity, q, d));
    const found: (CachedScore | undefined)[] = keys.map((k) => this.cache.get(k));
    const misses = pairs.flatMap((_, i) => (found[i] ? [] : [i]));
    this.metrics.cacheHits.inc({ model: this.name }, pairs.length - misses.length);
    this.metrics.cacheMisses.inc({ model: this.name }, misses.length);
    const { tokens, tokenizeMs, job } = await this.enqueue(model, pairs, misses);
    const { scores, queueMs, inferenceMs } = await job.finally(() => this.metrics.queueDepth.set({ model: this.name }, this.batcher!.depth));
    misses.forEach((i, j) => {
      found[i] = { ...scores[j]!, tokens: tokens.get(i)! };
      this.cache.set(keys[i]!, found[i]!);
    });
    const all = found as CachedScore[];
    return {
      scores: all.map(({ score, logits }) => ({ score, logits })),
      tokens: all.reduce((n, s) => n + s.tokens, 0),
      cacheHits: pairs.length - misses.length,
      timings: { queueMs, tokenizeMs, inferenceMs, totalMs: 0 },
    };
  }

  /** Counts the missing pairs' tokens (announced, so the batcher waits for them) and queues them. */
  private async enqueue(model: Batchable, pairs: [string, string][], misses: number[]) {
    const batcher = this.batcher!;
    if (misses.length > 0) batcher.checkRoom();
    const t0 = performance.now();
    const arrived = batcher.announce();
    try {
      const tokens = await this.count(model, pairs, misses);
      const tokenizeMs = performance.now() - t0;
      const job = batcher.submit(misses.map((i) => pairs[i]!), misses.map((i) => tokens.get(i)!));
      this.metrics.queueDepth.set({ model: this.name }, batcher.depth);
      return { tokens, tokenizeMs, job };
    } finally {
      arrived();
    }
  }

  private async count(model: Batchable, pairs: [string, string][], indices: number[]): Promise<Map<number, number>> {
    const tokens = new Map<number, number>();
    for (const [query, idx] of byQuery(pairs, indices)) {
      const counts = await model.countTokens(query, idx.map((i) => pairs[i]![1]));
      idx.forEach((i, j) => tokens.set(i, Math.max(1, counts[j] ?? 1)));
    }
    return tokens;
  }

  private async directly(pairs: [string, string][]): Promise<ScoreOutcome> {
    if (this.direct >= this.settings.maxQueue) {
      throw new RerankError('RERANK_OVERLOADED', `queue is full (maxQueue ${this.settings.maxQueue} requests running); retry later`);
    }
    this.direct++;
    const t0 = performance.now();
    try {
      const scores: ScoredPair[] = new Array(pairs.length);
      for (const [query, idx] of byQuery(pairs, pairs.map((_, i) => i))) {
        const results = await this.reranker.rerank(query, idx.map((i) => pairs[i]![1]));
        for (const r of results) scores[idx[r.index]!] = { score: r.score, logits: r.logits };
      }
      if (scores.some((s) => s === undefined)) throw new RerankError('RERANK_UPSTREAM', `${this.name} did not score every document`);
      return { scores, tokens: 0, cacheHits: 0, timings: { queueMs: 0, tokenizeMs: 0, inferenceMs: performance.now() - t0, totalMs: 0 } };
    } finally {
      this.direct--;
    }
  }

  /** Waits for queued work, then frees the model. */
  async close(): Promise<void> {
    await this.batcher?.drain();
    await this.reranker.close();
  }
}

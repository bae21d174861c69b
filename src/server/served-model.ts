import { RerankError } from '../errors.js';
import { checkRerankInput, finishResults, optionsKey, pairOptions } from '../rerank-input.js';
import { isPairScorer, isTokenCounter, type DocInput, type PairOptions, type PairScorer, type Reranker, type RerankOptions, type RerankResult, type ScoredPair } from '../types.js';
import { MicroBatcher } from './batcher.js';
import { ScoreCache } from '../util/score-cache.js';
import type { ServerMetrics } from './metrics.js';
import type { SharedScoreCache } from './redis-cache.js';
import type { BatchSettings } from './settings.js';

/** A cached score with the pair's token count, so a hit needs neither tokenizer nor model. */
interface CachedScore extends ScoredPair {
  tokens: number;
}

export interface Timings { queueMs: number; tokenizeMs: number; inferenceMs: number; totalMs: number }

/** What serving a request cost, whatever it asked. */
export interface Usage {
  /** Tokens in all pairs (0 when the backend cannot count them). */
  tokens: number;
  cacheHits: number;
  timings: Timings;
}

export interface PairsOutcome extends Usage {
  /** One per input pair, in input order. */
  scores: ScoredPair[];
}

export interface RerankOutcome extends Usage {
  /** Finished results: best first, threshold and topK applied, documents on request. */
  results: RerankResult[];
}

/** Indices of `pairs` grouped by query, so per-query backend calls see each query once. */
function byQuery(pairs: [string, string][]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  pairs.forEach(([q], i) => {
    const group = groups.get(q);
    if (group) group.push(i);
    else groups.set(q, [i]);
  });
  return groups;
}

const since = (t0: number) => performance.now() - t0;

/** What the server knows of a request beyond its content: when its client gives up. */
export interface RequestControl {
  /** Aborted when the client's connection closes. */
  signal?: AbortSignal;
  /** `performance.now()` time after which the answer is useless. */
  deadline?: number;
}

/**
 * A loaded model as the server uses it: the one path every route's request takes. Rerankers that
 * declare 'score-pairs' go through the score cache and the shared micro-batcher; any other Reranker
 * (LLM, hosted API, pipeline) is called through `rerank()`, once per distinct query, under the same
 * queue limit. Inputs are checked and results finished by the same functions every Reranker uses.
 */
export class ServedModel {
  private readonly batcher?: MicroBatcher;
  private readonly cache: ScoreCache<CachedScore>;
  private direct = 0;

  constructor(
    readonly name: string,
    readonly kind: string,
    readonly reranker: Reranker,
    private readonly settings: BatchSettings & { cacheSize: number; cacheBytes?: number },
    private readonly metrics: ServerMetrics,
    readonly aliases: string[] = [],
    /** The second cache tier, in Redis and shared by replicas (`--cache redis://...`). */
    private readonly shared?: SharedScoreCache,
  ) {
    const scorer = isPairScorer(reranker);
    this.cache = new ScoreCache<CachedScore>(scorer ? settings.cacheSize : 0, settings.cacheBytes);
    if (scorer) {
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

  get cacheBytes(): number {
    return this.cache.bytes;
  }

  get cacheEntries(): number {
    return this.cache.size;
  }

  /** One query against many documents, with the library's options and answers. */
  async rerank(query: string, documents: DocInput[], asked: RerankOptions = {}, ctl: RequestControl = {}): Promise<RerankOutcome> {
    const start = performance.now();
    // Explanations are added around this call (serve.ts → explain.ts), never by the reranker itself.
    const { explain: _explain, ...options } = asked;
    const texts = checkRerankInput(query, documents, options);
    if (!isPairScorer(this.reranker)) return this.rerankDirectly(query, documents, options, start, ctl);
    const out = await this.pairs(texts.map((t) => [query, t]), pairOptions(options), ctl);
    const results = finishResults(out.scores.map((s, index) => ({ index, ...s })), documents, options);
    return { ...out, results };
  }

  /** Arbitrary (query, document) pairs in input order (Metarank's cross-encoder inference). */
  async scorePairs(pairs: [string, string][], options: PairOptions = {}, ctl: RequestControl = {}): Promise<PairsOutcome> {
    for (const [query, idx] of byQuery(pairs)) checkRerankInput(query, idx.map((i) => pairs[i]![1]));
    return this.pairs(pairs, options, ctl);
  }

  private async pairs(pairs: [string, string][], options: PairOptions, ctl: RequestControl): Promise<PairsOutcome> {
    const start = performance.now();
    const out = isPairScorer(this.reranker) ? await this.batched(this.reranker, pairs, options, ctl) : await this.pairsDirectly(pairs, ctl);
    out.timings.totalMs = since(start);
    this.metrics.tokens.inc({ model: this.name }, out.tokens);
    return out;
  }

  private async batched(model: PairScorer, pairs: [string, string][], options: PairOptions, ctl: RequestControl): Promise<PairsOutcome> {
    const identity = `${model.identity}|${optionsKey(options)}`;
    const keys = pairs.map(([q, d]) => ScoreCache.key(identity, q, d));
    const found: (CachedScore | undefined)[] = keys.map((k) => this.cache.get(k));
    let misses = pairs.flatMap((_, i) => (found[i] ? [] : [i]));
    const sharedKeys = new Map(this.shared ? misses.map((i) => [i, this.shared!.key(optionsKey(options), ...pairs[i]!)]) : []);
    if (this.shared && misses.length > 0) misses = await this.fromShared(misses, sharedKeys, keys, found);
    this.metrics.cacheHits.inc({ model: this.name }, pairs.length - misses.length);
    this.metrics.cacheMisses.inc({ model: this.name }, misses.length);
    const { tokens, tokenizeMs, job } = await this.enqueue(model, pairs, misses, options, ctl);
    const { scores, queueMs, inferenceMs } = await job.finally(() => this.metrics.queueDepth.set({ model: this.name }, this.batcher!.depth));
    misses.forEach((i, j) => {
      found[i] = { ...scores[j]!, tokens: tokens.get(i)! };
      this.cache.set(keys[i]!, found[i]!);
    });
    this.shared?.setMany(misses.map((i) => [sharedKeys.get(i)!, found[i]!]));
    const all = found as CachedScore[];
    return {
      scores: all.map(({ tokens: _, ...s }) => s),
      tokens: isTokenCounter(model) ? all.reduce((n, s) => n + s.tokens, 0) : 0,
      cacheHits: pairs.length - misses.length,
      timings: { queueMs, tokenizeMs, inferenceMs, totalMs: 0 },
    };
  }

  /** Fills local misses from the shared tier (one MGET) and the local cache with what it had; returns the pairs still missing. */
  private async fromShared(misses: number[], sharedKeys: Map<number, string>, keys: string[], found: (CachedScore | undefined)[]): Promise<number[]> {
    const got = await this.shared!.getMany(misses.map((i) => sharedKeys.get(i)!));
    if (!got) return misses;
    let hits = 0;
    misses.forEach((i, j) => {
      const e = got[j];
      if (!e) return;
      found[i] = e;
      this.cache.set(keys[i]!, e);
      hits++;
    });
    this.metrics.sharedCacheHits.inc({ model: this.name }, hits);
    return misses.filter((i) => !found[i]);
  }

  /** Counts the missing pairs' tokens (announced, so the batcher waits for them) and queues them. */
  private async enqueue(model: PairScorer, pairs: [string, string][], misses: number[], options: PairOptions, ctl: RequestControl) {
    const batcher = this.batcher!;
    if (misses.length > 0) batcher.checkRoom(ctl.deadline);
    const t0 = performance.now();
    const arrived = batcher.announce();
    try {
      const tokens = await this.count(model, misses.map((i) => pairs[i]!), options);
      const byPair = new Map(misses.map((i, j) => [i, tokens[j]!]));
      const job = batcher.submit(misses.map((i) => pairs[i]!), tokens, { options, ...ctl });
      this.metrics.queueDepth.set({ model: this.name }, batcher.depth);
      return { tokens: byPair, tokenizeMs: since(t0), job };
    } finally {
      arrived();
    }
  }

  /** Token counts for the batcher's budget: the model's own where it counts, else ~4 characters a token. */
  private async count(model: Reranker, pairs: [string, string][], options: PairOptions): Promise<number[]> {
    const counts = new Array<number>(pairs.length);
    for (const [query, idx] of byQuery(pairs)) {
      const docs = idx.map((i) => pairs[i]![1]);
      const got = isTokenCounter(model) ? await model.countTokens(query, docs, options) : docs.map((d) => Math.ceil((query.length + d.length) / 4));
      idx.forEach((i, j) => (counts[i] = Math.max(1, got[j] ?? 1)));
    }
    return counts;
  }

  private async rerankDirectly(query: string, documents: DocInput[], options: RerankOptions, start: number, ctl: RequestControl): Promise<RerankOutcome> {
    const results = await this.slot(ctl, () => this.reranker.rerank(query, documents, options));
    const inferenceMs = since(start);
    return { results, tokens: 0, cacheHits: 0, timings: { queueMs: 0, tokenizeMs: 0, inferenceMs, totalMs: inferenceMs } };
  }

  private async pairsDirectly(pairs: [string, string][], ctl: RequestControl): Promise<PairsOutcome> {
    const t0 = performance.now();
    const scores = await this.slot(ctl, async () => {
      const out: ScoredPair[] = new Array(pairs.length);
      for (const [query, idx] of byQuery(pairs)) {
        for (const { index, document: _, ...s } of await this.reranker.rerank(query, idx.map((i) => pairs[i]![1]))) out[idx[index]!] = s;
      }
      return out;
    });
    if (scores.some((s) => s === undefined)) throw new RerankError('RERANK_UPSTREAM', `${this.name} did not score every document`);
    return { scores, tokens: 0, cacheHits: 0, timings: { queueMs: 0, tokenizeMs: 0, inferenceMs: since(t0), totalMs: 0 } };
  }

  /** Runs a direct call under the queue limit, unless its client is already gone. */
  private async slot<T>(ctl: RequestControl, work: () => Promise<T>): Promise<T> {
    if (ctl.signal?.aborted) throw new RerankError('RERANK_CANCELLED');
    if (ctl.deadline !== undefined && performance.now() > ctl.deadline) throw new RerankError('RERANK_DEADLINE');
    if (this.direct >= this.settings.maxQueue) {
      throw new RerankError('RERANK_OVERLOADED', `queue is full (maxQueue ${this.settings.maxQueue} requests running); retry later`);
    }
    this.direct++;
    try {
      return await work();
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

/** The one raw value of a result for routes that return raw scores: `raw`, else `score` (order-only backends). */
export function rawScoreOf(r: ScoredPair): number {
  return r.raw ?? r.score;
}

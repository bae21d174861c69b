import { RerankError } from '../errors.js';
import type { DocInput, Reranker, RerankOptions, RerankResult } from '../types.js';
import { checkRerankInput, finishResults, pairOptions } from '../rerank-input.js';

export interface ThresholdOptions {
  /** Drop results scoring below this (a call's own `threshold` option overrides it). */
  threshold: number;
  /** Keep at least this many of the best results even when they score below the threshold (default 1). */
  minKeep?: number;
}

/** Cuts low-scoring results but never returns fewer than `minKeep`, so RAG always gets some context. */
export class ThresholdReranker implements Reranker {
  readonly name: string;
  private readonly minKeep: number;

  constructor(private readonly inner: Reranker, private readonly opts: ThresholdOptions) {
    this.minKeep = opts.minKeep ?? 1;
    if (!Number.isFinite(opts.threshold)) throw new RerankError('RERANK_BAD_OPTION', 'threshold must be a finite number');
    if (!(Number.isInteger(this.minKeep) && this.minKeep >= 0)) throw new RerankError('RERANK_BAD_OPTION', 'minKeep must be an integer >= 0');
    this.name = `threshold(${inner.name},${opts.threshold})`;
  }

  async rerank(query: string, documents: DocInput[], options: RerankOptions = {}): Promise<RerankResult[]> {
    checkRerankInput(query, documents, options);
    const threshold = options.threshold ?? this.opts.threshold;
    const ranked = finishResults(await this.inner.rerank(query, documents, pairOptions(options)), documents);
    const kept = ranked.filter((r, i) => r.score >= threshold || i < this.minKeep);
    return finishResults(kept, documents, { ...options, threshold: undefined });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

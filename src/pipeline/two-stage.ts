import { RerankError } from '../errors.js';
import type { Reranker, Retriever, SearchHit } from '../types.js';

export interface TwoStageOptions {
  /** K1: how many first-stage hits the reranker sees (default 100). */
  firstStageK?: number;
  /** K2: the most results a search returns (default 10); a smaller `k` in search() wins. */
  topK?: number;
  /** Text of a hit whose retriever returned no `text` (e.g. a lookup in the corpus). */
  textOf?: (id: string) => string | undefined;
}

/**
 * Retriever (K1 hits) → Reranker → K2 results, itself a Retriever, so it nests anywhere a retriever
 * fits. Hits are passed to the reranker as `{text, id, score}`, so a SelectiveReranker sees the
 * first-stage scores. Returned scores are the reranker's.
 */
export class TwoStageRetriever implements Retriever {
  readonly name: string;
  private readonly k1: number;
  private readonly k2: number;

  constructor(private readonly retriever: Retriever, private readonly reranker: Reranker, private readonly opts: TwoStageOptions = {}) {
    this.k1 = opts.firstStageK ?? 100;
    this.k2 = opts.topK ?? 10;
    if (!(Number.isInteger(this.k1) && this.k1 > 0 && Number.isInteger(this.k2) && this.k2 > 0)) {
      throw new RerankError('RERANK_BAD_OPTION', 'firstStageK and topK must be positive integers');
    }
    this.name = `${retriever.name}>>${reranker.name}`;
  }

  async search(query: string, k = this.k2): Promise<SearchHit[]> {
    // Checked here, like every retriever does, not left to the stages (a first stage with no hits never asks the reranker).
    if (typeof query !== 'string' || query.trim() === '') throw new RerankError('RERANK_EMPTY_QUERY');
    if (!Number.isInteger(k) || k <= 0) throw new RerankError('RERANK_BAD_OPTION', `k must be a positive integer, got ${k}`);
    const hits = await this.retriever.search(query, Math.max(this.k1, 1));
    if (hits.length === 0) return [];
    const docs = hits.map((h) => ({ text: this.textFor(h), id: h.id, score: h.score }));
    const ranked = await this.reranker.rerank(query, docs, { topK: Math.min(k, this.k2) });
    return ranked.map((r) => ({ id: hits[r.index].id, score: r.score, text: docs[r.index].text }));
  }

  private textFor(hit: SearchHit): string {
    const text = hit.text ?? this.opts.textOf?.(hit.id);
    if (text === undefined) throw new RerankError('RERANK_BAD_OPTION', `no text for hit ${hit.id}: the retriever returns no text and no textOf was given`);
    return text;
  }
}

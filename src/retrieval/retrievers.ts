import { RerankError } from '../errors.js';
import type { Retriever, SearchHit } from '../types.js';
import type { Bm25Index } from './bm25.js';
import { rrf, weightedFusion, type Normalization } from './fusion.js';
import type { Ranked } from './topk.js';
import type { Embedder, VectorIndex } from './vector.js';

/** The corpus behind an index: ids and texts in index order. */
export interface Corpus {
  ids: string[];
  texts: string[];
}

function checkSearch(query: string, k: number): void {
  if (typeof query !== 'string' || query.trim() === '') throw new RerankError('RERANK_EMPTY_QUERY');
  if (!Number.isInteger(k) || k <= 0) throw new RerankError('RERANK_BAD_OPTION', `k must be a positive integer, got ${k}`);
}

function toHits(ranked: Ranked[], corpus: Corpus): SearchHit[] {
  return ranked.map((r) => ({ id: corpus.ids[r.index]!, score: r.score, text: corpus.texts[r.index]! }));
}

export class Bm25Retriever implements Retriever {
  readonly name = 'bm25';
  constructor(readonly index: Bm25Index, readonly corpus: Corpus, readonly language: string) {}

  async search(query: string, k: number): Promise<SearchHit[]> {
    checkSearch(query, k);
    return toHits(this.index.search(query, k), this.corpus);
  }
}

export class VectorRetriever implements Retriever {
  constructor(readonly embedder: Embedder, readonly index: VectorIndex, readonly corpus: Corpus) {}

  get name(): string {
    return `vector:${this.embedder.name}`;
  }

  async search(query: string, k: number): Promise<SearchHit[]> {
    checkSearch(query, k);
    const [q] = await this.embedder.embedQueries([query]);
    return toHits(this.index.search(q!, k), this.corpus);
  }

  async close(): Promise<void> {
    await this.embedder.close?.();
  }
}

export interface HybridOptions {
  /** 'rrf' (default, k = 60) or 'weighted' score fusion. */
  fusion?: 'rrf' | 'weighted';
  weights?: number[];
  normalization?: Normalization;
  rrfK?: number;
  /** Candidates taken from each retriever before fusing (default max(k, 100)). */
  depth?: number;
}

/** Several retrievers fused into one; itself a Retriever. */
export class HybridRetriever implements Retriever {
  constructor(readonly retrievers: Retriever[], readonly o: HybridOptions = {}) {
    if (retrievers.length === 0) throw new RerankError('RERANK_BAD_OPTION', 'a hybrid retriever needs at least one retriever');
  }

  get name(): string {
    return `hybrid(${this.retrievers.map((r) => r.name).join('+')})`;
  }

  async search(query: string, k: number): Promise<SearchHit[]> {
    checkSearch(query, k);
    const depth = Math.max(k, this.o.depth ?? 100);
    const lists = await Promise.all(this.retrievers.map((r) => r.search(query, depth)));
    const fused = this.o.fusion === 'weighted'
      ? weightedFusion(lists, { weights: this.o.weights, normalization: this.o.normalization })
      : rrf(lists, { k: this.o.rrfK, weights: this.o.weights });
    return fused.slice(0, k);
  }

  async close(): Promise<void> {
    for (const r of this.retrievers) await (r as { close?: () => Promise<void> }).close?.();
  }
}

/** The contract every reranker, retriever and combinator in rerankit shares. Imports nothing. */

/** A document as callers pass it: plain text or an object with a `text` field (extra fields are kept). */
export type DocInput = string | { text: string; [key: string]: unknown };

export interface RerankOptions {
  /** Keep only the best `topK` results. */
  topK?: number;
  /** Drop results whose `score` is below this value. */
  threshold?: number;
  /** Include the input document in each result. */
  returnDocuments?: boolean;
}

export interface RerankResult {
  /** Position of the document in the input list. */
  index: number;
  /** Relevance in [0, 1], higher is better. */
  score: number;
  /** Raw model outputs (logits for cross-encoders; backend-specific raw values otherwise). */
  logits: number[];
  document?: DocInput;
}

export interface ScoredPair {
  score: number;
  logits: number[];
}

/** One interface for every backend and combinator: ONNX, LLM, remote API, cascade, ensemble... */
export interface Reranker {
  /** A stable name for logs, metrics and the server's `model` field. */
  readonly name: string;
  rerank(query: string, documents: DocInput[], options?: RerankOptions): Promise<RerankResult[]>;
  close(): Promise<void>;
}

/** A reranker that can also score arbitrary (query, document) pairs in input order. */
export interface PairScorer extends Reranker {
  score(pairs: [string, string][]): Promise<ScoredPair[]>;
}

export interface SearchHit {
  /** Document id in the index or corpus. */
  id: string;
  score: number;
  text?: string;
}

export interface Retriever {
  readonly name: string;
  search(query: string, k: number): Promise<SearchHit[]>;
}

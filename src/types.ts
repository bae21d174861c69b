/** The contract every reranker, retriever and combinator in rerankit shares. Imports nothing. */

/** A document as callers pass it: plain text or an object with a `text` field (extra fields are kept). */
export type DocInput = string | { text: string; [key: string]: unknown };

/** How one document's tokens are cut to fit (per request; a reranker without tokens ignores it). */
export interface TruncationOptions {
  /** Cap each document at this many tokens before it is paired with the query (Cohere v2 `max_tokens_per_doc`). */
  maxTokensPerDoc?: number;
  /** Score long documents by their best window, at most this many windows each (Cohere v1 `max_chunks_per_doc`). */
  maxChunksPerDoc?: number;
  /** false: a pair longer than the model's max length is an error (RERANK_LIMIT) instead of being cut (TEI `truncate`). */
  truncate?: boolean;
  /** Which end of an over-long text is cut (TEI `truncation_direction`); 'right' by default. */
  truncationDirection?: 'left' | 'right';
}

export interface RerankOptions extends TruncationOptions {
  /** Keep only the best `topK` results. */
  topK?: number;
  /** Drop results whose `score` is below this value. */
  threshold?: number;
  /** Include the input document in each result. */
  returnDocuments?: boolean;
  /** Add an `explanation` to each result (src/explain: occlusion for any reranker); honoured by every reranker createReranker builds, by `explainRerank`/`withExplanations`, the server and the CLI; a backend built directly refuses it (RERANK_BAD_OPTION) rather than ignore it. */
  explain?: boolean | ExplainOptions;
}

export interface ExplainOptions {
  /** Extra (query, text) pairs the explanation may score in all, per call (default 512): long documents get spans of several words. */
  maxCalls?: number;
}

/** A span of a text and how much of the score it accounts for. Offsets are UTF-16 code units (String.slice). */
export interface Attribution {
  start: number;
  end: number;
  text: string;
  /** Occlusion: the score minus the score with the span removed; bm25: the span's exact share of the BM25 score. */
  weight: number;
}

/** Why a result scored as it did: its score attributed to spans of the query and of the document, in text order. */
export interface Explanation {
  /** 'occlusion' (any reranker, weights in `score` units) or 'bm25' (exact per-term contributions, which sum to `score`). */
  method: 'occlusion' | 'bm25';
  /** The score the weights explain: the result's `score` (occlusion) or the BM25 score. */
  score: number;
  query: Attribution[];
  document: Attribution[];
  /** Words per document span (1 = word by word; more where the call cap made spans coarser). */
  words: number;
  /** Extra pairs scored for this result (0 for bm25). */
  calls: number;
  /** bm25 only: each matched query term's exact contribution (they sum to `score`) and its count in the document. */
  terms?: { term: string; weight: number; tf: number }[];
}

/**
 * One result. Every field means one thing for every backend:
 * - `score`: relevance in [0, 1], higher is better;
 * - `raw`: the backend's one unbounded raw score, higher is better, where it has one: log-odds for
 *   classifiers (so `score = sigmoid(raw)`), a cosine for bi-encoders, an API's raw value; this is what
 *   TEI/Infinity `raw_scores` and Metarank return;
 * - `logits`: the model's output logits, only where a model produced them (cross-encoder heads);
 * - `rank`: 1-based position, only for order-only backends (listwise, pairwise), which have no raw score;
 * - `members`: each member's `score`, in member order, only for ensembles.
 */
export interface RerankResult extends ScoredPair {
  /** Position of the document in the input list. */
  index: number;
  rank?: number;
  members?: number[];
  document?: DocInput;
  /** Only when `explain` was asked: the same shape and meaning for every backend (src/explain). */
  explanation?: Explanation;
}

/** A scored (query, document) pair: the result fields that do not depend on the list. */
export interface ScoredPair {
  score: number;
  raw?: number;
  logits?: number[];
}

/**
 * What a reranker can do beyond `rerank()`, declared rather than probed:
 * - 'score-pairs': `score(pairs)` scores arbitrary pairs in input order (so a server can merge requests);
 * - 'count-tokens': `countTokens(query, docs)` tells each pair's token count (batching, usage).
 */
export type Capability = 'score-pairs' | 'count-tokens';

/** One interface for every backend and combinator: ONNX, LLM, remote API, cascade, ensemble... */
export interface Reranker {
  /** A stable name for logs, metrics and the server's `model` field. */
  readonly name: string;
  /** Extra abilities; absent means none. Test with `isPairScorer` / `isTokenCounter`. */
  readonly capabilities?: readonly Capability[];
  rerank(query: string, documents: DocInput[], options?: RerankOptions): Promise<RerankResult[]>;
  close(): Promise<void>;
}

/** Options of `score()` that apply to every pair of one call. */
export type PairOptions = TruncationOptions;

/** A reranker that can also score arbitrary (query, document) pairs in input order. */
export interface PairScorer extends Reranker {
  /** What the scores depend on besides the two texts (model files, max length, dtype...): a cache key part. */
  readonly identity: string;
  score(pairs: [string, string][], options?: PairOptions): Promise<ScoredPair[]>;
}

/** A reranker that can count the tokens of its (query, document) pairs as it would score them. */
export interface TokenCounter extends Reranker {
  countTokens(query: string, documents: string[], options?: PairOptions): Promise<number[]>;
}

export function isPairScorer(r: Reranker): r is PairScorer {
  return r.capabilities?.includes('score-pairs') === true;
}

export function isTokenCounter(r: Reranker): r is TokenCounter {
  return r.capabilities?.includes('count-tokens') === true;
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

/**
 * What the CLI, the server config and the library pass to build a reranker by kind (registry.ts), and
 * what each backend's factory takes — here, so that no backend imports the registry.
 */
export interface RerankerConfig {
  /** 'cross-encoder' (default) or any kind registered in registry.ts. */
  kind: string;
  /** Model id, folder, or remote model name, depending on the kind. */
  model?: string;
  [option: string]: unknown;
}

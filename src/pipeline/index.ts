/** Combinators: each takes Rerankers (or a Retriever) and is itself a Reranker (or Retriever). */
export { TwoStageRetriever, type TwoStageOptions } from './two-stage.js';
export { CascadeReranker, type CascadeOptions } from './cascade.js';
export { ThresholdReranker, type ThresholdOptions } from './threshold.js';
export { EnsembleReranker, type EnsembleMember, type EnsembleOptions } from './ensemble.js';
export { SelectiveReranker, type SelectiveOptions } from './selective.js';
export { CachedReranker, type CacheOptions } from './cache.js';

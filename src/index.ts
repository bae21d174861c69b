export * from './types.js';
export * from './errors.js';
export { CrossEncoder } from './backends/onnx/cross-encoder.js';
export type { CrossEncoderOptions } from './backends/onnx/cross-encoder.js';
export { DecoderReranker } from './backends/onnx/decoder/reranker.js';
export type { DecoderRerankerOptions } from './backends/onnx/decoder/reranker.js';
export { PRESETS as RECIPES } from './backends/onnx/decoder/recipe.js';
export type { Recipe, RecipePart, TruncationRule } from './backends/onnx/decoder/recipe.js';
export { createReranker, registerReranker, rerankerKinds, rerankerOptions } from './registry.js';
export type { RerankerConfig, RerankerFactory, CreateRerankerOptions, OptionsSchema } from './registry.js';
export { LlmClient, ListwiseReranker, PairwiseReranker, PointwiseReranker, RANKGPT_PROMPTS, RANKZEPHYR_PROMPTS, PRP_PROMPTS, POINTWISE_PROMPTS } from './backends/llm/index.js';
export type { LlmClientOptions, LlmStats, RequestRecord, ListwiseOptions, PairwiseOptions, PointwiseOptions, ListwisePrompts, PairwisePrompts, PointwisePrompts } from './backends/llm/index.js';
export { RemoteReranker, DIALECTS as REMOTE_DIALECTS } from './backends/remote/index.js';
export type { RemoteRerankerOptions, RemoteStats } from './backends/remote/index.js';
export { buildServer, startServer, resolveServeSettings } from './server/index.js';
export type { ServeSettings, ModelSpec, RunningServer, RerankServer } from './server/index.js';
export { BiEncoder, BiReranker } from './backends/onnx/bi-encoder.js';
export type { BiEncoderOptions, Pooling } from './backends/onnx/bi-encoder.js';
export * from './retrieval/index.js';
export * from './pipeline/index.js';
export * from './eval/index.js';
export { explainRerank, withExplanations, explainPair, explainBm25, explainByOcclusion, pairReasons, scorerOf, DEFAULT_MAX_CALLS } from './explain/index.js';
export type { Group, GroupScorer, PairReason } from './explain/index.js';
// Learning from feedback (Metarank's events, features and LambdaMART; docs/learning.md).
export { Learner, parseLearnConfig, LEARNED_MODEL_TYPES } from './learn/learner.js';
export type { LearnConfig, TrainReport, RankedItem, RerankerScorer } from './learn/learner.js';
export { FileLearnStore, MemoryLearnStore } from './learn/file-store.js';
export { LEARN_STORE_SCHEMA } from './learn/store.js';
export type { LearnStore, StoreOp } from './learn/store.js';
export { parseEvents, readEventFile } from './learn/events.js';
export type { LearnEvent } from './learn/events.js';
export { trainLambdaMart } from './learn/lambdamart.js';
export type { LambdaMartModel, LambdaMartParams, RankGroup } from './learn/lambdamart.js';
// The collection loaders docs/evaluation.md lists (loadDataset detects which one a folder needs).
export { loadCisi, loadCranfield } from './eval/smart.js';
export { loadNovelEval, loadSciFact } from './eval/collections.js';
export type { DynamicQuantOptions } from './quantize/dynamic.js';
export type { QuantizeFolderResult } from './quantize/folder.js';
import type { quantizeFolder as QuantizeFolder } from './quantize/folder.js';

/**
 * Writes onnx/model_quantized.onnx (dynamic int8) next to a model folder's fp32 ONNX file. Loaded on
 * first call; the rest of the quantizer (quantizeDynamic, DEFAULT_QUANT, readModel) is `rerankit/quantize`.
 */
export async function quantizeFolder(...args: Parameters<typeof QuantizeFolder>): ReturnType<typeof QuantizeFolder> {
  return (await import('./quantize/folder.js')).quantizeFolder(...args);
}

import type { RerankerConfig } from '../../types.js';
import { clientFromConfig, optInt, promptsFrom } from './config.js';
import { ListwiseReranker } from './listwise.js';
import { PairwiseReranker } from './pairwise.js';
import { PointwiseReranker } from './pointwise.js';
import { POINTWISE_PROMPTS, PRP_PROMPTS, RANKGPT_PROMPTS, RANKZEPHYR_PROMPTS } from './prompts.js';
import { RerankError } from '../../errors.js';

/** Registry factories for the LLM kinds: listwise, pairwise, pointwise. */
export async function createListwise(config: RerankerConfig): Promise<ListwiseReranker> {
  const preset = config.promptStyle === 'rankzephyr' ? RANKZEPHYR_PROMPTS : RANKGPT_PROMPTS;
  if (config.promptStyle !== undefined && config.promptStyle !== 'rankgpt' && config.promptStyle !== 'rankzephyr') {
    throw new RerankError('RERANK_BAD_OPTION', `promptStyle must be rankgpt or rankzephyr (got ${String(config.promptStyle)})`);
  }
  return new ListwiseReranker(clientFromConfig(config), {
    window: optInt(config, 'window', 2), stride: optInt(config, 'stride', 1), passes: optInt(config, 'passes', 1),
    depth: optInt(config, 'depth', 1), maxWords: optInt(config, 'maxWords', 0), prompts: promptsFrom(preset, config.prompts),
  });
}

export async function createPairwise(config: RerankerConfig): Promise<PairwiseReranker> {
  return new PairwiseReranker(clientFromConfig(config), {
    sortTopK: optInt(config, 'sortTopK', 1), maxWords: optInt(config, 'maxWords', 0), prompts: promptsFrom(PRP_PROMPTS, config.prompts),
  });
}

export async function createPointwise(config: RerankerConfig): Promise<PointwiseReranker> {
  const mode = config.pointwiseMode ?? 'auto';
  if (mode !== 'auto' && mode !== 'logprobs' && mode !== 'grade') {
    throw new RerankError('RERANK_BAD_OPTION', `pointwiseMode must be auto, logprobs or grade (got ${String(mode)})`);
  }
  return new PointwiseReranker(clientFromConfig(config), {
    mode, maxWords: optInt(config, 'maxWords', 0), prompts: promptsFrom(POINTWISE_PROMPTS, config.prompts),
  });
}

export { LlmClient } from './client.js';
export type { LlmClientOptions, LlmStats, RequestRecord, ChatMessage } from './client.js';
export { ListwiseReranker, type ListwiseOptions } from './listwise.js';
export { PairwiseReranker, type PairwiseOptions } from './pairwise.js';
export { PointwiseReranker, type PointwiseOptions } from './pointwise.js';
export { parsePermutation } from './permutation.js';
export { slidingWindow, windows } from './window.js';
export { RANKGPT_PROMPTS, RANKZEPHYR_PROMPTS, PRP_PROMPTS, POINTWISE_PROMPTS } from './prompts.js';
export type { ListwisePrompts, PairwisePrompts, PointwisePrompts } from './prompts.js';

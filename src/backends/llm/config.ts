import { readFileSync } from 'node:fs';
import { RerankError } from '../../errors.js';
import type { RerankerConfig } from '../../types.js';
import { LlmClient, type LlmClientOptions } from './client.js';

/**
 * Reading the LLM rerankers' options from a RerankerConfig (what the CLI and server build).
 * Keys: llmBaseUrl, llmModel (or model), llmApiKey (or $OPENAI_API_KEY), llmEndpoint, timeoutMs,
 * retries, backoffMs, concurrency, cache, maxWords, prompts, plus each kind's own keys. The registry
 * checks a config against the kind's schema first (src/registry.ts): a key added here must be added there.
 */
export function clientFromConfig(config: RerankerConfig): LlmClient {
  const baseUrl = str(config.llmBaseUrl) ?? str(config.baseUrl) ?? process.env.OPENAI_BASE_URL;
  if (!baseUrl) throw new RerankError('RERANK_BAD_OPTION', `${config.kind} needs an OpenAI-compatible endpoint (--llm-base-url)`);
  const model = str(config.llmModel) ?? str(config.model);
  if (!model) throw new RerankError('RERANK_BAD_OPTION', `${config.kind} needs a model name (--llm-model)`);
  const endpoint = config.llmEndpoint ?? 'chat';
  if (endpoint !== 'chat' && endpoint !== 'completions') {
    throw new RerankError('RERANK_BAD_OPTION', `llmEndpoint must be "chat" or "completions" (got ${String(endpoint)})`);
  }
  const cache = config.cache === false ? false : optInt(config, 'cache', 0);
  const o: LlmClientOptions = {
    baseUrl, model, endpoint, cache,
    apiKey: str(config.llmApiKey) ?? str(config.apiKey) ?? process.env.OPENAI_API_KEY,
    timeoutMs: optInt(config, 'timeoutMs', 1), retries: optInt(config, 'retries', 0),
    backoffMs: optInt(config, 'backoffMs', 0), concurrency: optInt(config, 'concurrency', 1),
  };
  return new LlmClient(o);
}

/** An optional integer option >= min; strings (from flags or env) are accepted. */
export function optInt(config: RerankerConfig, key: string, min: number): number | undefined {
  const v = config[key];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    throw new RerankError('RERANK_BAD_OPTION', `${key} must be an integer >= ${min} (got ${String(v)})`);
  }
  return n;
}

/** User prompt overrides merged over the defaults: an object of templates, or the path of a JSON file holding one. */
export function promptsFrom<T extends object>(defaults: T, override: unknown): T {
  if (override === undefined) return defaults;
  if (typeof override === 'string') override = readPromptFile(override);
  if (typeof override !== 'object' || override === null) throw new RerankError('RERANK_BAD_OPTION', 'prompts must be an object of template strings');
  for (const [k, v] of Object.entries(override)) {
    if (!(k in defaults)) throw new RerankError('RERANK_BAD_OPTION', `unknown prompt "${k}" (known: ${Object.keys(defaults).join(', ')})`);
    if (typeof v !== typeof (defaults as Record<string, unknown>)[k]) throw new RerankError('RERANK_BAD_OPTION', `prompt "${k}" must be a ${typeof (defaults as Record<string, unknown>)[k]}`);
  }
  return { ...defaults, ...override };
}

function readPromptFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new RerankError('RERANK_FILE', `cannot read prompts from ${path}: ${(e as Error).message}`);
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Rank-derived score for rankers that return an order, not scores: rank 1 → 1, rank n → 1/n. */
export function rankScore(rank0: number, n: number): number {
  return (n - rank0) / n;
}

import { RerankError } from '../../errors.js';
import type { RerankerConfig } from '../../types.js';
import { DIALECTS } from './dialects.js';
import { RemoteReranker } from './reranker.js';

/**
 * Registry factory for the hosted kinds: cohere (v1 | v2), jina, voyage, tei, infinity, rerankit.
 * Config keys (CLI flags map onto them; checked first against the kind's schema in src/registry.ts): apiBaseUrl (or baseUrl),
 * apiKey, apiVersion (cohere only), model, timeoutMs, retries, backoffMs, concurrency,
 * maxDocumentsPerRequest. The API key falls back to the service's environment variable.
 * Results: `score` is the API's relevance in [0, 1]; `raw` only where the API returns an unbounded raw
 * value (TEI's raw scores), never a copy of the score.
 */
export async function createRemoteReranker(config: RerankerConfig): Promise<RemoteReranker> {
  const kind = config.kind === 'cohere' ? `cohere-${cohereVersion(config.apiVersion)}` : config.kind;
  const dialect = DIALECTS[kind];
  if (!dialect) throw new RerankError('RERANK_BAD_OPTION', `unknown hosted reranker "${config.kind}"`);
  const baseUrl = str(config.apiBaseUrl) ?? str(config.baseUrl);
  const apiKey = str(config.apiKey) ?? dialect.envKeys.map((k) => process.env[k]).find((v) => v);
  // A key is only mandatory against the vendor itself; self-hosted servers often run without one.
  if (!apiKey && !baseUrl && dialect.defaultBaseUrl) {
    throw new RerankError('RERANK_UNAUTHORIZED', `${dialect.service} needs an API key: pass --api-key or set ${dialect.envKeys[0]}`);
  }
  return new RemoteReranker(dialect, {
    baseUrl, apiKey, model: str(config.model),
    timeoutMs: num(config.timeoutMs, 'timeoutMs'), retries: num(config.retries, 'retries'), backoffMs: num(config.backoffMs, 'backoffMs'),
    concurrency: num(config.concurrency, 'concurrency'), maxDocumentsPerRequest: num(config.maxDocumentsPerRequest, 'maxDocumentsPerRequest'),
  });
}

function cohereVersion(v: unknown): 'v1' | 'v2' {
  if (v === undefined || v === 'v2' || v === '2' || v === 2) return 'v2';
  if (v === 'v1' || v === '1' || v === 1) return 'v1';
  throw new RerankError('RERANK_BAD_OPTION', `apiVersion for cohere must be v1 or v2 (got ${String(v)})`);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new RerankError('RERANK_BAD_OPTION', `${name} must be a non-negative number (got ${String(v)})`);
  return n;
}

export { RemoteReranker, endpointUrl } from './reranker.js';
export type { RemoteRerankerOptions, RemoteStats } from './reranker.js';
export { DIALECTS } from './dialects.js';
export type { Dialect } from './dialects.js';

import { RerankError } from './errors.js';
import type { Reranker } from './types.js';

/** What the CLI, the server config and the library pass to build a reranker by kind. */
export interface RerankerConfig {
  /** 'cross-encoder' (default) or any kind registered below. */
  kind: string;
  /** Model id, folder, or remote model name, depending on the kind. */
  model?: string;
  [option: string]: unknown;
}

export type RerankerFactory = (config: RerankerConfig) => Promise<Reranker>;

/** Kind → lazy factory: nothing heavy (onnxruntime, HTTP clients) loads until a kind is used. */
const FACTORIES = new Map<string, () => Promise<RerankerFactory>>([
  ['cross-encoder', async () => (await import('./backends/onnx/cross-encoder.js')).createCrossEncoder],
  ['bi-encoder', async () => (await import('./backends/onnx/bi-encoder.js')).createBiReranker],
  ['listwise', async () => (await import('./backends/llm/index.js')).createListwise],
  ['pairwise', async () => (await import('./backends/llm/index.js')).createPairwise],
  ['pointwise', async () => (await import('./backends/llm/index.js')).createPointwise],
  ...['cohere', 'jina', 'voyage', 'tei', 'infinity', 'rerankit'].map((k): [string, () => Promise<RerankerFactory>] => [k, async () => (await import('./backends/remote/index.js')).createRemoteReranker]),
]);

export function registerReranker(kind: string, load: () => Promise<RerankerFactory>): void {
  FACTORIES.set(kind, load);
}

export function rerankerKinds(): string[] {
  return [...FACTORIES.keys()];
}

export async function createReranker(config: RerankerConfig): Promise<Reranker> {
  const load = FACTORIES.get(config.kind);
  if (!load) throw new RerankError('RERANK_BAD_OPTION', `unknown reranker "${config.kind}" (known: ${rerankerKinds().join(', ')})`);
  return (await load())(config);
}
